import { mkdirSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { dirname, resolve } from 'node:path'
import { databaseFromUrl } from '../src/cli.js'
import type { DatabaseOption } from '../src/index.js'
import { redisPubSub, redisRateLimiter } from '../src/redis.js'
import { DEMO_PASSWORD, USERS } from './data.js'
import { createDemo, type DemoOptions } from './server.js'
import { loadSecret } from './sessions.js'

const dataDir = resolve('data')

function port(): number {
  const value = Number(process.env.PORT ?? 3000)
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    console.error(`PORT must be a port number, not ${JSON.stringify(process.env.PORT)}`)
    process.exit(1)
  }
  return value
}

/** `DATABASE_URL` (PostgreSQL or an SQLite path), else ./data/demo.sqlite. */
function database(): { option: DatabaseOption; label: string } {
  const url = process.env.DATABASE_URL
  const option = url ? databaseFromUrl(url) : { sqlite: resolve(dataDir, 'demo.sqlite') }
  if ('sqlite' in option) {
    if (option.sqlite !== ':memory:') mkdirSync(dirname(resolve(option.sqlite)), { recursive: true })
    return { option, label: `SQLite ${option.sqlite}` }
  }
  if ('postgres' in option) {
    const shown = new URL(option.postgres)
    if (shown.password) shown.password = '***'
    return { option, label: `PostgreSQL ${shown.href}` }
  }
  return { option, label: 'the given Kysely instance' }
}

/** `REDIS_URL`: delivery and rate limits shared with the other demo processes on the same database. */
function redis(): DemoOptions['deployment'] {
  const url = process.env.REDIS_URL
  return url ? { pubsub: redisPubSub(url), rateLimiter: redisRateLimiter(url) } : {}
}

const started = Date.now()
const db = database()
const demo = await createDemo({
  database: db.option,
  sessionSecret: loadSecret(dataDir, process.env.SESSION_SECRET),
  deployment: { ...redis(), metricsToken: process.env.METRICS_TOKEN || undefined },
  seed: true,
})
demo.server.listen(port())
demo.server.once('listening', () => {
  const { port } = demo.server.address() as AddressInfo
  console.log(`Palaver demo running at http://localhost:${port}/  (${Date.now() - started} ms)`)
  console.log(`Data: ${db.label}${demo.seeded ? ' (new: seeded with a few conversations)' : ''}`)
  if (process.env.REDIS_URL) console.log(`Redis pub/sub: ${process.env.REDIS_URL}`)
  if (process.env.METRICS_TOKEN)
    console.log(`Metrics: http://localhost:${port}/messages/metrics (Bearer METRICS_TOKEN)`)
  console.log(`Sign in as ${USERS.map((u) => u.username).join(', ')} with the password "${DEMO_PASSWORD}".`)
})
demo.server.on('error', (error) => {
  console.error(`Could not start the demo: ${error.message}`)
  process.exit(1)
})

let stopping = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1)
    stopping = true
    demo.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  })
}
