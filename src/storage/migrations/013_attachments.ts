import { type Kysely, type Migration, sql } from 'kysely'
import type { SqlDialect } from '../dialect.js'

/**
 * Attachments (see services/attachments.ts): what each file is, in `palaver_attachments`, and, with the
 * default store, its bytes in `palaver_attachment_data` (a table of their own, so that reading what a
 * page of messages holds never reads file contents).
 *
 * An upload belongs to no message until one is sent with it (`message_id` null). The chat id has no
 * foreign key on purpose: when a chat goes, its files' rows stay until the sweep has deleted their
 * bytes from the store, which may be outside the database.
 */
export function attachments(dialect: SqlDialect): Migration {
  const { autoIdType: autoId, bigintType: bigint } = dialect
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('palaver_attachments')
        .addColumn('id', autoId, (c) =>
          c.primaryKey().$call((c) => (autoId === 'integer' ? c.autoIncrement() : c)),
        )
        .addColumn('key', 'text', (c) => c.notNull().unique())
        .addColumn('chat_id', bigint, (c) => c.notNull())
        .addColumn('uploader_id', 'text', (c) => c.notNull())
        .addColumn('message_id', bigint)
        .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('width', 'integer')
        .addColumn('height', 'integer')
        .addColumn('created_at', bigint, (c) => c.notNull())
        .execute()
      await db.schema
        .createIndex('palaver_attachments_message')
        .on('palaver_attachments')
        .columns(['message_id', 'position'])
        .where(sql.ref('message_id'), 'is not', null)
        .execute()
      // What a removed chat hands over to the sweep (services/attachment-deletion.ts, releaseChatAttachments).
      await db.schema
        .createIndex('palaver_attachments_chat')
        .on('palaver_attachments')
        .column('chat_id')
        .execute()
      // The sweep's one question: uploads no message took, among them the files of removed chats.
      await db.schema
        .createIndex('palaver_attachments_unsent')
        .on('palaver_attachments')
        .column('created_at')
        .where(sql.ref('message_id'), 'is', null)
        .execute()
      await db.schema
        .createTable('palaver_attachment_data')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('data', dialect.name === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
        .execute()
    },
  }
}
