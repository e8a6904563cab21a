import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases } from './helpers/databases.js'
import { connectSocket, type LiveServer, startLiveServer } from './helpers/live.js'
import type { Options } from './helpers/server.js'

const rooms: Options['rooms'] = { video: (id) => ({ title: `Video ${id}`, access: 'public' }) }

describe.each(databases)('marking a chat unread on $name', (database) => {
  let server: LiveServer
  beforeAll(async () => {
    server = await startLiveServer(database, { rooms })
  })
  afterAll(() => server.close())

  const group = async (...memberIds: string[]) =>
    (await server.call('alice', 'POST', '/api/chats/', { title: 'Team', memberIds })).body.id as number
  const markUnread = (user: string, chatId: number) =>
    server.call(user, 'POST', `/api/chats/${chatId}/mark-as-unread/`)
  const markRead = (user: string, chatId: number) =>
    server.call(user, 'POST', `/api/chats/${chatId}/mark-as-read/`)
  const send = (user: string, chatId: number, body: string) =>
    server.call(user, 'POST', `/api/chats/${chatId}/messages/`, { body })
  const listed = async (user: string, chatId: number) =>
    (await server.call(user, 'GET', '/api/chats/')).body.chats.find((c: any) => c.id === chatId)
  const unread = async (user: string) => (await server.call(user, 'GET', '/api/unread/')).body
  const state = async () => ({
    marks: await server.palaver.db
      .selectFrom('palaver_members')
      .select(['chat_id', 'user_id', 'marked_unread', 'last_read_message_id'])
      .orderBy('chat_id')
      .orderBy('user_id')
      .execute(),
    events: Number(
      (
        await server.palaver.db
          .selectFrom('palaver_events')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),
  })

  it('counts a chat marked unread as one unread message until it is read, with no receipt moving back', async () => {
    const chat = await group('bob', 'charlie')
    const sent = (await send('alice', chat, 'the kiln is free')).body
    await markRead('bob', chat)
    expect(await listed('bob', chat)).toMatchObject({ unreadCount: 0, markedUnread: false })
    expect(await unread('bob')).toMatchObject({ unreadCount: 0, chatCount: 0, chats: [] })

    const marked = await markUnread('bob', chat)
    expect(marked.status).toBe(200)
    expect(marked.body).toMatchObject({
      id: chat,
      markedUnread: true,
      unreadCount: 0,
      lastReadMessageId: sent.id,
    })
    expect(await listed('bob', chat)).toMatchObject({ markedUnread: true, unreadCount: 0 })
    expect((await server.call('bob', 'GET', `/api/chats/${chat}/`)).body).toMatchObject({
      markedUnread: true,
    })
    expect(await unread('bob')).toEqual({
      unreadCount: 1,
      chatCount: 1,
      chats: [
        {
          id: chat,
          kind: 'group',
          unreadCount: 0,
          unreadMentionCount: 0,
          muted: false,
          mutedUntil: null,
          markedUnread: true,
        },
      ],
    })
    // The others' view does not change, and alice still sees it read by bob.
    expect(await listed('alice', chat)).toMatchObject({ markedUnread: false })
    const { messages } = (await server.call('alice', 'GET', `/api/chats/${chat}/messages/`)).body
    expect(messages.at(-1).receipt).toMatchObject({ readCount: 1 })

    // A new message counts as itself: the mark adds nothing to a chat with unread messages.
    await send('charlie', chat, 'on my way')
    expect(await unread('bob')).toMatchObject({ unreadCount: 1, chatCount: 1 })

    // Reading takes the mark off.
    await markRead('bob', chat)
    expect(await listed('bob', chat)).toMatchObject({ markedUnread: false, unreadCount: 0 })
    expect(await unread('bob')).toMatchObject({ unreadCount: 0, chatCount: 0, chats: [] })
  })

  it('takes the mark off when the chat is read with nothing new in it, even an empty chat', async () => {
    const chat = await group('bob')
    await markUnread('bob', chat)
    expect(await listed('bob', chat)).toMatchObject({ markedUnread: true })
    expect((await markRead('bob', chat)).status).toBe(200)
    expect(await listed('bob', chat)).toMatchObject({ markedUnread: false })
  })

  it('leaves a muted chat marked unread out of the total, as its messages are', async () => {
    const chat = await group('bob')
    await server.call('bob', 'POST', `/api/chats/${chat}/mute/`, { muted: true })
    await markUnread('bob', chat)
    const total = await unread('bob')
    expect(total).toMatchObject({ unreadCount: 0, chatCount: 0 })
    expect(total.chats).toEqual([expect.objectContaining({ id: chat, markedUnread: true, muted: true })])
  })

  it('tells the member’s own connections of the mark and of the read that takes it off, and nobody else', async () => {
    const chat = await group('bob')
    await send('alice', chat, 'hello')
    await markRead('bob', chat)
    const bob = await connectSocket(server, 'bob')
    const alice = await connectSocket(server, 'alice')
    try {
      await markUnread('bob', chat)
      await bob.inbox.until('the mark', () => bob.inbox.of('chat.marked').length > 0)
      // The same again changes nothing and tells nobody; reading takes it off, and says so.
      const before = await state()
      expect((await markUnread('bob', chat)).body).toMatchObject({ markedUnread: true })
      expect(await state()).toEqual(before)
      await markRead('bob', chat)
      await bob.inbox.until('the read', () => bob.inbox.of('chat.marked').length > 1)
      expect(bob.inbox.of('chat.marked')).toEqual([
        expect.objectContaining({ chatId: null, data: { chatId: chat, markedUnread: true } }),
        expect.objectContaining({ chatId: null, data: { chatId: chat, markedUnread: false } }),
      ])
      // A read with no mark to take off tells nobody.
      await markRead('bob', chat)
      // alice hears a message sent after: by then she would have heard of bob's marks, had they gone to her.
      await send('bob', chat, 'marker')
      await alice.inbox.until('the marker', () => alice.inbox.of('message.created').length > 0)
      await bob.inbox.until('the marker', () => bob.inbox.of('message.created').length > 0)
      expect(bob.inbox.of('chat.marked')).toHaveLength(2)
      expect(alice.inbox.of('chat.marked')).toEqual([])
      // A client that resumes from an earlier cursor replays them from the log.
      const { events } = (await server.call('bob', 'GET', '/api/events/?after=0')).body
      expect(events.filter((e: any) => e.type === 'chat.marked' && e.data.chatId === chat)).toHaveLength(2)
    } finally {
      await bob.close()
      await alice.close()
    }
  })

  it('refuses outsiders and a room’s readers, changing nothing', async () => {
    const chat = await group('bob')
    const room = (await server.call('alice', 'POST', '/api/rooms/', { contentType: 'video', objectId: '7' }))
      .body
    const before = await state()
    expect((await markUnread('dana', chat)).status).toBe(404)
    expect((await markUnread('bob', chat + 999)).status).toBe(404)
    const reader = await markUnread('dana', room.id)
    expect(reader.status).toBe(403)
    expect(reader.body.error.code).toBe('forbidden')
    expect((await server.call('', 'POST', `/api/chats/${chat}/mark-as-unread/`)).status).toBe(401)
    expect(await state()).toEqual(before)
  })

  it('forgets the mark with the membership', async () => {
    const room = (await server.call('alice', 'POST', '/api/rooms/', { contentType: 'video', objectId: '8' }))
      .body
    await server.call('bob', 'POST', `/api/chats/${room.id}/join/`)
    await markUnread('bob', room.id)
    await server.call('bob', 'POST', `/api/chats/${room.id}/leave/`)
    const back = await server.call('bob', 'POST', `/api/chats/${room.id}/join/`)
    expect(back.body).toMatchObject({ markedUnread: false })
  })
})
