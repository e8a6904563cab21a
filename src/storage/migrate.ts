import {
  type Kysely,
  type Migration,
  type MigrationProvider,
  type MigrationResultSet,
  Migrator,
} from 'kysely'
import type { SqlDialect } from './dialect.js'
import { initialSchema } from './migrations/001_initial.js'

/** Migrations live in code (not files on disk), so they ship inside the package and bundle cleanly. */
function migrationsFor(dialect: SqlDialect): Record<string, Migration> {
  return {
    '001_initial': initialSchema(dialect),
  }
}

class InCodeMigrations implements MigrationProvider {
  constructor(private readonly dialect: SqlDialect) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrationsFor(this.dialect)
  }
}

/** Applies every pending migration; a second run is a no-op. */
export async function migrateToLatest(db: Kysely<unknown>, dialect: SqlDialect): Promise<MigrationResultSet> {
  const migrator = new Migrator({
    db,
    provider: new InCodeMigrations(dialect),
    migrationTableName: 'palaver_migrations',
    migrationLockTableName: 'palaver_migrations_lock',
  })
  const result = await migrator.migrateToLatest()
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')
    throw new Error(`Palaver migration ${failed?.migrationName ?? ''} failed: ${String(result.error)}`, {
      cause: result.error,
    })
  }
  return result
}
