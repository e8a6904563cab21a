// Palaver on a plain node:http server: the API, the messages page and WebSockets.
// Run it: npx tsx examples/node-http.ts   (in your app, import from 'palaver' and 'palaver/node')
import { once } from 'node:events'
import { mkdirSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import { createPalaver } from '../src/index.js'
import { attachWebSocket, toNodeHandler } from '../src/node/index.js'

// Your users and their API tokens (in a real app: your database and your token store).
const users = [
  { id: 'alice', username: 'alice', name: 'Alice Example' },
  { id: 'bob', username: 'bob', name: 'Bob Example' },
]
const tokens = new Map([
  ['token-of-alice', 'alice'],
  ['token-of-bob', 'bob'],
])

export async function start({ port = 3000, database = 'data/palaver.sqlite' } = {}) {
  const palaver = await createPalaver({
    database: { sqlite: database },
    // Who is asking: here a bearer token; a session cookie works the same way.
    getUser: (request) => {
      const token = request.headers.get('authorization')?.replace(/^Bearer /, '') ?? ''
      return users.find((user) => user.id === tokens.get(token)) ?? null
    },
  })
  for (const user of users) await palaver.users.upsert(user) // so they can be found and added

  const messages = toNodeHandler(palaver)
  const server = createServer((req, res) => {
    // /messages/... goes to Palaver; everything else to your own routes.
    messages(req, res, () => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.end('Your site. Palaver is at /messages/\n')
    })
  })
  const sockets = attachWebSocket(server, palaver) // real-time at /messages/ws

  server.listen(port)
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
  console.log(
    `Listening on ${url}: try  curl -H 'authorization: Bearer token-of-alice' ${url}/messages/api/chats/`,
  )
}
