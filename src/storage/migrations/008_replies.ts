import { type Kysely, type Migration, sql } from 'kysely'
import type { SqlDialect } from '../dialect.js'

/**
 * A message may answer an earlier one of its chat: `reply_to_id`. No foreign key: messages are never
 * deleted one by one (a deleted message stays as its tombstone), only with their chat, replies and all.
 *
 * Replies are looked up by the message they answer only when that message is edited or deleted, to
 * rewrite the quote in their events, so the index keeps entries for replies alone: a send that answers
 * nothing writes none.
 */
export function replies(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('palaver_messages').addColumn('reply_to_id', dialect.bigintType).execute()
      await db.schema
        .createIndex('palaver_messages_replies')
        .on('palaver_messages')
        .column('reply_to_id')
        .where(sql.ref('reply_to_id'), 'is not', null)
        .execute()
    },
  }
}
