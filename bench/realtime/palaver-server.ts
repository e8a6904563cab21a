/**
 * Palaver under test: SQLite or PostgreSQL (a fresh schema), optionally Redis pub/sub, WebSockets on
 * node:http. Users come from the `x-user` header, as in bench/latency/server.ts. Per-user rate limits
 * are off (the floor and the rival have none, and the ramp sends faster than a person would); rooms of
 * the content type `bench` are public; a chat may have up to 10,000 members (the big-room scenario).
 *
 *   node --import tsx bench/realtime/palaver-server.ts --database <file | postgres://…> [--schema s] [--redis url] [--separate-writers]
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { parseArgs } from 'node:util'
import { databaseFromUrl } from '../../src/cli.js'
import { createPalaver } from '../../src/index.js'
import { attachWebSocket, toNodeHandler } from '../../src/node/index.js'
import { redisPubSub } from '../../src/redis.js'
import { insideCounts } from './inside.js'
import { serveStats } from './process-stats.js'

const { values } = parseArgs({
  options: {
    database: { type: 'string' },
    schema: { type: 'string' },
    redis: { type: 'string' },
    poll: { type: 'string', default: '1000' },
    /** Each process stores its own sends (singleWriter: false), the baseline of scenario 6. */
    'separate-writers': { type: 'boolean', default: false },
  },
})
const palaver = await createPalaver({
  database: databaseFromUrl(values.database!, values.schema),
  ...(values.redis ? { pubsub: redisPubSub(values.redis) } : {}),
  singleWriter: !values['separate-writers'],
  logPollIntervalMs: Number(values.poll),
  rateLimits: false,
  limits: { membersPerChat: 10_000 },
  rooms: { bench: () => ({ title: 'Benchmark room', access: 'public' }) },
  getUser: (request) => {
    const id = request.headers.get('x-user')
    return id ? { id, username: id } : null
  },
})
const handler = toNodeHandler(palaver)
const server = createServer((req, res) => handler(req, res))
attachWebSocket(server, palaver)
// Many clients connect at once in the benchmark; the default backlog (511) would drop some SYNs.
server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () =>
  serveStats(
    (server.address() as AddressInfo).port,
    () => palaver.hub.connectionCount,
    () => insideCounts(palaver.metrics.registry),
  ),
)
const stop = async () => {
  server.closeAllConnections()
  server.close()
  await palaver.close()
  process.exit(0)
}
process.on('SIGTERM', () => void stop())
