import { type Kysely, type Migration, sql } from 'kysely'
import type { SqlDialect } from '../dialect.js'

/**
 * PostgreSQL: a send no longer writes its words into the GIN index itself. With fastupdate off (migration
 * 002) every word of every message was an insert at its own place in the index, in the send's statement:
 * four fifths of the WAL a send wrote (about 8 of 10.4 KB per message), and its statements' longest runs.
 * New entries now go to the index's pending list, a few sequential pages that searches read as well, and
 * Palaver merges the list in bulk in the background (`mergeSearchIndex`, every quarter of a second), so it
 * stays short and no send finds it full: the stall migration 002 removed. The limit is only reached when
 * nobody merges (a role that may not): then the send that fills it merges it, as PostgreSQL does.
 */
export function searchPendingList(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect.name !== 'postgres') return
      const limit = sql.lit(PENDING_LIST_LIMIT_KB)
      await sql`alter index palaver_messages_search
        set (fastupdate = on, gin_pending_list_limit = ${limit})`.execute(db)
    },
  }
}

/**
 * The pending list's cap, in kB: some twenty-five times what the background merge finds at 500 messages a
 * second, and a quarter of PostgreSQL's default, so that a send that must merge it (nobody else does)
 * merges less.
 */
const PENDING_LIST_LIMIT_KB = 1024
