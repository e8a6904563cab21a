import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases } from './helpers/databases.js'
import { startServer, type TestServer } from './helpers/server.js'

/** Whom each user may message: Alice knows all but Erin; Erin knows nobody; the others everyone. */
const contactLists: Record<string, readonly string[]> = {
  alice: ['bob', 'charlie', 'dana', 'frank', 'gina', 'henry'],
  erin: [],
}

const extraUsers = [
  { id: 'frank', username: 'frank', name: 'Frank Fischer' },
  { id: 'gina', username: 'gina', name: 'Gina Gray' },
  { id: 'henry', username: 'henry', name: 'Henry Hill' },
]

/** Waits until the clock has moved on, so the next change is strictly newer than the last. */
async function tick() {
  const now = Date.now()
  while (Date.now() === now) await new Promise((resolve) => setTimeout(resolve, 1))
}

describe.each(databases)('people suggested before anything is typed, on $name', (database) => {
  let server: TestServer
  const chats: Record<string, number> = {}

  beforeAll(async () => {
    server = await startServer(database, {
      contacts: (viewer) => contactLists[viewer.id] ?? 'everyone',
      rooms: { video: () => ({ title: 'Film', access: 'public' }) },
    })
    for (const user of extraUsers) await server.palaver.users.upsert(user)
    const group = async (name: string, memberIds: string[], owner = 'alice') => {
      await tick()
      const reply = await server.as(owner).post('/api/chats/', { title: name, memberIds })
      expect(reply.status).toBe(201)
      chats[name] = reply.body.id
    }
    await group('Old friends', ['frank', 'gina'])
    await group('Book club', ['alice', 'erin'], 'bob')
    await tick()
    chats.dm = (await server.as('alice').post('/api/dms/', { userId: 'charlie' })).body.id
    await server.as('charlie').post(`/api/chats/${chats.dm}/messages/`, { body: 'Lunch?' })
    await group('Climbing', ['dana'])
    // Henry shares only a room with Alice, the newest chat of all.
    await tick()
    const room = (await server.as('henry').post('/api/rooms/', { contentType: 'video', objectId: '7' })).body
    for (const user of ['henry', 'alice']) await server.as(user).post(`/api/chats/${room.id}/join/`)
    await server.as('henry').post(`/api/chats/${room.id}/messages/`, { body: 'Great film' })
    // Alice blocked Frank; Gina blocked Alice.
    expect((await server.as('alice').post('/api/users/frank/block/')).status).toBe(200)
    expect((await server.as('gina').post('/api/users/alice/block/')).status).toBe(200)
  })
  afterAll(() => server.close())

  const suggested = async (viewer: string, query = '') => {
    const reply = await server.as(viewer).get(`/api/users/search/${query}`)
    expect(reply.status, JSON.stringify(reply.body)).toBe(200)
    return (reply.body.users as Array<{ id: string }>).map((u) => u.id)
  }

  it('suggests the people of my most recent DMs and groups, within my contacts, without blocks either way or me', async () => {
    // Dana (Climbing), Charlie (the DM), Bob (Book club); not Erin (not a contact), Frank or Gina
    // (blocks), Henry (a room only) or Alice herself.
    expect(await suggested('alice')).toEqual(['dana', 'charlie', 'bob'])
    expect(await suggested('alice', '?q=')).toEqual(['dana', 'charlie', 'bob'])
    expect(await suggested('alice', '?q=%20%20')).toEqual(['dana', 'charlie', 'bob'])
    const reply = await server.as('alice').get('/api/users/search/')
    expect(reply.body.users[0]).toEqual({
      id: 'dana',
      username: 'dana',
      name: 'Dana Díaz',
      displayName: 'Dana Díaz',
      avatarUrl: expect.any(String),
    })
    // A query still searches as before.
    expect(await suggested('alice', '?q=bob')).toEqual(['bob'])
  })

  it('puts the people of a chat with a new message first, and takes a limit', async () => {
    await tick()
    await server.as('bob').post(`/api/chats/${chats['Book club']}/messages/`, { body: 'Chapter 3 tonight' })
    expect(await suggested('alice')).toEqual(['bob', 'dana', 'charlie'])
    expect(await suggested('alice', '?limit=2')).toEqual(['bob', 'dana'])
  })

  it('leaves out the members of the chat they are for', async () => {
    expect(await suggested('alice', `?chatId=${chats.Climbing}`)).toEqual(['bob', 'charlie'])
    expect(await suggested('alice', `?q=&chatId=${chats['Book club']}`)).toEqual(['dana', 'charlie'])
    // "New chat": a group of Alice alone is offered everyone.
    const fresh = (await server.as('alice').post('/api/chats/', {})).body.id
    expect(await suggested('alice', `?chatId=${fresh}`)).toEqual(['bob', 'dana', 'charlie'])
  })

  it('follows each viewer’s contact list and blocks', async () => {
    expect(await suggested('erin')).toEqual([])
    // Dana may message everyone: Alice, from the group they share.
    expect(await suggested('dana')).toEqual(['alice'])
    // Frank blocked by Alice, Gina blocking her: neither is offered Alice, but each other.
    expect(await suggested('frank')).toEqual(['gina'])
    expect(await suggested('gina')).toEqual(['frank'])
  })

  it('refuses bad input with 400, a chat I may not see with 404, and changes nothing', async () => {
    const refused = async (status: number, viewer: string | undefined, query: string) => {
      const before = await server.snapshot()
      const reply = await server.call(viewer, 'GET', `/api/users/search/${query}`)
      expect(reply.status, `${query}: ${JSON.stringify(reply.body)}`).toBe(status)
      expect(reply.body.error.message).toEqual(expect.any(String))
      expect(await server.snapshot()).toEqual(before)
    }
    for (const query of ['?chatId=abc', '?chatId=0', '?chatId=-1', '?chatId=1e3', '?chatId=', '?limit=0'])
      await refused(400, 'alice', query)
    await refused(400, 'alice', '?limit=51')
    await refused(400, 'alice', `?chatId=${chats.Climbing}&chatId=${chats.dm}`)
    await refused(400, 'alice', '?q=a&q=b')
    // Bob is not in Climbing: to him it does not exist, as for every chat route.
    await refused(404, 'bob', `?chatId=${chats.Climbing}`)
    await refused(404, 'alice', '?chatId=999999')
    await refused(401, undefined, '')
  })
})
