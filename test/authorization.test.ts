import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases } from './helpers/databases.js'
import { connectSocket, type LiveServer, startLiveServer } from './helpers/live.js'
import { type Options, startServer, type TestServer } from './helpers/server.js'

/** Who asks: the matrix's rows. */
const actors = {
  anonymous: undefined,
  outsider: 'dana',
  member: 'bob',
  admin: 'alice',
  former: 'charlie',
  nonContact: 'erin',
} as const
type Actor = keyof typeof actors

// erin is in nobody's contact list (and sees only herself): she can be neither messaged nor added.
const options: Options = {
  contacts: (viewer) => (viewer.id === 'erin' ? ['erin'] : ['alice', 'bob', 'charlie', 'dana']),
}

interface Fixture {
  chatId: number
  messageId: number
}

/** A group chat: alice admin, bob member, charlie added and gone again; one message by alice. */
async function fixture(server: TestServer): Promise<Fixture> {
  const chat = await server
    .as('alice')
    .post('/api/chats/', { title: 'Matrix', memberIds: ['bob', 'charlie'] })
  await server.as('charlie').post(`/api/chats/${chat.body.id}/leave/`)
  const message = await server.as('alice').post(`/api/chats/${chat.body.id}/messages/`, { body: 'by alice' })
  return { chatId: chat.body.id, messageId: message.body.id }
}

type Row = [method: string, path: (f: Fixture) => string, body: unknown, expected: Record<Actor, number>]

const chatRule = (member: number, admin = member) => ({
  anonymous: 401,
  outsider: 404,
  former: 404,
  nonContact: 404,
  member,
  admin,
})

const rows: Row[] = [
  ['GET', () => '/api/chats/', undefined, { ...chatRule(200), outsider: 200, former: 200, nonContact: 200 }],
  [
    'POST',
    () => '/api/chats/',
    { title: 'Mine' },
    { ...chatRule(201), outsider: 201, former: 201, nonContact: 201 },
  ],
  ['GET', (f) => `/api/chats/${f.chatId}/`, undefined, chatRule(200)],
  ['PATCH', (f) => `/api/chats/${f.chatId}/`, { title: 'Renamed' }, chatRule(403, 200)],
  ['DELETE', (f) => `/api/chats/${f.chatId}/`, undefined, chatRule(403, 204)],
  ['GET', (f) => `/api/chats/${f.chatId}/messages/`, undefined, chatRule(200)],
  ['POST', (f) => `/api/chats/${f.chatId}/messages/`, { body: 'hi' }, chatRule(201)],
  ['POST', (f) => `/api/chats/${f.chatId}/mark-as-read/`, {}, chatRule(200)],
  ['POST', (f) => `/api/chats/${f.chatId}/members/add/`, { userIds: ['dana'] }, chatRule(403, 200)],
  ['POST', (f) => `/api/chats/${f.chatId}/members/add/`, { userIds: ['erin'] }, chatRule(403, 403)],
  ['DELETE', (f) => `/api/chats/${f.chatId}/members/bob/remove/`, undefined, chatRule(403, 204)],
  ['POST', (f) => `/api/chats/${f.chatId}/join/`, {}, chatRule(200)],
  ['POST', (f) => `/api/chats/${f.chatId}/leave/`, {}, chatRule(204)],
  ['POST', (f) => `/api/chats/${f.chatId}/typing/`, { isTyping: true }, chatRule(204)],
  ['GET', (f) => `/api/messages/${f.messageId}/`, undefined, chatRule(200)],
  ['PATCH', (f) => `/api/messages/${f.messageId}/`, { body: 'changed' }, chatRule(403, 200)],
  ['DELETE', (f) => `/api/messages/${f.messageId}/`, undefined, chatRule(403, 204)],
  ['POST', (f) => `/api/messages/${f.messageId}/reactions/`, { emoji: '👍' }, chatRule(200)],
  [
    'POST',
    () => '/api/dms/',
    { userId: 'erin' },
    { ...chatRule(403), outsider: 403, former: 403, nonContact: 200 },
  ],
  [
    'POST',
    () => '/api/dms/',
    { userId: 'bob' },
    { ...chatRule(200), outsider: 200, former: 200, nonContact: 403 },
  ],
]

describe.each(databases)('the authorization matrix on $name', (database) => {
  let server: TestServer
  let cells = 0
  beforeAll(async () => {
    server = await startServer(database, options)
  })
  afterAll(async () => {
    console.log(`[authorization] ${database.name}: ${cells} REST cells`)
    await server.close()
  })

  for (const [method, path, body] of rows) {
    it(`${method} ${path({ chatId: 0, messageId: 0 }).replaceAll('/0/', '/:id/')} ${JSON.stringify(body) ?? ''}`, async () => {
      const row = rows.find((r) => r[0] === method && r[1] === path && r[2] === body)!
      for (const actor of Object.keys(actors) as Actor[]) {
        const f = await fixture(server)
        const before = await server.snapshot()
        const reply = await server.call(actors[actor], method, path(f), body)
        cells++
        expect(reply.status, `${actor}: ${JSON.stringify(reply.body)}`).toBe(row[3][actor])
        if (reply.status >= 400)
          expect(await server.snapshot(), `${actor} changed the database`).toEqual(before)
      }
    })
  }
})

describe.each(databases)('the authorization matrix over the WebSocket on $name', (database) => {
  let live: LiveServer
  beforeAll(async () => {
    live = await startLiveServer(database, options)
  })
  afterAll(() => live.close())

  it('refuses an anonymous upgrade, and answers each action by role', async () => {
    await expect(connectSocket(live, '')).rejects.toThrow(/401/)
    const chat = await live.call('alice', 'POST', '/api/chats/', {
      title: 'Socket matrix',
      memberIds: ['bob', 'charlie'],
    })
    await live.call('charlie', 'POST', `/api/chats/${chat.body.id}/leave/`)
    const expected: Record<string, boolean> = {
      dana: false,
      charlie: false,
      erin: false,
      bob: true,
      alice: true,
    }
    for (const [user, allowed] of Object.entries(expected)) {
      const socket = await connectSocket(live, user)
      for (const action of [
        { action: 'send', chatId: chat.body.id, body: `from ${user}` },
        { action: 'typing', chatId: chat.body.id, isTyping: true },
        { action: 'watch', chatId: chat.body.id },
      ]) {
        const ack = await socket.request(action)
        expect(ack.ok, `${user} ${action.action}: ${JSON.stringify(ack)}`).toBe(allowed)
        if (!allowed) expect(ack.error.code).toBe('not_found')
      }
      await socket.close()
    }
    const history = await live.call('alice', 'GET', `/api/chats/${chat.body.id}/messages/`)
    expect(history.body.messages.map((m: any) => m.body).sort()).toEqual(['from alice', 'from bob'])
  })
})
