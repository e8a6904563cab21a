import { type Kysely, type Migration, sql } from 'kysely'

/**
 * A message may mention every member of its chat (`@everyone`, see services/mentions.ts):
 * `mentions_everyone`, 1 when it does, null otherwise. Nullable without a default, so adding it writes no
 * row of a big table. The unread mention counts find such messages through their own index, which holds
 * entries for them alone: a send that mentions nobody writes none, and the counts never read a message
 * row they did not read before.
 */
export const mentionsEveryone: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('palaver_messages').addColumn('mentions_everyone', 'integer').execute()
    await db.schema
      .createIndex('palaver_messages_everyone')
      .on('palaver_messages')
      .columns(['chat_id', 'id'])
      .where(sql.ref('mentions_everyone'), 'is not', null)
      .execute()
  },
}
