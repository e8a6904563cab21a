import type { Migration } from 'kysely'
import { type Kysely, sql } from 'kysely'

/**
 * The log's index by user holds only the events about a user (a member added or removed, a chat
 * deleted for them): message and receipt events, nearly all of the log, have no user, and every one of
 * them used to cost an index entry that no query ever reads (they are found by chat).
 */
export const leanEventIndexes: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.dropIndex('palaver_events_user').execute()
    await db.schema
      .createIndex('palaver_events_user')
      .on('palaver_events')
      .columns(['user_id', 'cursor'])
      .where(sql.ref('user_id'), 'is not', null)
      .execute()
  },
}
