import { randomBytes } from 'node:crypto'
import pg from 'pg'
import type { DatabaseOption } from '../../src/options.js'

export const POSTGRES_URL = process.env.PALAVER_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test'
const inCI = process.env.CI === 'true'

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    await client.query('select 1')
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => {})
  }
}

const postgresAvailable = await postgresReachable()
if (!postgresAvailable) {
  const line = `PostgreSQL is not reachable at ${POSTGRES_URL}`
  if (inCI) throw new Error(`${line}: CI requires it`)
  console.warn(`\n!!! ${line}: SKIPPING every PostgreSQL test !!!\n`)
}

export interface TestDatabase {
  name: 'sqlite' | 'postgres'
  /** A fresh, empty database (a new SQLite file or a new PostgreSQL schema). */
  create(): Promise<{ option: DatabaseOption; drop(): Promise<void> }>
}

const sqlite: TestDatabase = {
  name: 'sqlite',
  async create() {
    return { option: { sqlite: ':memory:' }, drop: async () => {} }
  },
}

const postgres: TestDatabase = {
  name: 'postgres',
  async create() {
    const schema = `palaver_test_${randomBytes(6).toString('hex')}`
    return {
      option: { postgres: POSTGRES_URL, schema, poolSize: 5 },
      async drop() {
        const client = new pg.Client({ connectionString: POSTGRES_URL })
        await client.connect()
        await client.query(`drop schema if exists "${schema}" cascade`)
        await client.end()
      },
    }
  },
}

/** The databases every integration test runs on: SQLite always, PostgreSQL when reachable. */
export const databases: TestDatabase[] = postgresAvailable ? [sqlite, postgres] : [sqlite]
