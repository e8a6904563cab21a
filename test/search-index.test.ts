import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { until } from './helpers/client.js'
import { databases, POSTGRES_URL, type TestDatabase } from './helpers/databases.js'
import { startServer, type TestServer } from './helpers/server.js'

// SQLite indexes messages after the transaction that stores them (migration 004); these tests hold it
// to what a reader must never notice: a search finds every message at once, and the index stays exact.
const sqlite = databases.find((d) => d.name === 'sqlite')!

describe('the SQLite search index, filled in batches', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startServer(sqlite)
  })
  afterAll(() => server.close())

  const group = async () =>
    (await server.as('alice').post('/api/chats/', { title: 'Index', memberIds: ['bob'] })).body.id as number
  /** Every word any message of these tests ever had: none may linger in the index once gone. */
  const vocabulary = new Set<string>()
  const wordsOf = (text: string) => new Set(text.toLowerCase().match(/[a-z0-9]+/g) ?? [])
  const send = async (chatId: number, body: string) => {
    for (const word of wordsOf(body)) vocabulary.add(word)
    return (await server.as('alice').post(`/api/chats/${chatId}/messages/`, { body })).body.id as number
  }
  const edit = (id: number, body: string) => {
    for (const word of wordsOf(body)) vocabulary.add(word)
    return server.as('alice').patch(`/api/messages/${id}/`, { body })
  }
  const found = async (q: string) =>
    ((await server.as('bob').get(`/api/search/?q=${encodeURIComponent(q)}`)).body.results as any[]).map(
      (r) => r.message.id as number,
    )
  const indexed = async () =>
    Number(
      (
        await sql<{ n: number }>`select count(*) as n from palaver_messages_fts_docsize`.execute(
          server.palaver.db,
        )
      ).rows[0]!.n,
    )
  /**
   * The index holds every stored word of every message and nothing else: for each word of the messages
   * tests ever used, the index finds exactly the messages that have it now (after a search, so that nothing waits), and
   * FTS5's own check finds its structure sound. (Its check against the table would also count deleted
   * messages, whose empty bodies are never indexed.)
   */
  const integrity = async () => {
    await found('anything')
    const rows = await server.palaver.db
      .selectFrom('palaver_messages')
      .select(['id', 'body'])
      .where('body', 'is not', null)
      .execute()
    const expected = new Map<string, number[]>([...vocabulary].map((word) => [word, []]))
    for (const { id, body } of rows) for (const word of wordsOf(body!)) expected.get(word)?.push(id)
    for (const [word, ids] of expected) {
      const matched = await sql<{ rowid: number }>`select rowid from palaver_messages_fts
        where palaver_messages_fts match ${`"${word}"`} order by rowid`.execute(server.palaver.db)
      expect(
        matched.rows.map((r) => r.rowid),
        word,
      ).toEqual(ids.sort((a, b) => a - b))
    }
    await sql`insert into palaver_messages_fts(palaver_messages_fts) values ('integrity-check')`.execute(
      server.palaver.db,
    )
  }

  it('does not write the index in the send, yet a search finds the message at once', async () => {
    const chat = await group()
    const before = await indexed()
    const id = await send(chat, 'a quokka smiles')
    expect(await indexed()).toBe(before)
    expect(await found('quokka')).toEqual([id])
    expect(await indexed()).toBe(before + 1)
    await integrity()
  })

  it('indexes what was sent by itself, without a search', async () => {
    const chat = await group()
    const ids = [await send(chat, 'first wombat'), await send(chat, 'second wombat')]
    const total = async () =>
      Number(
        (await sql<{ n: number }>`select count(*) as n from palaver_messages`.execute(server.palaver.db))
          .rows[0]!.n,
      )
    await until('the index', async () => (await indexed()) === (await total()), 5000)
    expect(await found('wombat')).toEqual([...ids].reverse())
    await integrity()
  })

  it('keeps the index exact through edits and deletes on both sides of the mark', async () => {
    const chat = await group()
    const early = await send(chat, 'early heron')
    expect(await found('heron')).toEqual([early])
    // Indexed now: the triggers update the index.
    const late = [await send(chat, 'late egret one'), await send(chat, 'late egret two')]
    // Not indexed yet: the triggers leave the index alone, and the batch reads the text as it is then.
    expect((await edit(late[0]!, 'late ibis one')).status).toBe(200)
    expect((await server.as('alice').delete(`/api/messages/${late[1]}/`)).status).toBe(204)
    expect((await edit(early, 'early stork')).status).toBe(200)
    await integrity()
    expect(await found('egret')).toEqual([])
    expect(await found('heron')).toEqual([])
    expect(await found('ibis')).toEqual([late[0]])
    expect(await found('stork')).toEqual([early])
    expect((await server.as('alice').delete(`/api/messages/${late[0]}/`)).status).toBe(204)
    expect(await found('ibis')).toEqual([])
    await integrity()
  })

  it('loses nothing when the chat and its messages go before they were indexed', async () => {
    const chat = await group()
    await send(chat, 'gone flamingo')
    expect((await server.as('alice').delete(`/api/chats/${chat}/`)).status).toBe(204)
    expect(await found('flamingo')).toEqual([])
    await integrity()
  })
})

