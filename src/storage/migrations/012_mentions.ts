import type { Kysely, Migration } from 'kysely'
import type { SqlDialect } from '../dialect.js'

/**
 * The members a message mentions (see services/mentions.ts), read by message: for its view, and for the
 * unread mention counts, which probe each unread message of a chat for a mention of the viewer (the
 * primary key serves both). A mention goes with its message: deleted with it, and with its chat.
 */
export function mentions(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('palaver_mentions')
        .addColumn('message_id', dialect.bigintType, (c) =>
          c.notNull().references('palaver_messages.id').onDelete('cascade'),
        )
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('palaver_mentions_pk', ['message_id', 'user_id'])
        .execute()
    },
  }
}
