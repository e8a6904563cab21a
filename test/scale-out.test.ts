import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { createPalaver } from '../src/index.js'
import { databases, POSTGRES_URL } from './helpers/databases.js'
import { connectSocket, type SocketClient } from './helpers/live.js'
import { startServerProcess } from './helpers/process.js'
import { DEMO_USERS } from './helpers/server.js'
import { freePort, OwnRedis, REDIS_URL, redisAvailable, redisServerAvailable } from './helpers/services.js'

const postgresAvailable = databases.some((d) => d.name === 'postgres')
const getUser = (request: Request) => {
  const id = request.headers.get('x-test-user')
  return id ? { id } : null
}

/** A fresh PostgreSQL schema with Palaver's tables and the test users. */
async function preparedSchema(): Promise<{ schema: string; drop(): Promise<void> }> {
  const schema = `palaver_scale_${randomBytes(5).toString('hex')}`
  const palaver = await createPalaver({ database: { postgres: POSTGRES_URL, schema }, getUser })
  for (const user of DEMO_USERS) await palaver.users.upsert(user)
  await palaver.close()
  return {
    schema,
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_URL })
      await client.connect()
      await client.query(`drop schema if exists "${schema}" cascade`)
      await client.end()
    },
  }
}

const startProcess = (schema: string, redisUrl: string, pollMs: number) =>
  startServerProcess([
    '--database',
    POSTGRES_URL,
    '--schema',
    schema,
    '--redis',
    redisUrl,
    '--poll',
    String(pollMs),
  ])

describe.runIf(postgresAvailable && redisAvailable)('three processes over PostgreSQL and Redis', () => {
  const cleanup: Array<() => Promise<void>> = []
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step()
  })

  it('deliver every message sent through any process to every client of every process, once', async () => {
    const { schema, drop } = await preparedSchema()
    cleanup.push(drop)
    // A long log-poll interval: delivery within the test's deadline has to come through Redis.
    const processes = await Promise.all([0, 1, 2].map(() => startProcess(schema, REDIS_URL, 60_000)))
    for (const p of processes) cleanup.push(() => p.close())
    const users = ['alice', 'bob', 'charlie', 'dana', 'erin']
    const chat = await processes[0]!.call('alice', 'POST', '/api/chats/', {
      title: 'Everywhere',
      memberIds: users,
    })
    const clients: SocketClient[] = []
    for (const [i, user] of users.entries()) clients.push(await connectSocket(processes[i % 3]!, user))
    cleanup.push(async () => {
      for (const c of clients) await c.close()
    })
    const sent: number[] = []
    for (const [i, user] of users.entries()) {
      for (let n = 0; n < 4; n++) {
        const via = processes[(i + n) % 3]!
        const reply = await via.call(user, 'POST', `/api/chats/${chat.body.id}/messages/`, {
          body: `${user} ${n}`,
        })
        expect(reply.status).toBe(201)
        sent.push(reply.body.id)
      }
    }
    for (const client of clients) {
      await client.inbox.until(
        'every message',
        () => client.inbox.of('message.created').length >= sent.length,
      )
      const ids = client.inbox.of('message.created').map((e) => e.data.message.id)
      expect(ids).toEqual(sent)
    }
  })

  it('write the delivered marks of one chat from one process, whichever processes its members are on', async () => {
    const { schema, drop } = await preparedSchema()
    cleanup.push(drop)
    const processes = await Promise.all([0, 1, 2].map(() => startProcess(schema, REDIS_URL, 60_000)))
    for (const p of processes) cleanup.push(() => p.close())
    const chat = await processes[0]!.call('alice', 'POST', '/api/chats/', {
      title: 'Receipts',
      memberIds: ['bob', 'charlie', 'dana'],
    })
    const chatId = chat.body.id as number
    // Alice sends; one recipient on each process.
    const alice = await connectSocket(processes[0]!, 'alice')
    const recipients = await Promise.all(
      (['dana', 'bob', 'charlie'] as const).map((user, i) => connectSocket(processes[i]!, user)),
    )
    cleanup.push(async () => {
      for (const c of [alice, ...recipients]) await c.close()
    })
    let last = 0
    for (let n = 0; n < 10; n++) {
      last = (
        await processes[n % 3]!.call('alice', 'POST', `/api/chats/${chatId}/messages/`, { body: `${n}` })
      ).body.id
      await new Promise((resolve) => setTimeout(resolve, 300))
    }
    const delivered = new Map<string, number>()
    await alice.inbox.until('every recipient’s delivered mark', () => {
      for (const event of alice.inbox.of('receipt.updated'))
        for (const mark of event.data.marks) delivered.set(mark.userId, mark.lastDeliveredMessageId)
      return ['bob', 'charlie', 'dana'].every((user) => delivered.get(user) === last)
    })
    // Each process flushing its own members' marks every second would write about three receipts a
    // second here (nine or more over these three seconds); one writer per chat writes about one.
    const receipts = alice.inbox.of('receipt.updated').filter((e) => e.chatId === chatId)
    expect(receipts.length).toBeLessThanOrEqual(6)
  })
})

describe.runIf(postgresAvailable && redisServerAvailable)('a Redis outage', () => {
  const cleanup: Array<() => Promise<void>> = []
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step()
  })

  it('keeps delivery going from the log, and immediate delivery comes back with Redis', async () => {
    const redis = new OwnRedis(await freePort())
    await redis.start()
    cleanup.push(() => redis.stop())
    const { schema, drop } = await preparedSchema()
    cleanup.push(drop)
    const writer = await startProcess(schema, redis.url, 1000)
    const reader = await startProcess(schema, redis.url, 1000)
    cleanup.push(
      () => writer.close(),
      () => reader.close(),
    )
    const chat = await writer.call('alice', 'POST', '/api/chats/', { title: 'Outage', memberIds: ['bob'] })
    const bob = await connectSocket(reader, 'bob')
    cleanup.push(() => bob.close())
    const sendAndReceive = async (body: string) => {
      const started = Date.now()
      await writer.call('alice', 'POST', `/api/chats/${chat.body.id}/messages/`, { body })
      await bob.inbox.until(body, () =>
        bob.inbox.of('message.created').some((e) => e.data.message.body === body),
      )
      return Date.now() - started
    }

    const before = await sendAndReceive('with redis')
    await redis.stop()
    const during = [await sendAndReceive('redis down 1'), await sendAndReceive('redis down 2')]
    await redis.start()
    // Both processes resubscribe by themselves.
    const probe = new Redis(redis.url)
    // The events channel carries the deployment's id (palaver:events:<id>).
    const eventSubscribers = async () => {
      const [channel] = (await probe.pubsub('CHANNELS', 'palaver:events:*')) as string[]
      if (!channel) return 0
      const [, subscribers] = (await probe.pubsub('NUMSUB', channel)) as [string, number]
      return Number(subscribers)
    }
    for (let i = 0; i < 100; i++) {
      if ((await eventSubscribers()) >= 2) break
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const subscribers = await eventSubscribers()
    probe.disconnect()
    expect(subscribers).toBe(2)
    const after = await sendAndReceive('redis back')
    const bodies = bob.inbox.of('message.created').map((e) => e.data.message.body)
    expect(bodies).toEqual(['with redis', 'redis down 1', 'redis down 2', 'redis back'])
    console.log(`[redis outage] delivery ms: before ${before}, during ${during.join('/')}, after ${after}`)
  })
})
