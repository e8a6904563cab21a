import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, type LogEvent, PostgresDialect, SqliteDialect, sql } from 'kysely'
import pg from 'pg'
import { createPalaver, type Palaver } from '../../src/palaver.js'
import type { DatabaseSchema } from '../../src/storage/schema.js'
import { ROOM_CONTENT_TYPE } from './dataset.js'

export type DatabaseName = 'sqlite' | 'postgres'

/** What a cached database was generated from, and how long generation took. */
export interface CacheMeta {
  key: string
  schema: string
  generatedAt: string
  generationSeconds: number
}

export const USER_HEADER = 'x-bench-user'

/**
 * A Palaver instance as a host would set it up: the user id comes from a header; topic rooms are public.
 * Retention is stretched so the generated (dated 2024–25) event-log tail is never pruned from the cache.
 */
export function benchOptions() {
  return {
    eventRetentionMs: 20 * 365 * 86_400_000,
    getUser: (request: Request) => {
      const id = request.headers.get(USER_HEADER)
      return id ? { id } : null
    },
    rooms: {
      [ROOM_CONTENT_TYPE]: (objectId: string) => ({
        title: `Topic ${objectId.slice(1)}`,
        access: 'public' as const,
      }),
    },
  }
}

const hash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16)

// ---------------------------------------------------------------- SQLite

const sidecar = (file: string) => `${file}.json`

/** The schema Palaver's migrations create on SQLite, as a fingerprint (taken from a fresh in-memory database). */
export async function sqliteSchemaFingerprint(): Promise<string> {
  const palaver = await createPalaver({ database: { sqlite: ':memory:' }, getUser: () => null })
  try {
    const { rows } = await sql<{ sql: string | null; name: string }>`
      select name, sql from sqlite_master where name not like 'sqlite_%' order by name`.execute(palaver.db)
    return hash(JSON.stringify(rows))
  } finally {
    await palaver.close()
  }
}

export function readSqliteMeta(file: string): CacheMeta | null {
  if (!existsSync(file) || !existsSync(sidecar(file))) return null
  try {
    return JSON.parse(readFileSync(sidecar(file), 'utf8')) as CacheMeta
  } catch {
    return null
  }
}

export function removeSqlite(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`, sidecar(file)]) rmSync(f, { force: true })
}

export function writeSqliteMeta(file: string, meta: CacheMeta): void {
  writeFileSync(sidecar(file), `${JSON.stringify(meta, null, 2)}\n`)
}

/** Creates Palaver's schema in a new SQLite file through Palaver itself. */
export async function createSqliteSchema(file: string): Promise<void> {
  mkdirSync(dirname(file), { recursive: true })
  const palaver = await createPalaver({ database: { sqlite: file }, getUser: () => null })
  await palaver.close()
}

export const openSqliteBench = (file: string): Promise<Palaver> =>
  createPalaver({ database: { sqlite: file }, ...benchOptions() })

/** A Kysely on the same file with the pragmas Palaver uses, logging every query (for the profile). */
export function loggingSqlite(file: string, log: (event: LogEvent) => void) {
  const database = new SQLite(file)
  database.pragma('journal_mode = WAL')
  database.pragma('synchronous = NORMAL')
  database.pragma('foreign_keys = ON')
  database.pragma('busy_timeout = 5000')
  const db = new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database }), log })
  return { db, database }
}

// ---------------------------------------------------------------- PostgreSQL

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

async function pgSchemaDump(client: pg.Client, schema: string): Promise<string> {
  const strip = (text: string | null) => text?.replaceAll(`${schema}.`, '') ?? null
  const columns = await client.query(
    `select table_name, column_name, data_type, is_nullable, column_default, generation_expression
     from information_schema.columns where table_schema = $1 order by table_name, column_name`,
    [schema],
  )
  const indexes = await client.query(
    `select indexname, indexdef from pg_indexes where schemaname = $1 order by indexname`,
    [schema],
  )
  const constraints = await client.query(
    `select conname, pg_get_constraintdef(oid) as def from pg_constraint
     where connamespace = $1::regnamespace order by conname`,
    [schema],
  )
  return JSON.stringify([
    columns.rows.map((r) => ({ ...r, column_default: strip(r.column_default) })),
    indexes.rows.map((r) => ({ ...r, indexdef: strip(r.indexdef) })),
    constraints.rows,
  ])
}

/** The schema Palaver's migrations create on PostgreSQL, as a fingerprint (taken from a scratch schema). */
export async function postgresSchemaFingerprint(url: string): Promise<string> {
  const probe = 'palaver_bench_probe'
  await withClient(url, (c) => c.query(`drop schema if exists ${probe} cascade`))
  const palaver = await createPalaver({
    database: { postgres: url, schema: probe, poolSize: 1 },
    getUser: () => null,
  })
  await palaver.close()
  return withClient(url, async (client) => {
    try {
      return hash(await pgSchemaDump(client, probe))
    } finally {
      await client.query(`drop schema if exists ${probe} cascade`)
    }
  })
}

export async function readPostgresMeta(url: string, schema: string): Promise<CacheMeta | null> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ comment: string | null }>(
      `select obj_description(oid, 'pg_namespace') as comment from pg_namespace where nspname = $1`,
      [schema],
    )
    try {
      return rows[0]?.comment ? (JSON.parse(rows[0].comment) as CacheMeta) : null
    } catch {
      return null
    }
  })
}

export async function dropPostgresSchema(url: string, schema: string): Promise<void> {
  await withClient(url, (c) => c.query(`drop schema if exists ${schema} cascade`))
}

export async function writePostgresMeta(url: string, schema: string, meta: CacheMeta): Promise<void> {
  await withClient(url, (c) =>
    c.query(`comment on schema ${schema} is ${pg.Client.prototype.escapeLiteral(JSON.stringify(meta))}`),
  )
}

export async function createPostgresSchema(url: string, schema: string): Promise<void> {
  const palaver = await createPalaver({
    database: { postgres: url, schema, poolSize: 1 },
    getUser: () => null,
  })
  await palaver.close()
}

export const openPostgresBench = (url: string, schema: string): Promise<Palaver> =>
  createPalaver({ database: { postgres: url, schema, poolSize: 10 }, ...benchOptions() })

const int8 = 20
const numeric = 1700

/** A Kysely on the schema with the same pool settings as Palaver's, logging every query (for the profile). */
export function loggingPostgres(url: string, schema: string, log: (event: LogEvent) => void) {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    options: `-c search_path=${schema}`,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === int8 || oid === numeric
          ? Number
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  })
  const db = new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool }), log })
  return { db, pool }
}

export async function postgresVersion(url: string): Promise<string> {
  return withClient(
    url,
    async (c) => (await c.query<{ v: string }>(`select current_setting('server_version') as v`)).rows[0]!.v,
  )
}

export async function postgresSettings(url: string): Promise<Record<string, string>> {
  return withClient(url, async (c) => {
    const names = ['shared_buffers', 'work_mem', 'effective_cache_size', 'random_page_cost', 'jit']
    const { rows } = await c.query<{ name: string; setting: string }>(
      `select name, current_setting(name) as setting from pg_settings where name = any($1) order by name`,
      [names],
    )
    return Object.fromEntries(rows.map((r) => [r.name, r.setting]))
  })
}
