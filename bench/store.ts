/**
 * Store benchmark: what storing a batch of sends costs the database and the thread that runs it, with
 * no network and no load generator on the cores — the part of the send path that bounds scenario 2 on
 * SQLite (see the README). For reading the effect of a change to the send's statements, its indexes or
 * the way it commits, which the realtime ramp (steps of ×1.41, on a shared machine) is too coarse for.
 *
 * Batches of plain sends go through the dialect's batch statement (`appendMessagesAlone`: what a batch
 * of plain sends commits as, events included), spread over 100 groups of 10 as in scenario 1. Beside it,
 * in the same run, the BASELINE: the same rows inserted into a table with no index, one transaction per
 * batch, on the same database with the same settings (the least a durable store of these messages costs
 * here). On SQLite it also counts what the thread handed to write(): every page a commit changes is
 * written to the log as a frame (two write calls: its header, then the page).
 *
 *   npx tsx bench/store.ts [--db=sqlite,postgres] [--sends=20000] [--batches=1,10,100] [--rounds=3]
 *
 * Prints one table (medians of the rounds); asserts nothing and writes no file.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os, { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import SQLite from 'better-sqlite3'
import pg from 'pg'
import { createPalaver } from '../src/index.js'
import type { NewMessageWithEvent, SqlDialect } from '../src/storage/dialect.js'
import { postgresDialect } from '../src/storage/postgres.js'
import { sqliteDialectOf } from '../src/storage/sqlite.js'

const POSTGRES_URL = process.env.PALAVER_BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test'
const GROUPS = 100
const GROUP_SIZE = 10

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: 'sqlite,postgres' },
    sends: { type: 'string', default: '20000' },
    batches: { type: 'string', default: '1,10,100' },
    rounds: { type: 'string', default: '3' },
  },
})
const sends = Number(values.sends)
const batches = values.batches.split(',').map(Number)
const rounds = Number(values.rounds)

/** One way of storing a batch of sends, durably, each batch committed before the next. */
interface Store {
  name: string
  batch(messages: NewMessageWithEvent[]): Promise<void>
  close(): Promise<void>
}

interface Figures {
  usPerSend: number
  writesPerSend: number | null
  kbPerSend: number | null
}

