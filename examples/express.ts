// Palaver in an Express 5 app, signed in with the app's own session cookie.
// Run it: npx tsx examples/express.ts   (in your app, import from 'palaver' and 'palaver/node')
import { createHmac, timingSafeEqual } from 'node:crypto'
import { once } from 'node:events'
import { mkdirSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import express from 'express'
import { createPalaver } from '../src/index.js'
import { attachWebSocket, toNodeHandler } from '../src/node/index.js'

const users = [
  { id: 'alice', username: 'alice', name: 'Alice Example' },
  { id: 'bob', username: 'bob', name: 'Bob Example' },
]

// The app's session: a cookie holding the user id, signed so nobody can forge it.
const secret = process.env.SESSION_SECRET ?? 'change me'
const sign = (value: string) => `${value}.${createHmac('sha256', secret).update(value).digest('base64url')}`
function sessionUser(cookieHeader: string | null | undefined) {
  const cookie = Buffer.from(/(?:^|;\s*)session=([^;]+)/.exec(cookieHeader ?? '')?.[1] ?? '')
  const id = cookie.toString().replace(/\.[^.]*$/, '')
  const expected = Buffer.from(sign(id))
  const valid = cookie.length === expected.length && timingSafeEqual(cookie, expected)
  return valid ? (users.find((user) => user.id === id) ?? null) : null
}

export async function start({ port = 3000, database = 'data/palaver.sqlite' } = {}) {
  const palaver = await createPalaver({
    database: { sqlite: database },
    getUser: (request) => sessionUser(request.headers.get('cookie')),
  })
  for (const user of users) await palaver.users.upsert(user)

  const app = express()
  // Palaver first, before any body parser: it reads request bodies itself (with its own size
  // limits). A parser in front of it would consume the stream and leave Palaver nothing to read.
  // Mount it at the root, not app.use('/messages', …): it routes on the full path.
  app.use(toNodeHandler(palaver))
  app.use(express.urlencoded({ extended: false }))

  app.post('/login', (req, res) => {
    // A real app checks the password here.
    const user = users.find((u) => u.username === req.body?.username)
    if (!user) return void res.status(401).send('Unknown user')
    res.cookie('session', sign(user.id), { httpOnly: true, sameSite: 'lax' }).redirect(303, '/messages/')
  })
  app.get('/', (_req, res) => {
    res.send('<form method="post" action="/login"><input name="username"><button>Sign in</button></form>')
  })

  const server = app.listen(port)
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
  console.log(`Listening on ${url}: sign in as alice or bob, then open ${url}/messages/`)
}
