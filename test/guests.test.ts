import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { RoomObject } from '../src/index.js'
import { databases } from './helpers/databases.js'
import { connectSocket, Inbox, type LiveServer, serverSentEvents, startLiveServer } from './helpers/live.js'

/** Rooms whose host closed them to guests since (see Palaver.roomChanged). */
const closedToGuests = new Set<string>()

/** `open-*` rooms guests may read; `signed-*` ones are public to people signed in only; `club-*` members only. */
const rooms = {
  video: (objectId: string, viewer: { id: string } | null): RoomObject | null => {
    if (objectId.startsWith('open-'))
      return { title: `Open ${objectId}`, access: 'public', guestsRead: !closedToGuests.has(objectId) }
    if (objectId.startsWith('signed-')) return { title: 'Signed', access: 'public' }
    if (objectId.startsWith('club-')) return { title: 'Club', access: 'members', canJoin: viewer !== null }
    return null
  },
}

describe.each(databases)('guests (visitors not signed in) on $name', (database) => {
  let live: LiveServer
  beforeAll(async () => {
    live = await startLiveServer(database, { rooms })
  })
  afterAll(() => live.close())

  const guest = (method: string, path: string, body?: unknown) => live.call('', method, path, body)
  const room = (user: string, objectId: string) =>
    live.call(user, 'POST', '/api/rooms/', { contentType: 'video', objectId })
  const rowCount = async () =>
    Number(
      (
        await live.palaver.db
          .selectFrom('palaver_messages')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    )

  it('read a room its host opens to guests, and nothing else; they may do nothing but read', async () => {
    const open = await guest('POST', '/api/rooms/', { contentType: 'video', objectId: 'open-1' })
    expect(open.status).toBe(200)
    expect(open.body).toMatchObject({ kind: 'room', title: 'Open open-1', role: null, unreadCount: 0 })
    expect(Object.values(open.body.permissions).some(Boolean)).toBe(false)
    const chatId = open.body.id as number

    await live.call('alice', 'POST', `/api/chats/${chatId}/join/`)
    await live.call('alice', 'POST', `/api/chats/${chatId}/messages/`, { body: 'hello, guests' })
    const history = await guest('GET', `/api/chats/${chatId}/messages/`)
    expect(history.status).toBe(200)
    expect(history.body.messages.map((m: { body: string }) => m.body)).toEqual(['hello, guests'])
    const detail = (await guest('GET', `/api/chats/${chatId}/`)).body
    expect(detail).toMatchObject({ id: chatId, memberCount: 1 })
    // Who is in the room is not a guest's to list: the count only (signed in, Bob gets Alice).
    expect(detail.members).toEqual([])
    const members = (await live.call('bob', 'GET', `/api/chats/${chatId}/`)).body.members
    expect(members.map((m: { user: { id: string } }) => m.user.id)).toEqual(['alice'])

    // A room public to people signed in only, a members-only one, and a chat of people: not for guests.
    expect((await guest('POST', '/api/rooms/', { contentType: 'video', objectId: 'signed-1' })).status).toBe(
      401,
    )
    expect((await guest('POST', '/api/rooms/', { contentType: 'video', objectId: 'club-1' })).status).toBe(
      401,
    )
    const signed = (await room('alice', 'signed-1')).body.id
    await live.call('alice', 'POST', `/api/chats/${signed}/join/`)
    await live.call('alice', 'POST', `/api/chats/${signed}/messages/`, { body: 'for members of the site' })
    expect((await guest('GET', `/api/chats/${signed}/messages/`)).status).toBe(401)
    expect((await guest('GET', `/api/chats/${signed}/`)).status).toBe(401)
    const group = (await live.call('alice', 'POST', '/api/chats/', { title: 'Private', memberIds: ['bob'] }))
      .body
    expect((await guest('GET', `/api/chats/${group.id}/messages/`)).status).toBe(401)

    // Nothing else: no chat list, no posting, joining, reacting, typing or searching, and nothing stored.
    const before = await rowCount()
    const message = history.body.messages[0].id
    for (const [method, path, body] of [
      ['GET', '/api/chats/', undefined],
      ['POST', `/api/chats/${chatId}/messages/`, { body: 'as a guest' }],
      ['POST', `/api/chats/${chatId}/join/`, undefined],
      ['POST', `/api/messages/${message}/reactions/`, { emoji: '👍' }],
      ['POST', `/api/chats/${chatId}/typing/`, { isTyping: true }],
      ['POST', `/api/chats/${chatId}/mark-as-read/`, {}],
      ['GET', '/api/search/?q=hello', undefined],
      ['GET', '/api/rooms/', undefined],
    ] as const)
      expect((await guest(method, path, body)).status, `${method} ${path}`).toBe(401)
    expect(await rowCount()).toBe(before)
  })

  it('make no user the creator of a room they open first', async () => {
    const creatorOf = async (chatId: number) =>
      (
        await live.palaver.db
          .selectFrom('palaver_chats')
          .select('created_by')
          .where('id', '=', chatId)
          .executeTakeFirstOrThrow()
      ).created_by
    const byGuest = (await guest('POST', '/api/rooms/', { contentType: 'video', objectId: 'open-first' }))
      .body
    const byAlice = (await room('alice', 'open-second')).body
    expect(await creatorOf(byGuest.id)).toBeNull()
    expect(await creatorOf(byAlice.id)).toBe('alice')
  })

  it('receive a guest room live over long-polling, Server-Sent Events and the WebSocket; a stream for nothing else is refused', async () => {
    const chatId = (await guest('POST', '/api/rooms/', { contentType: 'video', objectId: 'open-2' })).body.id
    const signed = (await room('alice', 'signed-2')).body.id
    await live.call('alice', 'POST', `/api/chats/${chatId}/join/`)

    // Without a room, or with one guests may not read, a stream is refused as a request of no one (401).
    expect((await guest('GET', '/api/events/')).status).toBe(401)
    expect((await guest('GET', `/api/events/?watch=${signed}`)).status).toBe(401)
    await expect(connectSocket(live, '')).rejects.toThrow(/401/)
    await expect(connectSocket(live, '', { watch: signed })).rejects.toThrow(/401/)

    const polled = await guest('GET', `/api/events/?watch=${chatId}`)
    expect(polled.status).toBe(200)
    const cursor = polled.body.cursor as number

    const socket = await connectSocket(live, '', { watch: chatId })
    const sse = new Inbox()
    const controller = new AbortController()
    const stream = await fetch(`${live.origin}/messages/api/events/stream/?watch=${chatId}`, {
      signal: controller.signal,
    })
    expect(stream.status).toBe(200)
    void (async () => {
      try {
        for await (const event of serverSentEvents(stream.body!)) sse.push(event)
      } catch {}
    })()
    try {
      await sse.until('ready', () => sse.other.some((f) => f.type === 'ready'))
      await live.call('alice', 'POST', `/api/chats/${chatId}/messages/`, { body: 'live for guests' })
      await live.call('alice', 'POST', `/api/chats/${signed}/messages/`, { body: 'not for guests' })
      const said = (events: Array<{ type: string; data: { message?: { body: string } } }>) =>
        events.filter((e) => e.type === 'message.created').map((e) => e.data.message!.body)
      await socket.inbox.until('the message over the socket', () => said(socket.inbox.events).length > 0)
      await sse.until('the message over SSE', () => said(sse.events).length > 0)
      const later = await guest('GET', `/api/events/?after=${cursor}&watch=${chatId}&wait=5`)
      expect(said(later.body.events)).toEqual(['live for guests'])
      expect(said(socket.inbox.events)).toEqual(['live for guests'])
      expect(said(sse.events)).toEqual(['live for guests'])

      // Over the socket a guest may watch and ping, not write: sending and typing ask to sign in.
      expect(await socket.request({ action: 'send', chatId, body: 'hi' })).toMatchObject({
        ok: false,
        error: { code: 'unauthenticated' },
      })
      expect(await socket.request({ action: 'typing', chatId, isTyping: true })).toMatchObject({
        ok: false,
        error: { code: 'unauthenticated' },
      })
      expect(await socket.request({ action: 'watch', chatId: signed })).toMatchObject({
        ok: false,
        error: { code: 'not_found' },
      })
      // A guest is no one: never counted online.
      expect(live.palaver.isOnline('')).toBe(false)
    } finally {
      controller.abort()
      await socket.close()
    }
  })

  it("lose a room's events once its host closes it to guests", async () => {
    closedToGuests.clear()
    const chatId = (await guest('POST', '/api/rooms/', { contentType: 'video', objectId: 'open-3' })).body.id
    const socket = await connectSocket(live, '', { watch: chatId })
    try {
      closedToGuests.add('open-3')
      await live.palaver.roomChanged('video', 'open-3')
      await socket.inbox.until('unwatched', () => socket.inbox.other.some((f) => f.type === 'unwatched'))
      expect(socket.inbox.other.find((f) => f.type === 'unwatched')).toEqual({ type: 'unwatched', chatId })
      expect((await guest('GET', `/api/chats/${chatId}/messages/`)).status).toBe(401)
    } finally {
      await socket.close()
    }
  })

  it('have the files of a room open to guests, and of no other chat', async () => {
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGNgYPj/n4GBgYGRgQEKAC/4Af9fTbqEAAAAAElFTkSuQmCC',
      'base64',
    )
    const upload = async (chatId: number) => {
      const response = await fetch(`${live.origin}/messages/api/chats/${chatId}/attachments/?name=dot.png`, {
        method: 'POST',
        headers: { 'x-test-user': 'alice', 'content-type': 'image/png' },
        body: png,
      })
      const file = await response.json()
      const sent = await live.call('alice', 'POST', `/api/chats/${chatId}/messages/`, {
        body: '',
        attachmentIds: [file.id],
      })
      return sent.body.attachments[0].url as string
    }
    const fetchAsGuest = (url: string) => fetch(`${live.origin}${url}`)
    const open = (await guest('POST', '/api/rooms/', { contentType: 'video', objectId: 'open-4' })).body.id
    await live.call('alice', 'POST', `/api/chats/${open}/join/`)
    const group = (await live.call('alice', 'POST', '/api/chats/', { title: 'Files', memberIds: ['bob'] }))
      .body.id
    const inRoom = await fetchAsGuest(await upload(open))
    expect(inRoom.status).toBe(200)
    expect(Buffer.from(await inRoom.arrayBuffer())).toEqual(png)
    expect((await fetchAsGuest(await upload(group))).status).toBe(401)
    expect((await fetchAsGuest('/messages/api/attachments/999999/x.png')).status).toBe(401)
  })
})

