import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases } from './helpers/databases.js'
import { connectSocket, type LiveServer, startLiveServer } from './helpers/live.js'
import type { Options } from './helpers/server.js'

const rooms: Options['rooms'] = { video: (id) => ({ title: `Video ${id}`, access: 'public' }) }

describe.each(databases)('muting a chat on $name', (database) => {
  let server: LiveServer
  beforeAll(async () => {
    server = await startLiveServer(database, { rooms })
  })
  afterAll(() => server.close())

  const group = async () =>
    (await server.call('alice', 'POST', '/api/chats/', { title: 'Team', memberIds: ['bob', 'charlie'] })).body
      .id as number
  const mute = (user: string, chatId: number, body: unknown) =>
    server.call(user, 'POST', `/api/chats/${chatId}/mute/`, body)
  const listed = async (user: string, chatId: number) =>
    (await server.call(user, 'GET', '/api/chats/')).body.chats.find((c: any) => c.id === chatId)
  const rowCounts = async () => {
    const count = async (table: 'palaver_members' | 'palaver_events') =>
      Number(
        (
          await server.palaver.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      )
    const mutes = await server.palaver.db
      .selectFrom('palaver_members')
      .select(['chat_id', 'user_id', 'muted_until'])
      .where('muted_until', 'is not', null)
      .orderBy('chat_id')
      .orderBy('user_id')
      .execute()
    return { members: await count('palaver_members'), events: await count('palaver_events'), mutes }
  }
  const refused = async (request: () => Promise<{ status: number; body: any }>) => {
    const before = await rowCounts()
    const reply = await request()
    expect(await rowCounts()).toEqual(before)
    return reply
  }

  it('mutes a chat for the member alone, until they unmute it', async () => {
    const chat = await group()
    expect(await listed('bob', chat)).toMatchObject({ muted: false, mutedUntil: null })
    const muted = await mute('bob', chat, { muted: true })
    expect(muted.status).toBe(200)
    expect(muted.body).toMatchObject({ id: chat, muted: true, mutedUntil: null })
    expect(await listed('bob', chat)).toMatchObject({ muted: true, mutedUntil: null })
    expect((await server.call('bob', 'GET', `/api/chats/${chat}/`)).body).toMatchObject({ muted: true })
    // The others' view of the chat does not change.
    expect(await listed('alice', chat)).toMatchObject({ muted: false })
    // Messages still arrive and count as unread.
    await server.call('alice', 'POST', `/api/chats/${chat}/messages/`, { body: 'still here' })
    expect(await listed('bob', chat)).toMatchObject({ muted: true, unreadCount: 1 })
    const unmuted = await mute('bob', chat, { muted: false })
    expect(unmuted.body).toMatchObject({ muted: false, mutedUntil: null })
    expect(await listed('bob', chat)).toMatchObject({ muted: false })
  })

  it('mutes until a time, after which the chat is no longer muted', async () => {
    const chat = await group()
    const until = new Date(Date.now() + 3_600_000).toISOString()
    const muted = await mute('charlie', chat, { muted: true, until })
    expect(muted.body).toMatchObject({ muted: true, mutedUntil: until })
    // A mute that ran out is no mute: set one in the past behind the API's back, as time passing would.
    await server.palaver.db
      .updateTable('palaver_members')
      .set({ muted_until: Date.now() - 1000 })
      .where('chat_id', '=', chat)
      .where('user_id', '=', 'charlie')
      .execute()
    expect(await listed('charlie', chat)).toMatchObject({ muted: false, mutedUntil: null })
    expect(await server.palaver.memberIds(chat, { muted: false })).toContain('charlie')
  })

  it('tells the member’s own connections, and nobody else', async () => {
    const chat = await group()
    const bob = await connectSocket(server, 'bob')
    const alice = await connectSocket(server, 'alice')
    try {
      const until = new Date(Date.now() + 600_000).toISOString()
      await mute('bob', chat, { muted: true, until })
      await bob.inbox.until('chat.muted', () => bob.inbox.of('chat.muted').length > 0)
      expect(bob.inbox.of('chat.muted')[0]).toMatchObject({
        chatId: null,
        data: { chatId: chat, muted: true, mutedUntil: until },
      })
      // The same mute again changes nothing and tells nobody; an unmute is told too.
      expect((await mute('bob', chat, { muted: true, until })).status).toBe(200)
      await mute('bob', chat, { muted: false })
      await bob.inbox.until('the unmute', () => bob.inbox.of('chat.muted').length > 1)
      expect(bob.inbox.of('chat.muted').map((e: any) => e.data.muted)).toEqual([true, false])
      // alice hears a message sent after: by then she would have heard of bob's mute, had it gone to her.
      await server.call('bob', 'POST', `/api/chats/${chat}/messages/`, { body: 'marker' })
      await alice.inbox.until('the marker', () => alice.inbox.of('message.created').length > 0)
      expect(alice.inbox.of('chat.muted')).toEqual([])
      // A client that reconnects from an earlier cursor replays it from the log.
      const { events } = (await server.call('bob', 'GET', '/api/events/?after=0')).body
      expect(events.filter((e: any) => e.type === 'chat.muted' && e.data.chatId === chat)).toHaveLength(2)
      const theirs = (await server.call('alice', 'GET', '/api/events/?after=0')).body.events
      expect(theirs.filter((e: any) => e.type === 'chat.muted')).toEqual([])
    } finally {
      await bob.close()
      await alice.close()
    }
  })

  it('lets a hook leave those who muted a chat out of its notifications', async () => {
    const chat = await group()
    await mute('charlie', chat, { muted: true })
    expect((await server.palaver.memberIds(chat)).sort()).toEqual(['alice', 'bob', 'charlie'])
    expect((await server.palaver.memberIds(chat, { muted: false })).sort()).toEqual(['alice', 'bob'])
    expect(await server.palaver.memberIds(chat, { muted: true })).toEqual(['charlie'])
  })

  it('refuses bad input and outsiders, changing nothing', async () => {
    const chat = await group()
    const past = new Date(Date.now() - 60_000).toISOString()
    const soon = new Date(Date.now() + 60_000).toISOString()
    for (const body of [
      {},
      { muted: 'yes' },
      { muted: true, until: 'tomorrow' },
      { muted: true, until: past },
      { muted: false, until: soon },
      { muted: true, for: 60 },
    ]) {
      const reply = await refused(() => mute('bob', chat, body))
      expect(reply.status, JSON.stringify(body)).toBe(400)
      expect(reply.body.error.code).toBe('invalid_input')
    }
    expect((await refused(() => mute('dana', chat, { muted: true }))).status).toBe(404)
    expect((await refused(() => mute('bob', chat + 999, { muted: true }))).status).toBe(404)
    // A room's reader who never joined it has no membership to mute.
    const room = (await server.call('alice', 'POST', '/api/rooms/', { contentType: 'video', objectId: '7' }))
      .body
    const reader = await refused(() => mute('dana', room.id, { muted: true }))
    expect(reader.status).toBe(403)
  })

  it('forgets the mute with the membership: someone who leaves and comes back is not muted', async () => {
    const room = (await server.call('alice', 'POST', '/api/rooms/', { contentType: 'video', objectId: '8' }))
      .body
    await server.call('bob', 'POST', `/api/chats/${room.id}/join/`)
    await mute('bob', room.id, { muted: true })
    await server.call('bob', 'POST', `/api/chats/${room.id}/leave/`)
    const back = await server.call('bob', 'POST', `/api/chats/${room.id}/join/`)
    expect(back.body).toMatchObject({ muted: false })
  })
})
