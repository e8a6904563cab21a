import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases } from './helpers/databases.js'
import { startServer, type TestServer } from './helpers/server.js'

describe.each(databases)('smoke on $name', (database) => {
  let server: TestServer
  beforeAll(async () => {
    server = await startServer(database)
  })
  afterAll(() => server.close())

  it('sends a DM and reads it back', async () => {
    const alice = server.as('alice')
    const dm = await alice.post('/api/dms/', { userId: 'bob' })
    expect(dm.status).toBe(200)
    const sent = await alice.post(`/api/chats/${dm.body.id}/messages/`, { body: '  hello bob ' })
    expect(sent.status).toBe(201)
    expect(sent.body.body).toBe('hello bob')
    const list = await server.as('bob').get('/api/chats/')
    expect(list.body.chats[0].unreadCount).toBe(1)
    const found = await server.as('bob').get('/api/search/?q=hel')
    expect(found.body.results[0].snippet).toBe('<mark>hello</mark> bob')
  })
})
