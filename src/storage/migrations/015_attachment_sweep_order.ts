import { type Kysely, type Migration, sql } from 'kysely'

/**
 * The sweep's index (services/attachment-sweep.ts) orders uploads no message took by `created_at`, then
 * `id`: a sweep walks it once, past the files the store would not delete, instead of meeting them first
 * in every batch. SQLite's index held the rowid already; PostgreSQL's did not.
 */
export const attachmentSweepOrder: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createIndex('palaver_attachments_sweep')
      .on('palaver_attachments')
      .columns(['created_at', 'id'])
      .where(sql.ref('message_id'), 'is', null)
      .execute()
    await db.schema.dropIndex('palaver_attachments_unsent').execute()
  },
}
