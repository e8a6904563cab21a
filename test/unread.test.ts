import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { unreadThatCounts } from '../src/client/index.js'
import { databases } from './helpers/databases.js'
import { startServer, type TestServer } from './helpers/server.js'

describe.each(databases)('the unread total on $name', (database) => {
  let server: TestServer
  let hidden = false
  beforeAll(async () => {
    server = await startServer(database, {
      chatsPerPage: 5,
      rooms: { video: (id) => (hidden ? null : { title: `Video ${id}`, access: 'public' }) },
    })
  })
  afterAll(() => server.close())

  const group = async (title: string, memberIds = ['bob', 'charlie']) =>
    (await server.as('alice').post('/api/chats/', { title, memberIds })).body.id as number
  const say = async (user: string, chatId: number, body: string, extra: object = {}) => {
    const reply = await server.as(user).post(`/api/chats/${chatId}/messages/`, { body, ...extra })
    expect(reply.status).toBe(201)
    return reply
  }
  const unread = async (user: string, query = '') => {
    const reply = await server.as(user).get(`/api/unread/${query}`)
    expect(reply.status).toBe(200)
    return reply.body
  }
  /** Every chat of the list, all its pages: what the messages page would have once scrolled to the end. */
  const wholeList = async (user: string) => {
    const chats: any[] = []
    let cursor: string | null = null
    do {
      const page: any = (
        await server.as(user).get(`/api/chats/${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`)
      ).body
      chats.push(...page.chats)
      cursor = page.nextCursor
    } while (cursor)
    return chats
  }

  it("counts dana's unread over chats far beyond the list's first page, as the widgets count them", async () => {
    const ids: Record<string, number> = {}
    const make = async (title: string) => (ids[title] = await group(title, ['dana', 'bob']))
    // The oldest first: the five newest chats (the first page) have nothing unread.
    await make('Plain')
    await say('bob', ids.Plain!, 'one')
    await say('alice', ids.Plain!, 'two')
    await make('Muted, no mention')
    for (const body of ['a', 'b', 'c']) await say('bob', ids['Muted, no mention']!, body)
    await make('Muted, mentioned')
    await say('bob', ids['Muted, mentioned']!, 'hi')
    await say('bob', ids['Muted, mentioned']!, '@Dana Díaz look', { mentionIds: ['dana'] })
    await make('Muted, everyone')
    await say('alice', ids['Muted, everyone']!, '@everyone lunch', { mentionsEveryone: true })
    await say('alice', ids['Muted, everyone']!, 'at noon')
    await make('Read')
    await say('bob', ids.Read!, 'seen')
    await make('Left')
    await say('bob', ids.Left!, 'you will miss this')
    await make('Own, deleted and blocked')
    await say('dana', ids['Own, deleted and blocked']!, 'mine')
    const deleted = (await say('bob', ids['Own, deleted and blocked']!, 'oops')).body
    expect((await server.as('bob').delete(`/api/messages/${deleted.id}/`)).status).toBe(204)
    await server.as('alice').post(`/api/chats/${ids['Own, deleted and blocked']}/members/add/`, {
      userIds: ['charlie'],
    })
    await say('charlie', ids['Own, deleted and blocked']!, 'from someone dana blocks')
    await say('charlie', ids['Own, deleted and blocked']!, 'and again')
    expect((await server.as('dana').post('/api/users/charlie/block/')).status).toBe(200)
    const room = (await server.as('alice').post('/api/rooms/', { contentType: 'video', objectId: 'late' }))
      .body
    await server.as('alice').post(`/api/chats/${room.id}/join/`)
    await server.as('dana').post(`/api/chats/${room.id}/join/`)
    await say('alice', room.id, 'the room speaks')
    for (const title of ['Quiet 1', 'Quiet 2', 'Quiet 3', 'Quiet 4', 'Quiet 5']) await make(title)

    for (const title of ['Muted, no mention', 'Muted, mentioned', 'Muted, everyone'])
      expect((await server.as('dana').post(`/api/chats/${ids[title]}/mute/`, { muted: true })).status).toBe(
        200,
      )
    await server.as('dana').post(`/api/chats/${ids.Read}/mark-as-read/`)
    expect((await server.as('dana').post(`/api/chats/${ids.Left}/leave/`)).status).toBe(204)

    const first = (await server.as('dana').get('/api/chats/')).body
    expect(first.chats.every((c: any) => c.unreadCount === 0)).toBe(true)

    const total = await unread('dana')
    expect(total).toEqual({
      unreadCount: 2 + 0 + 1 + 1 + 1,
      chatCount: 4,
      chats: [
        {
          id: ids.Plain,
          kind: 'group',
          unreadCount: 2,
          unreadMentionCount: 0,
          muted: false,
          mutedUntil: null,
          markedUnread: false,
        },
        {
          id: ids['Muted, no mention'],
          kind: 'group',
          unreadCount: 3,
          unreadMentionCount: 0,
          muted: true,
          mutedUntil: null,
          markedUnread: false,
        },
        {
          id: ids['Muted, mentioned'],
          kind: 'group',
          unreadCount: 2,
          unreadMentionCount: 1,
          muted: true,
          mutedUntil: null,
          markedUnread: false,
        },
        {
          id: ids['Muted, everyone'],
          kind: 'group',
          unreadCount: 2,
          unreadMentionCount: 1,
          muted: true,
          mutedUntil: null,
          markedUnread: false,
        },
        {
          id: room.id,
          kind: 'room',
          unreadCount: 1,
          unreadMentionCount: 0,
          muted: false,
          mutedUntil: null,
          markedUnread: false,
        },
      ],
    })
    // The same figure as the whole chat list, counted by the widgets' rule.
    const list = await wholeList('dana')
    const counts = list.map((chat) => unreadThatCounts(chat))
    expect(counts.reduce((a, b) => a + b, 0)).toBe(total.unreadCount)
    expect(counts.filter((n) => n > 0).length).toBe(total.chatCount)
    expect(list.filter((c) => c.unreadCount > 0).map((c) => c.id)).toEqual(
      expect.arrayContaining(total.chats.map((c: any) => c.id)),
    )

    // ?kind= narrows it, as it narrows the list.
    expect(await unread('dana', '?kind=room')).toMatchObject({ unreadCount: 1, chatCount: 1 })
    expect(await unread('dana', '?kind=dm')).toEqual({ unreadCount: 0, chatCount: 0, chats: [] })

    // A room its host hides now is not in the list, and does not count.
    hidden = true
    try {
      expect(await unread('dana')).toMatchObject({ unreadCount: 4, chatCount: 3 })
      expect((await wholeList('dana')).some((c) => c.id === room.id)).toBe(false)
    } finally {
      hidden = false
    }

    // Unmuted, a chat counts in full; read, it no longer counts.
    await server.as('dana').post(`/api/chats/${ids['Muted, no mention']}/mute/`, { muted: false })
    expect(await unread('dana')).toMatchObject({ unreadCount: 8, chatCount: 5 })
    await server.as('dana').post(`/api/chats/${ids['Muted, no mention']}/mark-as-read/`)
    await server.as('dana').post(`/api/chats/${ids.Plain}/mark-as-read/`)
    expect(await unread('dana')).toMatchObject({ unreadCount: 3, chatCount: 3 })
  })

  it('counts a muted chat in full once its mute has run out', async () => {
    const chat = await group('Short mute', ['erin'])
    await say('alice', chat, 'one')
    await say('alice', chat, 'two')
    const until = new Date(Date.now() + 800).toISOString()
    await server.as('erin').post(`/api/chats/${chat}/mute/`, { muted: true, until })
    expect(await unread('erin')).toMatchObject({
      unreadCount: 0,
      chatCount: 0,
      chats: [{ id: chat, unreadCount: 2, muted: true, mutedUntil: until }],
    })
    await new Promise((resolve) => setTimeout(resolve, 900))
    expect(await unread('erin')).toMatchObject({
      unreadCount: 2,
      chatCount: 1,
      chats: [{ id: chat, unreadCount: 2, muted: false, mutedUntil: null }],
    })
  })

  it('answers 400 to a kind it does not know and 401 to a visitor, changing nothing', async () => {
    const before = await server.snapshot()
    for (const query of ['?kind=channel', '?kind=', '?kind=DM']) {
      const reply = await server.as('alice').get(`/api/unread/${query}`)
      expect(reply.status).toBe(400)
      expect(reply.body.error).toMatchObject({
        code: 'invalid_input',
        message: expect.stringMatching(/kind/),
      })
    }
    const anonymous = await server.call(undefined, 'GET', '/api/unread/')
    expect(anonymous.status).toBe(401)
    expect(await server.snapshot()).toEqual(before)
  })
})
