import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { HookEvent } from '../src/index.js'
import { databases } from './helpers/databases.js'
import { startServer, type TestServer } from './helpers/server.js'

describe.each(databases)('server-side hooks on $name', (database) => {
  let server: TestServer
  const seen: HookEvent[] = []
  beforeAll(async () => {
    server = await startServer(database)
    for (const type of [
      'message.created',
      'message.updated',
      'message.deleted',
      'member.added',
      'member.removed',
      'chat.created',
      'chat.deleted',
    ] as const) {
      server.palaver.on(type, (event) => {
        seen.push(event)
      })
    }
    server.palaver.on('message.created', () => {
      throw new Error('a failing hook must not break the request')
    })
  })
  afterAll(() => server.close())

  const settle = () => new Promise((resolve) => setTimeout(resolve, 20))

  it('tell the host about each committed change once, with typed data and its cursor', async () => {
    const alice = server.as('alice')
    const chat = await alice.post('/api/chats/', { title: 'Hooked', memberIds: ['bob'] })
    const sent = await alice.post(`/api/chats/${chat.body.id}/messages/`, { body: 'for the e-mail' })
    expect(sent.status).toBe(201)
    await alice.patch(`/api/messages/${sent.body.id}/`, { body: 'edited' })
    await alice.delete(`/api/messages/${sent.body.id}/`)
    await alice.post(`/api/chats/${chat.body.id}/members/add/`, { userIds: ['charlie'] })
    await alice.delete(`/api/chats/${chat.body.id}/members/charlie/remove/`)
    await alice.delete(`/api/chats/${chat.body.id}/`)
    await settle()
    expect(seen.map((e) => e.type)).toEqual([
      'chat.created',
      'member.added',
      'member.added',
      'message.created',
      'message.updated',
      'message.deleted',
      'member.added',
      'member.removed',
      'chat.deleted',
      'chat.deleted',
    ])
    const created = seen.find((e): e is HookEvent<'message.created'> => e.type === 'message.created')!
    expect(created.data.message).toMatchObject({
      body: 'for the e-mail',
      senderId: 'alice',
      chatId: chat.body.id,
    })
    const cursors = seen.map((e) => e.cursor)
    expect(cursors).toEqual([...cursors].sort((a, b) => a - b))
  })

  it('tell the host about sends in the order they were stored, when many are sent at once', async () => {
    const users = ['alice', 'bob', 'charlie', 'dana']
    const chat = await server.as('alice').post('/api/chats/', { title: 'Busy', memberIds: users.slice(1) })
    const before = seen.length
    // Sent a few at a time, without waiting for the answers, so that batches queue behind one another.
    const sending: Array<Promise<{ status: number }>> = []
    for (let i = 0; i < 80; i++) {
      const sender = server.as(users[i % users.length]!)
      sending.push(sender.post(`/api/chats/${chat.body.id}/messages/`, { body: `m${i}` }))
      if (i % 4 === 3) await new Promise((resolve) => setTimeout(resolve, 1))
    }
    const sends = await Promise.all(sending)
    expect(sends.map((sent) => sent.status)).toEqual(sends.map(() => 201))
    await settle()
    const created = seen.slice(before).filter((e) => e.type === 'message.created')
    expect(created).toHaveLength(80)
    const cursors = created.map((e) => e.cursor)
    expect(cursors).toEqual([...cursors].sort((a, b) => a - b))
  })

  it('do not run for a refused request', async () => {
    const before = seen.length
    await server.as('dana').post('/api/chats/999999/messages/', { body: 'nope' })
    await settle()
    expect(seen.length).toBe(before)
  })
})
