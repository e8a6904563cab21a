import { once } from 'node:events'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases } from './helpers/databases.js'
import { connectSocket, type LiveServer, serverSentEvents, startLiveServer } from './helpers/live.js'

describe.each(databases)('a client that stops reading ($name)', (database) => {
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

  describe('a client far behind', () => {
    // About 11 MB while bob is away: more than a page of the catch-up, and forty times the socket's cap.
    let backlogFrom: number
    const backlog: number[] = []
    beforeAll(async () => {
      backlogFrom = (await live.call('bob', 'GET', '/api/events/')).body.cursor
      const body = 'y'.repeat(19_000)
      for (let n = 0; n < 600; n++) {
        const reply = await live.call('alice', 'POST', `/api/chats/${chatId}/messages/`, {
          body: `${n} ${body}`,
        })
        backlog.push(reply.body.id)
      }
    }, 120_000)
    const messageIds = (events: any[]) =>
      events.filter((e) => e.type === 'message.created').map((e) => e.data.message.id)

    it('over WebSocket is never dropped for its catch-up: the backlog streams at the pace it reads', async () => {
      const client = await connectSocket(live, 'bob', { after: backlogFrom })
      let closed = false
      client.ws.on('close', () => {
        closed = true
      })
      await client.inbox.until(
        'the backlog',
        () => messageIds(client.inbox.events).length >= backlog.length || closed,
      )
      expect(closed).toBe(false)
      expect(messageIds(client.inbox.events)).toEqual(backlog)
      await client.close()
    }, 60_000)

    it('over Server-Sent Events gets the whole backlog on one stream', async () => {
      const controller = new AbortController()
      const response = await fetch(`${live.origin}/messages/api/events/stream/?after=${backlogFrom}`, {
        headers: { 'x-test-user': 'bob' },
        signal: controller.signal,
      })
      const events: any[] = []
      for await (const event of serverSentEvents(response.body!)) {
        events.push(event)
        if (messageIds(events).length === backlog.length) break
      }
      controller.abort()
      expect(messageIds(events)).toEqual(backlog)
    }, 60_000)

    it('over long-polling gets it in answers of about a megabyte, each resuming where the last ended', async () => {
      const events: any[] = []
      let cursor = backlogFrom
      let answers = 0
      while (messageIds(events).length < backlog.length && answers < 100) {
        const reply = await live.call('bob', 'GET', `/api/events/?after=${cursor}`)
        const size = JSON.stringify(reply.body).length
        expect(size).toBeLessThan(1.1 * 1024 * 1024)
        events.push(...reply.body.events)
        cursor = reply.body.cursor
        answers++
      }
      expect(answers).toBeGreaterThan(5)
      expect(messageIds(events)).toEqual(backlog)
    }, 60_000)
  })
})
