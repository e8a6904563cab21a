// Palaver in a Fastify 5 app, signed in with server-side sessions.
// Run it: npx tsx examples/fastify.ts
// (in your app, import from 'palaver', 'palaver/node' and 'palaver/fastify')
import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import Fastify from 'fastify'
import { createPalaver } from '../src/index.js'
import { toFastifyPlugin } from '../src/node/fastify.js'
import { attachWebSocket } from '../src/node/index.js'

const users = [
  { id: 'alice', username: 'alice', name: 'Alice Example' },
  { id: 'bob', username: 'bob', name: 'Bob Example' },
]

// The app's sessions: a random id in a cookie, the user id on the server (use your session store).
const sessions = new Map<string, string>()
function sessionUser(cookieHeader: string | null | undefined) {
  const sid = /(?:^|;\s*)sid=([^;]+)/.exec(cookieHeader ?? '')?.[1] ?? ''
  return users.find((user) => user.id === sessions.get(sid)) ?? null
}

export async function start({ port = 3000, database = 'data/palaver.sqlite' } = {}) {
  const palaver = await createPalaver({
    database: { sqlite: database },
    getUser: (request) => sessionUser(request.headers.get('cookie')),
  })
  for (const user of users) await palaver.users.upsert(user)

  const app = Fastify()
  // Palaver's routes in their own plugin context, where Fastify leaves request bodies unread.
  await app.register(toFastifyPlugin(palaver))
  const sockets = attachWebSocket(app.server, palaver) // real-time at /messages/ws
  app.addHook('onClose', async () => {
    sockets.close()
    await palaver.close()
  })

  // The app's own routes keep Fastify's JSON parsing.
  app.post<{ Body: { username?: string } }>('/login', async (request, reply) => {
    // A real app checks the password here.
    const user = users.find((u) => u.username === request.body?.username)
    if (!user) return reply.code(401).send({ error: 'Unknown user' })
    const sid = randomBytes(24).toString('base64url')
    sessions.set(sid, user.id)
    return reply.header('set-cookie', `sid=${sid}; Path=/; HttpOnly; SameSite=Lax`).send({ ok: true })
  })

  await app.listen({ port })
  return {
    url: `http://localhost:${(app.server.address() as AddressInfo).port}`,
    async close() {
      await app.close()
    },
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  mkdirSync('data', { recursive: true })
  const { url } = await start({ port: Number(process.env.PORT ?? 3000) })
  console.log(`Listening on ${url}: POST {"username":"alice"} to ${url}/login, then open ${url}/messages/`)
}
