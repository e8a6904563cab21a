import type { Kysely, Migration } from 'kysely'
import type { SqlDialect } from '../dialect.js'

/** Where each webhook endpoint is in the event log, and which process delivers to it (see webhooks.ts). */
export function webhooks(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('palaver_webhooks')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('cursor', dialect.bigintType, (c) => c.notNull())
        .addColumn('holder', 'text')
        .addColumn('held_until', dialect.bigintType, (c) => c.notNull().defaultTo(0))
        .execute()
    },
  }
}
