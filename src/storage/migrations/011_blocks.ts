import type { Kysely, Migration } from 'kysely'
import type { SqlDialect } from '../dialect.js'

/**
 * A user may block another (see services/blocks.ts). Looked up both ways: whom someone blocked (the
 * primary key), and who blocked someone (the second index), since a block stops messages either way.
 */
export function blocks(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('palaver_blocks')
        .addColumn('blocker_id', 'text', (c) => c.notNull())
        .addColumn('blocked_id', 'text', (c) => c.notNull())
        .addColumn('created_at', dialect.bigintType, (c) => c.notNull())
        .addPrimaryKeyConstraint('palaver_blocks_pk', ['blocker_id', 'blocked_id'])
        .execute()
      await db.schema
        .createIndex('palaver_blocks_blocked')
        .on('palaver_blocks')
        .columns(['blocked_id', 'blocker_id'])
        .execute()
    },
  }
}
