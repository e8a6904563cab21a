import type { Kysely, Migration } from 'kysely'

/**
 * How a message writes each of its mentions (see services/mentions.ts): the name after its "@", found
 * when the message is stored or edited, so the text still reads as a mention once the person is renamed.
 * Null where it was not found, and on every mention stored before: they show the current name.
 */
export const mentionWrittenAs: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('palaver_mentions').addColumn('written_as', 'text').execute()
  },
}
