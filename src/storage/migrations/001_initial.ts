import { type Kysely, type Migration, sql } from 'kysely'
import type { SqlDialect } from '../dialect.js'

/** The first schema: users, chats, members, messages, reactions, the event log and its counter. */
export function initialSchema(dialect: SqlDialect): Migration {
  const { autoIdType: autoId, bigintType: bigint } = dialect
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('palaver_users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('email', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('avatar_url', 'text')
        .addColumn('search_text', 'text', (c) => c.notNull())
        .addColumn('updated_at', bigint, (c) => c.notNull())
        .execute()

      await db.schema
        .createTable('palaver_chats')
        .addColumn('id', autoId, (c) =>
          c.primaryKey().$call((c) => (autoId === 'integer' ? c.autoIncrement() : c)),
        )
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('title', 'text')
        .addColumn('dm_key', 'text', (c) => c.unique())
        .addColumn('content_type', 'text')
        .addColumn('object_id', 'text')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', bigint, (c) => c.notNull())
        .addColumn('last_activity_at', bigint, (c) => c.notNull())
        .addColumn('member_count', 'integer', (c) => c.notNull().defaultTo(0))
        .execute()
      await db.schema
        .createIndex('palaver_chats_room')
        .unique()
        .on('palaver_chats')
        .columns(['content_type', 'object_id'])
        .execute()
      await db.schema
        .createIndex('palaver_chats_kind')
        .on('palaver_chats')
        .columns(['kind', 'last_activity_at'])
        .execute()

      await db.schema
        .createTable('palaver_members')
        .addColumn('id', autoId, (c) =>
          c.primaryKey().$call((c) => (autoId === 'integer' ? c.autoIncrement() : c)),
        )
        .addColumn('chat_id', bigint, (c) => c.notNull().references('palaver_chats.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('joined_at', bigint, (c) => c.notNull())
        .addColumn('last_read_message_id', bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('last_delivered_message_id', bigint, (c) => c.notNull().defaultTo(0))
        .execute()
      await db.schema
        .createIndex('palaver_members_chat_user')
        .unique()
        .on('palaver_members')
        .columns(['chat_id', 'user_id'])
        .execute()
      await db.schema
        .createIndex('palaver_members_user')
        .on('palaver_members')
        .columns(['user_id', 'chat_id'])
        .execute()

      await db.schema
        .createTable('palaver_messages')
        .addColumn('id', autoId, (c) =>
          c.primaryKey().$call((c) => (autoId === 'integer' ? c.autoIncrement() : c)),
        )
        .addColumn('chat_id', bigint, (c) => c.notNull().references('palaver_chats.id').onDelete('cascade'))
        .addColumn('sender_id', 'text', (c) => c.notNull())
        .addColumn('body', 'text')
        .addColumn('client_id', 'text')
        .addColumn('created_at', bigint, (c) => c.notNull())
        .addColumn('edited_at', bigint)
        .addColumn('deleted_at', bigint)
        .execute()
      // History pages and unread counts walk a chat's messages by id.
      await db.schema
        .createIndex('palaver_messages_chat')
        .on('palaver_messages')
        .columns(['chat_id', 'id', 'sender_id', 'deleted_at'])
        .execute()
      await db.schema
        .createIndex('palaver_messages_client')
        .unique()
        .on('palaver_messages')
        .columns(['sender_id', 'client_id'])
        .execute()

      await db.schema
        .createTable('palaver_reactions')
        .addColumn('message_id', bigint, (c) =>
          c.notNull().references('palaver_messages.id').onDelete('cascade'),
        )
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('emoji', 'text', (c) => c.notNull())
        .addColumn('created_at', bigint, (c) => c.notNull())
        .addPrimaryKeyConstraint('palaver_reactions_pk', ['message_id', 'emoji', 'user_id'])
        .execute()

      await db.schema
        .createTable('palaver_events')
        .addColumn('cursor', bigint, (c) => c.primaryKey())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('chat_id', bigint)
        .addColumn('user_id', 'text')
        .addColumn('message_id', bigint)
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('created_at', bigint, (c) => c.notNull())
        .execute()
      await db.schema
        .createIndex('palaver_events_chat')
        .on('palaver_events')
        .columns(['chat_id', 'cursor'])
        .execute()
      await db.schema
        .createIndex('palaver_events_user')
        .on('palaver_events')
        .columns(['user_id', 'cursor'])
        .execute()
      await db.schema
        .createIndex('palaver_events_message')
        .on('palaver_events')
        .column('message_id')
        .execute()

      await db.schema
        .createTable('palaver_counters')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', bigint, (c) => c.notNull())
        .execute()
      // event_cursor: the last cursor handed out; pruned_through: the last cursor retention removed.
      await sql`insert into palaver_counters (name, value) values ('event_cursor', 0), ('pruned_through', 0)`.execute(
        db,
      )

      await dialect.createSearchIndex(db)
    },
  }
}
