import { type Kysely, type Migration, sql } from 'kysely'
import type { SqlDialect } from '../dialect.js'

/**
 * A message may be pinned to its chat: `pinned_at` (epoch ms) and `pinned_by` (a user id), both null
 * otherwise. Nullable without a default, so adding them writes no row of a big table; a chat's pins are
 * found through an index of those messages alone, which a send that pins nothing never writes to.
 */
export function pins(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('palaver_messages').addColumn('pinned_at', dialect.bigintType).execute()
      await db.schema.alterTable('palaver_messages').addColumn('pinned_by', 'text').execute()
      await db.schema
        .createIndex('palaver_messages_pinned')
        .on('palaver_messages')
        .columns(['chat_id', 'pinned_at'])
        .where(sql.ref('pinned_at'), 'is not', null)
        .execute()
    },
  }
}
