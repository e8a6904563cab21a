import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases } from './helpers/databases.js'
import { connectSocket, type LiveServer, startLiveServer } from './helpers/live.js'
import { startServer, type TestServer } from './helpers/server.js'

describe.each(databases)('mentions on $name', (database) => {
  let server: TestServer
  beforeAll(async () => {
    server = await startServer(database)
  })
  afterAll(() => server.close())

  const group = async (owner = 'alice', memberIds = ['bob', 'charlie']) =>
    (await server.as(owner).post('/api/chats/', { title: 'Group', memberIds })).body.id as number
  const send = (user: string, chatId: number, input: Record<string, unknown>) =>
    server.as(user).post(`/api/chats/${chatId}/messages/`, input)
  const listed = async (user: string, chatId: number) =>
    (await server.as(user).get('/api/chats/')).body.chats.find((c: any) => c.id === chatId)
  const unread = async (user: string, chatId: number) => {
    const chat = await listed(user, chatId)
    return { messages: chat.unreadCount, mentions: chat.unreadMentionCount }
  }
  const ids = (users: Array<{ id: string }> | undefined) => (users ?? []).map((u) => u.id)
  const refused = async (request: () => Promise<{ status: number; body: any }>) => {
    const before = await server.snapshot()
    const reply = await request()
    expect(await server.snapshot()).toEqual(before)
    return reply
  }

  it('mentions members in the order named, everywhere the message is shown', async () => {
    const chat = await group()
    const sent = await send('alice', chat, {
      body: '@Charlie Chen and @Bob Brown, lunch?',
      mentionIds: ['charlie', 'bob'],
    })
    expect(sent.status).toBe(201)
    expect(sent.body.mentions).toEqual([
      expect.objectContaining({ id: 'charlie', displayName: 'Charlie Chen', username: 'charlie' }),
      expect.objectContaining({ id: 'bob', displayName: 'Bob Brown' }),
    ])
    const id = sent.body.id
    expect(ids((await server.as('bob').get(`/api/messages/${id}/`)).body.mentions)).toEqual([
      'charlie',
      'bob',
    ])
    const history = (await server.as('charlie').get(`/api/chats/${chat}/messages/`)).body.messages
    expect(ids(history.at(-1).mentions)).toEqual(['charlie', 'bob'])
    const { events } = (await server.as('bob').get('/api/events/?after=0')).body
    const created = events.find((e: any) => e.type === 'message.created' && e.data.message.id === id)
    expect(ids(created.data.message.mentions)).toEqual(['charlie', 'bob'])
    expect(await unread('bob', chat)).toEqual({ messages: 1, mentions: 1 })
    // A message without mentions carries no list (most carry none: every delivery is smaller), nor does
    // the chat list's preview.
    expect((await send('bob', chat, { body: 'sure' })).body).not.toHaveProperty('mentions')
    expect(await unread('charlie', chat)).toEqual({ messages: 2, mentions: 1 })
    expect((await listed('charlie', chat)).lastMessage).not.toHaveProperty('mentions')
    expect(await unread('alice', chat)).toEqual({ messages: 1, mentions: 0 })
  })

  it('leaves out the sender, non-members, unknown users and repeats', async () => {
    const chat = await group()
    const sent = await send('alice', chat, {
      body: 'hello @everyone',
      mentionIds: ['dana', 'alice', 'nobody-at-all', 'bob', 'bob'],
    })
    expect(sent.status).toBe(201)
    expect(ids(sent.body.mentions)).toEqual(['bob'])
    const rows = await server.palaver.db
      .selectFrom('palaver_mentions')
      .select('user_id')
      .where('message_id', '=', sent.body.id)
      .execute()
    expect(rows.map((r) => r.user_id)).toEqual(['bob'])
    // Dana is no member: the message counts for nobody outside the chat.
    expect(await listed('dana', chat)).toBeUndefined()
  })

  it('refuses malformed mentions with 400 and changes nothing', async () => {
    const chat = await group()
    const cases = [
      { body: 'x', mentionIds: 'bob' },
      { body: 'x', mentionIds: [42] },
      { body: 'x', mentionIds: ['bo\u0000b'] },
      { body: 'x', mentionIds: Array.from({ length: 51 }, (_, i) => `user-${i}`) },
    ]
    for (const input of cases) {
      const reply = await refused(() => send('alice', chat, input))
      expect(reply.status).toBe(400)
      expect(reply.body.error).toMatchObject({
        code: 'invalid_input',
        message: expect.stringMatching(/mentionIds/),
      })
    }
    const message = (await send('alice', chat, { body: 'ok' })).body
    const edit = await refused(() =>
      server.as('alice').patch(`/api/messages/${message.id}/`, { body: 'x', mentionIds: [null] }),
    )
    expect(edit.status).toBe(400)
  })

  it('counts unread mentions until read, in a muted chat too, and not from a deleted message', async () => {
    const chat = await group()
    await send('alice', chat, { body: '@Bob Brown one', mentionIds: ['bob'] })
    const second = (await send('charlie', chat, { body: '@Bob Brown two', mentionIds: ['bob'] })).body
    await send('charlie', chat, { body: 'no mention' })
    expect(await unread('bob', chat)).toEqual({ messages: 3, mentions: 2 })

    await server.as('bob').post(`/api/chats/${chat}/mute/`, { muted: true })
    expect(await listed('bob', chat)).toMatchObject({ muted: true, unreadMentionCount: 2 })

    // Deleted: neither unread nor a mention any more.
    expect((await server.as('charlie').delete(`/api/messages/${second.id}/`)).status).toBe(204)
    expect(await unread('bob', chat)).toEqual({ messages: 2, mentions: 1 })
    const gone = (await server.as('bob').get(`/api/chats/${chat}/messages/`)).body.messages.find(
      (m: any) => m.id === second.id,
    )
    expect(gone === undefined || gone.mentions === undefined).toBe(true)

    const read = await server.as('bob').post(`/api/chats/${chat}/mark-as-read/`, {})
    expect(read.body).toMatchObject({ unreadCount: 0, unreadMentionCount: 0 })
    expect(await unread('bob', chat)).toEqual({ messages: 0, mentions: 0 })
  })

  it('answers mark-as-read up to a message with the mentions still unread after it', async () => {
    const chat = await group()
    const first = (await send('alice', chat, { body: '@Bob Brown a', mentionIds: ['bob'] })).body
    await send('alice', chat, { body: '@Bob Brown b', mentionIds: ['bob'] })
    const read = await server.as('bob').post(`/api/chats/${chat}/mark-as-read/`, { messageId: first.id })
    expect(read.body).toMatchObject({ lastReadMessageId: first.id, unreadCount: 1, unreadMentionCount: 1 })
  })

  it('does not count mentions by someone the member blocked', async () => {
    const chat = await group()
    await server.as('bob').post('/api/users/charlie/block/')
    await send('charlie', chat, { body: '@Bob Brown hey', mentionIds: ['bob'] })
    await send('alice', chat, { body: '@Bob Brown hi', mentionIds: ['bob'] })
    expect(await unread('bob', chat)).toEqual({ messages: 1, mentions: 1 })
    await server.as('bob').post('/api/users/charlie/unblock/')
    expect(await unread('bob', chat)).toEqual({ messages: 2, mentions: 2 })
  })

  it('replaces the mentions on an edit that names them, and keeps them on one that does not', async () => {
    const chat = await group()
    const message = (await send('alice', chat, { body: '@Bob Brown look', mentionIds: ['bob'] })).body
    const kept = await server.as('alice').patch(`/api/messages/${message.id}/`, { body: '@Bob Brown look!' })
    expect(kept.status).toBe(200)
    expect(ids(kept.body.mentions)).toEqual(['bob'])
    expect(await unread('bob', chat)).toEqual({ messages: 1, mentions: 1 })

    const moved = await server
      .as('alice')
      .patch(`/api/messages/${message.id}/`, { body: '@Charlie Chen look!', mentionIds: ['charlie'] })
    expect(ids(moved.body.mentions)).toEqual(['charlie'])
    expect(await unread('bob', chat)).toEqual({ messages: 1, mentions: 0 })
    expect(await unread('charlie', chat)).toEqual({ messages: 1, mentions: 1 })
    // The log a reconnecting client replays, and the live update, say the same.
    const { events } = (await server.as('charlie').get('/api/events/?after=0')).body
    const mine = events.filter((e: any) => e.data.message?.id === message.id)
    expect(mine.map((e: any) => e.type)).toEqual(['message.created', 'message.updated', 'message.updated'])
    for (const event of mine) expect(ids(event.data.message.mentions)).toEqual(['charlie'])

    // Only the mentions change: still an edit.
    const none = await server
      .as('alice')
      .patch(`/api/messages/${message.id}/`, { body: '@Charlie Chen look!', mentionIds: [] })
    expect(none.body).toMatchObject({ editedAt: expect.any(String) })
    expect(none.body).not.toHaveProperty('mentions')
    expect(await unread('charlie', chat)).toEqual({ messages: 1, mentions: 0 })
  })

  it('keeps each mention as written after the person is renamed, through edits and events', async () => {
    // "Ada" is a prefix of "Ada Lovelace": each is found as written, the longer name first.
    await server.palaver.users.upsert({ id: 'ada', username: 'ada', name: 'Ada Lovelace' })
    await server.palaver.users.upsert({ id: 'ada-b', username: 'adab', name: 'Ada' })
    const chat = await group('alice', ['ada', 'ada-b'])
    const sent = await send('alice', chat, {
      body: 'hi @Ada Lovelace and @Ada, tea?',
      mentionIds: ['ada', 'ada-b'],
    })
    expect(sent.body.mentions).toEqual([
      expect.objectContaining({ id: 'ada', displayName: 'Ada Lovelace', writtenAs: 'Ada Lovelace' }),
      expect.objectContaining({ id: 'ada-b', displayName: 'Ada', writtenAs: 'Ada' }),
    ])
    const id = sent.body.id

    // The host's directory renames her: the text stays as written, the id still says who, the name is now.
    await server.palaver.users.upsert({ id: 'ada', username: 'adaking', name: 'Ada King' })
    const renamed = [
      expect.objectContaining({
        id: 'ada',
        username: 'adaking',
        displayName: 'Ada King',
        writtenAs: 'Ada Lovelace',
      }),
      expect.objectContaining({ id: 'ada-b', displayName: 'Ada', writtenAs: 'Ada' }),
    ]
    const history = (await server.as('ada-b').get(`/api/chats/${chat}/messages/`)).body.messages
    expect(history.at(-1)).toMatchObject({ body: 'hi @Ada Lovelace and @Ada, tea?', mentions: renamed })
    expect((await server.as('alice').get(`/api/messages/${id}/`)).body.mentions).toEqual(renamed)
    expect(await unread('ada', chat)).toEqual({ messages: 1, mentions: 1 })

    // An edit that leaves the mentions alone keeps them as written, with mentionIds (as the edit box
    // sends) or without; the live update and the log a reconnecting client replays say the same.
    const edit = (input: Record<string, unknown>) => server.as('alice').patch(`/api/messages/${id}/`, input)
    const kept = await edit({ body: 'hi @Ada Lovelace and @Ada, tea at five?' })
    expect(kept.body.mentions).toEqual(renamed)
    const named = await edit({ body: 'hi @Ada Lovelace and @Ada, tea at six?', mentionIds: ['ada', 'ada-b'] })
    expect(named.body.mentions).toEqual(renamed)
    const { events } = (await server.as('ada').get('/api/events/?after=0')).body
    const mine = events.filter((e: any) => e.data.message?.id === id)
    expect(mine.map((e: any) => e.type)).toEqual(['message.created', 'message.updated', 'message.updated'])
    for (const event of mine) expect(event.data.message.mentions).toEqual(renamed)

    // Written with her name now, it is recorded so; not written at all, it is her name now too.
    const now = await edit({ body: 'hi @Ada King, tea at six?', mentionIds: ['ada'] })
    expect(now.body.mentions).toEqual([expect.objectContaining({ id: 'ada', writtenAs: 'Ada King' })])
    const unwritten = (await send('alice', chat, { body: 'tea?', mentionIds: ['ada'] })).body
    expect(unwritten.mentions).toEqual([expect.objectContaining({ id: 'ada', writtenAs: 'Ada King' })])
  })

  it('shows a mention stored before Palaver recorded how it was written with the current name', async () => {
    await server.palaver.users.upsert({ id: 'grace', username: 'grace', name: 'Grace Hopper' })
    const chat = await group('alice', ['grace'])
    const { id } = (await send('alice', chat, { body: '@Grace Hopper hi', mentionIds: ['grace'] })).body
    // As a row from before migration 014 is.
    await server.palaver.db
      .updateTable('palaver_mentions')
      .set({ written_as: null })
      .where('message_id', '=', id)
      .execute()
    await server.palaver.users.upsert({ id: 'grace', username: 'grace', name: 'Admiral Hopper' })
    const message = (await server.as('grace').get(`/api/messages/${id}/`)).body
    expect(message.mentions).toEqual([
      expect.objectContaining({ id: 'grace', displayName: 'Admiral Hopper', writtenAs: 'Admiral Hopper' }),
    ])
  })

  it('lands a retried send once, with its mentions', async () => {
    const chat = await group()
    const input = { body: '@Bob Brown once', clientId: 'mention-retry-1', mentionIds: ['bob'] }
    const first = await send('alice', chat, input)
    const again = await send('alice', chat, input)
    expect(first.status).toBe(201)
    expect(again.status).toBe(200)
    expect(again.body.id).toBe(first.body.id)
    expect(ids(again.body.mentions)).toEqual(['bob'])
    expect(await unread('bob', chat)).toEqual({ messages: 1, mentions: 1 })
  })

  it('mentions the other person of a DM, who is brought back if they left', async () => {
    const dm = (await server.as('alice').post('/api/dms/', { userId: 'dana' })).body.id as number
    await send('dana', dm, { body: 'hi' })
    expect((await server.as('dana').post(`/api/chats/${dm}/leave/`)).status).toBe(204)
    const sent = (await send('alice', dm, { body: '@Dana Díaz are you there?', mentionIds: ['dana'] })).body
    expect(ids(sent.mentions)).toEqual(['dana'])
    expect(await unread('dana', dm)).toEqual({ messages: 1, mentions: 1 })
  })

  it('tells a hook whom a new message mentions', async () => {
    const chat = await group()
    const heard: string[][] = []
    const off = server.palaver.on('message.created', (event) => {
      if (event.data.message.chatId === chat) heard.push(ids(event.data.message.mentions))
    })
    try {
      await send('alice', chat, { body: '@Charlie Chen', mentionIds: ['charlie'] })
      await expect.poll(() => heard).toEqual([['charlie']])
    } finally {
      off()
    }
  })

  describe('@everyone', () => {
    const everyone = (user: string, chatId: number, body: string, extra: Record<string, unknown> = {}) =>
      send(user, chatId, { body, mentionsEveryone: true, ...extra })
    const flagOf = async (id: number) =>
      (
        await server.palaver.db
          .selectFrom('palaver_messages')
          .select('mentions_everyone')
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
      ).mentions_everyone

    it('in a group mentions every other member: their counts, muted too, history and events', async () => {
      const chat = await group()
      await server.as('bob').post(`/api/chats/${chat}/mute/`, { muted: true })
      expect((await listed('charlie', chat)).permissions.mentionEveryone).toBe(true)
      const sent = await everyone('alice', chat, '@everyone lunch at noon?')
      expect(sent.status).toBe(201)
      expect(sent.body).toMatchObject({ mentionsEveryone: true })
      expect(sent.body).not.toHaveProperty('mentions')
      expect(await unread('bob', chat)).toEqual({ messages: 1, mentions: 1 })
      expect(await listed('bob', chat)).toMatchObject({ muted: true, unreadMentionCount: 1 })
      expect(await unread('charlie', chat)).toEqual({ messages: 1, mentions: 1 })
      expect(await unread('alice', chat)).toEqual({ messages: 0, mentions: 0 })
      // The chat list's preview carries the text only.
      expect((await listed('charlie', chat)).lastMessage).not.toHaveProperty('mentionsEveryone')

      const { id } = sent.body
      const history = (await server.as('charlie').get(`/api/chats/${chat}/messages/`)).body.messages
      expect(history.at(-1)).toMatchObject({ id, mentionsEveryone: true })
      expect((await server.as('bob').get(`/api/messages/${id}/`)).body.mentionsEveryone).toBe(true)
      const { events } = (await server.as('bob').get('/api/events/?after=0')).body
      const created = events.find((e: any) => e.type === 'message.created' && e.data.message.id === id)
      expect(created.data.message.mentionsEveryone).toBe(true)

      // Named as well, a member is mentioned once; a plain message carries no flag.
      await everyone('charlie', chat, '@everyone and @Bob Brown: bring plates', { mentionIds: ['bob'] })
      expect(await unread('bob', chat)).toEqual({ messages: 2, mentions: 2 })
      expect(await unread('alice', chat)).toEqual({ messages: 1, mentions: 1 })
      expect((await send('bob', chat, { body: 'ok' })).body).not.toHaveProperty('mentionsEveryone')
      // Charlie read up to his own message: Bob's plain one is all he has not.
      expect(await unread('charlie', chat)).toEqual({ messages: 1, mentions: 0 })
    })

    it('is written with the message: its row goes in once, never updated after', async () => {
      const chat = await group()
      // A trigger that refuses every update of a message: a send that updates its row after the insert fails.
      const refuse =
        database.name === 'sqlite'
          ? [
              `create trigger refuse_update before update on palaver_messages
                begin select raise(abort, 'updated'); end`,
            ]
          : [
              `create function refuse_update() returns trigger language plpgsql as $$
                begin raise exception 'updated'; end $$`,
              `create trigger refuse_update before update on palaver_messages
                for each row execute function refuse_update()`,
            ]
      for (const statement of refuse) await sql.raw(statement).execute(server.palaver.db)
      try {
        const sent = await everyone('alice', chat, '@everyone and @Bob Brown: cake', { mentionIds: ['bob'] })
        expect(sent.status).toBe(201)
        expect(sent.body).toMatchObject({ mentionsEveryone: true, mentions: [{ id: 'bob' }] })
        expect(await flagOf(sent.body.id)).toBe(1)
        expect(await unread('charlie', chat)).toEqual({ messages: 1, mentions: 1 })
      } finally {
        await sql
          .raw(`drop trigger refuse_update${database.name === 'sqlite' ? '' : ' on palaver_messages'}`)
          .execute(server.palaver.db)
      }
    })

    it('is dropped where the text does not write "@everyone"', async () => {
      const chat = await group()
      for (const body of ['hello everyone', '@everyoneelse hi', 'write to team@everyone.test', '@Everyone']) {
        const sent = await everyone('alice', chat, body)
        expect(sent.status).toBe(201)
        expect(sent.body).not.toHaveProperty('mentionsEveryone')
        expect(await flagOf(sent.body.id)).toBeNull()
      }
      const unasked = await send('alice', chat, { body: '@everyone, but not asked', mentionsEveryone: false })
      expect(unasked.body).not.toHaveProperty('mentionsEveryone')
      expect(await unread('bob', chat)).toEqual({ messages: 5, mentions: 0 })
      // Written at the end, or before punctuation, it is.
      expect((await everyone('alice', chat, 'thanks, @everyone!')).body.mentionsEveryone).toBe(true)
    })

    it('in a room is for its admins: anyone else gets 403 and nothing changes', async () => {
      const local = await startServer(database, {
        rooms: { video: () => ({ title: 'A video', access: 'public' }) },
      })
      try {
        const room = (await local.as('alice').post('/api/rooms/', { contentType: 'video', objectId: '7' }))
          .body
        await local.as('alice').post(`/api/chats/${room.id}/join/`)
        await local.as('bob').post(`/api/chats/${room.id}/join/`)
        const permission = async (user: string) =>
          (await local.as(user).get(`/api/chats/${room.id}/`)).body.permissions.mentionEveryone
        expect([await permission('alice'), await permission('bob')]).toEqual([true, false])

        const before = await local.snapshot()
        const refused = await local
          .as('bob')
          .post(`/api/chats/${room.id}/messages/`, { body: '@everyone look', mentionsEveryone: true })
        expect(refused.status).toBe(403)
        expect(refused.body.error).toEqual({
          code: 'forbidden',
          message: 'Only the admins of this room may mention everyone',
        })
        expect(await local.snapshot()).toEqual(before)

        const sent = await local.as('alice').post(`/api/chats/${room.id}/messages/`, {
          body: '@everyone we go live at 8',
          mentionsEveryone: true,
        })
        expect(sent.status).toBe(201)
        expect(sent.body.mentionsEveryone).toBe(true)
        const bobs = (await local.as('bob').get('/api/chats/')).body.chats.find((c: any) => c.id === room.id)
        expect(bobs).toMatchObject({ unreadCount: 1, unreadMentionCount: 1 })
        // Nor may a member who is no admin add it by an edit of their own message.
        const own = (await local.as('bob').post(`/api/chats/${room.id}/messages/`, { body: 'hi @everyone' }))
          .body
        const edit = await local
          .as('bob')
          .patch(`/api/messages/${own.id}/`, { body: 'hi @everyone!', mentionsEveryone: true })
        expect(edit.status).toBe(403)
      } finally {
        await local.close()
      }
    })

    it('in a DM is refused with 400: there is one other person to mention', async () => {
      const dm = (await server.as('alice').post('/api/dms/', { userId: 'dana' })).body.id as number
      expect((await listed('alice', dm)).permissions.mentionEveryone).toBe(false)
      const reply = await refused(() => everyone('alice', dm, '@everyone hi'))
      expect(reply.status).toBe(400)
      expect(reply.body.error).toMatchObject({ code: 'invalid_input', message: /mention them/ })
    })

    it('tells a hook, as the view it carries', async () => {
      const chat = await group()
      const heard: unknown[] = []
      const off = server.palaver.on('message.created', (event) => {
        if (event.data.message.chatId === chat) heard.push(event.data.message.mentionsEveryone)
      })
      try {
        await everyone('alice', chat, '@everyone fire drill at 3')
        await send('alice', chat, { body: 'just kidding' })
        await expect.poll(() => heard).toEqual([true, undefined])
      } finally {
        off()
      }
    })

    it('an edit keeps it while the text writes it, and clears it once not; deletion clears it', async () => {
      const chat = await group()
      const { id } = (await everyone('alice', chat, '@everyone standup in 5')).body
      const edit = (input: Record<string, unknown>) => server.as('alice').patch(`/api/messages/${id}/`, input)
      const kept = await edit({ body: '@everyone standup in 10' })
      expect(kept.body).toMatchObject({ mentionsEveryone: true })
      expect(await unread('bob', chat)).toEqual({ messages: 1, mentions: 1 })

      const removed = await edit({ body: 'standup in 10, sorry' })
      expect(removed.status).toBe(200)
      expect(removed.body).not.toHaveProperty('mentionsEveryone')
      expect(await unread('bob', chat)).toEqual({ messages: 1, mentions: 0 })
      // The log a reconnecting client replays says the same.
      const { events } = (await server.as('bob').get('/api/events/?after=0')).body
      for (const event of events.filter((e: any) => e.data.message?.id === id))
        expect(event.data.message).not.toHaveProperty('mentionsEveryone')

      // Asked for again, written again: it is back; an edit that says no keeps the text but not the flag.
      expect(
        (await edit({ body: '@everyone standup now', mentionsEveryone: true })).body.mentionsEveryone,
      ).toBe(true)
      expect(await unread('charlie', chat)).toEqual({ messages: 1, mentions: 1 })
      const declined = await edit({ body: '@everyone standup now', mentionsEveryone: false })
      expect(declined.body).not.toHaveProperty('mentionsEveryone')
      expect(await unread('charlie', chat)).toEqual({ messages: 1, mentions: 0 })

      await edit({ body: '@everyone standup now!', mentionsEveryone: true })
      expect((await server.as('alice').delete(`/api/messages/${id}/`)).status).toBe(204)
      expect(await unread('bob', chat)).toEqual({ messages: 0, mentions: 0 })
      expect(await flagOf(id)).toBeNull()
    })
  })

  it('suggests members matching a search, and the most recent readers without one', async () => {
    const chat = await group('alice', ['bob', 'charlie', 'dana'])
    const search = (user: string, query: string) => server.as(user).get(`/api/chats/${chat}/members/${query}`)
    const byName = await search('bob', '?q=chen')
    expect(byName.status).toBe(200)
    expect(byName.body.members.map((m: any) => m.user.id)).toEqual(['charlie'])
    expect(byName.body.members[0]).toMatchObject({ role: 'member', user: { displayName: 'Charlie Chen' } })
    // Accents fold, e-mail matches; Erin is in the directory but not the chat.
    expect((await search('bob', '?q=diaz')).body.members.map((m: any) => m.user.id)).toEqual(['dana'])
    expect((await search('bob', '?q=example.net')).body.members).toEqual([])
    expect((await search('bob', '?q=e&limit=2')).body.members).toHaveLength(2)

    await send('dana', chat, { body: 'I read it all' })
    const recent = (await search('bob', '')).body.members.map((m: any) => m.user.id)
    expect(recent[0]).toBe('dana')
    expect(recent.toSorted()).toEqual(['alice', 'bob', 'charlie', 'dana'])

    expect((await search('erin', '?q=a')).status).toBe(404)
    expect((await search('bob', '?limit=0')).status).toBe(400)
  })

  it('finds members of a chat too big to hand to the directory as a list', async () => {
    const chat = await group('alice', ['bob'])
    // 2,500 more members, written straight to the tables: through the API this would take minutes.
    const extra = Array.from({ length: 2500 }, (_, i) => `crowd-${String(i).padStart(4, '0')}`)
    for (const id of extra) await server.palaver.users.upsert({ id, username: id, name: `Crowd ${id}` })
    const now = Date.now()
    await server.palaver.db
      .insertInto('palaver_members')
      .values(
        extra.map((user_id) => ({
          chat_id: chat,
          user_id,
          role: 'member' as const,
          joined_at: now,
          last_read_message_id: 0,
          last_delivered_message_id: 0,
          muted_until: null,
        })),
      )
      .execute()
    await server.palaver.db
      .updateTable('palaver_chats')
      .set({ member_count: 2502 })
      .where('id', '=', chat)
      .execute()
    const found = await server.as('bob').get(`/api/chats/${chat}/members/?q=crowd-2499`)
    expect(found.body.members.map((m: any) => m.user.id)).toEqual(['crowd-2499'])
    // Charlie matches "charlie" in the directory, but is not in this chat.
    expect((await server.as('bob').get(`/api/chats/${chat}/members/?q=charlie`)).body.members).toEqual([])
    expect((await server.as('bob').get(`/api/chats/${chat}/members/?q=alice`)).body.members).toHaveLength(1)
  })

  it('keeps the members of a members-only room from those who may only join it', async () => {
    const local = await startServer(database, {
      rooms: {
        team: (_id, viewer) => ({ title: 'Staff', access: 'members', canJoin: viewer?.id !== 'erin' }),
      },
    })
    try {
      const room = (await local.as('alice').post('/api/rooms/', { contentType: 'team', objectId: '1' })).body
      expect((await local.as('alice').post(`/api/chats/${room.id}/join/`)).status).toBe(200)
      // Bob may join and so sees what the room is (its detail), but not who is in it until he does.
      expect((await local.as('bob').get(`/api/chats/${room.id}/`)).body.members).toEqual([])
      const invited = await local.as('bob').get(`/api/chats/${room.id}/members/?q=alice`)
      expect(invited.status).toBe(404)
      expect((await local.as('erin').get(`/api/chats/${room.id}/members/?q=alice`)).status).toBe(404)
      const member = await local.as('alice').get(`/api/chats/${room.id}/members/?q=alice`)
      expect(member.body.members.map((m: any) => m.user.id)).toEqual(['alice'])
    } finally {
      await local.close()
    }
  })
})

