import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases } from './helpers/databases.js'
import { type Options, startServer, type TestServer } from './helpers/server.js'

const rooms: Options['rooms'] = { video: (id) => ({ title: `Video ${id}`, access: 'public' }) }

describe.each(databases)('reactions on $name', (database) => {
  let server: TestServer
  beforeAll(async () => {
    server = await startServer(database, { rooms })
  })
  afterAll(() => server.close())

  /** A new group of alice (admin), bob and charlie with one message of alice's. */
  const message = async () => {
    const chat = (await server.as('alice').post('/api/chats/', { memberIds: ['bob', 'charlie'] })).body.id
    return (await server.as('alice').post(`/api/chats/${chat}/messages/`, { body: 'react to me' })).body
  }
  const react = (user: string, messageId: number, emoji: unknown) =>
    server.as(user).post(`/api/messages/${messageId}/reactions/`, { emoji })
  const refused = async (request: () => Promise<{ status: number; body: any }>) => {
    const before = await server.snapshot()
    const reply = await request()
    expect(await server.snapshot()).toEqual(before)
    return reply
  }

  it('adds a reaction, and the same emoji again removes it', async () => {
    const { id } = await message()
    const added = await react('bob', id, '👍')
    expect(added.status).toBe(200)
    expect(added.body).toEqual({
      action: 'added',
      emoji: '👍',
      reactions: [{ emoji: '👍', count: 1, userIds: ['bob'] }],
    })
    const removed = await react('bob', id, '👍')
    expect(removed.body).toEqual({ action: 'removed', emoji: '👍', reactions: [] })
    expect((await server.as('alice').get(`/api/messages/${id}/`)).body.reactions).toEqual([])
  })

  it('aggregates reactions across people, per emoji, in the order first used', async () => {
    const { id, chatId } = await message()
    await react('bob', id, '👍')
    await react('charlie', id, '❤️')
    await react('alice', id, '👍')
    const last = await react('charlie', id, '👍')
    const expected = [
      { emoji: '👍', count: 3, userIds: ['bob', 'alice', 'charlie'] },
      { emoji: '❤️', count: 1, userIds: ['charlie'] },
    ]
    const sorted = (list: any[]) => list.map((r) => ({ ...r, userIds: [...r.userIds].sort() }))
    expect(sorted(last.body.reactions)).toEqual(sorted(expected))
    expect(last.body.reactions.map((r: any) => r.emoji)).toEqual(['👍', '❤️'])
    const history = await server.as('bob').get(`/api/chats/${chatId}/messages/`)
    expect(sorted(history.body.messages[0].reactions)).toEqual(sorted(expected))
    await react('alice', id, '👍')
    const detail = await server.as('charlie').get(`/api/messages/${id}/`)
    expect(sorted(detail.body.reactions)).toEqual(
      sorted([
        { emoji: '👍', count: 2, userIds: ['bob', 'charlie'] },
        { emoji: '❤️', count: 1, userIds: ['charlie'] },
      ]),
    )
  })

  it('accepts single emoji: skin tones, presentation selectors, flags, families and keycaps', async () => {
    const { id } = await message()
    for (const emoji of ['👍', '👍🏽', '❤️', '🇱🇹', '👩‍👩‍👧', '1️⃣', '🏳️‍🌈', '🏴󠁧󠁢󠁳󠁣󠁴󠁿', ' 🫠 ']) {
      const reply = await react('bob', id, emoji)
      expect(reply.status, emoji).toBe(200)
      expect(reply.body).toMatchObject({ action: 'added', emoji: emoji.trim() })
    }
  })

  it('counts the text and emoji forms of one emoji as the same reaction', async () => {
    const { id } = await message()
    expect((await react('bob', id, '❤')).body).toMatchObject({ action: 'added', emoji: '❤️' })
    expect((await react('bob', id, '❤️')).body).toMatchObject({ action: 'removed', emoji: '❤️' })
    expect((await react('bob', id, '1⃣')).body).toMatchObject({ action: 'added', emoji: '1️⃣' })
  })

  it('refuses anything but one emoji with 400', async () => {
    const { id } = await message()
    const invalid = [
      'a',
      'ab',
      '🙂🙂',
      '',
      '   ',
      '<script>',
      '👍a',
      '🏽',
      '🇱',
      '1',
      '👍\u0301',
      '\u200D👍',
      7,
      null,
    ]
    for (const emoji of invalid) {
      const reply = await refused(() => react('bob', id, emoji))
      expect(reply.status, JSON.stringify(emoji)).toBe(400)
      expect(reply.body.error.code).toBe('invalid_input')
    }
    expect((await refused(() => react('bob', id, '👍'.repeat(40)))).status).toBe(400)
  })

  it('answers 404 to someone outside the chat and 403 to a reader of a public room', async () => {
    const { id } = await message()
    expect((await refused(() => react('dana', id, '👍'))).status).toBe(404)
    expect((await refused(() => react('dana', 999_999, '👍'))).status).toBe(404)
    const room = (await server.as('alice').post('/api/rooms/', { contentType: 'video', objectId: 'r1' })).body
    await server.as('alice').post(`/api/chats/${room.id}/join/`)
    const post = (await server.as('alice').post(`/api/chats/${room.id}/messages/`, { body: 'watch this' }))
      .body
    const reply = await refused(() => react('dana', post.id, '👍'))
    expect(reply.status).toBe(403)
    expect((await react('alice', post.id, '👍')).status).toBe(200)
  })

  it('refuses reacting to a deleted message with 409', async () => {
    const { id } = await message()
    await react('bob', id, '👍')
    await server.as('alice').delete(`/api/messages/${id}/`)
    const reply = await refused(() => react('bob', id, '👍'))
    expect(reply.status).toBe(409)
    const left = await server.palaver.db
      .selectFrom('palaver_reactions')
      .selectAll()
      .where('message_id', '=', id)
      .execute()
    expect(left).toEqual([])
  })

  it('keeps concurrent toggles consistent', async () => {
    const { id } = await message()
    const replies = await Promise.all(Array.from({ length: 5 }, () => react('bob', id, '🎉')))
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200])
    const detail = await server.as('bob').get(`/api/messages/${id}/`)
    const count = detail.body.reactions.find((r: any) => r.emoji === '🎉')?.count ?? 0
    expect([0, 1]).toContain(count)
  })
})

describe.each(databases)('reactions switched off on $name', (database) => {
  let server: TestServer
  beforeAll(async () => {
    server = await startServer(database, { allowReactions: false })
  })
  afterAll(() => server.close())

  it('refuses reactions with 403 and says so in the chat permissions', async () => {
    const chat = (await server.as('alice').post('/api/chats/', { memberIds: ['bob'] })).body
    expect(chat.permissions.react).toBe(false)
    const sent = (await server.as('alice').post(`/api/chats/${chat.id}/messages/`, { body: 'no emoji' })).body
    const before = await server.snapshot()
    const reply = await server.as('bob').post(`/api/messages/${sent.id}/reactions/`, { emoji: '👍' })
    expect(reply.status).toBe(403)
    expect(await server.snapshot()).toEqual(before)
  })
})
