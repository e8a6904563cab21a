import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RoomObject } from '../src/index.js'
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

/** The host's videos: what its resolver says about each, per viewer. */
const videos: Record<string, (viewer: string | undefined) => RoomObject | null> = {
  cats: () => ({ title: 'Cats on keyboards', access: 'public' }),
  dogs: () => ({ title: 'Dogs', access: 'public' }),
  renamed: () => ({ title: 'Before', access: 'public' }),
  birds: () => ({ title: 'Birds', access: 'public' }),
  lecture: () => ({ title: 'Lecture', access: 'public', canJoin: false }),
  secret: () => ({ title: 'Secret', access: 'hidden' }),
  // Only alice is in the club; bob has a ticket and may join; the others may not.
  club: (viewer) => ({ title: 'Club', access: 'members', canJoin: viewer === 'bob' }),
}

const options: Options = {
  rooms: { video: (objectId, viewer) => videos[objectId]?.(viewer?.id) ?? null },
}

describe.each(databases)('rooms on $name', (database) => {
  let server: TestServer
  beforeAll(async () => {
    server = await startServer(database, options)
  })
  afterAll(() => server.close())

  const room = (objectId: string, by = 'alice') =>
    server.as(by).post('/api/rooms/', { contentType: 'video', objectId })
  const join = (chatId: number, by: string) => server.as(by).post(`/api/chats/${chatId}/join/`)
  const leave = (chatId: number, by: string) => server.as(by).post(`/api/chats/${chatId}/leave/`)
  const detail = (chatId: number, by: string) => server.as(by).get(`/api/chats/${chatId}/`)

  describe('get-or-create', () => {
    it('gives the same room on every call, with the title the host gives', async () => {
      const first = await room('cats')
      expect(first.status).toBe(200)
      expect(first.body).toMatchObject({ kind: 'room', title: 'Cats on keyboards', memberCount: 0 })
      expect(first.body.room).toEqual({ contentType: 'video', objectId: 'cats', access: 'public' })
      expect((await room('cats', 'bob')).body.id).toBe(first.body.id)
    })

    it('answers 404 for an object the host does not know', async () => {
      await refused(server, 404, () => room('unknown'))
    })

    it('answers 404 for a hidden object', async () => {
      await refused(server, 404, () => room('secret'))
    })

    it('answers 400 for a content type without rooms', async () => {
      await refused(server, 400, () =>
        server.as('alice').post('/api/rooms/', { contentType: 'x', objectId: 'cats' }),
      )
    })

    it('answers 401 to an anonymous visitor', async () => {
      await refused(server, 401, () =>
        server.call(undefined, 'POST', '/api/rooms/', { contentType: 'video', objectId: 'cats' }),
      )
    })

    it('refuses rooms when they are disabled', () =>
      withServer(database, { ...options, enableRooms: false }, async (s) => {
        await refused(s, 403, () =>
          s.as('alice').post('/api/rooms/', { contentType: 'video', objectId: 'cats' }),
        )
        await refused(s, 403, () => s.as('alice').get('/api/rooms/'))
      }))
  })

  describe('its title', () => {
    it('follows what the host says now', async () => {
      const chat = (await room('renamed')).body
      expect(chat.title).toBe('Before')
      const before = videos.renamed!
      videos.renamed = () => ({ title: 'After', access: 'public' })
      try {
        expect((await detail(chat.id, 'alice')).body.title).toBe('After')
        expect((await room('renamed')).body.title).toBe('After')
      } finally {
        videos.renamed = before
      }
    })

    it('cannot be changed by the room admin unless allowRenamingRooms is on', async () => {
      const chat = (await room('dogs')).body
      const admin = (await join(chat.id, 'alice')).body.members.find((m: any) => m.role === 'admin').user.id
      await refused(server, 403, () => server.as(admin).patch(`/api/chats/${chat.id}/`, { title: 'Mine' }))
    })

    it('can be changed by the room admin when allowRenamingRooms is on, and reset with an empty title', () =>
      withServer(database, { ...options, allowRenamingRooms: true }, async (s) => {
        const chat = await s.as('alice').post('/api/rooms/', { contentType: 'video', objectId: 'cats' })
        await s.as('alice').post(`/api/chats/${chat.body.id}/join/`)
        await s.as('bob').post(`/api/chats/${chat.body.id}/join/`)
        const path = `/api/chats/${chat.body.id}/`
        expect((await s.as('bob').patch(path, { title: 'Mine' })).status).toBe(403)
        expect((await s.as('alice').patch(path, { title: 'Kittens' })).body.title).toBe('Kittens')
        expect((await s.as('bob').get(path)).body.title).toBe('Kittens')
        expect((await s.as('alice').patch(path, { title: '' })).body.title).toBe('Cats on keyboards')
      }))
  })

  describe('a public room', () => {
    it('lets a non-member read but not post or react', async () => {
      const chat = (await room('dogs')).body
      await join(chat.id, 'alice')
      const sent = await server.as('alice').post(`/api/chats/${chat.id}/messages/`, { body: 'woof' })
      expect(sent.status).toBe(201)
      const seen = await detail(chat.id, 'bob')
      expect(seen.status).toBe(200)
      expect(seen.body).toMatchObject({ role: null, permissions: { post: false, react: false, join: true } })
      const history = await server.as('bob').get(`/api/chats/${chat.id}/messages/`)
      expect(history.body.messages.map((m: any) => m.body)).toEqual(['woof'])
      await refused(server, 403, () =>
        server.as('bob').post(`/api/chats/${chat.id}/messages/`, { body: 'hi' }),
      )
      await refused(server, 403, () =>
        server.as('bob').post(`/api/messages/${sent.body.id}/reactions/`, { emoji: '👍' }),
      )
    })

    it('counts members live as people join and leave', async () => {
      const chat = (await room('birds')).body
      const joined = await join(chat.id, 'bob')
      expect(joined.status).toBe(200)
      expect(joined.body).toMatchObject({ memberCount: 1, role: 'admin' })
      expect((await join(chat.id, 'charlie')).body).toMatchObject({ memberCount: 2, role: 'member' })
      expect((await detail(chat.id, 'dana')).body.memberCount).toBe(2)
      expect((await join(chat.id, 'charlie')).body.memberCount).toBe(2)
      expect((await leave(chat.id, 'bob')).status).toBe(204)
      const after = await detail(chat.id, 'dana')
      expect(after.body.memberCount).toBe(1)
      expect(after.body.members.map((m: any) => [m.user.id, m.role])).toEqual([['charlie', 'admin']])
    })

    it('lets a member post after joining', async () => {
      const chat = (await room('cats')).body
      await join(chat.id, 'erin')
      const sent = await server.as('erin').post(`/api/chats/${chat.id}/messages/`, { body: 'meow' })
      expect(sent.status).toBe(201)
    })

    it('stays when its last member leaves, and can be joined again', async () => {
      const objectId = 'cats'
      const chat = (await room(objectId, 'dana')).body
      const members = (await detail(chat.id, 'dana')).body.members.map((m: any) => m.user.id)
      for (const id of members) await leave(chat.id, id)
      const empty = await room(objectId, 'dana')
      expect(empty.body).toMatchObject({ id: chat.id, memberCount: 0 })
      expect((await join(chat.id, 'dana')).body).toMatchObject({ memberCount: 1, role: 'admin' })
    })

    it('answers 403 to a non-member who leaves', async () => {
      const chat = (await room('dogs')).body
      await refused(server, 403, () => leave(chat.id, 'erin'))
    })

    it('can be read but not joined when the host says canJoin: false', async () => {
      const chat = (await room('lecture')).body
      expect(chat.permissions.join).toBe(false)
      await refused(server, 403, () => join(chat.id, 'bob'))
      expect((await server.as('bob').get(`/api/chats/${chat.id}/messages/`)).status).toBe(200)
    })
  })

  describe('a members-only room', () => {
    let clubId: number
    beforeAll(async () => {
      // Alice gets in while the club is open, then the host makes it members-only.
      const open = videos.club!
      videos.club = () => ({ title: 'Club', access: 'public' })
      clubId = (await room('club')).body.id
      await join(clubId, 'alice')
      await server.as('alice').post(`/api/chats/${clubId}/messages/`, { body: 'members only' })
      videos.club = open
    })

    it('is there for its members', async () => {
      expect((await room('club')).body.id).toBe(clubId)
      expect((await server.as('alice').get(`/api/chats/${clubId}/messages/`)).status).toBe(200)
    })

    it('answers 403 from POST /api/rooms/ and 404 on the chat to an outsider', async () => {
      await refused(server, 403, () => room('club', 'charlie'))
      for (const path of ['', 'messages/']) {
        await refused(server, 404, () => server.as('charlie').get(`/api/chats/${clubId}/${path}`))
      }
      await refused(server, 404, () => join(clubId, 'charlie'))
    })

    it('is not created by an outsider asking for it', async () => {
      const before = (await server.snapshot()).palaver_chats
      videos.other = () => ({ title: 'Other', access: 'members' })
      expect((await room('other', 'charlie')).status).toBe(403)
      expect((await server.snapshot()).palaver_chats).toBe(before)
    })

    it('shows someone who may join what it is, but not what is said, until they join', async () => {
      const seen = await room('club', 'bob')
      expect(seen.status).toBe(200)
      expect(seen.body).toMatchObject({ id: clubId, memberCount: 1, lastMessage: null, members: [] })
      expect(seen.body.permissions).toMatchObject({ join: true, post: false })
      await refused(server, 404, () => server.as('bob').get(`/api/chats/${clubId}/messages/`))
      expect((await join(clubId, 'bob')).body).toMatchObject({ memberCount: 2, role: 'member' })
      const history = await server.as('bob').get(`/api/chats/${clubId}/messages/`)
      expect(history.body.messages.map((m: any) => m.body)).toEqual(['members only'])
    })
  })

  describe('at the same time', () => {
    it('gives one room to people opening a new one at once', async () => {
      videos.fresh = () => ({ title: 'Fresh', access: 'public' })
      const replies = await Promise.all(['alice', 'bob', 'charlie'].map((by) => room('fresh', by)))
      expect(new Set(replies.map((r) => r.body.id)).size).toBe(1)
    })

    it('makes exactly one admin when people join an empty room at once', async () => {
      videos.busy = () => ({ title: 'Busy', access: 'public' })
      const chat = (await room('busy')).body
      await Promise.all(['alice', 'bob', 'charlie', 'dana'].map((by) => join(chat.id, by)))
      const after = await detail(chat.id, 'erin')
      expect(after.body.memberCount).toBe(4)
      expect(after.body.members.filter((m: any) => m.role === 'admin')).toHaveLength(1)
    })
  })

  describe('browsing', () => {
    it('lists public rooms with whether I am a member', async () => {
      const dogs = (await room('dogs')).body
      const lecture = (await room('lecture')).body
      await join(dogs.id, 'charlie')
      const listed = await server.as('charlie').get('/api/rooms/')
      expect(listed.status).toBe(200)
      const byId = new Map(listed.body.rooms.map((r: any) => [r.chat.id, r.isMember]))
      expect(byId.get(dogs.id)).toBe(true)
      expect(byId.get(lecture.id)).toBe(false)
      expect(listed.body.rooms.every((r: any) => r.chat.room.access === 'public')).toBe(true)
    })

    it('lists the most active rooms first, and no other chats', () =>
      withServer(
        database,
        { rooms: { video: () => ({ title: 'A video', access: 'public' }) } },
        async (s) => {
          const made = []
          for (const objectId of ['first', 'second', 'third']) {
            made.push((await s.as('alice').post('/api/rooms/', { contentType: 'video', objectId })).body)
          }
          const [first] = made
          await s.as('alice').post('/api/chats/', { title: 'Not a room', memberIds: ['bob'] })
          await s.as('alice').post(`/api/chats/${first.id}/join/`)
          // Its last activity must come after the others' creation, not in the same millisecond.
          await new Promise((resolve) => setTimeout(resolve, 5))
          await s.as('alice').post(`/api/chats/${first.id}/messages/`, { body: 'Anyone here?' })
          const listed = await s.as('bob').get('/api/rooms/')
          expect(listed.body.rooms.map((r: any) => r.chat.room.objectId)).toEqual([
            'first',
            'third',
            'second',
          ])
        },
      ))

    it('finds public rooms behind many members-only ones', () => {
      let privateRooms = false
      const video = (id: string): RoomObject => ({
        title: id,
        access: privateRooms && id !== 'open' ? 'members' : 'public',
      })
      return withServer(database, { rooms: { video } }, async (s) => {
        const make = (objectId: string) =>
          s.as('alice').post('/api/rooms/', { contentType: 'video', objectId })
        await make('open')
        for (let i = 0; i < 60; i++) await make(`private-${i}`)
        privateRooms = true
        const listed = await s.as('bob').get('/api/rooms/?limit=1')
        expect(listed.body.rooms.map((r: any) => r.chat.title)).toEqual(['open'])
      })
    })

    it('leaves out members-only rooms', async () => {
      const listed = await server.as('alice').get('/api/rooms/')
      expect(listed.body.rooms.map((r: any) => r.chat.room.objectId)).not.toContain('club')
    })
  })
})

describe.each(databases)('room ownership on $name', (database) => {
  it('does not let a room’s admin delete it: its history belongs to the content object', () =>
    withServer(database, options, async (s) => {
      const room = await s.as('alice').post('/api/rooms/', { contentType: 'video', objectId: 'birds' })
      const joined = await s.as('alice').post(`/api/chats/${room.body.id}/join/`)
      expect(joined.body.role).toBe('admin')
      expect(joined.body.permissions.delete).toBe(false)
      await refused(s, 403, () => s.as('alice').delete(`/api/chats/${room.body.id}/`))
    }))

  it('shows a member their own membership when browsing rooms', () =>
    withServer(database, options, async (s) => {
      const room = await s.as('alice').post('/api/rooms/', { contentType: 'video', objectId: 'dogs' })
      await s.as('alice').post(`/api/chats/${room.body.id}/join/`)
      const browsed = await s.as('alice').get('/api/rooms/')
      const entry = browsed.body.rooms.find((r: any) => r.chat.id === room.body.id)
      expect(entry).toMatchObject({
        isMember: true,
        chat: { role: 'admin', permissions: { join: false, leave: true } },
      })
    }))
})
