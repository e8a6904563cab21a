import type { Database, Statement } from 'better-sqlite3'
import type { SqliteDatabase } from 'kysely'

/**
 * Kysely prepares every query anew; preparing costs as much as running a small query.
 * This keeps the most recently used statements, keyed by their SQL text.
 */
export function withStatementCache(database: Database, capacity = 500): SqliteDatabase {
  const statements = new Map<string, Statement>()
  return {
    close: () => database.close(),
    prepare(sql: string) {
      let statement = statements.get(sql)
      if (statement) {
        // Re-inserting moves it to the newest end, so the oldest is first in line for eviction.
        statements.delete(sql)
      } else {
        statement = database.prepare(sql)
        if (statements.size >= capacity) statements.delete(statements.keys().next().value!)
      }
      statements.set(sql, statement)
      return statement
    },
  }
}
