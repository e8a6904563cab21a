import type { Kysely, Migration } from 'kysely'
import type { SqlDialect } from '../dialect.js'

/**
 * The members a message mentions (see services/mentions.ts). Read two ways: a message's mentions for its
 * view (the primary key), and a user's mentions in their chats past their read mark, for the unread
 * mention counts (the second index). The chat id is kept here so that count needs no join to messages.
 * A mention goes with its message: deleted with it, and with its chat.
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
        .addColumn('chat_id', dialect.bigintType, (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('palaver_mentions_pk', ['message_id', 'user_id'])
        .execute()
      await db.schema
        .createIndex('palaver_mentions_user')
        .on('palaver_mentions')
        .columns(['user_id', 'chat_id', 'message_id'])
        .execute()
    },
  }
}
