import { once } from 'node:events'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { databases } from './helpers/databases.js'
import { connectSocket, type LiveServer, type SocketClient, startLiveServer } from './helpers/live.js'

const actions = ['send', 'typing', 'watch', 'unwatch', 'ping', 'delete', '__proto__', 'constructor', '']
const value = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(-1, 0, 1, 2 ** 53, 1e308),
  fc.array(fc.string(), { maxLength: 3 }),
)
const frame = fc.oneof(
  fc
    .record(
      {
        action: fc.constantFrom(...actions),
        id: fc.oneof(fc.string({ maxLength: 8 }), fc.integer()),
        chatId: value,
        body: value,
        clientId: value,
        isTyping: value,
      },
      { requiredKeys: ['action'] },
    )
    .map((o) => JSON.stringify(o)),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom(
    '',
    '{',
    'null',
    '[]',
    '1',
    '"send"',
    '{"action":"send"}',
    '{"action":"send","chatId":1,"body":""}',
  ),
)

describe.each(databases.slice(0, 1))('malformed WebSocket frames ($name)', (database) => {
  let live: LiveServer
  let bystander: SocketClient
  let chatId: number
  beforeAll(async () => {
    live = await startLiveServer(database, { limits: { bodyBytes: 4096 } })
    chatId = (await live.call('alice', 'POST', '/api/chats/', { title: 'Fuzz', memberIds: ['bob'] })).body.id
    bystander = await connectSocket(live, 'bob')
  })
  afterAll(async () => {
    await bystander.close()
    await live.close()
  })

  it('answer with an error acknowledgement, never a crash, and others are unaffected', async () => {
    const fuzzer = await connectSocket(live, 'alice')
    const replies: any[] = []
    fuzzer.ws.on('message', (data) => replies.push(JSON.parse(data.toString())))
    let sent = 0
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 5 }), async (frames) => {
        for (const text of frames) fuzzer.ws.send(text)
        sent += frames.length
      }),
      { numRuns: 300 },
    )
    fuzzer.ws.send(Buffer.from([0xff, 0x00, 0x13]), { binary: true })
    sent++
    const done = await fuzzer.request({ action: 'ping' })
    expect(done.ok).toBe(true)
    const acks = replies.filter((r) => r.type === 'ack')
    expect(acks.length).toBeGreaterThanOrEqual(sent)
    for (const ack of acks.filter((a) => !a.ok))
      expect(['invalid_input', 'not_found', 'forbidden', 'too_large', 'conflict']).toContain(ack.error.code)
    console.log(`[socket fuzz] ${sent} frames, ${acks.filter((a) => !a.ok).length} refused`)
    // The bystander still gets what is sent to it.
    await live.call('alice', 'POST', `/api/chats/${chatId}/messages/`, { body: 'still here' })
    await bystander.inbox.until('the message', () =>
      bystander.inbox.of('message.created').some((e) => e.data.message.body === 'still here'),
    )
    await fuzzer.close()
  })

  it('reads a chat id only from a number: true and [1] are refused, not taken for chat 1', async () => {
    const alice = await connectSocket(live, 'alice')
    for (const given of [true, [chatId], `${chatId}e0`, ` ${chatId}`]) {
      const ack = await alice.request({ action: 'send', chatId: given, body: 'where does this go?' })
      expect(ack, JSON.stringify(given)).toMatchObject({ ok: false, error: { code: 'invalid_input' } })
    }
    const history = await live.call('alice', 'GET', `/api/chats/${chatId}/messages/`)
    expect(history.body.messages.map((m: { body: string }) => m.body)).not.toContain('where does this go?')
    await alice.close()
  })

  it('names the field of a refused frame, or none when the frame as a whole is refused', async () => {
    const alice = await connectSocket(live, 'alice')
    const unknown = await alice.request({ action: 'ping', extra: 1 })
    expect(unknown.error.message).toBe('Invalid frame: Unrecognized key: "extra"')
    const field = await alice.request({ action: 'typing', chatId, isTyping: 'yes' })
    expect(field.error.message).toBe(
      'Invalid frame isTyping: Invalid input: expected boolean, received string',
    )
    await alice.close()
  })

  it('refuses an upgrade that gives after or watch twice, rather than picking one', async () => {
    const upgrade = (query: string) =>
      new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(`${live.origin.replace('http', 'ws')}/messages/ws?${query}`, {
          headers: { 'x-test-user': 'alice' },
        })
        ws.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0))
        ws.on('open', () => {
          ws.close()
          resolve(101)
        })
        ws.on('error', reject)
      })
    for (const query of ['after=0&after=1', `watch=${chatId}&watch=${chatId}`, 'after=&after=0'])
      expect(await upgrade(query), query).toBe(400)
    expect(await upgrade(`after=0&watch=${chatId}&x=1&x=2`)).toBe(101)
  })

  it('closes the socket of an oversized frame with a reason, and only that socket', async () => {
    const ws = new WebSocket(`${live.origin.replace('http', 'ws')}/messages/ws`, {
      headers: { 'x-test-user': 'alice' },
    })
    await once(ws, 'open')
    const closed = once(ws, 'close')
    ws.send('x'.repeat(10_000))
    const [code] = (await closed) as [number]
    expect(code).toBe(1009)
    expect(bystander.ws.readyState).toBe(WebSocket.OPEN)
  })
})
