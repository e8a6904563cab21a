// Boots every example in examples/ the way a newcomer would run it, signs in the way that example
// signs in, and checks a message sent over REST arrives over the real-time connection.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import * as expressExample from '../examples/express.js'
import * as fastifyExample from '../examples/fastify.js'
import * as fetchExample from '../examples/fetch-handler.js'
import * as honoExample from '../examples/hono.js'
import * as hooksExample from '../examples/hooks-email.js'
import * as postgresExample from '../examples/host-users-postgres.js'
import * as nodeHttpExample from '../examples/node-http.js'
import {
  createClient,
  type PalaverClient,
  type PalaverClientOptions,
  type TransportKind,
} from '../src/client/index.js'
import { until } from './helpers/client.js'
import { databases, POSTGRES_URL } from './helpers/databases.js'

interface Running {
  url: string
  close(): Promise<void>
}

const dir = mkdtempSync(join(tmpdir(), 'palaver-examples-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0
const sqliteFile = () => join(dir, `example-${++files}.sqlite`)

const clients: PalaverClient[] = []
const running: Running[] = []
afterEach(async () => {
  for (const client of clients.splice(0)) client.close()
  for (const app of running.splice(0)) await app.close()
})

async function boot<T extends Running>(started: Promise<T>): Promise<T> {
  const app = await started
  running.push(app)
  return app
}

/** What a signed-in user's requests carry: a session cookie (with the page's Origin, as a browser sends) or a header. */
type Credentials = Record<string, string>

/** Signs in through the example's own login route and keeps the session cookie it sets. */
async function signIn(url: string, username: string, as: 'form' | 'json' = 'form'): Promise<Credentials> {
  const response = await fetch(`${url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: url, ...(as === 'json' ? { 'content-type': 'application/json' } : {}) },
    body: as === 'json' ? JSON.stringify({ username }) : new URLSearchParams({ username }),
  })
  expect(response.status).toBeLessThan(400)
  const cookie = response.headers.get('set-cookie')?.split(';')[0]
  expect(cookie).toBeTruthy()
  return { cookie: cookie!, origin: url }
}

const clientOf = (url: string, headers: Credentials, options: PalaverClientOptions = {}) => {
  const client = createClient({
    baseUrl: `${url}/messages`,
    headers,
    WebSocket,
    reconnect: { initialDelayMs: 50, maxDelayMs: 400 },
    ...options,
  })
  clients.push(client)
  return client
}

type Listen = (onMessage: (body: string) => void) => PalaverClient

/** Bob's real-time connection through palaver/client, as a page would open it. */
const listenAs =
  (url: string, bob: Credentials): Listen =>
  (onMessage) => {
    const client = clientOf(url, bob)
    client.connection.on('message.created', (event) => onMessage(event.data.message.body ?? ''))
    client.connect()
    return client
  }

/**
 * Alice creates a chat with Bob and writes to it over REST; Bob, connected in real time, receives it.
 * Returns Bob's client (its transport tells how the message came).
 */
async function conversation(
  url: string,
  alice: Credentials,
  listen: Listen,
  { bobId = 'bob', others = [] as string[] } = {},
): Promise<{ bob: PalaverClient; failed: TransportKind[]; chatId: number }> {
  const received: string[] = []
  const bob = listen((body) => received.push(body))
  const failed: TransportKind[] = []
  bob.connection.on('error', (error) => void failed.push(error.transport))
  await until('Bob’s connection', () => bob.connection.state === 'open')

  const aliceClient = clientOf(url, alice)
  const chat = await aliceClient.api.createChat({ title: 'Example chat', memberIds: [bobId, ...others] })
  expect(chat.members.map((m) => m.user.id)).toContain(bobId)
  const sent = await aliceClient.api.sendMessage(chat.id, { body: 'Hello from the example' })
  expect(sent.body).toBe('Hello from the example')
  await until('the message over the real-time connection', () => received.length > 0)
  expect(received).toEqual(['Hello from the example'])
  return { bob, failed, chatId: chat.id }
}

describe('examples/node-http.ts', () => {
  it('serves the API and WebSockets on a plain node:http server, signed in by bearer token', async () => {
    const { url } = await boot(nodeHttpExample.start({ port: 0, database: sqliteFile() }))
    const { bob } = await conversation(
      url,
      { authorization: 'Bearer token-of-alice' },
      listenAs(url, { authorization: 'Bearer token-of-bob' }),
    )
    expect(bob.connection.transportKind).toBe('websocket')
    // The host's own routes still answer; a wrong token is nobody.
    expect(await (await fetch(`${url}/`)).text()).toContain('Your site')
    const anonymous = await fetch(`${url}/messages/api/chats/`, { headers: { authorization: 'Bearer nope' } })
    expect(anonymous.status).toBe(401)
  })
})

describe('examples/express.ts', () => {
  it('mounts Palaver before the body parsers; the session cookie signs in', async () => {
    const { url } = await boot(expressExample.start({ port: 0, database: sqliteFile() }))
    const alice = await signIn(url, 'alice')
    const { bob } = await conversation(url, alice, listenAs(url, await signIn(url, 'bob')))
    expect(bob.connection.transportKind).toBe('websocket')
    // A forged cookie is nobody; a write from another site is refused.
    const forged = await fetch(`${url}/messages/api/chats/`, { headers: { cookie: 'session=alice.forged' } })
    expect(forged.status).toBe(401)
    const crossSite = await fetch(`${url}/messages/api/chats/`, {
      method: 'POST',
      headers: { ...alice, origin: 'https://evil.example', 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'no' }),
    })
    expect(crossSite.status).toBe(403)
  })
})

describe('examples/fastify.ts', () => {
  it('leaves request bodies to Palaver, JSON parsing to the host’s routes, WebSockets on app.server', async () => {
    const { url } = await boot(fastifyExample.start({ port: 0, database: sqliteFile() }))
    const alice = await signIn(url, 'alice', 'json')
    const { bob } = await conversation(url, alice, listenAs(url, await signIn(url, 'bob', 'json')))
    expect(bob.connection.transportKind).toBe('websocket')
    // Palaver's own answer for a body it cannot read, not Fastify's.
    const garbled = await fetch(`${url}/messages/api/chats/`, {
      method: 'POST',
      headers: { ...alice, 'content-type': 'application/json' },
      body: '{not json',
    })
    expect(garbled.status).toBe(400)
    expect((await garbled.json()).error.code).toBe('invalid_input')
  })
})

describe('examples/hono.ts', () => {
  it('routes /messages/* to palaver.fetch; the Hono signed cookie signs in', async () => {
    const { url } = await boot(honoExample.start({ port: 0, database: sqliteFile() }))
    const alice = await signIn(url, 'alice')
    const { bob } = await conversation(url, alice, listenAs(url, await signIn(url, 'bob')))
    expect(bob.connection.transportKind).toBe('websocket')
    const page = await fetch(`${url}/messages/`, { headers: alice })
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toContain('text/html')
  })
})

describe('examples/fetch-handler.ts', () => {
  it('has no WebSocket: the example’s client, on auto, falls back to SSE or polling and receives', async () => {
    const { url } = await boot(fetchExample.start({ port: 0, database: sqliteFile() }))
    const bobCredentials = await signIn(url, 'bob')
    const listen: Listen = (onMessage) => {
      const client = fetchExample.connect(onMessage, {
        // In a browser the defaults do: same origin, cookies travel, the global WebSocket is tried.
        baseUrl: `${url}/messages`,
        headers: bobCredentials,
        WebSocket,
        reconnect: { initialDelayMs: 50, maxDelayMs: 400 },
      })
      clients.push(client)
      return client
    }
    const { bob, failed } = await conversation(url, await signIn(url, 'alice'), listen)
    expect(['sse', 'polling']).toContain(bob.connection.transportKind)
    expect(failed).toContain('websocket')
  })
})

describe('examples/hooks-email.ts', () => {
  /** The example, its mailer keeping what it sends. */
  async function mailing() {
    const mails: hooksExample.Mail[] = []
    const { url } = await boot(
      hooksExample.start({
        port: 0,
        database: sqliteFile(),
        mailer: { send: (mail) => void mails.push(mail) },
      }),
    )
    return { mails, url, as: (user: string) => ({ authorization: `Bearer ${user}` }) }
  }

  it('e-mails the members who are offline, not the sender nor those connected', async () => {
    const { mails, url, as } = await mailing()
    await conversation(url, as('alice'), listenAs(url, as('bob')), { others: ['carol'] })
    await until('the e-mail', () => mails.length > 0)
    expect(mails).toEqual([
      {
        to: 'carol@example.com',
        subject: 'New message from Alice Example',
        text: expect.stringContaining('Hello from the example'),
      },
    ])
    expect(mails[0]!.text).toContain(`${url}/messages/`)
  })

  it('e-mails a member who muted the chat only when a message mentions them', async () => {
    const { mails, url, as } = await mailing()
    const { chatId } = await conversation(url, as('alice'), listenAs(url, as('bob')), { others: ['carol'] })
    await until('the first e-mail', () => mails.length > 0)
    await clientOf(url, as('carol')).api.muteChat(chatId, { muted: true })
    const alice = clientOf(url, as('alice')).api
    await alice.sendMessage(chatId, { body: 'Nothing for Carol' })
    await alice.sendMessage(chatId, { body: '@Carol Example, a word?', mentionIds: ['carol'] })
    await until('the mention e-mail', () => mails.length > 1)
    expect(mails.slice(1)).toEqual([
      {
        to: 'carol@example.com',
        subject: 'Alice Example mentioned you',
        text: expect.stringContaining('a word?'),
      },
    ])
  })
})

// PostgreSQL: skipped (loudly, by the databases helper) where it is not running; CI requires it.
const postgresAvailable = databases.some((database) => database.name === 'postgres')

describe.skipIf(!postgresAvailable)('examples/host-users-postgres.ts', () => {
  /** A database of its own, as the example's host would have: its users table lives in `public`. */
  async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
    const name = `palaver_example_${randomBytes(6).toString('hex')}`
    const admin = new pg.Client({ connectionString: POSTGRES_URL })
    await admin.connect()
    await admin.query(`create database "${name}"`)
    await admin.end()
    const url = new URL(POSTGRES_URL)
    url.pathname = `/${name}`
    return {
      url: url.href,
      async drop() {
        const client = new pg.Client({ connectionString: POSTGRES_URL })
        await client.connect()
        await client.query(`drop database if exists "${name}" with (force)`)
        await client.end()
      },
    }
  }

  it('reads the host’s users table and sessions; Palaver keeps to its own schema', async () => {
    const database = await freshDatabase()
    try {
      const { url } = await boot(postgresExample.start({ port: 0, database: database.url }))
      const alice = await signIn(url, 'alice')
      const aliceClient = clientOf(url, alice)
      // The directory adapter: search by full name, username or e-mail, ids from the host's serial.
      const found = await aliceClient.api.searchUsers('bob ex')
      expect(found.users.map((u) => [u.username, u.name])).toEqual([['bob', 'Bob Example']])
      expect((await aliceClient.api.searchUsers('@example.com')).users.map((u) => u.username)).toEqual([
        'alice',
        'bob',
      ])
      expect((await aliceClient.api.searchUsers('50%')).users).toEqual([])
      const bobId = found.users[0]!.id
      expect(bobId).toMatch(/^\d+$/)
      const { chatId } = await conversation(url, alice, listenAs(url, await signIn(url, 'bob')), { bobId })
      const chat = await aliceClient.api.getChat(chatId)
      expect(chat.members.map((m) => m.user.name).sort()).toEqual(['Alice Example', 'Bob Example'])
      // Palaver's tables are in the palaver schema, the host's stay as they were.
      const client = new pg.Client({ connectionString: database.url })
      await client.connect()
      const { rows } = await client.query(
        `select table_schema, table_name from information_schema.tables
          where table_schema in ('public', 'palaver') order by 1, 2`,
      )
      await client.end()
      const publicTables = rows.filter((r) => r.table_schema === 'public').map((r) => r.table_name)
      expect(publicTables).toEqual(['sessions', 'users'])
      expect(rows.filter((r) => r.table_schema === 'palaver').map((r) => r.table_name)).toContain(
        'palaver_messages',
      )
    } finally {
      for (const app of running.splice(0)) await app.close()
      await database.drop()
    }
  })
})

// The README shows excerpts of these files. A ```ts block whose first line is `// examples/<file>.ts`
// must be that file's code: its lines (indentation aside) appear in the file in the same order and
// next to each other, except across a `// …` line; imports may stand anywhere, and name the package
// where the file imports ../src.
const packageImports: Record<string, string> = {
  "'palaver'": "'../src/index.js'",
  "'palaver/node'": "'../src/node/index.js'",
  "'palaver/client'": "'../src/client/index.js'",
  "'palaver/fastify'": "'../src/node/fastify.js'",
}

/** Blocks of a markdown text that quote an example file. */
function exampleBlocks(markdown: string): { file: string; lines: string[] }[] {
  const blocks: { file: string; lines: string[] }[] = []
  for (const match of markdown.matchAll(
    /^```(?:ts|typescript)\n\/\/ (examples\/[\w-]+\.ts)\b.*\n([\s\S]*?)^```$/gm,
  ))
    blocks.push({ file: match[1]!, lines: match[2]!.split('\n') })
  return blocks
}

/** The block's lines that are not in the file (nothing when the block quotes it faithfully). */
function linesNotInFile(block: string[], file: string): string[] {
  const fileLines = file.split('\n').map((line) => line.trim())
  const missing: string[] = []
  let at = 0
  let contiguous = false
  for (const raw of block) {
    let line = raw.trim()
    if (line === '') continue
    if (/^\/\/ (…|\.\.\.)/.test(line)) {
      contiguous = false
      continue
    }
    if (line.startsWith('import ')) {
      for (const [name, path] of Object.entries(packageImports))
        line = line.replace(`from ${name}`, `from ${path}`)
      if (!fileLines.includes(line)) missing.push(raw)
      continue
    }
    // Blank lines in the file do not break a quoted run.
    while (contiguous && fileLines[at] === '') at++
    const found = contiguous ? (fileLines[at] === line ? at : -1) : fileLines.indexOf(line, at)
    if (found === -1) {
      missing.push(raw)
      contiguous = false
      continue
    }
    at = found + 1
    contiguous = true
  }
  return missing
}

describe('README excerpts of the examples', () => {
  const readmes = ['README.md', 'examples/README.md'].map((path) => ({
    path,
    blocks: exampleBlocks(readFileSync(new URL(`../${path}`, import.meta.url), 'utf8')),
  }))
  const blocks = readmes.flatMap(({ path, blocks }) => blocks.map((block) => ({ readme: path, ...block })))

  it.skipIf(blocks.length === 0).each(blocks)('$readme quotes $file as it is', ({ file, lines }) => {
    const source = readFileSync(new URL(`../${file}`, import.meta.url), 'utf8')
    expect(linesNotInFile(lines, source)).toEqual([])
  })

  it('the check itself: a changed or dropped line is caught; elisions and imports are understood', () => {
    const file = [
      "import { once } from 'node:events'",
      "import { createPalaver } from '../src/index.js'",
      '',
      'const a = 1',
      '  const b = 2',
      'const c = 3',
    ].join('\n')
    const quoted = [
      "import { createPalaver } from 'palaver'",
      '',
      'const a = 1',
      '// … and so on',
      'const c = 3',
    ]
    expect(linesNotInFile(quoted, file)).toEqual([])
    expect(
      linesNotInFile(['const b = 2', 'const c = 3', "import { once } from 'node:events'"], file),
    ).toEqual([])
    expect(linesNotInFile(['const a = 1', 'const c = 3'], file)).toEqual(['const c = 3'])
    expect(linesNotInFile(['const b = 3'], file)).toEqual(['const b = 3'])
    expect(linesNotInFile(["import { createPalaver } from '../src/node/index.js'"], file)).toHaveLength(1)
    expect(exampleBlocks('```ts\n// examples/hono.ts\nconst x = 1\n```\n')).toEqual([
      { file: 'examples/hono.ts', lines: ['const x = 1', ''] },
    ])
  })
})
