import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases, type TestDatabase } from './helpers/databases.js'
import { type Options, type Reply, startServer, type TestServer } from './helpers/server.js'

async function withServer(database: TestDatabase, options: Options, test: (s: TestServer) => Promise<void>) {
  const server = await startServer(database, options)
  try {
    await test(server)
  } finally {
    await server.close()
  }
}

async function refused(server: TestServer, status: number, request: () => Promise<Reply>) {
  const before = await server.snapshot()
  const reply = await request()
  expect(reply.status, JSON.stringify(reply.body)).toBe(status)
  expect(await server.snapshot()).toEqual(before)
  return reply
}

const roles = (chat: any) => Object.fromEntries(chat.members.map((m: any) => [m.user.id, m.role]))

/** Events of one type about a chat, oldest first. */
async function events(server: TestServer, type: string, chatId: number) {
  const rows = await server.palaver.db
    .selectFrom('palaver_events')
    .select(['user_id', 'payload'])
    .where('type', '=', type)
    .orderBy('cursor')
    .execute()
  return rows
    .map((r) => ({ userId: r.user_id, data: JSON.parse(r.payload) }))
    .filter((e) => e.data.chatId === chatId)
}

describe.each(databases)('members on $name', (database) => {
  let server: TestServer
  beforeAll(async () => {
    server = await startServer(database)
  })
  afterAll(() => server.close())

  const group = async (memberIds: string[] = ['bob'], by = 'alice') => {
    const reply = await server.as(by).post('/api/chats/', { kind: 'group', title: 'G', memberIds })
    expect(reply.status).toBe(201)
    return reply.body
  }
  const add = (chatId: number, userIds: string[], by = 'alice') =>
    server.as(by).post(`/api/chats/${chatId}/members/add/`, { userIds })
  const remove = (chatId: number, userId: string, by = 'alice') =>
    server.as(by).delete(`/api/chats/${chatId}/members/${userId}/remove/`)
  const leave = (chatId: number, by: string) => server.as(by).post(`/api/chats/${chatId}/leave/`)
  const detail = (chatId: number, by = 'alice') => server.as(by).get(`/api/chats/${chatId}/`)

  describe('adding', () => {
    it('lets an admin add people, who join as members', async () => {
      const chat = await group()
      const added = await add(chat.id, ['charlie', 'dana'])
      expect(added.status).toBe(200)
      expect(added.body.memberCount).toBe(4)
      expect(roles(added.body)).toEqual({ alice: 'admin', bob: 'member', charlie: 'member', dana: 'member' })
      expect((await detail(chat.id, 'dana')).status).toBe(200)
      expect((await events(server, 'member.added', chat.id)).map((e) => e.userId)).toEqual([
        'alice',
        'bob',
        'charlie',
        'dana',
      ])
    })

    it('ignores people already in the chat and repeated ids', async () => {
      const chat = await group()
      const added = await add(chat.id, ['bob', 'charlie', 'charlie', 'alice'])
      expect(added.status).toBe(200)
      expect(added.body.memberCount).toBe(3)
      const before = await server.snapshot()
      expect((await add(chat.id, ['bob', 'charlie'])).body.memberCount).toBe(3)
      expect((await server.snapshot()).palaver_members).toBe(before.palaver_members)
    })

    it('refuses a member who is not admin', async () => {
      const chat = await group()
      await refused(server, 403, () => add(chat.id, ['charlie'], 'bob'))
    })

    it('answers 404 to an outsider', async () => {
      const chat = await group()
      await refused(server, 404, () => add(chat.id, ['charlie'], 'erin'))
    })

    it('refuses unknown users', async () => {
      const chat = await group()
      await refused(server, 403, () => add(chat.id, ['charlie', 'ghost']))
    })

    it('refuses adding people to a DM', async () => {
      const dm = await server.as('alice').post('/api/dms/', { userId: 'bob' })
      await refused(server, 403, () => add(dm.body.id, ['charlie']))
    })

    it("refuses people outside the admin's contact list", () =>
      withServer(database, { contacts: (v) => (v.id === 'alice' ? ['bob'] : 'everyone') }, async (s) => {
        const chat = await s.as('alice').post('/api/chats/', { title: 'G', memberIds: ['bob'] })
        await refused(s, 403, () =>
          s.as('alice').post(`/api/chats/${chat.body.id}/members/add/`, { userIds: ['charlie'] }),
        )
      }))

    it('refuses going past membersPerChat with 413, adding nobody', () =>
      withServer(database, { limits: { membersPerChat: 3 } }, async (s) => {
        const chat = await s.as('alice').post('/api/chats/', { title: 'G', memberIds: ['bob'] })
        const path = `/api/chats/${chat.body.id}/members/add/`
        await refused(s, 413, () => s.as('alice').post(path, { userIds: ['charlie', 'dana'] }))
        expect((await s.as('alice').post(path, { userIds: ['charlie'] })).body.memberCount).toBe(3)
        await refused(s, 413, () => s.as('alice').post(path, { userIds: ['dana'] }))
        await refused(s, 413, () =>
          s.as('alice').post('/api/chats/', { memberIds: ['bob', 'charlie', 'dana'] }),
        )
      }))

    it('does not count messages from before joining as unread', async () => {
      const chat = await group()
      await server.as('bob').post(`/api/chats/${chat.id}/messages/`, { body: 'old news' })
      await add(chat.id, ['charlie'])
      expect((await detail(chat.id, 'charlie')).body.unreadCount).toBe(0)
    })
  })

  describe('removing', () => {
    it('lets an admin remove a member, after which the chat is 404 for them', async () => {
      const chat = await group(['bob', 'charlie'])
      expect((await remove(chat.id, 'bob')).status).toBe(204)
      expect((await detail(chat.id, 'bob')).status).toBe(404)
      expect((await server.as('bob').get(`/api/chats/${chat.id}/messages/`)).status).toBe(404)
      const send = await server.as('bob').post(`/api/chats/${chat.id}/messages/`, { body: 'hi' })
      expect(send.status).toBe(404)
      expect((await detail(chat.id)).body.memberCount).toBe(2)
      const list = await server.as('bob').get('/api/chats/')
      expect(list.body.chats.map((c: any) => c.id)).not.toContain(chat.id)
      expect((await events(server, 'member.removed', chat.id)).map((e) => e.userId)).toEqual(['bob'])
    })

    it('refuses a member who is not admin', async () => {
      const chat = await group(['bob', 'charlie'])
      await refused(server, 403, () => remove(chat.id, 'charlie', 'bob'))
    })

    it('answers 404 to an outsider', async () => {
      const chat = await group(['bob'])
      await refused(server, 404, () => remove(chat.id, 'bob', 'dana'))
    })

    it('answers 404 for someone who is not in the chat', async () => {
      const chat = await group(['bob'])
      await refused(server, 404, () => remove(chat.id, 'dana'))
    })

    it('sends an admin who removes themselves to leave instead', async () => {
      const chat = await group(['bob'])
      await refused(server, 400, () => remove(chat.id, 'alice'))
    })
  })

  describe('leaving', () => {
    it('lets any member leave', async () => {
      const chat = await group(['bob', 'charlie'])
      expect((await leave(chat.id, 'charlie')).status).toBe(204)
      expect((await detail(chat.id, 'charlie')).status).toBe(404)
      expect((await detail(chat.id)).body.memberCount).toBe(2)
    })

    it('answers 404 to an outsider', async () => {
      const chat = await group(['bob'])
      await refused(server, 404, () => leave(chat.id, 'erin'))
    })

    it('passes admin to the longest-standing member when the last admin leaves', async () => {
      const chat = await group(['charlie'])
      await add(chat.id, ['bob'])
      await add(chat.id, ['dana'])
      expect((await leave(chat.id, 'alice')).status).toBe(204)
      const after = await detail(chat.id, 'charlie')
      expect(roles(after.body)).toEqual({ charlie: 'admin', bob: 'member', dana: 'member' })
      const [removed] = await events(server, 'member.removed', chat.id)
      expect(removed!.data.promotedIds).toEqual(['charlie'])
      expect((await add(chat.id, ['erin'], 'charlie')).status).toBe(200)
    })

    it('passes admin on again when the new admin leaves too', async () => {
      const chat = await group(['bob', 'charlie'])
      await leave(chat.id, 'alice')
      await leave(chat.id, 'bob')
      expect(roles((await detail(chat.id, 'charlie')).body)).toEqual({ charlie: 'admin' })
    })

    it('removes a group once nobody is left, telling the last one out', async () => {
      const chat = await group(['bob'])
      await leave(chat.id, 'alice')
      await leave(chat.id, 'bob')
      expect((await detail(chat.id, 'bob')).status).toBe(404)
      const row = await server.palaver.db
        .selectFrom('palaver_chats')
        .select('id')
        .where('id', '=', chat.id)
        .executeTakeFirst()
      expect(row).toBeUndefined()
      const deleted = await server.palaver.db
        .selectFrom('palaver_events')
        .select(['user_id', 'payload'])
        .where('type', '=', 'chat.deleted')
        .execute()
      expect(deleted.filter((e) => JSON.parse(e.payload).chatId === chat.id).map((e) => e.user_id)).toEqual([
        'bob',
      ])
    })

    it('removes a self-chat when its one member leaves', async () => {
      const self = await server.as('dana').post('/api/dms/', { userId: 'dana' })
      expect((await leave(self.body.id, 'dana')).status).toBe(204)
      expect((await detail(self.body.id, 'dana')).status).toBe(404)
    })
  })

  describe('at the same time', () => {
    it('adds a person once when two admins add them at once', async () => {
      const chat = await group(['bob'])
      await add(chat.id, ['charlie'])
      await server.as('charlie').post(`/api/chats/${chat.id}/leave/`)
      const replies = await Promise.all([
        add(chat.id, ['dana']),
        add(chat.id, ['dana']),
        add(chat.id, ['dana']),
      ])
      expect(replies.map((r) => r.status)).toEqual([200, 200, 200])
      const after = await detail(chat.id)
      expect(after.body.memberCount).toBe(3)
      expect(after.body.members.filter((m: any) => m.user.id === 'dana')).toHaveLength(1)
    })

    it('keeps membersPerChat when adds race', () =>
      withServer(database, { limits: { membersPerChat: 3 } }, async (s) => {
        const chat = await s.as('alice').post('/api/chats/', { title: 'G', memberIds: ['bob'] })
        const path = `/api/chats/${chat.body.id}/members/add/`
        const replies = await Promise.all(
          ['charlie', 'dana', 'erin'].map((id) => s.as('alice').post(path, { userIds: [id] })),
        )
        expect(replies.map((r) => r.status).sort()).toEqual([200, 413, 413])
        expect((await s.as('alice').get(`/api/chats/${chat.body.id}/`)).body.memberCount).toBe(3)
      }))

    it('leaves an admin behind when the admin and the next in line leave at once', async () => {
      const chat = await group(['bob', 'charlie'])
      await Promise.all([leave(chat.id, 'alice'), leave(chat.id, 'bob')])
      const after = await detail(chat.id, 'charlie')
      expect(roles(after.body)).toEqual({ charlie: 'admin' })
      expect(after.body.memberCount).toBe(1)
    })

    it('answers a request that races a leave or a deletion as one made after it, never with a 500', async () => {
      const statuses = (replies: Reply[]) => replies.map((r) => `${r.status}`)
      for (let round = 0; round < 8; round++) {
        const chat = await group(['bob', 'charlie'])
        const message = (await server.as('bob').post(`/api/chats/${chat.id}/messages/`, { body: 'hi' })).body
        const [read, left] = await Promise.all([
          server.as('bob').post(`/api/chats/${chat.id}/mark-as-read/`, {}),
          leave(chat.id, 'bob'),
        ])
        expect(statuses([read, left])).toEqual([read.status === 200 ? '200' : '404', '204'])
        const [renamed, reacted, deleted] = await Promise.all([
          server.as('alice').patch(`/api/chats/${chat.id}/`, { title: `Round ${round}` }),
          server.as('charlie').post(`/api/messages/${message.id}/reactions/`, { emoji: '👍' }),
          server.as('alice').delete(`/api/chats/${chat.id}/`),
        ])
        expect([200, 404], JSON.stringify(renamed.body)).toContain(renamed.status)
        expect([200, 404], JSON.stringify(reacted.body)).toContain(reacted.status)
        expect(deleted.status).toBe(204)
        // A message to a DM its other person left comes back with them, unless both left meanwhile.
        const dm = (await server.as('charlie').post('/api/dms/', { userId: 'erin' })).body
        await leave(dm.id, 'erin')
        const [sent] = await Promise.all([
          server.as('charlie').post(`/api/chats/${dm.id}/messages/`, { body: 'back?' }),
          leave(dm.id, 'charlie'),
        ])
        expect([201, 404], JSON.stringify(sent.body)).toContain(sent.status)
      }
    })

    it('brings the other person of a DM back once, when messages to them and their own return come at once', () =>
      withServer(database, {}, async (s) => {
        for (let round = 0; round < 5; round++) {
          const dm = (await s.as('alice').post('/api/dms/', { userId: 'bob' })).body
          expect((await s.as('bob').post(`/api/chats/${dm.id}/leave/`)).status).toBe(204)
          const replies = await Promise.all([
            s.as('alice').post(`/api/chats/${dm.id}/messages/`, { body: `one ${round}` }),
            s.as('alice').post(`/api/chats/${dm.id}/messages/`, { body: `two ${round}` }),
            s.as('bob').post('/api/dms/', { userId: 'alice' }),
          ])
          expect(replies.map((r) => r.status)).toEqual([201, 201, 200])
          const after = (await s.as('bob').get(`/api/chats/${dm.id}/`)).body
          expect(after.members.map((m: any) => m.user.id).sort()).toEqual(['alice', 'bob'])
          expect(after.memberCount).toBe(2)
        }
      }))

    it('removes a DM when both people leave at once', async () => {
      const dm = await server.as('charlie').post('/api/dms/', { userId: 'dana' })
      await Promise.all([leave(dm.body.id, 'charlie'), leave(dm.body.id, 'dana')])
      const row = await server.palaver.db
        .selectFrom('palaver_chats')
        .select('id')
        .where('id', '=', dm.body.id)
        .executeTakeFirst()
      expect(row).toBeUndefined()
    })
  })
})
