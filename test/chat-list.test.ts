import { describe, expect, it } from 'vitest'
import type { RoomObject } from '../src/index.js'
import { databases, type TestDatabase } from './helpers/databases.js'
import { type Options, startServer, type TestServer } from './helpers/server.js'

async function withServer(database: TestDatabase, options: Options, test: (s: TestServer) => Promise<void>) {
  const server = await startServer(database, options)
  try {
    await test(server)
  } finally {
    await server.close()
  }
}

/** Waits until the clock has moved on, so the next change is strictly newer than the last. */
async function tick() {
  const now = Date.now()
  while (Date.now() === now) await new Promise((resolve) => setTimeout(resolve, 1))
}

let contactsOfAlice: 'everyone' | string[] = 'everyone'

const titles = (reply: { body: any }) => reply.body.chats.map((c: any) => c.title)

describe.each(databases)('chat list on $name', (database) => {
  const run =
    (test: (s: TestServer) => Promise<void>, options: Options = {}) =>
    () =>
      withServer(database, options, test)

  const group = async (s: TestServer, title: string, memberIds = ['bob']) => {
    await tick()
    const reply = await s.as('alice').post('/api/chats/', { title, memberIds })
    expect(reply.status).toBe(201)
    return reply.body
  }

  it(
    'puts the chat with the newest activity first',
    run(async (s) => {
      const a = await group(s, 'A')
      await group(s, 'B')
      await group(s, 'C')
      expect(titles(await s.as('alice').get('/api/chats/'))).toEqual(['C', 'B', 'A'])
      await tick()
      await s.as('bob').post(`/api/chats/${a.id}/messages/`, { body: 'news' })
      const list = await s.as('alice').get('/api/chats/')
      expect(titles(list)).toEqual(['A', 'C', 'B'])
      expect(list.body.chats[0].lastMessage.body).toBe('news')
    }),
  )

  it(
    'pages with a cursor, each chat once',
    run(async (s) => {
      for (const title of ['1', '2', '3', '4', '5']) await group(s, title)
      const seen: string[] = []
      let cursor: string | null = null
      let pages = 0
      do {
        const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''
        const page = await s.as('alice').get(`/api/chats/?limit=2${query}`)
        expect(page.status).toBe(200)
        expect(page.body.chats.length).toBeLessThanOrEqual(2)
        seen.push(...titles(page))
        cursor = page.body.nextCursor
        pages++
      } while (cursor)
      expect(seen).toEqual(['5', '4', '3', '2', '1'])
      expect(pages).toBe(3)
    }),
  )

  it(
    'answers 400 to a cursor it did not give out',
    run(async (s) => {
      for (const cursor of ['garbage', Buffer.from('1:x').toString('base64url'), '%%%']) {
        const reply = await s.as('alice').get(`/api/chats/?cursor=${encodeURIComponent(cursor)}`)
        expect(reply.status).toBe(400)
        expect(reply.body.error.code).toBe('invalid_input')
      }
    }),
  )

  it(
    "finds chats by title and DMs by the partner's name",
    run(async (s) => {
      await group(s, 'Book club')
      await group(s, 'Running')
      await s.as('alice').post('/api/dms/', { userId: 'dana' })
      await s.as('alice').post('/api/dms/', { userId: 'charlie' })
      const search = async (q: string) =>
        titles(await s.as('alice').get(`/api/chats/?search=${encodeURIComponent(q)}`)).sort()
      expect(await search('BOOK')).toEqual(['Book club'])
      expect(await search('díaz')).toEqual(['Dana Díaz'])
      expect(await search('charlie')).toEqual(['Charlie Chen'])
      expect(await search('n')).toEqual(['Charlie Chen', 'Dana Díaz', 'Running'])
      expect(await search('%')).toEqual([])
      expect(await search('zzz')).toEqual([])
    }),
  )

  it(
    'finds a renamed DM by the partner, whatever the contact list says now',
    run(
      async (s) => {
        contactsOfAlice = 'everyone'
        const dm = await s.as('alice').post('/api/dms/', { userId: 'bob' })
        await s.as('alice').patch(`/api/chats/${dm.body.id}/`, { title: 'Work' })
        contactsOfAlice = []
        expect(titles(await s.as('alice').get('/api/chats/?search=brown'))).toEqual(['Work'])
        expect(titles(await s.as('alice').get('/api/chats/?search=work'))).toEqual(['Work'])
      },
      { contacts: (viewer) => (viewer.id === 'alice' ? contactsOfAlice : 'everyone') },
    ),
  )

  it(
    'finds titles in any script whatever their case',
    run(async (s) => {
      await group(s, 'Ärzte ohne Grenzen')
      await group(s, 'ΣΟΦΙΑ')
      const search = async (q: string) =>
        titles(await s.as('alice').get(`/api/chats/?search=${encodeURIComponent(q)}`))
      expect(await search('ärzte')).toEqual(['Ärzte ohne Grenzen'])
      expect(await search('ÄRZTE')).toEqual(['Ärzte ohne Grenzen'])
      expect(await search('σοφ')).toEqual(['ΣΟΦΙΑ'])
    }),
  )

  it(
    'finds a room by the title its host gives',
    run(
      async (s) => {
        const room = await s.as('alice').post('/api/rooms/', { contentType: 'video', objectId: '7' })
        await s.as('alice').post(`/api/chats/${room.body.id}/join/`)
        await group(s, 'Unrelated')
        expect(titles(await s.as('alice').get('/api/chats/?search=cats'))).toEqual(['Cats on keyboards'])
      },
      { rooms: { video: () => ({ title: 'Cats on keyboards', access: 'public' }) } },
    ),
  )

  it(
    'counts unread messages per chat',
    run(async (s) => {
      const chat = await group(s, 'Busy', ['bob', 'charlie'])
      await s.as('bob').post(`/api/chats/${chat.id}/messages/`, { body: 'one' })
      await s.as('charlie').post(`/api/chats/${chat.id}/messages/`, { body: 'two' })
      await s.as('alice').post(`/api/chats/${chat.id}/messages/`, { body: 'mine' })
      const forBob = (await s.as('bob').get('/api/chats/')).body.chats[0]
      expect(forBob.unreadCount).toBe(2)
      await s.as('bob').post(`/api/chats/${chat.id}/mark-as-read/`)
      expect((await s.as('bob').get('/api/chats/')).body.chats[0].unreadCount).toBe(0)
    }),
  )

  it(
    'filters by kind',
    run(async (s) => {
      await group(s, 'Group')
      await s.as('alice').post('/api/dms/', { userId: 'bob' })
      const dms = await s.as('alice').get('/api/chats/?kind=dm')
      expect(dms.body.chats.map((c: any) => c.kind)).toEqual(['dm'])
      const groups = await s.as('alice').get('/api/chats/?kind=group')
      expect(titles(groups)).toEqual(['Group'])
      expect((await s.as('alice').get('/api/chats/?kind=channel')).status).toBe(400)
    }),
  )

  it(
    'leaves out DMs made before they were disabled',
    run(
      async (s) => {
        await s.palaver.db
          .insertInto('palaver_chats')
          .values({
            kind: 'dm',
            title: 'Old DM',
            dm_key: '["alice","bob"]',
            content_type: null,
            object_id: null,
            created_by: 'alice',
            created_at: 1,
            last_activity_at: 1,
            member_count: 1,
          })
          .returning('id')
          .executeTakeFirstOrThrow()
          .then(({ id }) =>
            s.palaver.db
              .insertInto('palaver_members')
              .values({
                chat_id: id,
                user_id: 'alice',
                role: 'admin',
                joined_at: 1,
                last_read_message_id: 0,
                last_delivered_message_id: 0,
              })
              .execute(),
          )
        await group(s, 'Group')
        expect(titles(await s.as('alice').get('/api/chats/'))).toEqual(['Group'])
      },
      { enableDms: false },
    ),
  )

  it('leaves out rooms the host now hides', () => {
    let access: RoomObject['access'] = 'public'
    return withServer(database, { rooms: { video: () => ({ title: 'Film', access }) } }, async (s) => {
      const room = await s.as('alice').post('/api/rooms/', { contentType: 'video', objectId: '1' })
      await s.as('alice').post(`/api/chats/${room.body.id}/join/`)
      expect(titles(await s.as('alice').get('/api/chats/'))).toEqual(['Film'])
      access = 'hidden'
      expect(titles(await s.as('alice').get('/api/chats/'))).toEqual([])
      expect((await s.as('alice').get(`/api/chats/${room.body.id}/`)).status).toBe(404)
    })
  })
})
