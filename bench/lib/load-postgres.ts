import pg from 'pg'
import type { Plan } from './dataset.js'
import { progress, timed } from './progress.js'
import { eventCounters, tableSources } from './rows.js'

const ROWS_PER_STATEMENT = 10_000

/**
 * Bulk-loads the plan into a PostgreSQL schema whose tables Palaver's migrations already created.
 * Rows go in as `insert … select * from unnest($1::type[], …)`: one parameter per column, ten
 * thousand rows per statement, one transaction per table. Secondary indexes (not those backing a
 * constraint) are dropped first and recreated from their own definitions; foreign-key triggers are
 * skipped during the load (session_replication_role), since the rows are generated consistent.
 * The generated search_vector column fills itself. Ends with VACUUM ANALYZE.
 */
export async function loadPostgres(url: string, schema: string, plan: Plan): Promise<void> {
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` })
  await client.connect()
  try {
    await client.query(`set maintenance_work_mem = '1GB'`)
    await client.query('set synchronous_commit = off')
    await client.query('set session_replication_role = replica').catch(() => {
      console.log('  (not a superuser: foreign keys are checked during the load)')
    })
    const sources = tableSources(plan)
    const tables = sources.map((s) => s.table)
    const { rows: indexes } = await client.query<{ indexname: string; indexdef: string }>(
      `select i.indexname, i.indexdef from pg_indexes i
       where i.schemaname = $1 and i.tablename = any($2)
         and not exists (select 1 from pg_constraint c
                         where c.conname = i.indexname and c.connamespace = $1::regnamespace)`,
      [schema, tables],
    )
    for (const { indexname } of indexes) await client.query(`drop index "${schema}"."${indexname}"`)

    for (const source of sources) {
      const { rows: types } = await client.query<{ column_name: string; udt_name: string }>(
        `select column_name, udt_name from information_schema.columns
         where table_schema = $1 and table_name = $2`,
        [schema, source.table],
      )
      const typeOf = new Map(types.map((t) => [t.column_name, t.udt_name]))
      const statement = `insert into ${source.table} (${source.columns.join(', ')})
        select * from unnest(${source.columns.map((c, i) => `$${i + 1}::${typeOf.get(c)}[]`).join(', ')})`
      const bar = progress(source.table, source.count)
      let columns: unknown[][] = source.columns.map(() => [])
      let batchRows = 0
      let done = 0
      const flush = async () => {
        if (batchRows === 0) return
        await client.query(statement, columns)
        columns = source.columns.map(() => [])
        batchRows = 0
      }
      await client.query('begin')
      for (const row of source.rows()) {
        for (let i = 0; i < row.length; i++) columns[i]!.push(row[i])
        if (++batchRows === ROWS_PER_STATEMENT) await flush()
        if (++done % 100_000 === 0) bar.tick(done)
      }
      await flush()
      await client.query('commit')
      bar.done()
    }

    await timed('recreate indexes', async () => {
      for (const { indexdef } of indexes) await client.query(indexdef)
    })
    for (const table of ['palaver_chats', 'palaver_members', 'palaver_messages']) {
      await client.query(
        `select setval(pg_get_serial_sequence($1, 'id'), greatest(1, (select max(id) from ${table})))`,
        [`${schema}.${table}`],
      )
    }
    const counters = eventCounters(plan)
    for (const [name, value] of Object.entries(counters))
      await client.query(`update palaver_counters set value = $1 where name = $2`, [value, name])
    await client.query('reset session_replication_role')
    const { rows: all } = await client.query<{ table_name: string }>(
      `select table_name from information_schema.tables where table_schema = $1 and table_type = 'BASE TABLE'`,
      [schema],
    )
    await timed('vacuum analyze', () =>
      client.query(`vacuum analyze ${all.map((t) => `"${schema}"."${t.table_name}"`).join(', ')}`),
    )
  } finally {
    await client.end()
  }
}
