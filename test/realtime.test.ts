import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases } from './helpers/databases.js'
import { connectSocket, Inbox, type LiveServer, serverSentEvents, startLiveServer } from './helpers/live.js'

describe.each(databases)('real-time delivery on $name', (database) => {
  let live: LiveServer
  let chatId: number
  beforeAll(async () => {
    live = await startLiveServer(database)
    chatId = (await live.call('alice', 'POST', '/api/chats/', { title: 'Live', memberIds: ['bob'] })).body.id
  })
  afterAll(() => live.close())

  const send = (user: string, body: string, to = chatId) =>
    live.call(user, 'POST', `/api/chats/${to}/messages/`, { body })

  it('delivers a message sent over REST to the other member’s socket, once', async () => {
    const bob = await connectSocket(live, 'bob')
    const sent = await send('alice', 'over rest')
    await bob.inbox.until('the message', () => bob.inbox.of('message.created').length === 1)
    const [event] = bob.inbox.of('message.created')
    expect(event.data.message).toMatchObject({ id: sent.body.id, body: 'over rest', senderId: 'alice' })
    expect(event.chatId).toBe(chatId)
    await bob.close()
  })

  it('sends over the socket with an acknowledgement carrying the stored message, idempotently', async () => {
    const alice = await connectSocket(live, 'alice')
    const bob = await connectSocket(live, 'bob')
    const ack = await alice.request({ action: 'send', chatId, body: ' via socket ', clientId: 'ws-1' })
    expect(ack).toMatchObject({ type: 'ack', ok: true, result: { body: 'via socket', clientId: 'ws-1' } })
    const again = await alice.request({ action: 'send', chatId, body: 'via socket', clientId: 'ws-1' })
    expect(again.result.id).toBe(ack.result.id)
    await bob.inbox.until('the message', () => bob.inbox.of('message.created').length === 1)
    const refused = await alice.request({ action: 'send', chatId: 999999, body: 'nowhere' })
    expect(refused).toMatchObject({ ok: false, error: { code: 'not_found' } })
    await alice.close()
    await bob.close()
  })

  it('resumes from a cursor with exactly what was missed', async () => {
    const first = await connectSocket(live, 'bob')
    await send('alice', 'before the drop')
    await first.inbox.until('the first message', () => first.inbox.of('message.created').length === 1)
    const cursor = first.inbox.cursor
    first.ws.terminate()
    for (const n of [1, 2, 3, 4, 5]) await send('alice', `missed ${n}`)
    const second = await connectSocket(live, 'bob', { after: cursor })
    await second.inbox.until('five messages', () => second.inbox.of('message.created').length >= 5)
    expect(second.inbox.of('message.created').map((e) => e.data.message.body)).toEqual([
      'missed 1',
      'missed 2',
      'missed 3',
      'missed 4',
      'missed 5',
    ])
    await second.close()
  })

  it('streams the same events over Server-Sent Events, resuming from Last-Event-ID', async () => {
    const inbox = new Inbox()
    const controller = new AbortController()
    const response = await fetch(`${live.origin}/messages/api/events/stream/`, {
      headers: { 'x-test-user': 'bob' },
      signal: controller.signal,
    })
    expect(response.headers.get('content-type')).toContain('text/event-stream')
    void (async () => {
      try {
        for await (const event of serverSentEvents(response.body!)) inbox.push(event)
      } catch {}
    })()
    await inbox.until('ready', () => inbox.other.some((f) => f.type === 'ready'))
    await send('alice', 'over sse')
    await inbox.until('the message', () => inbox.of('message.created').length === 1)
    controller.abort()
    const cursor = inbox.cursor
    await send('alice', 'after sse')
    const resumed = await fetch(`${live.origin}/messages/api/events/stream/`, {
      headers: { 'x-test-user': 'bob', 'last-event-id': String(cursor) },
    })
    const reader = resumed.body!.getReader()
    let text = ''
    while (!text.includes('after sse')) text += new TextDecoder().decode((await reader.read()).value)
    expect(text).not.toContain('over sse')
    await reader.cancel()
  })

  it('long-polls: answers when an event arrives, and plain polling returns what is waiting', async () => {
    const start = await live.call('bob', 'GET', '/api/events/')
    expect(start.body.events).toEqual([])
    const poll = (after: number) => live.call('bob', 'GET', `/api/events/?after=${after}&wait=20`)
    const waiting = poll(start.body.cursor)
    await new Promise((resolve) => setTimeout(resolve, 100))
    await send('alice', 'long polled')
    let answer = await waiting
    // An ephemeral frame (someone of bob's going offline after an earlier test) may answer the poll
    // first, with no events: a client then polls again from the cursor it got.
    while (answer.body.events.length === 0 && answer.body.ephemeral.length > 0)
      answer = await poll(answer.body.cursor)
    expect(answer.body.events.map((e: any) => e.data.message?.body)).toContain('long polled')
    await send('alice', 'polled')
    const polled = await live.call('bob', 'GET', `/api/events/?after=${answer.body.cursor}`)
    const created = polled.body.events.filter((e: any) => e.type === 'message.created')
    expect(created.map((e: any) => e.data.message.body)).toEqual(['polled'])
  })

  it('starts a newcomer’s events at once when added, and stops them from the next event when removed', async () => {
    const dana = await connectSocket(live, 'dana')
    const group = await live.call('alice', 'POST', '/api/chats/', { title: 'Join me' })
    await live.call('alice', 'POST', `/api/chats/${group.body.id}/members/add/`, { userIds: ['dana'] })
    await dana.inbox.until('member.added', () => dana.inbox.of('member.added').length === 1)
    await send('alice', 'welcome dana', group.body.id)
    await dana.inbox.until('the welcome', () => dana.inbox.of('message.created').length === 1)
    await live.call('alice', 'DELETE', `/api/chats/${group.body.id}/members/dana/remove/`)
    await dana.inbox.until('member.removed', () => dana.inbox.of('member.removed').length === 1)
    await send('alice', 'secret after removal', group.body.id)
    // A message in another chat dana is in proves delivery went on: anything before it has arrived.
    const dm = await live.call('alice', 'POST', '/api/dms/', { userId: 'dana' })
    await send('alice', 'marker', dm.body.id)
    await dana.inbox.until('the marker', () =>
      dana.inbox.of('message.created').some((e) => e.data.message.body === 'marker'),
    )
    expect(JSON.stringify(dana.inbox.events)).not.toContain('secret after removal')
    await dana.close()
  })

  it('refuses an upgrade from a foreign Origin and from an anonymous visitor', async () => {
    await expect(connectSocket(live, 'bob', {}, { origin: 'https://evil.example' })).rejects.toThrow(/403/)
    await expect(connectSocket(live, '')).rejects.toThrow(/401/)
  })

  it('tells a client whose cursor is older than the retained log to resync', async () => {
    await send('alice', 'soon pruned')
    await live.palaver.pruneEvents(Date.now() + 1000)
    const stale = await connectSocket(live, 'bob', { after: 1 })
    expect(stale.inbox.other).toContainEqual(expect.objectContaining({ type: 'resync' }))
    await stale.close()
    const polled = await live.call('bob', 'GET', '/api/events/?after=1')
    expect(polled.body.ephemeral).toContainEqual(expect.objectContaining({ type: 'resync' }))
  })
})

