import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases } from './helpers/databases.js'
import { startServer, type TestServer } from './helpers/server.js'

describe.each(databases)('read receipts on $name', (database) => {
  let server: TestServer
  beforeAll(async () => {
    server = await startServer(database)
  })
  afterAll(() => server.close())

  const group = async (memberIds: string[]) =>
    (await server.as('alice').post('/api/chats/', { memberIds })).body.id as number
  const send = async (user: string, chatId: number, body: string) =>
    (await server.as(user).post(`/api/chats/${chatId}/messages/`, { body })).body as { id: number }
  const unread = async (user: string, chatId: number) => {
    const list = await server.as(user).get('/api/chats/')
    return list.body.chats.find((c: any) => c.id === chatId)?.unreadCount as number
  }
  const markRead = (user: string, chatId: number, body: object = {}) =>
    server.as(user).post(`/api/chats/${chatId}/mark-as-read/`, body)
  /** The receipt of a message as its sender sees it. */
  const receipt = async (sender: string, messageId: number) =>
    (await server.as(sender).get(`/api/messages/${messageId}/`)).body.receipt
  const refused = async (request: () => Promise<{ status: number; body: any }>) => {
    const before = await server.snapshot()
    const reply = await request()
    expect(await server.snapshot()).toEqual(before)
    return reply
  }

  describe('unread counts', () => {
    it("count other people's messages, never my own", async () => {
      const chat = await group(['bob'])
      for (const body of ['one', 'two', 'three']) await send('alice', chat, body)
      expect(await unread('bob', chat)).toBe(3)
      expect(await unread('alice', chat)).toBe(0)
    })

    it('drop to zero when the chat is marked read', async () => {
      const chat = await group(['bob'])
      await send('alice', chat, 'one')
      const last = await send('alice', chat, 'two')
      const reply = await markRead('bob', chat)
      expect(reply.status).toBe(200)
      expect(reply.body).toEqual({ lastReadMessageId: last.id, unreadCount: 0, unreadMentionCount: 0 })
      expect(await unread('bob', chat)).toBe(0)
    })

    it('count what follows a given message, and the mark never moves back', async () => {
      const chat = await group(['bob'])
      const [first, second] = [await send('alice', chat, 'a'), await send('alice', chat, 'b')]
      await send('alice', chat, 'c')
      expect((await markRead('bob', chat, { messageId: second.id })).body).toEqual({
        lastReadMessageId: second.id,
        unreadCount: 1,
        unreadMentionCount: 0,
      })
      const back = await refused(() => markRead('bob', chat, { messageId: first.id }))
      expect(back.body).toEqual({ lastReadMessageId: second.id, unreadCount: 1, unreadMentionCount: 0 })
      expect(await unread('bob', chat)).toBe(1)
    })

    it('leave deleted messages out', async () => {
      const chat = await group(['bob'])
      await send('alice', chat, 'stays')
      const gone = await send('alice', chat, 'goes')
      await send('alice', chat, 'stays too')
      await server.as('alice').delete(`/api/messages/${gone.id}/`)
      expect(await unread('bob', chat)).toBe(2)
    })

    it('count nothing before I wrote: writing means having read', async () => {
      const chat = await group(['bob'])
      await send('alice', chat, 'question?')
      await send('bob', chat, 'answer')
      expect(await unread('bob', chat)).toBe(0)
      await send('alice', chat, 'thanks')
      expect(await unread('bob', chat)).toBe(1)
    })

    it('count nothing said before I joined', async () => {
      const chat = await group(['bob'])
      await send('alice', chat, 'before dana')
      await server.as('alice').post(`/api/chats/${chat}/members/add/`, { userIds: ['dana'] })
      expect(await unread('dana', chat)).toBe(0)
      await send('bob', chat, 'welcome dana')
      expect(await unread('dana', chat)).toBe(1)
    })

    it('stay right across many chats at once', async () => {
      const chats = [await group(['bob']), await group(['bob']), await group(['bob'])]
      for (const [i, chat] of chats.entries()) for (let n = 0; n <= i; n++) await send('alice', chat, `m${n}`)
      await markRead('bob', chats[1]!)
      expect(await Promise.all(chats.map((chat) => unread('bob', chat)))).toEqual([1, 0, 3])
    })
  })

  describe('marking read', () => {
    it('changes nothing when nothing new was read', async () => {
      const chat = await group(['bob'])
      await send('alice', chat, 'hi')
      await markRead('bob', chat)
      expect((await refused(() => markRead('bob', chat))).body.unreadCount).toBe(0)
    })

    it('accepts a request without a body', async () => {
      const chat = await group(['bob'])
      await send('alice', chat, 'hi')
      const reply = await server.call('bob', 'POST', `/api/chats/${chat}/mark-as-read/`)
      expect(reply.status).toBe(200)
      expect(reply.body.unreadCount).toBe(0)
    })

    it('works on an empty chat', async () => {
      const chat = await group(['bob'])
      expect((await markRead('bob', chat)).body).toEqual({
        lastReadMessageId: 0,
        unreadCount: 0,
        unreadMentionCount: 0,
      })
    })

    it('refuses a message of another chat with 400 and strangers with 404', async () => {
      const chat = await group(['bob'])
      const other = await send('alice', await group(['bob']), 'elsewhere')
      expect((await refused(() => markRead('bob', chat, { messageId: other.id }))).status).toBe(400)
      expect((await refused(() => markRead('bob', chat, { messageId: 999_999 }))).status).toBe(400)
      expect((await refused(() => markRead('bob', chat, { messageId: 'x' }))).status).toBe(400)
      expect((await refused(() => markRead('erin', chat))).status).toBe(404)
    })
  })

  describe('receipt status', () => {
    it('goes sent → delivered → read in a DM, for the sender only', async () => {
      const dm = (await server.as('alice').post('/api/dms/', { userId: 'erin' })).body.id
      const sent = await send('alice', dm, 'did you get this?')
      expect(await receipt('alice', sent.id)).toEqual({
        status: 'sent',
        deliveredCount: 0,
        readCount: 0,
        recipientCount: 1,
      })
      await server.as('erin').get(`/api/chats/${dm}/messages/`)
      expect(await receipt('alice', sent.id)).toMatchObject({ status: 'delivered', deliveredCount: 1 })
      await markRead('erin', dm)
      expect(await receipt('alice', sent.id)).toEqual({
        status: 'read',
        deliveredCount: 1,
        readCount: 1,
        recipientCount: 1,
      })
      expect(await receipt('erin', sent.id)).toBeNull()
      const history = await server.as('alice').get(`/api/chats/${dm}/messages/`)
      expect(history.body.messages.at(-1).receipt.status).toBe('read')
    })

    it('counts deliveries and reads across a group', async () => {
      const chat = await group(['bob', 'charlie'])
      const first = await send('alice', chat, 'first')
      const second = await send('alice', chat, 'second')
      expect(await receipt('alice', second.id)).toMatchObject({ status: 'sent', recipientCount: 2 })
      await server.as('bob').get(`/api/chats/${chat}/messages/`)
      expect(await receipt('alice', second.id)).toMatchObject({
        status: 'sent',
        deliveredCount: 1,
        readCount: 0,
      })
      await server.as('charlie').get(`/api/chats/${chat}/messages/`)
      expect(await receipt('alice', second.id)).toMatchObject({ status: 'delivered', deliveredCount: 2 })
      await markRead('bob', chat, { messageId: first.id })
      expect(await receipt('alice', first.id)).toMatchObject({ status: 'delivered', readCount: 1 })
      expect(await receipt('alice', second.id)).toMatchObject({ status: 'delivered', readCount: 0 })
      await markRead('charlie', chat)
      await markRead('bob', chat)
      expect(await receipt('alice', second.id)).toEqual({
        status: 'read',
        deliveredCount: 2,
        readCount: 2,
        recipientCount: 2,
      })
      expect(await receipt('alice', first.id)).toMatchObject({ status: 'read' })
    })

    it('counts reading as delivery even without fetching history', async () => {
      const chat = await group(['bob'])
      const sent = await send('alice', chat, 'straight to read')
      await markRead('bob', chat)
      expect(await receipt('alice', sent.id)).toMatchObject({
        status: 'read',
        deliveredCount: 1,
        readCount: 1,
      })
    })
  })
})
