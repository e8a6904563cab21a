// The host owns its users and sessions in PostgreSQL; Palaver reads them through a UserDirectory
// and keeps its own tables in a separate schema of the same database.
// Run it: DATABASE_URL=postgres://… npx tsx examples/host-users-postgres.ts
// (in your app, import from 'palaver' and 'palaver/node')
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import pg from 'pg'
import { createPalaver, type UserDirectory, type UserProfile } from '../src/index.js'
import { attachWebSocket, toNodeHandler } from '../src/node/index.js'

/** The host's own tables (you have these already). */
async function createHostTables(pool: pg.Pool): Promise<void> {
  await pool.query(`
    create table if not exists users (
      id serial primary key,
      username text not null unique,
      full_name text not null,
      email text not null
    );
    create table if not exists sessions (
      id text primary key,
      user_id integer not null references users (id),
      expires_at timestamptz not null
    );
    insert into users (username, full_name, email) values
      ('alice', 'Alice Example', 'alice@example.com'),
      ('bob', 'Bob Example', 'bob@example.com')
    on conflict (username) do nothing;`)
}

interface UserRow {
  id: number
  username: string
  full_name: string
  email: string
}
const profile = (row: UserRow): UserProfile => ({
  id: String(row.id), // Palaver's user ids are strings
  username: row.username,
  name: row.full_name,
  email: row.email,
})
const numericIds = (ids: readonly string[]) => ids.filter((id) => /^\d{1,9}$/.test(id)).map(Number)

/** Palaver's view of the host's users table: look up by id, and search by name, username or e-mail. */
export function hostUserDirectory(pool: pg.Pool): UserDirectory {
  return {
    async get(ids) {
      const { rows } = await pool.query<UserRow>('select * from users where id = any($1::int[])', [
        numericIds(ids),
      ])
      return rows.map(profile)
    },
    async search(query, { limit, within }) {
      if (within?.length === 0) return [] // an empty contact list finds nobody
      const pattern = `%${query.replace(/[\\%_]/g, '\\$&')}%` // "50%" means the text "50%"
      const { rows } = await pool.query<UserRow>(
        `select * from users
          where (username ilike $1 or full_name ilike $1 or email ilike $1)
            and ($2::int[] is null or id = any($2::int[]))
          order by full_name limit $3`,
        [pattern, within ? numericIds(within) : null, limit],
      )
      return rows.map(profile)
    },
  }
}

/** The host's session: a random id in a cookie, a row in its sessions table. */
async function sessionUser(pool: pg.Pool, cookieHeader: string | null | undefined) {
  const sid = /(?:^|;\s*)sid=([^;]+)/.exec(cookieHeader ?? '')?.[1]
  if (!sid) return null
  const { rows } = await pool.query<UserRow>(
    `select users.* from sessions join users on users.id = sessions.user_id
      where sessions.id = $1 and sessions.expires_at > now()`,
    [sid],
  )
  return rows[0] ? profile(rows[0]) : null
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = ''
  for await (const chunk of req) body += chunk
  return new URLSearchParams(body)
}

export async function start({
  port = 3000,
  database = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
} = {}) {
  const pool = new pg.Pool({ connectionString: database })
  // As pg advises: an idle connection the server ends (a restart, an administrator) is an 'error' event,
  // which would crash the process without a listener. The pool replaces the connection.
  pool.on('error', (error) => console.warn(`PostgreSQL connection lost: ${error.message}`))
  await createHostTables(pool)
  const palaver = await createPalaver({
    database: { postgres: database, schema: 'palaver' }, // Palaver's tables stay in their own schema
    users: hostUserDirectory(pool),
    getUser: (request) => sessionUser(pool, request.headers.get('cookie')),
  })

  // The host's login: a form post that starts a session (a real app checks the password too).
  async function login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST' || req.url !== '/login') return void res.writeHead(404).end()
    const form = await readForm(req)
    const { rows } = await pool.query<UserRow>('select * from users where username = $1', [
      form.get('username'),
    ])
    if (!rows[0]) return void res.writeHead(401).end('Unknown user')
    const sid = randomBytes(24).toString('base64url')
    await pool.query(`insert into sessions values ($1, $2, now() + interval '7 days')`, [sid, rows[0].id])
    res.writeHead(303, { location: '/messages/', 'set-cookie': `sid=${sid}; Path=/; HttpOnly; SameSite=Lax` })
    res.end()
  }

  const messages = toNodeHandler(palaver)
  const server = createServer((req, res) => {
    messages(req, res, () => void login(req, res).catch(() => res.writeHead(500).end()))
  })
  const sockets = attachWebSocket(server, palaver)
  server.listen(port)
  await once(server, 'listening')
  return {
    url: `http://localhost:${(server.address() as AddressInfo).port}`,
    async close() {
      sockets.close()
      server.closeAllConnections()
      server.close()
      await palaver.close()
      await pool.end()
    },
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { url } = await start({ port: Number(process.env.PORT ?? 3000) })
  console.log(`Listening on ${url}: POST username=alice to ${url}/login, then open ${url}/messages/`)
}