describe.each(databases)('mentions over the WebSocket on $name', (database) => {
  let server: LiveServer
  beforeAll(async () => {
    server = await startLiveServer(database)
  })
  afterAll(() => server.close())

  it('sends mentions in a send frame, and the mentioned member hears them live', async () => {
    const chat = (await server.call('alice', 'POST', '/api/chats/', { memberIds: ['bob'] })).body.id
    const alice = await connectSocket(server, 'alice')
    const bob = await connectSocket(server, 'bob')
    try {
      const ack = await alice.request({
        action: 'send',
        chatId: chat,
        body: '@Bob Brown hi',
        mentionIds: ['bob'],
      })
      expect(ack).toMatchObject({ ok: true, result: { mentions: [{ id: 'bob' }] } })
      const isIt = (f: any) => f.type === 'message.created' && f.data.message.id === ack.result.id
      await bob.inbox.until('the mention', () => bob.inbox.events.some(isIt))
      expect(bob.inbox.events.find(isIt).data.message.mentions).toEqual([
        expect.objectContaining({ id: 'bob', displayName: 'Bob Brown', writtenAs: 'Bob Brown' }),
      ])
      const malformed = await alice.request({ action: 'send', chatId: chat, body: 'x', mentionIds: 'bob' })
      expect(malformed).toMatchObject({ ok: false, error: { code: 'invalid_input', message: /mentionIds/ } })
    } finally {
      await alice.close()
      await bob.close()
    }
  })
})
