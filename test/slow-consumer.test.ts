import { once } from 'node:events'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases } from './helpers/databases.js'
import { connectSocket, type LiveServer, startLiveServer } from './helpers/live.js'

describe.each(databases.slice(0, 1))('a client that stops reading ($name)', (database) => {
  let live: LiveServer
  let chatId: number
  beforeAll(async () => {
    live = await startLiveServer(
      database,
      { limits: { messageLength: 20_000, bodyBytes: 100_000 } },
      { maxBufferedBytes: 256 * 1024 },
    )
    chatId = (
      await live.call('alice', 'POST', '/api/chats/', { title: 'Flood', memberIds: ['bob', 'charlie'] })
    ).body.id
  })
  afterAll(() => live.close())

  it('is dropped once its backlog passes the cap, while the others get everything, and it resumes exactly', async () => {
    const slow = await connectSocket(live, 'bob')
    const healthy = await connectSocket(live, 'charlie')
    const cursor = slow.inbox.cursor
    // Stop reading: the kernel buffers fill, then the server's send buffer grows.
    ;(slow.ws as unknown as { _socket: { pause(): void } })._socket.pause()
    const closed = once(slow.ws, 'close')
    const body = 'x'.repeat(19_000)
    const sent: number[] = []
    for (let n = 0; n < 400; n++) {
      const reply = await live.call('alice', 'POST', `/api/chats/${chatId}/messages/`, {
        body: `${n} ${body}`,
      })
      sent.push(reply.body.id)
    }
    await healthy.inbox.until(
      'every message',
      () => healthy.inbox.of('message.created').length === sent.length,
    )
    ;(slow.ws as unknown as { _socket: { resume(): void } })._socket.resume()
    await closed
    expect(slow.inbox.of('message.created').length).toBeLessThan(sent.length)
    const resumed = await connectSocket(live, 'bob', { after: slow.inbox.events.at(-1)?.cursor ?? cursor })
    await resumed.inbox.until(
      'the rest',
      () =>
        [...slow.inbox.of('message.created'), ...resumed.inbox.of('message.created')].length >= sent.length,
    )
    const ids = [...slow.inbox.of('message.created'), ...resumed.inbox.of('message.created')].map(
      (e) => e.data.message.id,
    )
    expect(ids).toEqual(sent)
    await resumed.close()
    await healthy.close()
  }, 120_000)
})
