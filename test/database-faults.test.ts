import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPalaver, postgresTypes } from '../src/index.js'
import { GroupCommit } from '../src/services/group-commit.js'
import { openStorage } from '../src/storage/open.js'
import { databases, POSTGRES_URL } from './helpers/databases.js'
import { type AnswerFault, TcpProxy } from './helpers/proxy.js'
import { startServer, type TestServer } from './helpers/server.js'

const postgres = databases.find((d) => d.name === 'postgres')

describe.runIf(postgres)('when PostgreSQL goes away and comes back', () => {
  const url = new URL(POSTGRES_URL)
  const proxy = new TcpProxy(url.hostname, Number(url.port || 5432))
  let server: TestServer
  let chatId: number
  beforeAll(async () => {
    const port = await proxy.start()
    const viaProxy = new URL(POSTGRES_URL)
    viaProxy.port = String(port)
    const base = postgres!
    server = await startServer({
      name: 'postgres',
      async create() {
        const created = await base.create()
        const option = { ...created.option, postgres: viaProxy.toString() } as typeof created.option
        return { ...created, option }
      },
    })
    chatId = (await server.as('alice').post('/api/chats/', { title: 'Faults', memberIds: ['bob'] })).body.id
  })
  afterAll(async () => {
    await proxy.restore().catch(() => {})
    await server.close()
    await proxy.stop()
  })

  const send = (body: string) => server.as('alice').post(`/api/chats/${chatId}/messages/`, { body })

  it('answers 503 with a clear error while it is away, leaves nothing half-written, and recovers by itself', async () => {
    const before = await send('before')
    expect(before.status).toBe(201)

    await proxy.cut()
    const during = await Promise.all([
      send('during 1'),
      send('during 2'),
      server.as('bob').get('/api/chats/'),
    ])
    for (const reply of during) {
      expect(reply.status).toBe(503)
      expect(reply.body.error).toMatchObject({
        code: 'unavailable',
        message: expect.stringContaining('database'),
      })
      expect(reply.headers.get('retry-after')).toBe('1')
    }

    await proxy.restore()
    // The pool replaces its dead connections: the next requests succeed without a restart.
    let after = await send('after')
    for (let attempt = 0; after.status === 503 && attempt < 20; attempt++) after = await send('after')
    expect(after.status).toBe(201)

    const messages = await server.palaver.db
      .selectFrom('palaver_messages')
      .select(['id', 'body'])
      .where('chat_id', '=', chatId)
      .execute()
    expect(messages.map((m) => m.body)).toEqual(['before', 'after'])
    const events = await server.palaver.db
      .selectFrom('palaver_events')
      .select('message_id')
      .where('type', '=', 'message.created')
      .where('chat_id', '=', chatId)
      .execute()
    // Every message has its event and every event its message: nothing half-written.
    expect(events.map((e) => e.message_id)).toEqual(messages.map((m) => m.id))
  })

  const faults: AnswerFault[] = ['fatal', 'drop']

  it.each(faults)(
    'stores a send once when the answer to its committed statement is lost (%s), and answers 503',
    async (fault) => {
      const body = `answer lost: ${fault}`
      // The statement that stores a batch of sends with their events, which commits by itself.
      const sprung = proxy.loseAnswer((text) => text.includes("'message.created'"), fault)
      const reply = await send(body)
      await sprung
      // Whether it was stored is not known here: not a 201, and not stored a second time by a rerun.
      expect(reply.status).toBe(503)
      const history = await server.as('bob').get(`/api/chats/${chatId}/messages/?limit=100`)
      expect(history.body.messages.filter((m: { body: string }) => m.body === body)).toHaveLength(1)
    },
  )

  it.each(faults)(
    'answers a send with a clientId whose statement’s answer is lost (%s) with what it stored',
    async (fault) => {
      const body = `answer lost, clientId: ${fault}`
      const sprung = proxy.loseAnswer((text) => text.includes("'message.created'"), fault)
      const reply = await server
        .as('alice')
        .post(`/api/chats/${chatId}/messages/`, { body, clientId: `lost-${fault}` })
      await sprung
      // Looked up by its clientId once the store failed: found, as a retry of it would be.
      expect(reply.status).toBe(200)
      expect(reply.body).toMatchObject({ body, clientId: `lost-${fault}` })
      const history = await server.as('bob').get(`/api/chats/${chatId}/messages/?limit=100`)
      expect(history.body.messages.filter((m: { body: string }) => m.body === body)).toHaveLength(1)
    },
  )

  it.each(faults)('does not run a batch again when the answer to its COMMIT is lost (%s)', async (fault) => {
    const viaProxy = new URL(POSTGRES_URL)
    viaProxy.port = String(proxy.port)
    const created = await postgres!.create()
    const storage = await openStorage(
      { ...created.option, postgres: viaProxy.toString() } as typeof created.option,
      'english',
    )
    try {
      await sql`create table lost_commit (n integer)`.execute(storage.db)
      const commits = new GroupCommit<number, void>(storage.db, {
        bulk: async () => [],
        before: async () => {},
        after: () => {},
      })
      const change = (n: number) =>
        commits.run(async ({ db }) => {
          await sql`insert into lost_commit values (${n})`.execute(db)
          return { value: n, record: n }
        })
      const sprung = proxy.loseAnswer((text) => text.trim().toLowerCase() === 'commit', fault)
      // Queued in one turn: one batch, one transaction, two changes.
      const outcomes = await Promise.allSettled([change(1), change(2)])
      await sprung
      expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected'])
      const rows = await sql<{ n: number }>`select n from lost_commit order by n`.execute(storage.db)
      expect(rows.rows.map((r) => r.n)).toEqual([1, 2])
    } finally {
      await storage.db.destroy()
      await created.drop()
    }
  })
})

