import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases } from './helpers/databases.js'
import { startServer, type TestServer } from './helpers/server.js'

/** Input at the edges of what the schemas say: number forms, repeated names, control characters, Object's own keys. */
describe.each(databases)('input at the edges on $name', (database) => {
  let server: TestServer
  let chatId: number
  let messageId: number
  beforeAll(async () => {
    server = await startServer(database, {
      // Any object has a room here: whatever id a request names reaches the database.
      rooms: { video: (id) => ({ title: `Video ${id}`, access: 'public' }) },
    })
    chatId = (await server.as('alice').post('/api/chats/', { title: 'Edges', memberIds: ['bob'] })).body.id
    messageId = (await server.as('alice').post(`/api/chats/${chatId}/messages/`, { body: 'one' })).body.id
    await server.as('alice').post(`/api/chats/${chatId}/messages/`, { body: 'two' })
  })
  afterAll(() => server.close())

  async function refused(status: number, ...args: Parameters<TestServer['call']>) {
    const before = await server.snapshot()
    const reply = await server.call(...args)
    expect(
      reply.status,
      `${args[1]} ${args[2]} ${JSON.stringify(args[3])}: ${JSON.stringify(reply.body)}`,
    ).toBe(status)
    expect(reply.body.error.code).toEqual(expect.any(String))
    expect(await server.snapshot()).toEqual(before)
    return reply
  }

  it('reads a number in a path or query only from decimal digits', async () => {
    for (const form of ['1e0', '0x1', '+1', '%201', '1.0', '0b1', '1%20'])
      await refused(400, 'alice', 'GET', `/api/chats/${form}/`)
    for (const query of [
      'before=1e3',
      'before=0x10',
      'before=%205',
      'after=+1',
      'limit=1.0',
      'limit=',
      'around=0o7',
    ])
      await refused(400, 'alice', 'GET', `/api/chats/${chatId}/messages/?${query}`)
    // An empty or blank cursor is not "from the start".
    for (const query of ['after=', 'after=%20', 'after=0x0', 'after=1e1'])
      await refused(400, 'alice', 'GET', `/api/events/?${query}`)
    await refused(400, 'alice', 'GET', '/api/search/?q=one&chatId=0x1')
    const reasons = async (path: string) => (await refused(400, 'alice', 'GET', path)).body.error.message
    expect(await reasons(`/api/chats/${chatId}/messages/?limit=1e1`)).toBe(
      'Invalid query.limit: expected a whole number',
    )
    // A whole number out of range is told so.
    expect(await reasons(`/api/chats/${chatId}/messages/?limit=0`)).toMatch(
      /^Invalid query\.limit: Too small/,
    )
    expect(await reasons(`/api/chats/${chatId}/messages/?limit=201`)).toMatch(
      /^Invalid query\.limit: Too big/,
    )
    expect((await server.call('alice', 'GET', `/api/chats/${chatId}/messages/?limit=01`)).status).toBe(200)
    expect((await server.call('alice', 'GET', '/api/events/?after=0')).status).toBe(200)
  })

  it('takes no boolean, array or numeric-looking text for a number in a body', async () => {
    const markRead = `/api/chats/${chatId}/mark-as-read/`
    for (const messageId of [true, [1], '0x1', ' 1', '1e0', ''])
      await refused(400, 'bob', 'POST', markRead, { messageId })
    const send = `/api/chats/${chatId}/messages/`
    for (const replyToId of [true, [messageId], `${messageId}.0`])
      await refused(400, 'bob', 'POST', send, { body: 'a reply', replyToId })
    await refused(400, 'bob', 'POST', send, { body: 'with a file', attachmentIds: [true] })
    const read = await server.call('bob', 'POST', markRead, { messageId })
    expect(read.status).toBe(200)
    expect(read.body.lastReadMessageId).toBe(messageId)
  })

  it('refuses a name the route reads given twice, and ignores others', async () => {
    const twice = await refused(400, 'alice', 'GET', `/api/chats/${chatId}/messages/?before=3&before=2`)
    expect(twice.body.error.message).toBe('Invalid query.before: given more than once')
    await refused(400, 'alice', 'GET', '/api/chats/?kind=dm&kind=group')
    await refused(400, 'alice', 'GET', '/api/search/?q=one&q=two')
    await refused(400, 'alice', 'GET', '/api/presence/?userIds=alice&userIds=bob')
    expect((await server.call('alice', 'GET', `/api/chats/${chatId}/messages/?x=1&x=2`)).status).toBe(200)
  })

  it('stores a title as printable text, and refuses one that shows nothing', async () => {
    const renamed = await server.as('alice').patch(`/api/chats/${chatId}/`, { title: 'Ed\u0000g\u0007es\r' })
    expect(renamed.status).toBe(200)
    expect(renamed.body.title).toBe('Edges')
    const created = await server.as('alice').post('/api/chats/', { title: 'Half \ud800 pair' })
    expect(created.status).toBe(201)
    // The same on both databases (SQLite would keep the lone surrogate's bytes, PostgreSQL one U+FFFD).
    expect(created.body.title).toBe('Half \ufffd pair')
    expect((await server.as('alice').get(`/api/chats/${created.body.id}/`)).body.title).toBe(
      'Half \ufffd pair',
    )
    for (const title of ['\u200b', ' \u2060\u200d ', '\u0000', '\u202e'])
      await refused(400, 'alice', 'PATCH', `/api/chats/${chatId}/`, { title })
  })

  it('refuses a room for a content type named like one of Object’s own properties', async () => {
    for (const contentType of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      const reply = await refused(400, 'alice', 'POST', '/api/rooms/', { contentType, objectId: '1' })
      expect(reply.body.error.message).toBe(`Content type "${contentType}" has no rooms`)
    }
  })

  it('refuses control characters in the ids of a room and of the users whose presence is asked', async () => {
    for (const room of [
      { contentType: 'video', objectId: '1\u0000' },
      { contentType: 'video', objectId: '\u001b[31m' },
      { contentType: 'vid\u0000eo', objectId: '1' },
    ])
      await refused(400, 'alice', 'POST', '/api/rooms/', room)
    await refused(400, 'alice', 'GET', '/api/presence/?userIds=bob,a%00b')
    expect(
      (await server.as('alice').post('/api/rooms/', { contentType: 'video', objectId: 'ünï 1' })).status,
    ).toBe(200)
  })

  it('refuses a room id with a lone surrogate, which is no text either database stores as given', async () => {
    for (const room of [
      { contentType: 'video', objectId: 'a\ud800' },
      { contentType: 'video', objectId: '\udfff1' },
      { contentType: 'vid\ud800eo', objectId: '1' },
    ]) {
      const reply = await refused(400, 'alice', 'POST', '/api/rooms/', room)
      expect(reply.body.error.message).toMatch(/expected printable text/)
    }
    // A whole pair is a character like any other.
    const emoji = await server
      .as('alice')
      .post('/api/rooms/', { contentType: 'video', objectId: '\ud83d\ude00' })
    expect(emoji.status).toBe(200)
    expect(emoji.body.room.objectId).toBe('😀')
  })

  it('moves no chat when a send is refused for a clientId used elsewhere, or answered as a retry', async () => {
    const second = (await server.as('alice').post('/api/chats/', { title: 'Second', memberIds: ['bob'] }))
      .body.id
    const room = (await server.as('alice').post('/api/rooms/', { contentType: 'video', objectId: 'retry' }))
      .body.id
    await server.as('alice').post(`/api/chats/${room}/join/`)
    const first = await server
      .as('alice')
      .post(`/api/chats/${chatId}/messages/`, { body: 'hi', clientId: 'k1' })
    expect(first.status).toBe(201)
    for (const id of [second, room])
      await server.as('alice').post(`/api/chats/${id}/messages/`, { body: 'later' })
    const activity = async () => {
      const { chats } = (await server.as('alice').get('/api/chats/?limit=200')).body
      return chats.map((c: { id: number; lastActivityAt: string }) => `${c.id} ${c.lastActivityAt}`)
    }
    const before = await activity()
    await new Promise((resolve) => setTimeout(resolve, 5))
    // A group (whose sends the store checks itself) and a room (checked before it is stored).
    for (const id of [second, room]) {
      const reply = await refused(409, 'alice', 'POST', `/api/chats/${id}/messages/`, {
        body: 'hi',
        clientId: 'k1',
      })
      expect(reply.body.error.message).toBe('This clientId was already used in another chat')
    }
    const retry = await server
      .as('alice')
      .post(`/api/chats/${chatId}/messages/`, { body: 'hi', clientId: 'k1' })
    expect(retry.status).toBe(200)
    expect(retry.body.id).toBe(first.body.id)
    expect(await activity()).toEqual(before)
  })
})
