import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases, type TestDatabase } from './helpers/databases.js'
import { type Options, type Reply, startServer, type TestServer } from './helpers/server.js'

/** Runs `test` against a server started with `options`, closing it afterwards. */
async function withServer(database: TestDatabase, options: Options, test: (s: TestServer) => Promise<void>) {
  const server = await startServer(database, options)
  try {
    await test(server)
  } finally {
    await server.close()
  }
}

/** Makes a refused request and checks that it answered `status` and wrote nothing. */
async function refused(server: TestServer, status: number, request: () => Promise<Reply>) {
  const before = await server.snapshot()
  const reply = await request()
  expect(reply.status, JSON.stringify(reply.body)).toBe(status)
  expect(reply.body.error.code).toBeTypeOf('string')
  expect(await server.snapshot()).toEqual(before)
  return reply
}

describe.each(databases)('chats on $name', (database) => {
  let server: TestServer
  beforeAll(async () => {
    server = await startServer(database)
  })
  afterAll(() => server.close())

  const group = async (title = 'Team', memberIds = ['bob']) => {
    const reply = await server.as('alice').post('/api/chats/', { kind: 'group', title, memberIds })
    expect(reply.status).toBe(201)
    return reply.body
  }

  describe('direct messages', () => {
    it('gives the same DM on every call, from either side', async () => {
      const first = await server.as('alice').post('/api/dms/', { userId: 'charlie' })
      expect(first.status).toBe(200)
      const again = await server.as('alice').post('/api/dms/', { userId: 'charlie' })
      const fromCharlie = await server.as('charlie').post('/api/dms/', { userId: 'alice' })
      expect(again.body.id).toBe(first.body.id)
      expect(fromCharlie.body.id).toBe(first.body.id)
      expect(first.body.kind).toBe('dm')
      expect(first.body.members.map((m: any) => m.user.id).sort()).toEqual(['alice', 'charlie'])
    })

    it('gives one DM to two people opening it at once', async () => {
      const replies = await Promise.all([
        server.as('dana').post('/api/dms/', { userId: 'erin' }),
        server.as('erin').post('/api/dms/', { userId: 'dana' }),
        server.as('dana').post('/api/dms/', { userId: 'erin' }),
      ])
      expect(replies.map((r) => r.status)).toEqual([200, 200, 200])
      expect(new Set(replies.map((r) => r.body.id)).size).toBe(1)
      expect(replies[0]!.body.memberCount).toBe(2)
    })

    it("shows the other person's name as the title, and them as the peer", async () => {
      const dm = await server.as('alice').post('/api/dms/', { userId: 'dana' })
      expect(dm.body.title).toBe('Dana Díaz')
      expect(dm.body.peer.id).toBe('dana')
      const fromDana = await server.as('dana').get(`/api/chats/${dm.body.id}/`)
      expect(fromDana.body.title).toBe('Alice Anderson')
      expect(fromDana.body.peer.id).toBe('alice')
    })

    it('makes a self-chat with one member', async () => {
      const self = await server.as('erin').post('/api/dms/', { userId: 'erin' })
      expect(self.status).toBe(200)
      expect(self.body.memberCount).toBe(1)
      expect(self.body.members.map((m: any) => m.user.id)).toEqual(['erin'])
      expect(self.body.peer.id).toBe('erin')
      const again = await server.as('erin').post('/api/dms/', { userId: 'erin' })
      expect(again.body.id).toBe(self.body.id)
    })

    it('refuses a DM with an unknown user and writes nothing', async () => {
      await refused(server, 403, () => server.as('alice').post('/api/dms/', { userId: 'nobody' }))
    })

    it('refuses DMs when they are disabled', () =>
      withServer(database, { enableDms: false }, async (s) => {
        await refused(s, 403, () => s.as('alice').post('/api/dms/', { userId: 'bob' }))
      }))

    it('refuses a DM with someone outside the contact list', () =>
      withServer(database, { contacts: () => ['bob'] }, async (s) => {
        await refused(s, 403, () => s.as('alice').post('/api/dms/', { userId: 'charlie' }))
        expect((await s.as('alice').post('/api/dms/', { userId: 'bob' })).status).toBe(200)
      }))

    it('brings back a person who left the DM when they start it again', async () => {
      const dm = await server.as('bob').post('/api/dms/', { userId: 'erin' })
      expect((await server.as('bob').post(`/api/chats/${dm.body.id}/leave/`)).status).toBe(204)
      expect((await server.as('bob').get(`/api/chats/${dm.body.id}/`)).status).toBe(404)
      const back = await server.as('bob').post('/api/dms/', { userId: 'erin' })
      expect(back.body.id).toBe(dm.body.id)
      expect(back.body.memberCount).toBe(2)
    })
  })

  describe('looking up a DM without starting one', () => {
    it('finds the DM I am in, with its unread count, and null where there is none, creating nothing', async () => {
      const before = await server.snapshot()
      const none = await server.as('charlie').get('/api/dms/?userId=dana')
      expect(none.status).toBe(200)
      expect(none.body).toEqual({ chat: null })
      expect(await server.snapshot()).toEqual(before)
      const dm = await server.as('dana').post('/api/dms/', { userId: 'charlie' })
      await server.as('dana').post(`/api/chats/${dm.body.id}/messages/`, { body: 'Hi Charlie' })
      const found = await server.as('charlie').get('/api/dms/?userId=dana')
      expect(found.status).toBe(200)
      expect(found.body.chat).toMatchObject({ id: dm.body.id, kind: 'dm', unreadCount: 1 })
      expect(found.body.chat.peer.id).toBe('dana')
      expect((await server.as('dana').get('/api/dms/?userId=charlie')).body.chat.unreadCount).toBe(0)
    })

    it('finds none once I left the DM, and says 400 without a userId', async () => {
      const dm = await server.as('dana').post('/api/dms/', { userId: 'bob' })
      expect((await server.as('bob').post(`/api/chats/${dm.body.id}/leave/`)).status).toBe(204)
      expect((await server.as('bob').get('/api/dms/?userId=dana')).body).toEqual({ chat: null })
      expect((await server.as('dana').get('/api/dms/?userId=bob')).body.chat.id).toBe(dm.body.id)
      await refused(server, 400, () => server.as('dana').get('/api/dms/'))
    })

    it('says 403 when DMs are disabled', () =>
      withServer(database, { enableDms: false }, async (s) => {
        await refused(s, 403, () => s.as('alice').get('/api/dms/?userId=bob'))
      }))
  })

  describe('group chats', () => {
    it('makes the creator admin and the others members', async () => {
      const chat = await group('Planning', ['bob', 'charlie'])
      expect(chat.kind).toBe('group')
      expect(chat.role).toBe('admin')
      expect(chat.memberCount).toBe(3)
      const roles = Object.fromEntries(chat.members.map((m: any) => [m.user.id, m.role]))
      expect(roles).toEqual({ alice: 'admin', bob: 'member', charlie: 'member' })
    })

    it('allows several groups with the same people', async () => {
      const a = await group('Same', ['bob'])
      const b = await group('Same', ['bob'])
      expect(a.id).not.toBe(b.id)
    })

    it('trims the title', async () => {
      const chat = await group('   Book club  ')
      expect(chat.title).toBe('Book club')
      expect(chat.customTitle).toBe('Book club')
    })

    it('refuses a title that is too long and writes nothing', async () => {
      await refused(server, 413, () =>
        server.as('alice').post('/api/chats/', { kind: 'group', title: 'x'.repeat(121), memberIds: [] }),
      )
    })

    it('counts the title length in characters, so 120 emoji fit', async () => {
      const chat = await group('🎉'.repeat(120))
      expect([...chat.title]).toHaveLength(120)
    })

    it('leaves the creator and repeated ids out of memberIds', async () => {
      const chat = await group('Dupes', ['alice', 'bob', 'bob'])
      expect(chat.memberCount).toBe(2)
      expect(chat.members.map((m: any) => m.user.id).sort()).toEqual(['alice', 'bob'])
    })

    it('refuses unknown users and writes nothing', async () => {
      await refused(server, 403, () =>
        server.as('alice').post('/api/chats/', { title: 'T', memberIds: ['bob', 'ghost'] }),
      )
    })

    it('refuses users outside the contact list and writes nothing', () =>
      withServer(database, { contacts: () => ['bob'] }, async (s) => {
        await refused(s, 403, () =>
          s.as('alice').post('/api/chats/', { kind: 'group', title: 'T', memberIds: ['bob', 'charlie'] }),
        )
        const ok = await s.as('alice').post('/api/chats/', { kind: 'group', title: 'T', memberIds: ['bob'] })
        expect(ok.status).toBe(201)
      }))

    it('refuses a kind other than group', async () => {
      await refused(server, 400, () =>
        server.as('alice').post('/api/chats/', { kind: 'dm', title: 'T', memberIds: ['bob'] }),
      )
    })
  })

  describe('renaming', () => {
    it('lets an admin rename and records a chat.updated event', async () => {
      const chat = await group('Old')
      const renamed = await server.as('alice').patch(`/api/chats/${chat.id}/`, { title: '  New  ' })
      expect(renamed.status).toBe(200)
      expect(renamed.body.title).toBe('New')
      expect((await server.as('bob').get(`/api/chats/${chat.id}/`)).body.title).toBe('New')
      const event = await server.palaver.db
        .selectFrom('palaver_events')
        .select('payload')
        .where('chat_id', '=', chat.id)
        .where('type', '=', 'chat.updated')
        .executeTakeFirstOrThrow()
      expect(JSON.parse(event.payload).chat.customTitle).toBe('New')
    })

    it('writes nothing when the title stays the same', async () => {
      const chat = await group('Same')
      const before = await server.snapshot()
      const reply = await server.as('alice').patch(`/api/chats/${chat.id}/`, { title: ' Same ' })
      expect(reply.status).toBe(200)
      expect(await server.snapshot()).toEqual(before)
    })

    it('refuses a member who is not admin', async () => {
      const chat = await group('Keep')
      await refused(server, 403, () => server.as('bob').patch(`/api/chats/${chat.id}/`, { title: 'Mine' }))
    })

    it('refuses an empty title for a group', async () => {
      const chat = await group('Keep')
      await refused(server, 400, () => server.as('alice').patch(`/api/chats/${chat.id}/`, { title: '  ' }))
    })

    it('refuses a title that is too long', async () => {
      const chat = await group('Keep')
      const title = 'y'.repeat(121)
      await refused(server, 413, () => server.as('alice').patch(`/api/chats/${chat.id}/`, { title }))
    })

    it('lets a DM be renamed, and an empty title brings back the name', async () => {
      const dm = await server.as('charlie').post('/api/dms/', { userId: 'erin' })
      const renamed = await server.as('charlie').patch(`/api/chats/${dm.body.id}/`, { title: 'Erin <3' })
      expect(renamed.body.title).toBe('Erin <3')
      const reset = await server.as('charlie').patch(`/api/chats/${dm.body.id}/`, { title: '' })
      expect(reset.body.title).toBe('Erin Evans')
      expect(reset.body.customTitle).toBeNull()
    })

    it('refuses to rename a DM when allowRenamingDms is off', () =>
      withServer(database, { allowRenamingDms: false }, async (s) => {
        const dm = await s.as('alice').post('/api/dms/', { userId: 'bob' })
        expect(dm.body.permissions.rename).toBe(false)
        await refused(s, 403, () => s.as('alice').patch(`/api/chats/${dm.body.id}/`, { title: 'Bob' }))
      }))
  })

  describe('deleting', () => {
    it('lets an admin delete: the chat and its messages are gone for everyone', async () => {
      const chat = await group('Doomed', ['bob', 'charlie'])
      const sent = await server.as('bob').post(`/api/chats/${chat.id}/messages/`, { body: 'bye' })
      expect((await server.as('alice').delete(`/api/chats/${chat.id}/`)).status).toBe(204)
      for (const user of ['alice', 'bob', 'charlie']) {
        expect((await server.as(user).get(`/api/chats/${chat.id}/`)).status).toBe(404)
        expect((await server.as(user).get(`/api/chats/${chat.id}/messages/`)).status).toBe(404)
      }
      expect((await server.as('bob').get(`/api/messages/${sent.body.id}/`)).status).toBe(404)
      const rows = await server.palaver.db
        .selectFrom('palaver_messages')
        .select('id')
        .where('chat_id', '=', chat.id)
        .execute()
      expect(rows).toEqual([])
      const list = await server.as('bob').get('/api/chats/')
      expect(list.body.chats.map((c: any) => c.id)).not.toContain(chat.id)
    })

    it('refuses a member who is not admin', async () => {
      const chat = await group('Stays')
      await refused(server, 403, () => server.as('bob').delete(`/api/chats/${chat.id}/`))
    })

    it('answers 404 to an outsider', async () => {
      const chat = await group('Stays')
      await refused(server, 404, () => server.as('dana').delete(`/api/chats/${chat.id}/`))
    })
  })
})

describe.each(databases)('a DM someone left on $name', (database) => {
  let server: TestServer
  beforeAll(async () => {
    server = await startServer(database)
  })
  afterAll(() => server.close())

  it('brings them back when the other person writes', async () => {
    const dm = await server.as('alice').post('/api/dms/', { userId: 'bob' })
    expect((await server.as('bob').post(`/api/chats/${dm.body.id}/leave/`)).status).toBe(204)
    expect((await server.as('bob').get(`/api/chats/${dm.body.id}/`)).status).toBe(404)
    expect(
      (await server.as('alice').post(`/api/chats/${dm.body.id}/messages/`, { body: 'still there?' })).status,
    ).toBe(201)
    const history = await server.as('bob').get(`/api/chats/${dm.body.id}/messages/`)
    expect(history.body.messages.map((m: any) => m.body)).toContain('still there?')
    const list = await server.as('bob').get('/api/chats/')
    expect(list.body.chats.find((c: any) => c.id === dm.body.id)).toMatchObject({
      memberCount: 2,
      unreadCount: 1,
    })
  })
})