/** This thread's count of write calls and the bytes they took (Linux; null elsewhere). */
function threadWrites(): { calls: number; bytes: number } | null {
  try {
    const io = readFileSync('/proc/thread-self/io', 'utf8')
    const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)`, 'm').exec(io)?.[1])
    return { calls: field('syscw'), bytes: field('wchar') }
  } catch {
    return null
  }
}

let counter = 0
/** A plain send as the WebSocket path makes one: its event's JSON around the id the database gives. */
function message(chats: readonly number[], users: readonly string[]): NewMessageWithEvent {
  const n = ++counter
  const chatId = chats[n % chats.length]!
  const senderId = users[n % GROUP_SIZE]!
  const body = `Message ${n}: a sentence of about the length people write in a group chat.`
  const createdAt = new Date().toISOString()
  return {
    chatId,
    senderId,
    body,
    clientId: `store-${n}`,
    replyToId: null,
    memberOnly: true,
    payloadHead: '{"message":{"id":',
    payloadTail: `,"chatId":${chatId},"sender":{"id":"${senderId}","username":"${senderId}","displayName":"${senderId}","avatarUrl":"/messages/api/users/${senderId}/avatar.svg"},"body":${JSON.stringify(body)},"clientId":"store-${n}","createdAt":"${createdAt}","editedAt":null,"deletedAt":null,"reactions":[]}}`,
  }
}

async function measure(store: Store, make: () => NewMessageWithEvent, size: number): Promise<Figures> {
  const count = Math.max(1, Math.round(sends / size))
  // Warm-up: statements prepared, pages cached.
  for (let i = 0; i < Math.min(50, count); i++) await store.batch(Array.from({ length: size }, make))
  const before = threadWrites()
  const started = performance.now()
  for (let i = 0; i < count; i++) {
    await store.batch(Array.from({ length: size }, make))
    // As the group commit does between two batches: let the event loop turn.
    await new Promise((resolve) => setImmediate(resolve))
  }
  const elapsed = performance.now() - started
  const after = threadWrites()
  const total = count * size
  return {
    usPerSend: (elapsed * 1000) / total,
    writesPerSend: before && after ? (after.calls - before.calls) / total : null,
    kbPerSend: before && after ? (after.bytes - before.bytes) / total / 1024 : null,
  }
}

/** Palaver with 100 groups of 10, and the dialect's batch statement on its connection. */
async function palaverStore(
  database: 'sqlite' | 'postgres',
  dir: string,
  schema: string,
): Promise<{ store: Store; chats: number[]; users: string[] }> {
  const palaver = await createPalaver({
    database:
      database === 'sqlite' ? { sqlite: join(dir, 'palaver.sqlite') } : { postgres: POSTGRES_URL, schema },
    rateLimits: false,
    getUser: (request) => ({ id: request.headers.get('x-user')! }),
  })
  const users = Array.from({ length: GROUP_SIZE }, (_, i) => `user${i}`)
  for (const id of users) await palaver.users.upsert({ id, username: id })
  const chats: number[] = []
  for (let g = 0; g < GROUPS; g++) {
    const response = await palaver.fetch(
      new Request('http://bench/messages/api/chats/', {
        method: 'POST',
        headers: { 'x-user': users[0]!, 'content-type': 'application/json' },
        body: JSON.stringify({ title: `Group ${g}`, memberIds: users.slice(1) }),
      }),
    )
    chats.push(((await response.json()) as { id: number }).id)
  }
  const dialect: SqlDialect = database === 'sqlite' ? sqliteDialectOf(palaver.db) : postgresDialect('english')
  const append = dialect.appendMessagesAlone!
  return {
    chats,
    users,
    store: {
      name: 'Palaver',
      async batch(messages) {
        const outcomes = await append(palaver.db, messages, Date.now())
        if (outcomes.some((outcome) => typeof outcome === 'string')) throw new Error(`refused: ${outcomes}`)
      },
      close: () => palaver.close(),
    },
  }
}

/** The baseline's one table: a message's columns and its event's payload, with no index but the key. */
const baselineTable = (id: string, int: string) => `(id ${id} primary key, chat_id ${int} not null,
  sender_id text not null, body text, client_id text, created_at ${int} not null, payload text not null)`

/** SQLite with the settings Palaver gives its file, one table and no index. */
function sqliteBaseline(dir: string): Store {
  const db = new SQLite(join(dir, 'baseline.sqlite'))
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.exec(`create table messages ${baselineTable('integer', 'integer')}`)
  const insert = db.prepare(
    'insert into messages (chat_id, sender_id, body, client_id, created_at, payload) values (?, ?, ?, ?, ?, ?)',
  )
  const store = db.transaction((messages: NewMessageWithEvent[], now: number) => {
    for (const m of messages)
      insert.run(m.chatId, m.senderId, m.body, m.clientId, now, `${m.payloadHead}0${m.payloadTail}`)
  })
  return {
    name: 'Baseline',
    async batch(messages) {
      store.immediate(messages, Date.now())
    },
    async close() {
      db.close()
    },
  }
}

/** PostgreSQL: the batch as one multi-row insert that commits by itself, as Palaver's is one statement. */
async function postgresBaseline(schema: string): Promise<Store> {
  const client = new pg.Client({ connectionString: POSTGRES_URL })
  await client.connect()
  await client.query(`create table ${schema}.baseline ${baselineTable('bigserial', 'bigint')}`)
  return {
    name: 'Baseline',
    async batch(messages) {
      const now = Date.now()
      const rows = messages.map(
        (_, i) =>
          `($${i * 6 + 1}, $${i * 6 + 2}, $${i * 6 + 3}, $${i * 6 + 4}, $${i * 6 + 5}, $${i * 6 + 6})`,
      )
      await client.query(
        `insert into ${schema}.baseline (chat_id, sender_id, body, client_id, created_at, payload) values ${rows.join(', ')}`,
        messages.flatMap((m) => [
          m.chatId,
          m.senderId,
          m.body,
          m.clientId,
          now,
          `${m.payloadHead}0${m.payloadTail}`,
        ]),
      )
    },
    close: () => client.end(),
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

async function run(database: 'sqlite' | 'postgres'): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'palaver-store-'))
  const schema = `palaver_store_${process.pid}`
  const lines: string[] = []
  const stores: Store[] = []
  try {
    const opened = await palaverStore(database, dir, schema)
    stores.push(opened.store, database === 'sqlite' ? sqliteBaseline(dir) : await postgresBaseline(schema))
    const make = () => message(opened.chats, opened.users)
    for (const size of batches) {
      const figures = new Map<string, Figures[]>()
      // Alternated, so that a machine that slows down midway weighs on both alike.
      for (let round = 0; round < rounds; round++)
        for (const store of stores) {
          const list = figures.get(store.name) ?? []
          list.push(await measure(store, make, size))
          figures.set(store.name, list)
        }
      const of = (name: string) => {
        const list = figures.get(name)!
        const pick = (key: keyof Figures) =>
          list[0]![key] === null ? null : median(list.map((figure) => figure[key] as number))
        return { us: pick('usPerSend')!, writes: pick('writesPerSend'), kb: pick('kbPerSend') }
      }
      const ours = of('Palaver')
      const base = of('Baseline')
      const io = (f: { writes: number | null; kb: number | null }) =>
        database === 'sqlite' && f.writes !== null ? `${f.writes.toFixed(1)} | ${f.kb!.toFixed(1)}` : '– | –'
      lines.push(
        `| ${database === 'sqlite' ? 'SQLite' : 'PostgreSQL'} | ${size} | ${ours.us.toFixed(1)} | ${base.us.toFixed(1)} | ×${(ours.us / base.us).toFixed(2)} | ${io(ours)} | ${io(base)} |`,
      )
      console.error(lines.at(-1))
    }
  } finally {
    for (const store of stores.reverse()) await store.close()
    if (database === 'postgres') {
      const client = new pg.Client({ connectionString: POSTGRES_URL })
      await client.connect()
      await client.query(`drop schema if exists ${schema} cascade`)
      await client.end()
    }
    rmSync(dir, { recursive: true, force: true })
  }
  return lines
}

const rows: string[] = []
for (const database of values.db.split(',') as Array<'sqlite' | 'postgres'>)
  rows.push(...(await run(database)))
console.log(`
Store benchmark: ${sends} sends per measurement, medians of ${rounds} rounds, ${os.cpus().length} × ${os.cpus()[0]?.model}, Node ${process.version}
(µs of wall time per send; on SQLite the thread's write calls and KB written per send)

| Database | Batch | Palaver µs/send | Baseline µs/send | Palaver vs baseline | Palaver writes/send | Palaver KB/send | Baseline writes/send | Baseline KB/send |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}`)
