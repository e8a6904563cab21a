// Palaver in a Hono app on Node (@hono/node-server), signed in with a Hono signed cookie.
// Run it: npx tsx examples/hono.ts   (in your app, import from 'palaver' and 'palaver/node')
import { once } from 'node:events'
import { mkdirSync } from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import { serve } from '@hono/node-server'
import { getConnInfo } from '@hono/node-server/conninfo'
import { Hono } from 'hono'
import { setSignedCookie } from 'hono/cookie'
import { parseSigned } from 'hono/utils/cookie'
import { createPalaver } from '../src/index.js'
import { attachWebSocket } from '../src/node/index.js'

const users = [
  { id: 'alice', username: 'alice', name: 'Alice Example' },
  { id: 'bob', username: 'bob', name: 'Bob Example' },
]
const secret = process.env.SESSION_SECRET ?? 'change me'

export async function start({ port = 3000, database = 'data/palaver.sqlite' } = {}) {
  const palaver = await createPalaver({
    database: { sqlite: database },
    // The same signed cookie the login route sets, read from the web-standard Request.
    getUser: async (request) => {
      const { session } = await parseSigned(request.headers.get('cookie') ?? '', secret, 'session')
      return users.find((user) => user.id === session) ?? null
    },
  })
  for (const user of users) await palaver.users.upsert(user)

  const app = new Hono()
  // Palaver speaks Request → Response: hand it the raw request, unread, with its full path
  // (app.mount('/messages', …) would strip the prefix unless given { replaceRequest: false }),
  // and where it came from, which the limit on visitors not signed in counts by.
  app.all('/messages/*', (c) => palaver.fetch(c.req.raw, { remoteAddress: getConnInfo(c).remote.address }))

  app.post('/login', async (c) => {
    const { username } = await c.req.parseBody() // a real app checks the password too
    const user = users.find((u) => u.username === username)
    if (!user) return c.text('Unknown user', 401)
    await setSignedCookie(c, 'session', user.id, secret, { httpOnly: true, sameSite: 'Lax' })
    return c.redirect('/messages/', 303)
  })

  const server = serve({ fetch: app.fetch, port }) as Server
  const sockets = attachWebSocket(server, palaver) // real-time at /messages/ws
  await once(server, 'listening')
  return {
    url: `http://localhost:${(server.address() as AddressInfo).port}`,
    async close() {
      sockets.close()
      server.closeAllConnections()
      server.close()
      await palaver.close()
    },
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  mkdirSync('data', { recursive: true })
  const { url } = await start({ port: Number(process.env.PORT ?? 3000) })
  console.log(`Listening on ${url}: POST username=alice to ${url}/login, then open ${url}/messages/`)
}
