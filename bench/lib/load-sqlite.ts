import SQLite from 'better-sqlite3'
import type { Plan } from './dataset.js'
import { progress, timed } from './progress.js'
import { eventCounters, tableSources } from './rows.js'

/** Variables per statement stay under SQLite's historical limit of 999. */
const MAX_VARIABLES = 990
const ROWS_PER_TRANSACTION = 100_000

/**
 * Bulk-loads the plan into a SQLite file whose schema Palaver's migrations already created.
 * Secondary indexes and triggers of the loaded tables are dropped first and recreated afterwards
 * from their own stored SQL (so they come back exactly as the migrations made them); the FTS index
 * is then rebuilt from the messages in one pass.
 */
export async function loadSqlite(file: string, plan: Plan): Promise<void> {
  const db = new SQLite(file)
  try {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = OFF')
    db.pragma('foreign_keys = OFF')
    db.pragma('cache_size = -262144')
    db.pragma('temp_store = MEMORY')
    const sources = tableSources(plan)
    const tables = sources.map((s) => s.table)
    const saved = db
      .prepare(
        `select type, name, sql from sqlite_master
         where type in ('index', 'trigger') and sql is not null
           and tbl_name in (${tables.map(() => '?').join(', ')})
         order by case type when 'index' then 0 else 1 end, rowid`,
      )
      .all(...tables) as Array<{ type: 'index' | 'trigger'; name: string; sql: string }>
    for (const { type, name } of saved) db.exec(`drop ${type} "${name}"`)

    for (const source of sources) {
      const width = source.columns.length
      const perStatement = Math.floor(MAX_VARIABLES / width)
      const insertSql = (rows: number) =>
        `insert into ${source.table} (${source.columns.join(', ')}) values ${Array.from(
          { length: rows },
          () => `(${source.columns.map(() => '?').join(', ')})`,
        ).join(', ')}`
      const full = db.prepare(insertSql(perStatement))
      const bar = progress(source.table, source.count)
      let batch: unknown[] = []
      let batchRows = 0
      let done = 0
      db.exec('begin')
      for (const row of source.rows()) {
        for (const value of row) batch.push(value)
        if (++batchRows === perStatement) {
          full.run(batch)
          batch = []
          batchRows = 0
        }
        if (++done % ROWS_PER_TRANSACTION === 0) {
          if (batchRows > 0) {
            db.prepare(insertSql(batchRows)).run(batch)
            batch = []
            batchRows = 0
          }
          db.exec('commit')
          db.exec('begin')
          bar.tick(done)
        }
      }
      if (batchRows > 0) db.prepare(insertSql(batchRows)).run(batch)
      db.exec('commit')
      bar.done()
    }

    await timed('recreate indexes and triggers', () => {
      for (const { sql } of saved) db.exec(sql)
    })
    const hasFts = db
      .prepare(`select 1 from sqlite_master where type = 'table' and name = 'palaver_messages_fts'`)
      .get()
    if (hasFts) {
      await timed('rebuild the FTS5 index', () => {
        db.exec(`insert into palaver_messages_fts(palaver_messages_fts) values ('rebuild')`)
      })
    }
    const setCounter = db.prepare(`update palaver_counters set value = ? where name = ?`)
    for (const [name, value] of Object.entries(eventCounters(plan))) setCounter.run(value, name)
    // The rebuild indexed every message: none waits for the index (see migration 004).
    db.exec(`update palaver_counters set value = (select coalesce(max(id), 0) from palaver_messages)
      where name = 'search_indexed_through'`)
    db.pragma('wal_checkpoint(TRUNCATE)')
  } finally {
    db.close()
  }
}
