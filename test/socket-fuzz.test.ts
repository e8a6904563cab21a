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