describe.runIf(postgres)('a connection pool of the host’s, when an answer is lost', () => {
  const url = new URL(POSTGRES_URL)
  const proxy = new TcpProxy(url.hostname, Number(url.port || 5432))
  const schema = `palaver_test_host_${process.pid}`
  let db: Kysely<any>
  let server: TestServer
  beforeAll(async () => {
    const viaProxy = new URL(POSTGRES_URL)
    viaProxy.port = String(await proxy.start())
    const admin = new pg.Client({ connectionString: POSTGRES_URL })
    await admin.connect()
    await admin.query(`create schema if not exists "${schema}"`)
    await admin.end()
    const pool = new pg.Pool({
      connectionString: viaProxy.toString(),
      options: `-c search_path=${schema}`,
      types: postgresTypes,
      // A connection that ends while it is checked out is an 'error' event of its client's, and one that
      // ends while idle, of the pool's: a process without listeners for both dies of it.
      Client: class extends pg.Client {
        constructor(config?: pg.ClientConfig) {
          super(config)
          this.on('error', () => {})
        }
      },
    })
    pool.on('error', () => {})
    db = new Kysely({ dialect: new PostgresDialect({ pool }) })
    server = await startServer(postgres!, {}, { option: { kysely: db, dialect: 'postgres' } })
  })
  afterAll(async () => {
    await server.close()
    await db.destroy()
    await proxy.stop()
    const admin = new pg.Client({ connectionString: POSTGRES_URL })
    await admin.connect()
    await admin.query(`drop schema if exists "${schema}" cascade`)
    await admin.end()
  })

  // Palaver does not see which of its messages a connection it did not open had answered: a session that
  // ended is taken for one that may have committed, and the send is not stored again.
  it.each(['fatal', 'drop'] as const)('stores a send once and answers 503 (%s)', async (fault) => {
    const chatId = (await server.as('alice').post('/api/chats/', { title: 'Host', memberIds: ['bob'] })).body
      .id
    const body = `host pool: ${fault}`
    const sprung = proxy.loseAnswer((text) => text.includes("'message.created'"), fault)
    const reply = await server.as('alice').post(`/api/chats/${chatId}/messages/`, { body })
    await sprung
    expect(reply.status).toBe(503)
    // The host's pool may hand out the connection that ended once more before it hears that it closed.
    let history = await server.as('bob').get(`/api/chats/${chatId}/messages/`)
    for (let attempt = 0; history.status === 503 && attempt < 20; attempt++)
      history = await server.as('bob').get(`/api/chats/${chatId}/messages/`)
    expect(history.body.messages.map((m: { body: string }) => m.body)).toEqual([body])
  })
})

describe.runIf(postgres)('a PostgreSQL Kysely of the host’s', () => {
  it('is refused at start when it reads 64-bit integers as strings, saying what to give its pool', async () => {
    const pool = new pg.Pool({ connectionString: POSTGRES_URL })
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) })
    try {
      await expect(
        createPalaver({ database: { kysely: db, dialect: 'postgres' }, getUser: () => null }),
      ).rejects.toThrow(/Invalid Palaver option `database`: .*types: postgresTypes/)
    } finally {
      await db.destroy()
    }
  })
})
