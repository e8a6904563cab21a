// The README's "Kysely of your own" block, type-checked by `npm test` (test/database-faults.test.ts
// covers the behaviour: a pool without these parsers is refused, and one with them serves sends).
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { createPalaver, postgresTypes } from 'palaver'

declare function getUser(request: Request): { id: string } | null
interface HostTables {
  users: { id: number; name: string }
}

// #region readme
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, types: postgresTypes })
pool.on('error', (error) => console.warn('PostgreSQL connection lost', error)) // an idle one's
const db = new Kysely<HostTables>({ dialect: new PostgresDialect({ pool }) }) // typed with your tables
const palaver = await createPalaver({ database: { kysely: db, dialect: 'postgres' }, getUser })
// #endregion

export { palaver }
