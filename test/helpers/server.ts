import { createPalaver, type Palaver } from '../../src/index.js'
import type { DatabaseOption, PalaverOptions } from '../../src/options.js'
import type { TestDatabase } from './databases.js'

export const DEMO_USERS = [
  { id: 'alice', username: 'alice', name: 'Alice Anderson', email: 'alice@example.com' },
  { id: 'bob', username: 'bob', name: 'Bob Brown', email: 'bob@example.com' },
  { id: 'charlie', username: 'charlie', name: 'Charlie Chen', email: 'charlie@example.org' },
  { id: 'dana', username: 'dana', name: 'Dana Díaz', email: 'dana@example.org' },
  { id: 'erin', username: 'erin', name: 'Erin Evans', email: 'erin@example.net' },
] as const

export type Options = Partial<Omit<PalaverOptions, 'database' | 'getUser'>>

export interface Reply<T = any> {
  status: number
  body: T
  headers: Headers
}

export interface TestServer {
  palaver: Palaver
  /** Calls the API as `user` (undefined = anonymous), through the public web-standard handler. */
  call<T = any>(
    user: string | undefined,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Reply<T>>
  as(user: string): UserClient
  /** Row counts of every table: compared before and after a refused request. */
  snapshot(): Promise<Record<string, number>>
  close(): Promise<void>
}

export type UserClient = {
  [M in 'get' | 'post' | 'patch' | 'delete']: <T = any>(path: string, body?: unknown) => Promise<Reply<T>>
}

const tables = [
  'palaver_users',
  'palaver_chats',
  'palaver_members',
  'palaver_messages',
  'palaver_reactions',
  'palaver_events',
  'palaver_mentions',
  'palaver_attachments',
  'palaver_attachment_data',
] as const

/** An answer's JSON; the text itself for an answer that is not JSON (a file served back as it was sent). */
function parsedOrText(text: string): any {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/**
 * A real Palaver on a fresh database, with the test users in its directory; `x-test-user` names the viewer.
 * On the `shared` database instead, for one process after another (it is not dropped).
 */
export async function startServer(
  database: TestDatabase,
  options: Options = {},
  shared?: { option: DatabaseOption },
): Promise<TestServer> {
  const { option, drop } = shared ? { ...shared, drop: async () => {} } : await database.create()
  const palaver = await createPalaver({
    // Tests send faster than people do; the rate-limit test opts back in.
    rateLimits: false,
    ...options,
    database: option,
    getUser: (request) => {
      const id = request.headers.get('x-test-user')
      return id ? { id } : null
    },
  })
  for (const user of DEMO_USERS) await palaver.users.upsert(user)

  const call: TestServer['call'] = async (user, method, path, body, headers = {}) => {
    const init: RequestInit = { method, headers: { ...headers } }
    if (user) (init.headers as Record<string, string>)['x-test-user'] = user
    if (body !== undefined) {
      ;(init.headers as Record<string, string>)['content-type'] ??= 'application/json'
      init.body = typeof body === 'string' ? body : JSON.stringify(body)
    }
    const response = await palaver.fetch(new Request(`http://palaver.test/messages${path}`, init))
    const text = await response.text()
    return { status: response.status, body: text ? parsedOrText(text) : null, headers: response.headers }
  }

  return {
    palaver,
    call,
    as(user) {
      return {
        get: (path) => call(user, 'GET', path),
        post: (path, body) => call(user, 'POST', path, body ?? {}),
        patch: (path, body) => call(user, 'PATCH', path, body ?? {}),
        delete: (path) => call(user, 'DELETE', path),
      }
    },
    async snapshot() {
      // An earlier request's "delivered" marks are written in the background, up to a second later: written
      // now, they cannot land between two snapshots and look like a change the refused request made.
      await palaver.hub.writeDeliveredMarks()
      const counts: Record<string, number> = {}
      for (const table of tables) {
        const row = await palaver.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
        counts[table] = Number(row.n)
      }
      const counter = await palaver.db
        .selectFrom('palaver_counters')
        .select('value')
        .where('name', '=', 'event_cursor')
        .executeTakeFirstOrThrow()
      counts.event_cursor = counter.value
      return counts
    },
    async close() {
      await palaver.close()
      await drop()
    },
  }
}
