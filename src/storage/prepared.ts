import { type Compilable, CompiledQuery } from 'kysely'
import type { Db } from './dialect.js'

/**
 * Starts the SQL of a statement worth keeping prepared on the server: PostgreSQL then parses and plans
 * it once per connection instead of every time (see QuietClient in postgres.ts). Harmless elsewhere.
 */
export const PREPARE = '/* palaver:prepare */ '

/** Where a value goes in a prepared query: it stands in for the value while the query is compiled. */
class Slot {
  constructor(readonly name: string) {}
}

/** A prepared query: run it through Kysely, or take its SQL to run on a connection of your own. */
export interface Prepared<Name extends string, Row> {
  (db: Db, values: Record<Name, unknown>): Promise<Row[]>
  /** Its SQL for `db`'s dialect, and its parameters in order for the given values. */
  compiled(db: Db): { sql: string; parameters(values: Record<Name, unknown>): unknown[] }
}

/**
 * A query built and compiled once per SQL dialect, then run with new values each time. On the send
 * path Kysely's builder and compiler cost more than SQLite takes to run the statement, and several run
 * per message; PostgreSQL keeps it prepared. `build` puts `slot(name)` where each value goes; a list
 * whose length varies (`in (…)`) cannot be a slot.
 */
export function prepared<Name extends string, Row>(
  build: (db: Db, slot: (name: Name) => never) => Compilable<Row>,
): Prepared<Name, Row> {
  // Keyed by the dialect's adapter, which a transaction shares with its Kysely instance. The text is
  // kept as one string: the statement caches look it up by it, and a string hashes only once.
  const compiledFor = new WeakMap<object, { sql: string; parameters: readonly unknown[] }>()
  const compile = (db: Db) => {
    const adapter = db.getExecutor().adapter
    let compiled = compiledFor.get(adapter)
    if (!compiled) {
      const query = build(db, (name) => new Slot(name) as never).compile()
      compiled = { sql: PREPARE + query.sql, parameters: query.parameters }
      compiledFor.set(adapter, compiled)
    }
    return compiled
  }
  const bind = (parameters: readonly unknown[], values: Record<Name, unknown>) =>
    parameters.map((p) => (p instanceof Slot ? values[p.name as Name] : p))
  const run = async (db: Db, values: Record<Name, unknown>) => {
    const compiled = compile(db)
    const query = CompiledQuery.raw(compiled.sql, bind(compiled.parameters, values)) as CompiledQuery<Row>
    return (await db.executeQuery(query)).rows
  }
  return Object.assign(run, {
    compiled(db: Db) {
      const { sql, parameters } = compile(db)
      return { sql, parameters: (values: Record<Name, unknown>) => bind(parameters, values) }
    },
  })
}
