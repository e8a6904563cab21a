import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { createPalaver, type Palaver, type PubSub } from '../src/index.js'
import { redisPubSub } from '../src/redis.js'
import { databases, POSTGRES_URL } from './helpers/databases.js'
import { DEMO_USERS } from './helpers/server.js'
import { REDIS_URL, redisAvailable } from './helpers/services.js'

const postgresAvailable = databases.some((d) => d.name === 'postgres')

/** Redis pub/sub that can be cut off, as a process on the far side of a network partition would be. */
function severable(inner: PubSub): PubSub & { cut: boolean } {
  const pubsub = {
    cut: false,
    publish: (channel: string, message: string) => (pubsub.cut ? undefined : inner.publish(channel, message)),
    subscribe: (channel: string, listener: (message: string) => void) =>
      inner.subscribe(channel, (message) => {
        if (!pubsub.cut) listener(message)
      }),
    close: () => inner.close?.() ?? Promise.resolve(),
  }
  return pubsub
}

interface Instance {
  palaver: Palaver
  pubsub: ReturnType<typeof severable>
  /** The clientIds of the messages this instance committed (its hooks run where a change commits). */
  committed: string[]
  send(user: string, chatId: number, body: string, clientId: string): Promise<Response>
}

describe.runIf(postgresAvailable && redisAvailable)('one writer of sends per deployment', () => {
  const schema = `palaver_writer_${randomBytes(5).toString('hex')}`
  const instances: Instance[] = []
  afterAll(async () => {
    for (const { palaver } of instances) await palaver.close()
    const client = new pg.Client({ connectionString: POSTGRES_URL })
    await client.connect()
    await client.query(`drop schema if exists "${schema}" cascade`)
    await client.end()
  })

  const start = async (): Promise<Instance> => {
    const pubsub = severable(redisPubSub(REDIS_URL))
    const palaver = await createPalaver({
      database: { postgres: POSTGRES_URL, schema },
      pubsub,
      getUser: (request) => {
        const id = request.headers.get('x-test-user')
        return id ? { id } : null
      },
    })
    const committed: string[] = []
    palaver.on('message.created', (event) => {
      committed.push(event.data.message.clientId ?? '')
    })
    const instance: Instance = {
      palaver,
      pubsub,
      committed,
      send: (user, chatId, body, clientId) =>
        palaver.fetch(
          new Request(`http://palaver.test/messages/api/chats/${chatId}/messages/`, {
            method: 'POST',
            headers: {
              'x-test-user': user,
              'content-type': 'application/json',
              origin: 'http://palaver.test',
            },
            body: JSON.stringify({ body, clientId }),
          }),
        ),
    }
    instances.push(instance)
    return instance
  }

  /** Waits until every instance counts every other one among the deployment's live processes. */
  const acquainted = async (all: Instance[]) => {
    for (let i = 0; i < 100; i++) {
      if (all.every((a) => a.palaver.hub.presence.liveNodes().length === all.length)) return
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    throw new Error('the instances never heard of each other')
  }

  const storedClientIds = async (palaver: Palaver, chatId: number) => {
    const rows = await palaver.db
      .selectFrom('palaver_messages')
      .select('client_id')
      .where('chat_id', '=', chatId)
      .orderBy('id')
      .execute()
    return rows.map((r) => r.client_id)
  }

  it('stores the sends of every process in the one whose id sorts first, each once', async () => {
    const a = await start()
    for (const user of DEMO_USERS) await a.palaver.users.upsert(user)
    const b = await start()
    const c = await start()
    const all = [a, b, c]
    await acquainted(all)
    const writerNode = a.palaver.hub.presence.liveNodes()[0]
    const writer = all.find((i) => i.palaver.hub.presence.node === writerNode)!
    const chat = await (
      await a.palaver.fetch(
        new Request('http://palaver.test/messages/api/chats/', {
          method: 'POST',
          headers: {
            'x-test-user': 'alice',
            'content-type': 'application/json',
            origin: 'http://palaver.test',
          },
          body: JSON.stringify({ title: 'One writer', memberIds: ['bob'] }),
        }),
      )
    ).json()
    const sent: string[] = []
    for (let n = 0; n < 9; n++) {
      const clientId = `w${n}`
      const reply = await all[n % 3]!.send(n % 2 ? 'bob' : 'alice', chat.id, `message ${n}`, clientId)
      expect(reply.status).toBe(201)
      expect((await reply.json()).clientId).toBe(clientId)
      sent.push(clientId)
    }
    // Sends through the same process concurrently: they share the writer's batches.
    const together = await Promise.all(
      [0, 1, 2, 3, 4, 5].map((n) => all[n % 3]!.send('alice', chat.id, `together ${n}`, `t${n}`)),
    )
    expect(together.map((r) => r.status)).toEqual([201, 201, 201, 201, 201, 201])
    sent.push('t0', 't1', 't2', 't3', 't4', 't5')
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect([...writer.committed].sort()).toEqual([...sent].sort())
    for (const other of all.filter((i) => i !== writer)) expect(other.committed).toEqual([])
    expect((await storedClientIds(a.palaver, chat.id)).sort()).toEqual([...sent].sort())

    // A retry through another process finds the message the writer stored.
    const retry = await all.find((i) => i !== writer)!.send('alice', chat.id, 'message 0', 'w0')
    expect(retry.status).toBe(200)
    // A refusal comes back as the error it would have been here: to charlie, not a member, no such chat.
    const refused = await all.find((i) => i !== writer)!.send('charlie', chat.id, 'not a member', 'x1')
    expect(refused.status).toBe(404)

    // The writer is cut off (it crashed, as far as the others can tell): sends are stored where they
    // arrive, after one wait for an answer that does not come, and still once.
    writer.pubsub.cut = true
    const survivors = all.filter((i) => i !== writer)
    for (const [n, via] of survivors.entries()) {
      const reply = await via.send('alice', chat.id, `after ${n}`, `after${n}`)
      expect(reply.status).toBe(201)
    }
    expect(writer.committed.filter((id) => id.startsWith('after'))).toEqual([])
    expect(survivors.flatMap((i) => i.committed).sort()).toEqual(['after0', 'after1'])
    const stored = await storedClientIds(a.palaver, chat.id)
    expect(stored.filter((id) => id?.startsWith('after')).sort()).toEqual(['after0', 'after1'])
    expect(new Set(stored).size).toBe(stored.length)
  })
})
