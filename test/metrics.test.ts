import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPalaver, inProcessPubSub } from '../src/index.js'
import type { DatabaseOption } from '../src/options.js'
import { databases, POSTGRES_URL } from './helpers/databases.js'
import { connectSocket, Inbox, type LiveServer, serverSentEvents, startLiveServer } from './helpers/live.js'
import { TcpProxy } from './helpers/proxy.js'
import { DEMO_USERS, startServer } from './helpers/server.js'

const TOKEN = 'scrape-me-0123456789'

/** One sample of the Prometheus text: the metric with exactly these labels (in the order they print). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const labelText = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')
  const prefix = labelText ? `${name}{${labelText}} ` : `${name} `
  const line = text.split('\n').find((l) => l.startsWith(prefix))
  if (line === undefined) throw new Error(`no sample ${prefix.trim()} in:\n${text}`)
  return Number(line.slice(prefix.length))
}

describe.each(databases)('metrics on $name', (database) => {
  let live: LiveServer
  let chatId: number
  beforeAll(async () => {
    live = await startLiveServer(database, { metricsToken: TOKEN })
    chatId = (
      await live.call('alice', 'POST', '/api/chats/', { title: 'Counted', memberIds: ['bob', 'charlie'] })
    ).body.id
  })
  afterAll(() => live.close())

  const scrape = async () => {
    const response = await fetch(`${live.origin}/messages/metrics`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    return response.text()
  }
  const sends = (text: string, route: string, outcome: string) =>
    sample(text, 'palaver_send_duration_seconds_count', { route, outcome })

  it('counts each send by how it came and what became of it, and the batches that committed them', async () => {
    const before = await scrape()
    // No sends yet: the series appear once a send is answered.
    expect(before).not.toContain('palaver_send_duration_seconds_count')
    const batchesBefore = sample(before, 'palaver_commit_batch_size_count')

    const path = `/api/chats/${chatId}/messages/`
    expect((await live.call('alice', 'POST', path, { body: 'one', clientId: 'm-1' })).status).toBe(201)
    expect((await live.call('alice', 'POST', path, { body: 'one', clientId: 'm-1' })).status).toBe(200)
    expect((await live.call('alice', 'POST', '/api/chats/999999/messages/', { body: 'x' })).status).toBe(404)
    const alice = await connectSocket(live, 'alice')
    expect(await alice.request({ action: 'send', chatId, body: 'two', clientId: 'm-2' })).toMatchObject({
      ok: true,
    })
    expect(await alice.request({ action: 'send', chatId, body: 'two', clientId: 'm-2' })).toMatchObject({
      ok: true,
    })
    expect(await alice.request({ action: 'send', chatId, body: 'two', clientId: 'm-3' })).toMatchObject({
      ok: true,
    })
    expect(await alice.request({ action: 'send', chatId, body: '   ' })).toMatchObject({ ok: false })
    // Not a send: not counted as one.
    expect(await alice.request({ action: 'typing', chatId, isTyping: true })).toMatchObject({ ok: true })
    await alice.close()

    const after = await scrape()
    expect(sends(after, 'http', 'stored')).toBe(1)
    expect(sends(after, 'http', 'repeated')).toBe(1)
    expect(sends(after, 'http', 'refused')).toBe(1)
    expect(sends(after, 'websocket', 'stored')).toBe(2)
    expect(sends(after, 'websocket', 'repeated')).toBe(1)
    expect(sends(after, 'websocket', 'refused')).toBe(1)
    expect(after).not.toContain('outcome="failed"')
    expect(
      sample(after, 'palaver_send_duration_seconds_sum', { route: 'websocket', outcome: 'stored' }),
    ).toBeGreaterThan(0)
    // Three messages were stored, each in a batch that finished.
    expect(sample(after, 'palaver_commit_batch_size_count') - batchesBefore).toBeGreaterThanOrEqual(3)
    expect(sample(after, 'palaver_commit_duration_seconds_count')).toBe(
      sample(after, 'palaver_commit_batch_size_count'),
    )
    expect(sample(after, 'palaver_event_cursor')).toBeGreaterThan(sample(before, 'palaver_event_cursor'))
    // One process: every event came from its own commits, none by pub/sub or from the log.
    const routed = (source: string) => sample(after, 'palaver_events_routed_total', { source })
    expect(routed('commit')).toBe(sample(after, 'palaver_event_cursor'))
    expect(routed('pubsub')).toBe(0)
    expect(routed('log')).toBe(0)
  })

  it('counts connections and the events they were sent, by transport, and keeps the count when they go', async () => {
    const bob = await connectSocket(live, 'bob')
    const sse = new Inbox()
    const controller = new AbortController()
    const stream = await fetch(`${live.origin}/messages/api/events/stream/`, {
      headers: { 'x-test-user': 'charlie' },
      signal: controller.signal,
    })
    void (async () => {
      try {
        for await (const event of serverSentEvents(stream.body!)) sse.push(event)
      } catch {}
    })()
    await sse.until('ready', () => sse.other.some((f) => f.type === 'ready'))
    const start = await live.call('charlie', 'GET', '/api/events/')
    const polling = live.call('charlie', 'GET', `/api/events/?after=${start.body.cursor}&wait=20`)
    let text = await scrape()
    for (
      let tries = 0;
      sample(text, 'palaver_connections', { transport: 'long-polling' }) === 0 && tries < 100;
      tries++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      text = await scrape()
    }
    expect(sample(text, 'palaver_connections', { transport: 'websocket' })).toBe(1)
    expect(sample(text, 'palaver_connections', { transport: 'sse' })).toBe(1)
    expect(sample(text, 'palaver_connections', { transport: 'long-polling' })).toBe(1)
    const sent = (t: string, transport: string) => sample(t, 'palaver_events_sent_total', { transport })
    const before = { ws: sent(text, 'websocket'), sse: sent(text, 'sse'), poll: sent(text, 'long-polling') }

    await live.call('alice', 'POST', `/api/chats/${chatId}/messages/`, { body: 'to everyone' })
    await bob.inbox.until('the message', () => bob.inbox.of('message.created').length === 1)
    await sse.until('the message', () => sse.of('message.created').length === 1)
    expect((await polling).body.events.map((e: any) => e.type)).toEqual(['message.created'])
    text = await scrape()
    expect(sent(text, 'websocket') - before.ws).toBe(1)
    expect(sent(text, 'sse') - before.sse).toBe(1)
    expect(sent(text, 'long-polling') - before.poll).toBe(1)
    expect(sample(text, 'palaver_connections', { transport: 'long-polling' })).toBe(0)

    await bob.close()
    controller.abort()
    for (
      let tries = 0;
      sample(text, 'palaver_connections', { transport: 'sse' }) > 0 && tries < 100;
      tries++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      text = await scrape()
    }
    expect(sample(text, 'palaver_connections', { transport: 'websocket' })).toBe(0)
    expect(sample(text, 'palaver_connections', { transport: 'sse' })).toBe(0)
    // What the connections that went were sent still counts: a counter never goes down.
    expect(sent(text, 'websocket') - before.ws).toBe(1)
    expect(sent(text, 'sse') - before.sse).toBe(1)
  })

  it('answers only the scraper with the token, and never asks getUser', async () => {
    const { option, drop } = await database.create()
    let asked = 0
    const palaver = await createPalaver({
      database: option,
      metricsToken: TOKEN,
      getUser: () => {
        asked++
        return { id: 'someone' }
      },
    })
    const get = (headers: Record<string, string>) =>
      palaver.fetch(new Request('http://palaver.test/messages/metrics', { headers }))
    try {
      for (const authorization of [
        undefined,
        `Bearer ${TOKEN}x`,
        `Bearer ${TOKEN.slice(0, -1)}X`,
        `Basic ${TOKEN}`,
      ]) {
        const refused = await get(authorization ? { authorization } : {})
        expect(refused.status).toBe(401)
        expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer /)
        expect((await refused.json()).error.code).toBe('unauthenticated')
      }
      const answered = await get({ authorization: `Bearer ${TOKEN}` })
      expect(answered.status).toBe(200)
      expect(answered.headers.get('cache-control')).toBe('no-store')
      expect(await answered.text()).toContain('# TYPE palaver_connections gauge')
      expect(asked).toBe(0)
    } finally {
      await palaver.close()
      await drop()
    }
  })
})

describe.each(databases)('metrics of two processes on $name', (database) => {
  it('count the events one process had from the other by pub/sub, and none read back from the log', async () => {
    let option: DatabaseOption
    let drop: () => Promise<void>
    if (database.name === 'sqlite') {
      const dir = mkdtempSync(join(tmpdir(), 'palaver-metrics-'))
      option = { sqlite: join(dir, 'shared.sqlite') }
      drop = async () => rmSync(dir, { recursive: true, force: true })
    } else ({ option, drop } = await database.create())
    // The log is polled once a minute: within the test, every event comes by commit or by pub/sub.
    const options = { pubsub: inProcessPubSub(), logPollIntervalMs: 60_000 }
    const one = await startLiveServer(database, options, {}, { option })
    const two = await startLiveServer(database, options, {}, { option })
    try {
      const chat = (await one.call('alice', 'POST', '/api/chats/', { title: 'Two', memberIds: ['bob'] })).body
        .id
      const bob = await connectSocket(one, 'bob')
      for (const n of [1, 2, 3])
        await two.call('alice', 'POST', `/api/chats/${chat}/messages/`, { body: `m${n}` })
      await bob.inbox.until('three messages', () => bob.inbox.of('message.created').length === 3)
      await bob.close()
      const text = await one.palaver.metrics.text()
      const routed = (source: string) => sample(text, 'palaver_events_routed_total', { source })
      expect(routed('pubsub')).toBeGreaterThanOrEqual(3)
      expect(routed('commit')).toBeGreaterThan(0)
      expect(routed('log')).toBe(0)
      expect(routed('commit') + routed('pubsub')).toBe(sample(text, 'palaver_event_cursor'))
    } finally {
      await one.close()
      await two.close()
      await drop()
    }
  })
})

describe.each(databases)('metrics without a token on $name', (database) => {
  it('serves no metrics route, and gives the host the text and the registry instead', async () => {
    const server = await startServer(database)
    try {
      const response = await server.call('alice', 'GET', '/metrics')
      expect(response.status).toBe(404)
      expect(response.body.error.code).toBe('not_found')
      await server.as('alice').post('/api/chats/', { title: 'Here' })
      const text = await server.palaver.metrics.text()
      expect(text).toContain('# TYPE palaver_commit_batch_size histogram')
      expect(sample(text, 'palaver_commit_batch_size_count')).toBeGreaterThanOrEqual(1)
      expect(server.palaver.metrics.contentType).toMatch(/^text\/plain/)
      expect((await server.palaver.metrics.registry.getMetricsAsJSON()).map((m) => m.name)).toContain(
        'palaver_events_sent_total',
      )
    } finally {
      await server.close()
    }
  })

  it('refuses a token short enough to guess, naming the option', async () => {
    const { option, drop } = await database.create()
    try {
      await expect(
        createPalaver({ database: option, metricsToken: 'short', getUser: () => null }),
      ).rejects.toThrow(/metricsToken/)
    } finally {
      await drop()
    }
  })
})

describe.runIf(databases.some((d) => d.name === 'postgres'))('metrics while PostgreSQL is away', () => {
  it('count a send the database failed as failed, not as refused', async () => {
    const proxy = new TcpProxy(new URL(POSTGRES_URL).hostname, Number(new URL(POSTGRES_URL).port || 5432))
    const viaProxy = new URL(POSTGRES_URL)
    viaProxy.port = String(await proxy.start())
    const { option, drop } = await databases.find((d) => d.name === 'postgres')!.create()
    // Users from memory: who sends is known without the database, so the send itself is what fails.
    const profiles = new Map<string, (typeof DEMO_USERS)[number]>(DEMO_USERS.map((u) => [u.id, u]))
    const palaver = await createPalaver({
      database: { ...option, postgres: viaProxy.toString() } as DatabaseOption,
      users: {
        get: async (ids) => ids.flatMap((id) => profiles.get(id) ?? []),
        search: async () => [],
      },
      rateLimits: false,
      getUser: (request) => profiles.get(request.headers.get('x-test-user') ?? '') ?? null,
    })
    const post = (path: string, body: unknown) =>
      palaver.fetch(
        new Request(`http://palaver.test/messages/api${path}`, {
          method: 'POST',
          headers: { 'x-test-user': 'alice', 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }),
      )
    try {
      const chat = await (await post('/chats/', { title: 'Away', memberIds: ['bob'] })).json()
      await proxy.cut()
      expect((await post(`/chats/${chat.id}/messages/`, { body: 'into the void' })).status).toBe(503)
      const text = await palaver.metrics.text()
      expect(sample(text, 'palaver_send_duration_seconds_count', { route: 'http', outcome: 'failed' })).toBe(
        1,
      )
      expect(text).not.toContain('outcome="refused"')
    } finally {
      await proxy.restore()
      await palaver.close()
      await proxy.stop()
      await drop()
    }
  })
})
