import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases } from './helpers/databases.js'
import { connectSocket, type LiveServer, startLiveServer } from './helpers/live.js'
import type { Options } from './helpers/server.js'

const rooms: Options['rooms'] = { video: (id) => ({ title: `Video ${id}`, access: 'public' }) }

describe.each(databases)('pinned messages on $name', (database) => {
  let server: LiveServer
  beforeAll(async () => {
    server = await startLiveServer(database, { rooms })
  })
  afterAll(() => server.close())

  const group = async (...memberIds: string[]) =>
    (await server.call('alice', 'POST', '/api/chats/', { title: 'Studio', memberIds })).body.id as number
  const send = async (user: string, chatId: number, body: string) =>
    (await server.call(user, 'POST', `/api/chats/${chatId}/messages/`, { body })).body.id as number
  const pin = (user: string, messageId: number, pinned = true) =>
    server.call(user, 'POST', `/api/messages/${messageId}/pin/`, { pinned })
  const pins = async (user: string, chatId: number) =>
    (await server.call(user, 'GET', `/api/chats/${chatId}/pins/`)).body.messages.map((m: any) => m.id)
  const stored = () =>
    server.palaver.db
      .selectFrom('palaver_messages')
      .select(['id', 'pinned_at', 'pinned_by'])
      .where('pinned_at', 'is not', null)
      .orderBy('id')
      .execute()
  const eventCount = async () =>
    Number(
      (
        await server.palaver.db
          .selectFrom('palaver_events')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    )

  it('pins a message for every member, lists the pins newest first, and unpins', async () => {
    const chat = await group('bob', 'charlie')
    const first = await send('alice', chat, 'Kiln schedule: Tuesdays')
    const second = await send('charlie', chat, 'Glaze recipes in the shared folder')
    const before = Date.now()
    const pinned = await pin('bob', first)
    expect(pinned.status).toBe(200)
    expect(pinned.body).toMatchObject({ id: first, body: 'Kiln schedule: Tuesdays', pinned: { byId: 'bob' } })
    expect(Date.parse(pinned.body.pinned.at)).toBeGreaterThanOrEqual(before - 1000)
    await pin('alice', second)
    expect(await pins('charlie', chat)).toEqual([second, first])
    // History and the message itself say so; a message not pinned carries no `pinned` at all.
    const { messages } = (await server.call('charlie', 'GET', `/api/chats/${chat}/messages/`)).body
    expect(messages.find((m: any) => m.id === first).pinned).toMatchObject({ byId: 'bob' })
    const third = await send('bob', chat, 'thanks')
    expect((await server.call('bob', 'GET', `/api/messages/${third}/`)).body).not.toHaveProperty('pinned')
    // The chat says who may pin.
    expect((await server.call('charlie', 'GET', `/api/chats/${chat}/`)).body.permissions.pin).toBe(true)

    const unpinned = await pin('charlie', first, false)
    expect(unpinned.status).toBe(200)
    expect(unpinned.body).not.toHaveProperty('pinned')
    expect(await pins('alice', chat)).toEqual([second])
  })

  it('tells every member by message.updated, replays it from the log, and the same pin again tells nobody', async () => {
    const chat = await group('bob')
    const message = await send('alice', chat, 'Open studio on Sunday')
    const bob = await connectSocket(server, 'bob')
    try {
      await pin('alice', message)
      await bob.inbox.until('the pin', () => bob.inbox.of('message.updated').length > 0)
      expect(bob.inbox.of('message.updated')[0].data.message).toMatchObject({
        id: message,
        body: 'Open studio on Sunday',
        pinned: { byId: 'alice' },
        editedAt: null,
      })
      const events = await eventCount()
      expect((await pin('bob', message)).body.pinned).toMatchObject({ byId: 'alice' })
      expect(await eventCount()).toBe(events)
      // A client resuming from before the send gets the message as it is now: pinned.
      const replay = (await server.call('bob', 'GET', '/api/events/?after=0')).body.events
      const created = replay.find((e: any) => e.type === 'message.created' && e.data.message.id === message)
      expect(created.data.message.pinned).toMatchObject({ byId: 'alice' })
    } finally {
      await bob.close()
    }
  })

  it('keeps an edit’s text, and a deleted message leaves the pins', async () => {
    const chat = await group('bob')
    const message = await send('alice', chat, 'Clay order: 20 kg')
    await pin('bob', message)
    await server.call('alice', 'PATCH', `/api/messages/${message}/`, { body: 'Clay order: 25 kg' })
    const [listed] = (await server.call('bob', 'GET', `/api/chats/${chat}/pins/`)).body.messages
    expect(listed).toMatchObject({ body: 'Clay order: 25 kg', pinned: { byId: 'bob' } })
    await server.call('alice', 'DELETE', `/api/messages/${message}/`)
    expect(await pins('bob', chat)).toEqual([])
    expect((await stored()).filter((row) => row.id === message)).toEqual([])
    const again = await pin('bob', message)
    expect(again.status).toBe(409)
  })

  it('lets only a room’s admins pin in it, and refuses outsiders and bad input, changing nothing', async () => {
    const chat = await group('bob')
    const message = await send('alice', chat, 'Members only')
    const room = (await server.call('alice', 'POST', '/api/rooms/', { contentType: 'video', objectId: '9' }))
      .body
    // The first to join a room is its admin.
    await server.call('alice', 'POST', `/api/chats/${room.id}/join/`)
    await server.call('bob', 'POST', `/api/chats/${room.id}/join/`)
    const said = await send('bob', room.id, 'Great video')
    const before = { pins: await stored(), events: await eventCount() }

    const member = await pin('bob', said)
    expect(member.status).toBe(403)
    expect(member.body.error.message).toBe('Only its admins may pin messages in a room')
    expect((await server.call('bob', 'GET', `/api/chats/${room.id}/`)).body.permissions.pin).toBe(false)
    expect((await pin('dana', said)).status).toBe(403) // a reader who never joined
    expect((await pin('dana', message)).status).toBe(404)
    expect((await pin('bob', message + 99_999)).status).toBe(404)
    expect((await server.call('', 'POST', `/api/messages/${message}/pin/`, { pinned: true })).status).toBe(
      401,
    )
    for (const body of [{}, { pinned: 'yes' }, { pinned: true, extra: 1 }]) {
      const reply = await server.call('bob', 'POST', `/api/messages/${message}/pin/`, body)
      expect(reply.status, JSON.stringify(body)).toBe(400)
    }
    expect((await server.call('dana', 'GET', `/api/chats/${chat}/pins/`)).status).toBe(404)
    expect({ pins: await stored(), events: await eventCount() }).toEqual(before)

    // The room's admin may, and any reader sees the room's pins.
    expect((await pin('alice', said)).status).toBe(200)
    expect(await pins('dana', room.id)).toEqual([said])
  })

  it('keeps 50 pins in a chat at most', async () => {
    const chat = await group('bob')
    const ids: number[] = []
    for (let i = 0; i < 51; i++) ids.push(await send('alice', chat, `note ${i}`))
    for (const id of ids.slice(0, 50)) expect((await pin('bob', id)).status).toBe(200)
    const over = await pin('bob', ids[50]!)
    expect(over.status).toBe(409)
    expect(over.body.error.message).toMatch(/50 pinned messages at most/)
    await pin('bob', ids[0]!, false)
    expect((await pin('bob', ids[50]!)).status).toBe(200)
    expect(await pins('alice', chat)).toHaveLength(50)
  })
})
