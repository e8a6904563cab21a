// The Palaver process under measurement: SQLite (or PostgreSQL when DATABASE_URL says so), WebSockets attached.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { databaseFromUrl } from '../../src/cli.js'
import { createPalaver } from '../../src/index.js'
import { attachWebSocket, toNodeHandler } from '../../src/node/index.js'

const [url] = process.argv.slice(2) as [string]
const palaver = await createPalaver({
  database: databaseFromUrl(url, process.env.PALAVER_SCHEMA),
  getUser: (request) => {
    const id = request.headers.get('x-user')
    return id ? { id, username: id } : null
  },
})
const handler = toNodeHandler(palaver)
const server = createServer((req, res) => handler(req, res))
attachWebSocket(server, palaver)
server.listen(0, '127.0.0.1', () => console.log(`READY ${(server.address() as AddressInfo).port}`))
process.on('SIGTERM', async () => {
  server.closeAllConnections()
  server.close()
  await palaver.close()
  process.exit(0)
})