// PostgreSQL keeps a send's new index entries in the GIN index's pending list (migration 005), which
// searches read too, and which Palaver merges in the background so that no send has to.
const postgres = databases.find((d) => d.name === 'postgres')

describe.skipIf(!postgres)('the PostgreSQL search index, merged in the background', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startServer(postgres!)
    // pgstatginindex reads the pending list without merging it. Kept in public: an extension exists once.
    await sql`create extension if not exists pgstattuple schema public`.execute(server.palaver.db)
  })
  afterAll(() => server?.close())

  const pending = async () =>
    Number(
      (
        await sql<{ n: string }>`select pending_tuples::text as n
          from public.pgstatginindex('palaver_messages_search'::regclass)`.execute(server.palaver.db)
      ).rows[0]!.n,
    )
  const found = async (q: string) =>
    ((await server.as('bob').get(`/api/search/?q=${encodeURIComponent(q)}`)).body.results as any[]).map(
      (r) => r.message.id as number,
    )

  it('takes sends into the pending list, finds them there at once, and merges the list by itself', async () => {
    const options = await sql<{ options: string[] }>`select reloptions as options from pg_class
      where oid = 'palaver_messages_search'::regclass`.execute(server.palaver.db)
    expect(options.rows[0]!.options).toEqual(['fastupdate=on', 'gin_pending_list_limit=1024'])
    const chat = (await server.as('alice').post('/api/chats/', { title: 'Pending', memberIds: ['bob'] })).body
      .id as number
    const ids: number[] = []
    for (const body of ['a narwhal sings', 'the narwhal again', 'no whales here'])
      ids.push((await server.as('alice').post(`/api/chats/${chat}/messages/`, { body })).body.id)
    expect(await found('narwhal')).toEqual([ids[1], ids[0]])
    await until('the pending list to be merged', async () => (await pending()) === 0, 5000)
    // Merged into the index proper: still found, an edit still takes the old word out.
    expect(await found('narwhal')).toEqual([ids[1], ids[0]])
    expect(
      (await server.as('alice').patch(`/api/messages/${ids[0]}/`, { body: 'a dolphin sings' })).status,
    ).toBe(200)
    expect(await found('narwhal')).toEqual([ids[1]])
    expect(await found('dolphin')).toEqual([ids[0]])
  }, 15_000)

  it('works on for a database role that may not merge: it says so once, and sends and searches go on', async () => {
    // A role that was granted the tables but does not own them (migrations ran as the owner, then
    // `migrate: false`), as a site that separates the two would run it.
    const id = randomBytes(6).toString('hex')
    const role = `palaver_reader_${id}`
    const schema = `palaver_test_reader_${id}`
    const admin = new pg.Client({ connectionString: POSTGRES_URL })
    await admin.connect()
    const warn = vi.spyOn(console, 'warn')
    let reader: TestServer | undefined
    try {
      const owner = await startServer({
        name: 'postgres',
        create: async () => ({
          option: { postgres: POSTGRES_URL, schema, poolSize: 2 },
          drop: async () => {},
        }),
      })
      await owner.close()
      await admin.query(`create role ${role} login`)
      await admin.query(`grant usage on schema ${schema} to ${role}`)
      await admin.query(`grant select, insert, update, delete on all tables in schema ${schema} to ${role}`)
      await admin.query(`grant usage, select on all sequences in schema ${schema} to ${role}`)
      const url = new URL(POSTGRES_URL)
      url.username = role
      const asReader: TestDatabase = {
        name: 'postgres',
        create: async () => ({ option: { postgres: url.href, schema, poolSize: 2 }, drop: async () => {} }),
      }
      reader = await startServer(asReader, { migrate: false })
      const chat = (await reader.as('alice').post('/api/chats/', { title: 'Reader', memberIds: ['bob'] }))
        .body.id
      const first = (await reader.as('alice').post(`/api/chats/${chat}/messages/`, { body: 'an okapi' })).body
        .id
      const refusals = () =>
        warn.mock.calls.filter((call) => String(call[0]).includes('pending list cannot be merged')).length
      await until('a warning that the pending list cannot be merged', () => refusals() > 0, 5000)
      // Passes go on (a second of them), without trying again or warning of anything else.
      await new Promise((resolve) => setTimeout(resolve, 1000))
      expect(refusals()).toBe(1)
      expect(warn.mock.calls.filter((call) => String(call[0]).includes('indexing messages'))).toEqual([])
      const second = (await reader.as('alice').post(`/api/chats/${chat}/messages/`, { body: 'two okapis' }))
        .body.id
      const found = (await reader.as('bob').get('/api/search/?q=okapi')).body.results as any[]
      expect(found.map((r) => r.message.id as number).sort((a, b) => a - b)).toEqual([first, second])
    } finally {
      warn.mockRestore()
      await reader?.close()
      await admin.query(`drop schema if exists ${schema} cascade`)
      await admin.query(`drop role if exists ${role}`)
      await admin.end()
    }
  }, 20_000)
})
