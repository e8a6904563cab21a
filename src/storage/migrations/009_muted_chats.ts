import type { Kysely, Migration } from 'kysely'
import type { SqlDialect } from '../dialect.js'

/** A member may mute a chat, for a while or until they unmute it: `muted_until` (see MemberRow). */
export function mutedChats(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('palaver_members').addColumn('muted_until', dialect.bigintType).execute()
    },
  }
}