describe.each(databases)('presence on $name', (database) => {
  let live: LiveServer
  beforeAll(async () => {
    live = await startLiveServer(database, { rooms: { video: () => ({ title: 'Cats', access: 'public' }) } })
    await live.call('alice', 'POST', '/api/chats/', { title: 'Presence', memberIds: ['bob'] })
  })
  afterAll(() => live.close())

  const online = async (userId: string) =>
    (await live.call('alice', 'GET', `/api/presence/?userIds=${userId}`)).body.online.includes(userId)

  it('shows a user online while any tab is connected, and tells the people they share chats with', async () => {
    const alice = await connectSocket(live, 'alice')
    expect(await online('bob')).toBe(false)
    const tab1 = await connectSocket(live, 'bob')
    const tab2 = await connectSocket(live, 'bob')
    await alice.inbox.until('bob online', () =>
      alice.inbox.other.some((f) => f.type === 'presence' && f.data.userId === 'bob' && f.data.online),
    )
    expect(await online('bob')).toBe(true)
    await tab1.close()
    expect(await online('bob')).toBe(true)
    await tab2.close()
    await alice.inbox.until('bob offline', () =>
      alice.inbox.other.some((f) => f.type === 'presence' && f.data.userId === 'bob' && !f.data.online),
    )
    expect(await online('bob')).toBe(false)
    await alice.close()
  })

  it('is not told through a room: its members are an audience, not contacts', async () => {
    const room = await live.call('alice', 'POST', '/api/rooms/', { contentType: 'video', objectId: 'cats' })
    await live.call('alice', 'POST', `/api/chats/${room.body.id}/join/`)
    await live.call('charlie', 'POST', `/api/chats/${room.body.id}/join/`)
    const alice = await connectSocket(live, 'alice')
    const charlie = await connectSocket(live, 'charlie')
    // Bob shares a group with alice: his arrival is told, after charlie's would have been.
    const bob = await connectSocket(live, 'bob')
    await alice.inbox.until('bob online', () =>
      alice.inbox.other.some((f) => f.type === 'presence' && f.data.userId === 'bob'),
    )
    const toldOf = (inbox: typeof alice.inbox) =>
      inbox.other.filter((f) => f.type === 'presence').map((f) => f.data.userId)
    expect(toldOf(alice.inbox)).not.toContain('charlie')
    expect(toldOf(charlie.inbox)).toEqual([])
    await Promise.all([alice.close(), bob.close(), charlie.close()])
  })

  it('hides presence between two people with a block between them, both ways', async () => {
    await live.call('dana', 'POST', '/api/chats/', {
      title: 'Block presence',
      memberIds: ['erin', 'charlie'],
    })
    const told = (inbox: { other: any[] }, userId: string) =>
      inbox.other.filter((f) => f.type === 'presence' && f.data.userId === userId).length
    const seen = async (viewer: string, userId: string) =>
      (await live.call(viewer, 'GET', `/api/presence/?userIds=${userId}`)).body.online as string[]
    expect((await live.call('dana', 'POST', '/api/users/erin/block/')).status).toBe(200)
    const dana = await connectSocket(live, 'dana')
    const charlie = await connectSocket(live, 'charlie')
    const erin = await connectSocket(live, 'erin')
    // Charlie, who blocked nobody, hears of Erin: by then Dana would have too.
    await charlie.inbox.until('erin online', () => told(charlie.inbox, 'erin') > 0)
    expect(told(dana.inbox, 'erin')).toBe(0)
    expect(told(erin.inbox, 'dana')).toBe(0)
    expect(await seen('dana', 'erin')).toEqual([])
    expect(await seen('erin', 'dana')).toEqual([])
    expect(await seen('charlie', 'erin')).toEqual(['erin'])
    await live.call('dana', 'POST', '/api/users/erin/unblock/')
    expect(await seen('dana', 'erin')).toEqual(['erin'])
    await Promise.all([dana.close(), charlie.close(), erin.close()])
  })

  it('tells both, while online, that the other went with a block, and came back with the unblock', async () => {
    await live.call('charlie', 'POST', '/api/chats/', { title: 'Block live', memberIds: ['bob'] })
    const told = (inbox: { other: any[] }, userId: string): boolean[] =>
      inbox.other.filter((f) => f.type === 'presence' && f.data.userId === userId).map((f) => f.data.online)
    const bob = await connectSocket(live, 'bob')
    const charlie = await connectSocket(live, 'charlie')
    await bob.inbox.until('charlie online', () => told(bob.inbox, 'charlie').length === 1)
    // Bob, who is blocked, sees Charlie go as if Charlie had left; Charlie's devices see Bob go.
    await live.call('charlie', 'POST', '/api/users/bob/block/')
    await bob.inbox.until('charlie gone for bob', () => told(bob.inbox, 'charlie').length === 2)
    await charlie.inbox.until('bob gone for charlie', () => told(charlie.inbox, 'bob').length === 1)
    // Bob blocks back: Charlie's unblock shows nothing while Bob's block stands; Bob's unblock shows both.
    await live.call('bob', 'POST', '/api/users/charlie/block/')
    await live.call('charlie', 'POST', '/api/users/bob/unblock/')
    await live.call('bob', 'POST', '/api/users/charlie/unblock/')
    await bob.inbox.until('charlie back for bob', () => told(bob.inbox, 'charlie').length === 5)
    await charlie.inbox.until('bob back for charlie', () => told(charlie.inbox, 'bob').length === 4)
    expect(told(bob.inbox, 'charlie')).toEqual([true, false, false, false, true])
    expect(told(charlie.inbox, 'bob')).toEqual([false, false, false, true])
    await Promise.all([bob.close(), charlie.close()])
  })

  it('tells a poller typing that began between two of its polls, at the next one and only there', async () => {
    const chats = await live.call('alice', 'GET', '/api/chats/')
    const chatId = chats.body.chats.find((chat: { kind: string }) => chat.kind === 'group').id
    const alicesTyping = (answer: { body: { ephemeral: any[] } }) =>
      answer.body.ephemeral.filter(
        (f) => f.type === 'typing' && f.chatId === chatId && f.data.userId === 'alice',
      )
    const first = await live.call('bob', 'GET', '/api/events/?wait=0')
    // Bob has no poll waiting now: his client is about to ask again, as it does after every answer.
    await live.call('alice', 'POST', `/api/chats/${chatId}/typing/`, { isTyping: true })
    const next = await live.call('bob', 'GET', `/api/events/?after=${first.body.cursor}&wait=0`)
    expect(alicesTyping(next)).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ isTyping: true }) }),
    ])
    const again = await live.call('bob', 'GET', `/api/events/?after=${next.body.cursor}&wait=0`)
    expect(alicesTyping(again)).toEqual([])
    await live.call('alice', 'POST', `/api/chats/${chatId}/typing/`, { isTyping: false })
  })

  it('carries typing to the other members, and expires it', async () => {
    const bob = await connectSocket(live, 'bob')
    const chats = await live.call('alice', 'GET', '/api/chats/')
    const chatId = chats.body.chats.find((chat: { kind: string }) => chat.kind === 'group').id
    expect(
      (await live.call('alice', 'POST', `/api/chats/${chatId}/typing/`, { isTyping: true })).status,
    ).toBe(204)
    await bob.inbox.until('typing', () => bob.inbox.other.some((f) => f.type === 'typing' && f.data.isTyping))
    expect(bob.inbox.other.find((f) => f.type === 'typing')).toMatchObject({
      chatId,
      data: { userId: 'alice' },
    })
    await bob.inbox.until('typing expired', () =>
      bob.inbox.other.some((f) => f.type === 'typing' && !f.data.isTyping),
    )
    expect(bob.inbox.events.filter((e) => e.type === 'typing')).toEqual([])
    await bob.close()
  })
})