/** A request as the guest, from the test's own address, with the headers given. */
const asGuest = (live: LiveServer, path: string, init: RequestInit = {}) =>
  fetch(`${live.origin}/messages${path}`, init)

const openRoom = (live: LiveServer, objectId: string, headers: Record<string, string> = {}) =>
  asGuest(live, '/api/rooms/', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ contentType: 'video', objectId }),
  })

/** How a WebSocket upgrade is answered: 101 when it opens, else the refusal's status and Retry-After. */
function upgrade(live: LiveServer, query: string): Promise<{ status: number; retryAfter?: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${live.origin.replace('http', 'ws')}/messages/ws?${query}`)
    ws.on('open', () => {
      ws.close()
      resolve({ status: 101 })
    })
    ws.on('unexpected-response', (_request, response) => {
      resolve({ status: response.statusCode ?? 0, retryAfter: response.headers['retry-after'] })
      ws.terminate()
    })
    ws.on('error', reject)
  })
}

describe.each(databases)('the guest limit on $name', (database) => {
  let live: LiveServer
  beforeAll(async () => {
    live = await startLiveServer(database, { rooms, rateLimits: { guest: { limit: 4, windowMs: 60_000 } } })
  })
  afterAll(() => live.close())

  it('answers a guest over it 429 with Retry-After on every route they may call, whatever X-Forwarded-For says; people signed in are not counted', async () => {
    const opened = await openRoom(live, 'open-limit')
    expect(opened.status).toBe(200)
    const chatId = ((await opened.json()) as { id: number }).id
    await live.call('alice', 'POST', `/api/chats/${chatId}/join/`)
    await live.call('alice', 'POST', `/api/chats/${chatId}/messages/`, { body: 'hello, guests' })
    expect((await asGuest(live, `/api/chats/${chatId}/messages/`)).status).toBe(200)
    expect((await asGuest(live, `/api/events/?watch=${chatId}`)).status).toBe(200)
    expect((await upgrade(live, `watch=${chatId}`)).status).toBe(101)

    // The fifth request: refused, as each after it, wherever it goes. No proxy is trusted, so a made-up
    // X-Forwarded-For is no way round it.
    const refused = await asGuest(live, `/api/chats/${chatId}/messages/`, {
      headers: { 'x-forwarded-for': '198.51.100.7' },
    })
    expect(refused.status).toBe(429)
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('rate_limited')
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    expect((await openRoom(live, 'open-limit-2')).status).toBe(429)
    expect((await asGuest(live, `/api/chats/${chatId}/`)).status).toBe(429)
    expect((await asGuest(live, `/api/events/?watch=${chatId}`)).status).toBe(429)
    expect((await asGuest(live, `/api/events/stream/?watch=${chatId}`)).status).toBe(429)
    expect((await asGuest(live, '/api/attachments/1/x.png')).status).toBe(429)
    const socket = await upgrade(live, `watch=${chatId}`)
    expect(socket.status).toBe(429)
    expect(Number(socket.retryAfter)).toBeGreaterThan(0)
    // No room was made for the refused lookup.
    const rooms = await live.palaver.db
      .selectFrom('palaver_chats')
      .select('object_id')
      .where('object_id', '=', 'open-limit-2')
      .execute()
    expect(rooms).toEqual([])

    // Alice, from the same address, is counted as herself (her limits are per user).
    for (let n = 0; n < 6; n++)
      expect((await live.call('alice', 'GET', `/api/chats/${chatId}/messages/`)).status).toBe(200)
  })
})

describe.each(databases.slice(0, 1))('the guest limit behind a trusted proxy ($name)', (database) => {
  let live: LiveServer
  beforeAll(async () => {
    live = await startLiveServer(database, {
      rooms,
      trustProxy: 1,
      rateLimits: { guest: { limit: 2, windowMs: 60_000 } },
    })
  })
  afterAll(() => live.close())

  const from = (forwardedFor: string) => openRoom(live, 'open-proxied', { 'x-forwarded-for': forwardedFor })

  it('counts each address the proxy saw on its own, and an IPv6 address by its /64', async () => {
    // The proxy appends the address it saw; what the client put before it is the client's say.
    expect((await from('203.0.113.5')).status).toBe(200)
    expect((await from('10.9.9.9, 203.0.113.5')).status).toBe(200)
    expect((await from('203.0.113.5')).status).toBe(429)
    expect((await from('203.0.113.5, 203.0.113.6')).status).toBe(200)

    expect((await from('2001:db8::1')).status).toBe(200)
    expect((await from('2001:db8:0:0:ffff::2')).status).toBe(200)
    expect((await from('2001:db8::3')).status).toBe(429)
    expect((await from('2001:db8:0:1::1')).status).toBe(200)
  })
})
