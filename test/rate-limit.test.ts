import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPalaver } from '../src/index.js'
import { redisRateLimiter } from '../src/redis.js'
import { databases } from './helpers/databases.js'
import { connectSocket, type LiveServer, startLiveServer } from './helpers/live.js'
import { startServer, type TestServer } from './helpers/server.js'
import { REDIS_URL, redisAvailable } from './helpers/services.js'

const tight = {
  send: { limit: 3, windowMs: 60_000 },
  search: { limit: 2, windowMs: 60_000 },
  upload: { limit: 1, windowMs: 60_000 },
}

describe.each(databases.slice(0, 1))('rate limits ($name)', (database) => {
  let server: TestServer
  let chatId: number
  beforeAll(async () => {
    server = await startServer(database, { rateLimits: tight })
    chatId = (await server.as('alice').post('/api/chats/', { title: 'Limits', memberIds: ['bob'] })).body.id
  })
  afterAll(() => server.close())

  it('refuses the send over the limit with 429 and Retry-After, storing nothing', async () => {
    for (const n of [1, 2, 3])
      expect((await server.as('alice').post(`/api/chats/${chatId}/messages/`, { body: `${n}` })).status).toBe(
        201,
      )
    const before = await server.snapshot()
    const refused = await server.as('alice').post(`/api/chats/${chatId}/messages/`, { body: 'one too many' })
    expect(refused.status).toBe(429)
    expect(refused.body.error.code).toBe('rate_limited')
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(await server.snapshot()).toEqual(before)
  })

  it('counts each user on their own', async () => {
    expect((await server.as('bob').post(`/api/chats/${chatId}/messages/`, { body: 'mine' })).status).toBe(201)
  })

  it('limits search too, and the member search of @mentions with it', async () => {
    await server.as('bob').get('/api/search/?q=a')
    await server.as('bob').get(`/api/chats/${chatId}/members/?q=b`)
    expect((await server.as('bob').get('/api/search/?q=c')).status).toBe(429)
    expect((await server.as('bob').get(`/api/chats/${chatId}/members/?q=c`)).status).toBe(429)
  })

  it('limits uploads, before reading the file', async () => {
    const upload = () =>
      server.palaver.fetch(
        new Request(`http://palaver.test/messages/api/chats/${chatId}/attachments/?name=a.txt`, {
          method: 'POST',
          headers: { 'x-test-user': 'alice', 'content-type': 'text/plain' },
          body: 'hello',
        }),
      )
    expect((await upload()).status).toBe(201)
    const before = await server.snapshot()
    expect((await upload()).status).toBe(429)
    expect(await server.snapshot()).toEqual(before)
  })
})

describe.each(databases.slice(0, 1))('rate limits over the WebSocket ($name)', (database) => {
  let live: LiveServer
  beforeAll(async () => {
    live = await startLiveServer(database, { rateLimits: tight })
  })
  afterAll(() => live.close())

  it('refuses a socket send over the limit with a rate_limited acknowledgement', async () => {
    const chat = await live.call('alice', 'POST', '/api/chats/', { title: 'Socket limits' })
    const alice = await connectSocket(live, 'alice')
    for (const n of [1, 2, 3]) {
      expect(await alice.request({ action: 'send', chatId: chat.body.id, body: `${n}` })).toMatchObject({
        ok: true,
      })
    }
    const refused = await alice.request({ action: 'send', chatId: chat.body.id, body: 'too many' })
    expect(refused).toMatchObject({ ok: false, error: { code: 'rate_limited' } })
    await alice.close()
  })
})

describe.runIf(redisAvailable)('rate limits shared through Redis', () => {
  it('count a user’s sends across processes', async () => {
    const file = `/tmp/palaver-limits-${randomBytes(4).toString('hex')}.sqlite`
    const prefix = randomBytes(4).toString('hex')
    const getUser = () => ({ id: `user-${prefix}`, username: 'someone' })
    const make = () =>
      createPalaver({
        database: { sqlite: file },
        getUser,
        rateLimits: { send: { limit: 3, windowMs: 60_000 } },
        rateLimiter: redisRateLimiter(REDIS_URL),
      })
    const [a, b] = [await make(), await make()]
    const call = (p: typeof a, path: string, body: unknown) =>
      p.fetch(
        new Request(`http://x/messages${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }),
      )
    const chat = await (await call(a, '/api/chats/', { title: 'Shared' })).json()
    const statuses = []
    for (const p of [a, b, a, b])
      statuses.push((await call(p, `/api/chats/${chat.id}/messages/`, { body: 'hi' })).status)
    expect(statuses).toEqual([201, 201, 201, 429])
    await a.close()
    await b.close()
  })
})
