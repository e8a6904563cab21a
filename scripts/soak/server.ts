// The server under soak: Palaver on SQLite (or DATABASE_URL), printing its own health every few seconds.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { databaseFromUrl } from '../../src/cli.js'
import { createPalaver } from '../../src/index.js'
import { attachWebSocket, toNodeHandler } from '../../src/node/index.js'

const [url] = process.argv.slice(2) as [string]
const palaver = await createPalaver({
  database: databaseFromUrl(url),
  rateLimits: false,
  getUser: (request) => {
    const id = request.headers.get('x-user')
    return id ? { id, username: id } : null
  },
})
const handler = toNodeHandler(palaver)
const server = createServer((req, res) => handler(req, res))
attachWebSocket(server, palaver)
const delay = monitorEventLoopDelay({ resolution: 10 })
delay.enable()
server.listen(0, '127.0.0.1', () => console.log(`READY ${(server.address() as AddressInfo).port}`))
setInterval(() => {
  const memory = process.memoryUsage()
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length
  console.log(
    `STATS ${JSON.stringify({
      rssMb: +(memory.rss / 2 ** 20).toFixed(1),
      heapUsedMb: +(memory.heapUsed / 2 ** 20).toFixed(1),
      handles,
      connections: palaver.hub.connectionCount,
      loopDelayP99Ms: +(delay.percentile(99) / 1e6).toFixed(1),
      loopDelayMaxMs: +(delay.max / 1e6).toFixed(1),
    })}`,
  )
  delay.reset()
}, 5000).unref()
process.on('SIGTERM', async () => {
  server.closeAllConnections()
  server.close()
  await palaver.close()
  process.exit(0)
})
