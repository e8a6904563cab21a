import type { Kysely, Migration } from 'kysely'
import type { SqlDialect } from '../dialect.js'

/**
 * Writes to the search index cost the same every time: PostgreSQL's GIN index no longer gathers new
 * entries in a pending list that one unlucky insert (a send, and every send queued behind it) must merge.
 */
export function steadySearchIndex(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await dialect.steadySearchIndex(db)
    },
  }
}
