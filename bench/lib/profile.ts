import type { LogEvent } from 'kysely'
import { createPalaver, type Palaver } from '../../src/palaver.js'
import { benchOptions, type DatabaseName, loggingPostgres, loggingSqlite } from './databases.js'
import { type Scenario, type ScenarioId, send } from './scenarios.js'

/**
 * Where a scenario's time goes, query by query: Palaver runs on a Kysely instance the bench owns
 * (the `{ kysely, dialect }` database option), whose log records every statement and its duration.
 * The heaviest statements are then explained with the parameters of their slowest run.
 */

export interface QueryProfile {
  sql: string
  /** Executions per request. */
  perRequest: number
  /** Mean milliseconds per request spent in this statement. */
  msPerRequest: number
  maxMs: number
  plan: string
  /** What the plan was produced with. */
  parameters: readonly unknown[]
}

export interface ScenarioProfile {
  scenario: ScenarioId
  database: DatabaseName
  requests: number
  /** Mean ms per request spent in queries (all statements). */
  queryMsPerRequest: number
  queries: QueryProfile[]
}

/** Groups statements that differ only in the length of an IN list or the numbering of parameters. */
const normalize = (sql: string) =>
  sql
    .replace(/\$\d+/g, '$?')
    .replace(/\((?:\?|\$\?)(?:, ?(?:\?|\$\?))*\)/g, '(…)')
    .replace(/\s+/g, ' ')
    .trim()

interface Open {
  palaver: Palaver
  explain(sql: string, parameters: readonly unknown[]): Promise<string>
  close(): Promise<void>
}

async function open(
  database: DatabaseName,
  target: { file: string } | { url: string; schema: string },
  log: (event: LogEvent) => void,
): Promise<Open> {
  if (database === 'sqlite' && 'file' in target) {
    const { db, database: raw } = loggingSqlite(target.file, log)
    const palaver = await createPalaver({ database: { kysely: db, dialect: 'sqlite' }, ...benchOptions() })
    return {
      palaver,
      async explain(sql, parameters) {
        const rows = raw.prepare(`explain query plan ${sql}`).all(...(parameters as unknown[])) as Array<{
          id: number
          parent: number
          detail: string
        }>
        const depth = new Map<number, number>([[0, 0]])
        return rows
          .map((r) => {
            const d = (depth.get(r.parent) ?? 0) + 1
            depth.set(r.id, d)
            return `${'  '.repeat(d - 1)}${r.detail}`
          })
          .join('\n')
      },
      async close() {
        await palaver.close()
        await db.destroy()
      },
    }
  }
  if (database === 'postgres' && 'url' in target) {
    const { db, pool } = loggingPostgres(target.url, target.schema, log)
    const palaver = await createPalaver({ database: { kysely: db, dialect: 'postgres' }, ...benchOptions() })
    return {
      palaver,
      async explain(sql, parameters) {
        const { rows } = await pool.query<{ 'QUERY PLAN': string }>(
          `explain (analyze, buffers) ${sql}`,
          parameters as unknown[],
        )
        return rows.map((r) => r['QUERY PLAN']).join('\n')
      },
      async close() {
        await palaver.close()
        await db.destroy()
      },
    }
  }
  throw new Error(`No target for ${database}`)
}

export async function profileScenarios(
  database: DatabaseName,
  target: { file: string } | { url: string; schema: string },
  scenarios: readonly Scenario[],
  { requests = 20, top = 3 } = {},
): Promise<ScenarioProfile[]> {
  let events: LogEvent[] = []
  const handle = await open(database, target, (event) => {
    events.push(event)
  })
  const profiles: ScenarioProfile[] = []
  try {
    for (const scenario of scenarios) {
      const calls = scenario.calls.slice(0, requests)
      // One untimed pass over the same calls so caches are as warm as in the timed run.
      for (const call of calls) await send(handle.palaver, call)
      events = []
      for (const call of calls) await send(handle.palaver, call)
      const groups = new Map<string, { count: number; total: number; max: number; slowest: LogEvent }>()
      let total = 0
      for (const event of events) {
        // The read scenarios never touch the event log: those statements are the realtime hub's polling.
        if (event.level !== 'query' || /\bpalaver_(events|counters)\b/.test(event.query.sql)) continue
        const key = normalize(event.query.sql)
        const ms = event.queryDurationMillis
        total += ms
        const group = groups.get(key)
        if (!group) groups.set(key, { count: 1, total: ms, max: ms, slowest: event })
        else {
          group.count++
          group.total += ms
          if (ms > group.max) {
            group.max = ms
            group.slowest = event
          }
        }
      }
      const heaviest = [...groups.entries()].sort((a, b) => b[1].total - a[1].total).slice(0, top)
      const queries: QueryProfile[] = []
      for (const [key, group] of heaviest) {
        const parameters = group.slowest.query.parameters
        const plan = await handle
          .explain(group.slowest.query.sql, parameters)
          .catch((error: unknown) => `(explain failed: ${String(error)})`)
        queries.push({
          sql: key,
          perRequest: group.count / calls.length,
          msPerRequest: group.total / calls.length,
          maxMs: group.max,
          plan,
          parameters,
        })
      }
      profiles.push({
        scenario: scenario.id,
        database,
        requests: calls.length,
        queryMsPerRequest: total / calls.length,
        queries,
      })
    }
  } finally {
    await handle.close()
  }
  return profiles
}
