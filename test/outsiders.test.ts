import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases } from './helpers/databases.js'
import { startServer, type TestServer } from './helpers/server.js'

/** Every route about one chat, with a body that would be valid for a member. */
const chatRoutes = (chatId: number, messageId: number) =>
  [
    ['GET', `/api/chats/${chatId}/`],
    ['PATCH', `/api/chats/${chatId}/`, { title: 'Mine now' }],
    ['DELETE', `/api/chats/${chatId}/`],
    ['GET', `/api/chats/${chatId}/messages/`],
    ['POST', `/api/chats/${chatId}/messages/`, { body: 'let me in' }],
    ['POST', `/api/chats/${chatId}/mark-as-read/`, {}],
    ['POST', `/api/chats/${chatId}/members/add/`, { userIds: ['dana'] }],
    ['DELETE', `/api/chats/${chatId}/members/bob/remove/`],
    ['POST', `/api/chats/${chatId}/join/`, {}],
    ['POST', `/api/chats/${chatId}/leave/`, {}],
    ['POST', `/api/chats/${chatId}/typing/`, { isTyping: true }],
    ['GET', `/api/messages/${messageId}/`],
    ['PATCH', `/api/messages/${messageId}/`, { body: 'edited' }],
    ['DELETE', `/api/messages/${messageId}/`],
    ['POST', `/api/messages/${messageId}/reactions/`, { emoji: '👍' }],
  ] as const

describe.each(databases)('outsiders on $name', (database) => {
  let server: TestServer
  let group: number
  let dm: number
  let groupMessage: number
  let dmMessage: number
  beforeAll(async () => {
    server = await startServer(database)
    group = (await server.as('alice').post('/api/chats/', { title: 'Inner circle', memberIds: ['bob'] })).body
      .id
    dm = (await server.as('alice').post('/api/dms/', { userId: 'bob' })).body.id
    groupMessage = (await server.as('alice').post(`/api/chats/${group}/messages/`, { body: 'secret' })).body
      .id
    dmMessage = (await server.as('bob').post(`/api/chats/${dm}/messages/`, { body: 'psst' })).body.id
  })
  afterAll(() => server.close())

  it('an outsider gets 404 for every route of a group, and nothing changes', async () => {
    const before = await server.snapshot()
    for (const [method, path, body] of chatRoutes(group, groupMessage)) {
      const reply = await server.call('dana', method, path, body)
      expect([method, path, reply.status]).toEqual([method, path, 404])
    }
    expect(await server.snapshot()).toEqual(before)
  })

  it('an outsider gets 404 for every route of a DM, and nothing changes', async () => {
    const before = await server.snapshot()
    for (const [method, path, body] of chatRoutes(dm, dmMessage)) {
      const reply = await server.call('charlie', method, path, body)
      expect([method, path, reply.status]).toEqual([method, path, 404])
    }
    expect(await server.snapshot()).toEqual(before)
  })

  it('a chat that does not exist answers 404 like one the viewer may not see', async () => {
    const missing = await server.as('alice').get('/api/chats/999999/')
    const hidden = await server.as('dana').get(`/api/chats/${group}/`)
    expect(missing.status).toBe(404)
    expect(hidden.body).toEqual(missing.body)
  })

  it('an anonymous visitor gets 401 everywhere, and nothing changes', async () => {
    const before = await server.snapshot()
    const routes = [
      ...chatRoutes(group, groupMessage),
      ['GET', '/api/chats/'],
      ['POST', '/api/chats/', { title: 'T', memberIds: [] }],
      ['POST', '/api/dms/', { userId: 'bob' }],
      ['GET', '/api/rooms/'],
      ['POST', '/api/rooms/', { contentType: 'video', objectId: '1' }],
    ] as const
    for (const [method, path, body] of routes) {
      const reply = await server.call(undefined, method, path, body)
      expect([method, path, reply.status]).toEqual([method, path, 401])
      expect(reply.body.error.code).toBe('unauthenticated')
    }
    expect(await server.snapshot()).toEqual(before)
  })

  it('a chat id that is not a number answers 400', async () => {
    expect((await server.as('alice').get('/api/chats/abc/')).status).toBe(400)
  })
})