describe.each(databases)('delivery receipts on $name', (database) => {
  let live: LiveServer
  beforeAll(async () => {
    live = await startLiveServer(database)
  })
  afterAll(() => live.close())

  it('mark a message delivered once the recipient’s connection has it, before they open the chat', async () => {
    const dm = await live.call('alice', 'POST', '/api/dms/', { userId: 'bob' })
    const bob = await connectSocket(live, 'bob')
    const alice = await connectSocket(live, 'alice')
    const sent = await live.call('alice', 'POST', `/api/chats/${dm.body.id}/messages/`, {
      body: 'did you get this?',
    })
    expect(sent.body.receipt.status).toBe('sent')
    await alice.inbox.until('bob’s delivery receipt', () =>
      alice.inbox
        .of('receipt.updated')
        .some((e) =>
          e.data.marks.some(
            (m: { userId: string; lastDeliveredMessageId: number }) =>
              m.userId === 'bob' && m.lastDeliveredMessageId === sent.body.id,
          ),
        ),
    )
    const seen = await live.call('alice', 'GET', `/api/messages/${sent.body.id}/`)
    expect(seen.body.receipt.status).toBe('delivered')
    // The log holds the receipt as it went out live: a client resuming from before it reads the same.
    const receipt = alice.inbox.of('receipt.updated').at(-1)
    const resumed = await connectSocket(live, 'alice', { after: receipt.cursor - 1 })
    await resumed.inbox.until('the receipt again', () => resumed.inbox.of('receipt.updated').length > 0)
    expect(resumed.inbox.of('receipt.updated')[0]).toEqual(receipt)
    await resumed.close()
    await bob.close()
    await alice.close()
  })

  it('write the delivered marks still waiting for their interval when the real-time layer stops', async () => {
    // A server of its own: this one's real-time layer is stopped while the others go on.
    const stopping = await startLiveServer(database)
    try {
      const dm = await stopping.call('alice', 'POST', '/api/dms/', { userId: 'charlie' })
      const charlie = await connectSocket(stopping, 'charlie')
      const sent = await stopping.call('alice', 'POST', `/api/chats/${dm.body.id}/messages/`, {
        body: 'before the restart',
      })
      await charlie.inbox.until('the message', () => charlie.inbox.of('message.created').length > 0)
      // Marks are written a second after they are noted; stopping sooner must not drop this one.
      await stopping.palaver.hub.stop()
      const mark = await stopping.palaver.db
        .selectFrom('palaver_members')
        .select('last_delivered_message_id')
        .where('chat_id', '=', dm.body.id)
        .where('user_id', '=', 'charlie')
        .executeTakeFirstOrThrow()
      expect(mark.last_delivered_message_id).toBe(sent.body.id)
      await charlie.close()
    } finally {
      await stopping.close()
    }
  })
})
