import type { Kysely } from 'kysely'
import type { DatabaseOption } from '../options.js'
import type { SqlDialect } from './dialect.js'
import { assertNumericTypes, ensureSchema, openPostgres, postgresDialect } from './postgres.js'
import type { DatabaseSchema } from './schema.js'
import { openSqlite, sqliteDialect, sqliteDialectOf } from './sqlite.js'

export interface Storage {
  db: Kysely<DatabaseSchema>
  dialect: SqlDialect
  /** Whether Palaver opened the connection (and so closes it). */
  owned: boolean
}

/** Opens the database the options name; the one place that knows which dialects exist. */
export async function openStorage(option: DatabaseOption, searchLanguage: string): Promise<Storage> {
  if ('sqlite' in option) {
    const db = openSqlite(option.sqlite, option.synchronous)
    return { db, dialect: sqliteDialectOf(db), owned: true }
  }
  if ('postgres' in option) {
    if (option.schema) await ensureSchema(option.postgres, option.schema)
    return {
      db: openPostgres(
        option.postgres,
        option.schema,
        option.poolSize ?? 10,
        option.applicationName ?? 'palaver',
      ),
      dialect: postgresDialect(searchLanguage),
      owned: true,
    }
  }
  if (option.dialect === 'sqlite') return { db: option.kysely, dialect: sqliteDialect, owned: false }
  await assertNumericTypes(option.kysely)
  return { db: option.kysely, dialect: postgresDialect(searchLanguage), owned: false }
}
