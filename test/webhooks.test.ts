import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import {
  createPalaver,
  inProcessPubSub,
  type Palaver,
  type PalaverOptions,
  verifyWebhook,
} from '../src/index.js'
import type { DatabaseOption } from '../src/options.js'
import { databases } from './helpers/databases.js'
import { DEMO_USERS } from './helpers/server.js'

const SECRET = 'a-webhook-secret-of-some-length'

interface Delivery {
  headers: Record<string, string | string[] | undefined>
  raw: string
  body: any
}

/** The host's endpoint: records what arrives, and answers `status()` (200 unless told otherwise). */
async function receiver(status: () => number = () => 200) {
  const deliveries: Delivery[] = []
  const server: Server = createServer((req, res) => {
    // Up or down as the request arrives (its sender may give up on it while the body is read).
    const code = status()
    let raw = ''
    req.setEncoding('utf8')
    req.on('data', (chunk) => {
      raw += chunk
    })
    req.on('end', () => {
      if (code >= 200 && code < 300) deliveries.push({ headers: req.headers, raw, body: JSON.parse(raw) })
      res.writeHead(code).end()
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`
  return { url, deliveries, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

/** Polls until `check` holds (no timing is asserted: the bound only ends a hung test). */
async function until(what: string, check: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

describe.each(databases)('webhooks on $name', (database) => {
  const cleanups: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })
  let dir: string | undefined
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  /** One database several instances can open in turn or at once (a SQLite file, a PostgreSQL schema). */
  async function sharedDatabase(): Promise<DatabaseOption> {
    if (database.name === 'sqlite') {
      dir ??= await mkdtemp(join(tmpdir(), 'palaver-webhooks-'))
      return { sqlite: join(dir, `${Math.random().toString(36).slice(2)}.db`) }
    }
    const created = await database.create()
    cleanups.push(created.drop)
    return created.option
  }

  async function start(option: DatabaseOption, extra: Partial<PalaverOptions>): Promise<Palaver> {
    const palaver = await createPalaver({
      database: option,
      rateLimits: false,
      logPollIntervalMs: 100,
      getUser: (request) => {
        const id = request.headers.get('x-test-user')
        return id ? { id } : null
      },
      ...extra,
    })
    for (const user of DEMO_USERS) await palaver.users.upsert(user)
    return palaver
  }

  const call = async (palaver: Palaver, user: string, method: string, path: string, body?: unknown) => {
    const response = await palaver.fetch(
      new Request(`http://localhost/messages${path}`, {
        method,
        headers: { 'x-test-user': user, 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    )
    return { status: response.status, body: response.status === 204 ? null : await response.json() }
  }

  it('posts each persisted event once, in order, signed, with its cursor as the delivery id', async () => {
    const endpoint = await receiver()
    cleanups.push(endpoint.close)
    const palaver = await start(await sharedDatabase(), { webhooks: [{ url: endpoint.url, secret: SECRET }] })
    cleanups.push(() => palaver.close())
    const chat = (await call(palaver, 'alice', 'POST', '/api/chats/', { memberIds: ['bob'] })).body
    const sent = (await call(palaver, 'alice', 'POST', `/api/chats/${chat.id}/messages/`, { body: 'hooked' }))
      .body
    await call(palaver, 'bob', 'POST', `/api/messages/${sent.id}/reactions/`, { emoji: '👍' })
    await until('three deliveries', () => endpoint.deliveries.length >= 3)
    await new Promise((resolve) => setTimeout(resolve, 300))
    const types = endpoint.deliveries.map((d) => d.body.type)
    expect(types).toEqual([
      'chat.created',
      'member.added',
      'member.added',
      'message.created',
      'reaction.updated',
    ])
    const cursors = endpoint.deliveries.map((d) => d.body.cursor)
    expect(cursors).toEqual([...cursors].sort((a, b) => a - b))
    expect(new Set(cursors).size).toBe(cursors.length)
    const created = endpoint.deliveries.find((d) => d.body.type === 'message.created')!
    expect(created.body).toMatchObject({
      chatId: chat.id,
      userId: null,
      data: { message: { id: sent.id, body: 'hooked' } },
    })
    expect(created.headers['palaver-event']).toBe('message.created')
    expect(created.headers['palaver-delivery']).toBe(String(created.body.cursor))
    const signature = created.headers['palaver-signature'] as string
    expect(verifyWebhook({ secret: SECRET, body: created.raw, signature })).toBe(true)
    // A forged body, another secret or a stale signature does not verify.
    expect(verifyWebhook({ secret: SECRET, body: created.raw.replace('hooked', 'forged'), signature })).toBe(
      false,
    )
    expect(verifyWebhook({ secret: `${SECRET}x`, body: created.raw, signature })).toBe(false)
    expect(verifyWebhook({ secret: SECRET, body: created.raw, signature, now: Date.now() + 3_600_000 })).toBe(
      false,
    )
    expect(verifyWebhook({ secret: SECRET, body: created.raw, signature: 'v1=abc' })).toBe(false)
  })

  it('sends only the chosen event types, and starts from the log’s end, not its history', async () => {
    const option = await sharedDatabase()
    const before = await start(option, {})
    const chat = (await call(before, 'alice', 'POST', '/api/chats/', { memberIds: ['bob'] })).body
    await call(before, 'alice', 'POST', `/api/chats/${chat.id}/messages/`, { body: 'history' })
    await before.close()
    const endpoint = await receiver()
    cleanups.push(endpoint.close)
    const palaver = await start(option, {
      webhooks: [{ url: endpoint.url, secret: SECRET, events: ['message.created'] }],
    })
    cleanups.push(() => palaver.close())
    await call(palaver, 'bob', 'POST', `/api/chats/${chat.id}/messages/`, { body: 'news' })
    await call(palaver, 'bob', 'POST', `/api/chats/${chat.id}/typing/`, { isTyping: true })
    await call(palaver, 'alice', 'PATCH', `/api/chats/${chat.id}/`, { title: 'Renamed' })
    await call(palaver, 'alice', 'POST', `/api/chats/${chat.id}/messages/`, { body: 'last' })
    await until('two messages', () => endpoint.deliveries.length >= 2)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(endpoint.deliveries.map((d) => d.body.data.message.body)).toEqual(['news', 'last'])
  })

  it('retries a failing endpoint until it answers 2xx, holding back what comes after', async () => {
    let failuresLeft = 2
    const endpoint = await receiver(() => (failuresLeft-- > 0 ? 503 : 200))
    cleanups.push(endpoint.close)
    const palaver = await start(await sharedDatabase(), {
      webhooks: [{ url: `${endpoint.url}?token=hush`, secret: SECRET, events: ['message.created'] }],
    })
    cleanups.push(() => palaver.close())
    const chat = (await call(palaver, 'alice', 'POST', '/api/chats/', { memberIds: ['bob'] })).body
    for (const body of ['one', 'two', 'three'])
      await call(palaver, 'alice', 'POST', `/api/chats/${chat.id}/messages/`, { body })
    await until('three messages', () => endpoint.deliveries.length >= 3)
    expect(endpoint.deliveries.map((d) => d.body.data.message.body)).toEqual(['one', 'two', 'three'])
    expect(failuresLeft).toBeLessThan(0)
    // The metrics count both kinds of POST, under the URL without its query (a token stays out of them).
    const metric = (name: string, labels: string) => `${name}{webhook="${endpoint.url}"${labels}}`
    // The receiver has the third POST before its answer is back and counted: wait for the count.
    await expect
      .poll(() => palaver.metrics.text())
      .toContain(`${metric('palaver_webhook_deliveries_total', ',outcome="delivered"')} 3`)
    const text = await palaver.metrics.text()
    expect(text).toContain(`${metric('palaver_webhook_deliveries_total', ',outcome="failed"')} 2`)
    expect(text).not.toContain('hush')
    await expect
      .poll(() => palaver.metrics.text())
      .toContain(`${metric('palaver_webhook_backlog_events', '')} 0`)
  })

  it('loses nothing while the endpoint is down across a restart of the process', async () => {
    const option = await sharedDatabase()
    let up = false
    const endpoint = await receiver(() => (up ? 200 : 500))
    cleanups.push(endpoint.close)
    const webhooks = [{ url: endpoint.url, secret: SECRET, events: ['message.created' as const] }]
    const first = await start(option, { webhooks })
    const chat = (await call(first, 'alice', 'POST', '/api/chats/', { memberIds: ['bob'] })).body
    for (const body of ['while', 'down'])
      await call(first, 'alice', 'POST', `/api/chats/${chat.id}/messages/`, { body })
    await first.close()
    up = true
    const second = await start(option, { webhooks })
    cleanups.push(() => second.close())
    await call(second, 'bob', 'POST', `/api/chats/${chat.id}/messages/`, { body: 'after' })
    await until('three messages', () => endpoint.deliveries.length >= 3)
    await new Promise((resolve) => setTimeout(resolve, 300))
    // At least once: a delivery cut short by the shutdown may arrive again, as the same delivery.
    const unique = new Map(endpoint.deliveries.map((d) => [d.headers['palaver-delivery'], d.raw]))
    for (const d of endpoint.deliveries) expect(unique.get(d.headers['palaver-delivery'])).toBe(d.raw)
    expect([...unique.values()].map((raw) => JSON.parse(raw).data.message.body)).toEqual([
      'while',
      'down',
      'after',
    ])
  })

  it('delivers once from two processes on one database: one holds the deliveries', async () => {
    const option = await sharedDatabase()
    const endpoint = await receiver()
    cleanups.push(endpoint.close)
    const webhooks = [{ url: endpoint.url, secret: SECRET, events: ['message.created' as const] }]
    const one = await start(option, { webhooks })
    cleanups.push(() => one.close())
    const two = await start(option, { webhooks })
    cleanups.push(() => two.close())
    const chat = (await call(one, 'alice', 'POST', '/api/chats/', { memberIds: ['bob'] })).body
    const bodies = Array.from({ length: 12 }, (_, i) => `m${i}`)
    for (const [i, body] of bodies.entries())
      await call(i % 2 ? one : two, i % 2 ? 'alice' : 'bob', 'POST', `/api/chats/${chat.id}/messages/`, {
        body,
      })
    await until('every message', () => endpoint.deliveries.length >= bodies.length)
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(endpoint.deliveries.map((d) => d.body.data.message.body)).toEqual(bodies)
  })

  it('delivers at once what another process committed, told by pub/sub, not at the next poll', async () => {
    const option = await sharedDatabase()
    const endpoint = await receiver()
    cleanups.push(endpoint.close)
    const pubsub = inProcessPubSub()
    // A minute between polls: only a wake can bring the deliveries within the wait below.
    const shared = {
      webhooks: [{ url: endpoint.url, secret: SECRET, events: ['message.created' as const] }],
      pubsub,
      singleWriter: false,
      logPollIntervalMs: 60_000,
    }
    const one = await start(option, shared)
    cleanups.push(() => one.close())
    const two = await start(option, shared)
    cleanups.push(() => two.close())
    const chat = (await call(one, 'alice', 'POST', '/api/chats/', { memberIds: ['bob'] })).body
    const post = (palaver: Palaver, body: string) =>
      call(palaver, 'alice', 'POST', `/api/chats/${chat.id}/messages/`, { body })
    // The first commit wakes its own process, which takes the deliveries; the rest come from the other.
    await post(one, 'first')
    await until('the first message', () => endpoint.deliveries.length === 1, 10_000)
    for (const body of ['a', 'b', 'c']) await post(two, body)
    await until('the other process’s messages', () => endpoint.deliveries.length === 4, 10_000)
    expect(endpoint.deliveries.map((d) => d.body.data.message.body)).toEqual(['first', 'a', 'b', 'c'])
  })

  it('refuses wrong webhook options at start, naming them', async () => {
    const option = await sharedDatabase()
    const url = 'http://127.0.0.1:9/hooks'
    for (const [webhooks, named] of [
      [[{ url, secret: 'short' }], 'webhooks.0.secret'],
      [[{ url: 'ftp://example.com/', secret: SECRET }], 'webhooks.0.url'],
      [[{ url, secret: SECRET, events: ['typing'] }], 'webhooks.0.events.0'],
      [
        [
          { url, secret: SECRET },
          { url, secret: SECRET },
        ],
        'webhooks',
      ],
    ] as const)
      await expect(start(option, { webhooks: webhooks as never })).rejects.toThrow(`\`${named}\``)
  })
})
