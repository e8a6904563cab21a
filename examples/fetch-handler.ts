// Palaver as a fetch-style route handler, the way Next.js (app router) mounts it:
// the messages route below becomes app/messages/[[...path]]/route.ts in a Next.js app.
// Serverless hosts give route handlers no WebSocket, so browsers receive events over Server-Sent
// Events (or long-polling): the client's `transport: 'auto'` falls back by itself.
// Run it: npx tsx examples/fetch-handler.ts   (in your app, import from 'palaver' and 'palaver/client')
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { mkdirSync } from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import { serve } from '@hono/node-server'
import { createClient, type PalaverClientOptions } from '../src/client/index.js'
import { createPalaver, type Palaver } from '../src/index.js'

// The app's users and sessions (in Next.js: your auth library's session).
const users = [
  { id: 'alice', username: 'alice', name: 'Alice Example' },
  { id: 'bob', username: 'bob', name: 'Bob Example' },
]
const sessions = new Map<string, string>()
const sessionUser = (request: Request) => {
  const sid = /(?:^|;\s*)sid=([^;]+)/.exec(request.headers.get('cookie') ?? '')?.[1] ?? ''
  return users.find((user) => user.id === sessions.get(sid)) ?? null
}

// lib/palaver.ts: one Palaver per server process, created on first use (kept on globalThis
// because Next.js reloads modules in development). Serverless: { postgres: process.env.DATABASE_URL }.
const cache = globalThis as { palaver?: Promise<Palaver> }
export function getPalaver(database = process.env.PALAVER_SQLITE ?? 'data/palaver.sqlite') {
  cache.palaver ??= createPalaver({ database: { sqlite: database }, getUser: sessionUser })
  return cache.palaver
}

// app/messages/[[...path]]/route.ts: every method Palaver answers goes to palaver.fetch.
// (Palaver's URLs end in a slash: set skipTrailingSlashRedirect: true in next.config to spare a redirect.)
const handler = async (request: Request) => (await getPalaver()).fetch(request)

export { handler as GET, handler as HEAD, handler as POST, handler as PATCH, handler as DELETE }

/** app/login/route.ts: POST username=alice signs in. */
export async function login(request: Request): Promise<Response> {
  const form = await request.formData() // a real app checks the password too
  const user = users.find((u) => u.username === form.get('username'))
  if (!user) return new Response('Unknown user', { status: 401 })
  const sid = randomBytes(24).toString('base64url')
  sessions.set(sid, user.id)
  const cookie = `sid=${sid}; Path=/; HttpOnly; SameSite=Lax`
  return new Response(null, { status: 303, headers: { location: '/messages/', 'set-cookie': cookie } })
}

/** In the browser: same origin, so the session cookie travels. There is no WebSocket on this host:
 * 'auto' tries it, then moves on to Server-Sent Events (then long-polling); pin 'sse' to skip the try. */
export function connect(onMessage: (body: string) => void, options: PalaverClientOptions = {}) {
  const client = createClient({ baseUrl: '/messages', transport: 'auto', ...options })
  client.connection.on('message.created', (event) => onMessage(event.data.message.body ?? ''))
  client.connect()
  return client
}

// For this example only: a bare server that forwards fetch as Next.js would, and nothing else.
export async function start({ port = 3000, database = 'data/palaver.sqlite' } = {}) {
  const palaver = await getPalaver(database)
  for (const user of users) await palaver.users.upsert(user)
  const server = serve({
    port,
    fetch: (request) => {
      const { pathname } = new URL(request.url)
      if (pathname === '/login' && request.method === 'POST') return login(request)
      if (pathname === '/messages' || pathname.startsWith('/messages/')) return handler(request)
      return new Response('Not found', { status: 404 })
    },
  }) as Server
  await once(server, 'listening')
  return {
    url: `http://localhost:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections()
      server.close()
      cache.palaver = undefined
      await palaver.close()
    },
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  mkdirSync('data', { recursive: true })
  const { url } = await start({ port: Number(process.env.PORT ?? 3000) })
  console.log(`Listening on ${url}: POST username=alice to ${url}/login, then open ${url}/messages/`)
}
