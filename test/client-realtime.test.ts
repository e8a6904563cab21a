import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createClient, type PalaverClient, type TransportKind } from '../src/client/index.js'
import { inProcessPubSub } from '../src/index.js'
import { clientFor, Network, Recorder, until } from './helpers/client.js'
import { databases, type TestDatabase } from './helpers/databases.js'
import { type LiveServer, startLiveServer } from './helpers/live.js'

const transports: TransportKind[] = ['websocket', 'sse', 'polling']

describe.each(databases)('palaver/client real-time on $name', (database) => {
  let live: LiveServer
  const clients: PalaverClient[] = []
  beforeAll(async () => {
    live = await startLiveServer(database)
  })
  afterEach(() => {
    for (const client of clients.splice(0)) client.close()
  })
  afterAll(() => live.close())

  const open = (user: string, options: Parameters<typeof clientFor>[2] = {}, network?: Network) => {
    const made = clientFor(live, user, { waitSeconds: 5, ...options }, network)
    clients.push(made.client)
    return { ...made, recorder: new Recorder(made.client) }
  }
  const newChat = async (title: string) =>
    (await live.call('alice', 'POST', '/api/chats/', { title, memberIds: ['bob'] })).body.id as number
  const send = async (chatId: number, body: string) => {
    const reply = await live.call('alice', 'POST', `/api/chats/${chatId}/messages/`, { body })
    expect(reply.status).toBe(201)
    return reply.body.id as number
  }
  const serverIds = async (chatId: number) =>
    (await live.call('bob', 'GET', `/api/chats/${chatId}/messages/?limit=200`)).body.messages.map(
      (m: { id: number }) => m.id,
    ) as number[]

  describe.each(transports)('pinned to %s', (transport) => {
    it('receives what another user sends, in order, once', async () => {
      const chatId = await newChat(`in order over ${transport}`)
      const { client, recorder } = open('bob', { transport })
      const typed: string[] = []
      client.connection.on('message.created', (event) => typed.push(event.data.message.body ?? ''))
      client.connect()
      await until('open', () => client.connection.state === 'open')
      expect(client.connection.transportKind).toBe(transport)
      const sent: number[] = []
      for (const n of [1, 2, 3, 4, 5]) sent.push(await send(chatId, `message ${n}`))
      await until('five messages', () => recorder.messageIds(chatId).length >= 5)
      expect(recorder.messageIds(chatId)).toEqual(sent)
      expect(typed).toEqual(['message 1', 'message 2', 'message 3', 'message 4', 'message 5'])
      const cursors = recorder.events.map((e) => e.cursor)
      expect(cursors).toEqual([...cursors].sort((a, b) => a - b))
      expect(new Set(cursors).size).toBe(cursors.length)
      expect(client.connection.cursor).toBe(cursors.at(-1))
    })

    it('holds exactly the server’s messages after the connection breaks in the middle of a burst', async () => {
      const chatId = await newChat(`burst over ${transport}`)
      const { client, recorder, network } = open('bob', { transport })
      client.connect()
      await until('open', () => client.connection.state === 'open')
      const readies = recorder.readies.length
      let dropped = false
      client.connection.on('message.created', () => {
        if (!dropped && recorder.messageIds(chatId).length === 10) {
          dropped = true
          network.drop()
        }
      })
      for (let n = 1; n <= 50; n++) await send(chatId, `burst ${n}`)
      await until('fifty messages', () => recorder.messageIds(chatId).length >= 50)
      expect(dropped).toBe(true)
      // It really reconnected (and resumed) rather than riding out the burst on one connection.
      await until('a new connection', () => recorder.readies.length > readies)
      expect(recorder.states).toContain('reconnecting')
      const ids = recorder.messageIds(chatId)
      expect(ids).toEqual(await serverIds(chatId))
      expect(ids).toHaveLength(50)
      expect(new Set(ids).size).toBe(50)
      const cursors = recorder.events.map((e) => e.cursor)
      expect(new Set(cursors).size).toBe(cursors.length)
    })

    it('resumes after a long outage, delivering what was sent meanwhile', async () => {
      const chatId = await newChat(`outage over ${transport}`)
      const network = new Network()
      const { client, recorder } = open('bob', { transport }, network)
      client.connect()
      await until('open', () => client.connection.state === 'open')
      const before = await send(chatId, 'before')
      await until('the first message', () => recorder.messageIds(chatId).length === 1)
      network.goOffline()
      await until('reconnecting', () => client.connection.state === 'reconnecting')
      const missed: number[] = []
      for (const n of [1, 2, 3]) missed.push(await send(chatId, `missed ${n}`))
      network.goOnline()
      await until('the missed messages', () => recorder.messageIds(chatId).length >= 4)
      expect(recorder.messageIds(chatId)).toEqual([before, ...missed])
    })
  })

  it('makes the socket from a WebSocket constructor, carrying the client headers where it can', async () => {
    const chatId = await newChat('constructor option')
    const client = createClient({
      baseUrl: `${live.origin}/messages`,
      headers: { 'x-test-user': 'bob' },
      WebSocket,
      transport: 'websocket',
    })
    clients.push(client)
    const recorder = new Recorder(client)
    client.connect()
    await until('open', () => client.connection.state === 'open')
    const id = await send(chatId, 'over ws')
    await until('the message', () => recorder.messageIds(chatId).length === 1)
    expect(recorder.messageIds(chatId)).toEqual([id])
  })

  it('auto uses the WebSocket when it can', async () => {
    const { client } = open('bob', { transport: 'auto' })
    client.connect()
    await until('open', () => client.connection.state === 'open')
    expect(client.connection.transportKind).toBe('websocket')
  })

  it('auto falls back to Server-Sent Events when the WebSocket cannot connect', async () => {
    const chatId = await newChat('fallback to sse')
    const { client, recorder } = open('bob', {
      transport: 'auto',
      createWebSocket: () => {
        throw new Error('WebSockets are blocked here')
      },
    })
    client.connect()
    await until('open', () => client.connection.state === 'open')
    expect(client.connection.transportKind).toBe('sse')
    expect(recorder.errors.map((e) => e.transport)).toContain('websocket')
    const id = await send(chatId, 'over the fallback')
    await until('the message', () => recorder.messageIds(chatId).length === 1)
    expect(recorder.messageIds(chatId)).toEqual([id])
  })

  it('auto falls back to long-polling when Server-Sent Events fail too', async () => {
    const chatId = await newChat('fallback to polling')
    const network = new Network()
    network.blocked = /\/ws\b|\/events\/stream\//
    const { client, recorder } = open('bob', { transport: 'auto' }, network)
    client.connect()
    await until('open', () => client.connection.state === 'open')
    expect(client.connection.transportKind).toBe('polling')
    expect(recorder.errors.map((e) => e.transport)).toEqual(['websocket', 'sse'])
    const id = await send(chatId, 'over long-polling')
    await until('the message', () => recorder.messageIds(chatId).length === 1)
    expect(recorder.messageIds(chatId)).toEqual([id])
  })

  it('auto goes back to the WebSocket after every transport failed and the network returned', async () => {
    const network = new Network()
    const { client, recorder } = open('bob', { transport: 'auto' }, network)
    network.goOffline()
    client.connect()
    await until(
      'two failed rounds',
      () => recorder.errors.filter((e) => e.transport === 'polling').length >= 2,
    )
    expect(client.connection.state).toBe('connecting')
    network.goOnline()
    await until('open', () => client.connection.state === 'open')
    expect(client.connection.transportKind).toBe('websocket')
  })

  it('emits resync when its cursor is older than the retained log, then goes on from the new cursor', async () => {
    const chatId = await newChat('resync')
    await send(chatId, 'soon pruned')
    await live.palaver.pruneEvents(Date.now() + 1000)
    const { client, recorder } = open('bob', { transport: 'websocket', cursor: 1 })
    // Read as the resync arrives: by the time the test looks, an event of another chat (an earlier
    // test's delivered marks, written up to a second later) may have moved the cursor on already.
    const cursorAtResync: number[] = []
    client.connection.on('resync', () => cursorAtResync.push(client.connection.cursor!))
    client.connect()
    await until('resync', () => recorder.resyncs.length === 1)
    expect(recorder.resyncs[0]!.previous).toBe(1)
    expect(cursorAtResync).toEqual([recorder.resyncs[0]!.cursor])
    expect(client.connection.cursor).toBeGreaterThanOrEqual(recorder.resyncs[0]!.cursor)
    await until('open', () => client.connection.state === 'open')
    const id = await send(chatId, 'after the resync')
    await until('the message', () => recorder.messageIds(chatId).length === 1)
    expect(recorder.messageIds(chatId)).toEqual([id])
  })

  it.each(transports)('watches a public room without joining it over %s', async (transport) => {
    const rooms = await startLiveServer(database, {
      rooms: {
        video: (objectId) =>
          objectId === 'club'
            ? { title: 'Club', access: 'members', canJoin: true }
            : { title: 'Cats', access: 'public' },
      },
    })
    try {
      const room = await rooms.call('alice', 'POST', '/api/rooms/', {
        contentType: 'video',
        objectId: 'cats',
      })
      await rooms.call('alice', 'POST', `/api/chats/${room.body.id}/join/`)
      const { client } = clientFor(rooms, 'bob', { transport, waitSeconds: 5 })
      clients.push(client)
      const rec = new Recorder(client)
      client.connect()
      await until('open', () => client.connection.state === 'open')
      await client.connection.watch(room.body.id)
      await until('open again', () => client.connection.state === 'open')
      const sent = await rooms.call('alice', 'POST', `/api/chats/${room.body.id}/messages/`, { body: 'meow' })
      await until('the room message', () => rec.messageIds(room.body.id).length === 1)
      expect(rec.messageIds(room.body.id)).toEqual([sent.body.id])
      const group = await rooms.call('alice', 'POST', '/api/chats/', { title: 'Not yours' })
      await expect(client.connection.watch(group.body.id)).rejects.toMatchObject({ code: 'not_found' })
      // A room she may join but only members read (GET …/chats/:id/ shows it to her) is refused as the stream would refuse it.
      const club = await rooms.call('alice', 'POST', '/api/rooms/', {
        contentType: 'video',
        objectId: 'club',
      })
      await expect(client.connection.watch(club.body.id)).rejects.toMatchObject({ code: 'not_found' })
      expect(client.connection.watched).toEqual([room.body.id])
      const after = await rooms.call('alice', 'POST', `/api/chats/${room.body.id}/messages/`, {
        body: 'purr',
      })
      await until('the next room message', () => rec.messageIds(room.body.id).length === 2)
      expect(rec.messageIds(room.body.id)).toEqual([sent.body.id, after.body.id])
    } finally {
      // The clients go first, so that no request of theirs reaches a server shutting down.
      for (const client of clients.splice(0)) client.close()
      await rooms.close()
    }
  })

  /** Alice's public room `cats`, which she joined, and her group with Bob; `say` posts as Alice. */
  async function roomAndGroup(server: LiveServer) {
    const say = async (chatId: number, body: string) =>
      (await server.call('alice', 'POST', `/api/chats/${chatId}/messages/`, { body })).body.id as number
    const room = (
      await server.call('alice', 'POST', '/api/rooms/', { contentType: 'video', objectId: 'cats' })
    ).body.id as number
    await server.call('alice', 'POST', `/api/chats/${room}/join/`)
    const group = (await server.call('alice', 'POST', '/api/chats/', { title: 'Ours', memberIds: ['bob'] }))
      .body.id as number
    return { say, room, group }
  }

  /**
   * roomAndGroup, then Bob's client reading the room as a visitor over `transport`: it has watched it and
   * received Alice's `read` there; `unwatched` collects the chats it is told it no longer watches.
   */
  async function readingBob(
    server: LiveServer,
    transport: TransportKind,
    { waitSeconds, network = new Network() }: { waitSeconds?: number; network?: Network } = {},
  ) {
    const { say, room, group } = await roomAndGroup(server)
    const { client } = clientFor(server, 'bob', { transport, waitSeconds }, network)
    clients.push(client)
    const rec = new Recorder(client)
    const unwatched: number[] = []
    client.connection.on('unwatched', ({ chatId }) => unwatched.push(chatId))
    client.connect()
    await until('open', () => client.connection.state === 'open')
    await client.connection.watch(room)
    await until('open again', () => client.connection.state === 'open')
    const read = await say(room, 'meow')
    await until('the room message', () => rec.messageIds(room).length === 1)
    return { say, room, group, client, rec, unwatched, read }
  }

  /**
   * Bob, reading as readingBob left him, is told the room no longer comes: Alice's next message there does
   * not reach him, and her next in the group (answered) does.
   */
  async function toldAndCutOff({
    say,
    room,
    group,
    rec,
    unwatched,
    read,
  }: Awaited<ReturnType<typeof readingBob>>) {
    await until('told', () => unwatched.length === 1)
    expect(unwatched).toEqual([room])
    await say(room, 'members only now')
    const next = await say(group, 'after it')
    // Events come in cursor order: had the room's message been sent, it would be here by now.
    await until('the group message', () => rec.messageIds(group).length === 1)
    expect(rec.messageIds(group)).toEqual([next])
    expect(rec.messageIds(room)).toEqual([read])
    return next
  }

  it.each(transports)(
    'a watched room that closes meanwhile leaves the connection working over %s: it reconnects, is told, and other chats go on',
    async (transport) => {
      let closed = false
      const rooms = await startLiveServer(database, {
        rooms: { video: () => (closed ? null : { title: 'Cats', access: 'public' }) },
      })
      try {
        const network = new Network()
        const { say, room, group, client, rec, unwatched, read } = await readingBob(rooms, transport, {
          waitSeconds: 5,
          network,
        })
        // The host no longer knows the room's object; then the line drops, and the reconnect still carries the watch.
        closed = true
        const states: string[] = []
        client.connection.on('state', ({ state }) => states.push(state))
        network.drop()
        await until('open after the drop', () => states.at(-1) === 'open')
        // Told, so that the next reconnect (or poll) no longer asks for it.
        await until('told', () => unwatched.length === 1)
        expect(unwatched).toEqual([room])
        const first = await say(group, 'still there?')
        const second = await say(group, 'yes')
        await until('the group messages', () => rec.messageIds(group).length === 2)
        expect(rec.messageIds(group)).toEqual([first, second])
        expect(rec.messageIds(room)).toEqual([read])
      } finally {
        // The clients go first, so that no request of theirs reaches a server shutting down.
        for (const client of clients.splice(0)) client.close()
        await rooms.close()
      }
    },
  )

  it.each(['websocket', 'sse'] as const)(
    'a watched room that closes while its reader stays connected over %s stops coming, and the client is told',
    async (transport) => {
      let closed = false
      const rooms = await startLiveServer(database, {
        rooms: { video: () => ({ title: 'Cats', access: closed ? 'members' : 'public' }) },
      })
      try {
        const reading = await readingBob(rooms, transport)
        const { client, unwatched } = reading
        // The host makes the room members-only, and the server asks again (as it does every minute).
        await rooms.palaver.hub.recheckWatches()
        expect(unwatched).toEqual([])
        closed = true
        await rooms.palaver.hub.recheckWatches()
        await toldAndCutOff(reading)
        expect(client.connection.state).toBe('open')
      } finally {
        for (const client of clients.splice(0)) client.close()
        await rooms.close()
      }
    },
  )

  it.each(['websocket', 'sse'] as const)(
    'a room the host says changed is asked about at once over %s: a reader who may no longer read it is told',
    async (transport) => {
      let closed = false
      const rooms = await startLiveServer(database, {
        rooms: { video: () => ({ title: 'Cats', access: closed ? 'members' : 'public' }), song: () => null },
      })
      try {
        const reading = await readingBob(rooms, transport)
        const { group, rec } = reading
        closed = true
        // No minute's round here: only the host's word makes the server ask again.
        await rooms.palaver.roomChanged('video', 'cats')
        const next = await toldAndCutOff(reading)
        // A room nobody opened has no readers; a type without rooms is refused.
        await rooms.palaver.roomChanged('song', 'unheard')
        await expect(rooms.palaver.roomChanged('poem', 'x')).rejects.toMatchObject({ code: 'invalid_input' })
        expect(rec.messageIds(group)).toEqual([next])
      } finally {
        for (const client of clients.splice(0)) client.close()
        await rooms.close()
      }
    },
  )

  it('a room the host says changed in one process is asked about by every process', async () => {
    let closed = false
    const shared = await sharedDatabase(database)
    const options = {
      pubsub: inProcessPubSub(),
      rooms: {
        video: () => ({ title: 'Cats', access: closed ? ('members' as const) : ('public' as const) }),
      },
    }
    const one = await startLiveServer(database, options, {}, shared)
    const two = await startLiveServer(database, options, {}, shared)
    try {
      // Bob reads the room through the second process; the host tells the first.
      const { room, unwatched } = await readingBob(two, 'websocket')
      closed = true
      await one.palaver.roomChanged('video', 'cats')
      await until('told', () => unwatched.length === 1)
      expect(unwatched).toEqual([room])
    } finally {
      for (const client of clients.splice(0)) client.close()
      await one.close()
      await two.close()
      await shared.drop()
    }
  })

  /** A database two instances share: a file for SQLite (each connection to :memory: is a database of its own). */
  async function sharedDatabase(database: TestDatabase) {
    if (database.name !== 'sqlite') return database.create()
    const dir = mkdtempSync(join(tmpdir(), 'palaver-rooms-'))
    return {
      option: { sqlite: join(dir, 'shared.sqlite') },
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    }
  }

  it.each(transports)(
    'a watch asked while connecting rides the connection being opened over %s, losing and doubling nothing',
    async (transport) => {
      const rooms = await startLiveServer(database, {
        rooms: { video: () => ({ title: 'Dogs', access: 'public' }) },
      })
      try {
        const room = (
          await rooms.call('alice', 'POST', '/api/rooms/', { contentType: 'video', objectId: 'dogs' })
        ).body.id as number
        await rooms.call('alice', 'POST', `/api/chats/${room}/join/`)
        const group = (
          await rooms.call('alice', 'POST', '/api/chats/', { title: 'Ours', memberIds: ['bob'] })
        ).body.id as number
        const say = async (chatId: number, body: string) =>
          (await rooms.call('alice', 'POST', `/api/chats/${chatId}/messages/`, { body })).body.id as number
        const network = new Network()
        const asked: string[] = []
        const { client } = clientFor(
          rooms,
          'bob',
          {
            transport,
            waitSeconds: 5,
            fetch: (input: string, init?: RequestInit) => {
              asked.push(new URL(input).pathname)
              return network.fetch(input, init)
            },
          },
          network,
        )
        clients.push(client)
        const rec = new Recorder(client)
        // Messages of Bob's group go on while the watch takes effect: each arrives once, in order.
        const burst = new Promise<number[]>((resolve) =>
          client.connection.once('ready', async () => {
            const ids: number[] = []
            for (const n of [1, 2, 3, 4, 5, 6]) ids.push(await say(group, `during ${n}`))
            resolve(ids)
          }),
        )
        client.connect()
        expect(client.connection.state).toBe('connecting')
        await client.connection.watch(room)
        expect(client.connection.watched).toEqual([room])
        const during = await burst
        const roomMessage = await say(room, 'woof')
        const after = await say(group, 'after')
        await until(
          'the room message and the group',
          () => rec.messageIds(group).length >= 7 && rec.messageIds(room).length >= 1,
        )
        expect(rec.messageIds(room)).toEqual([roomMessage])
        expect(rec.messageIds(group)).toEqual([...during, after])
        const cursors = rec.events.map((e) => e.cursor)
        expect(new Set(cursors).size).toBe(cursors.length)
        if (transport === 'websocket') {
          // One socket, asked over once open: no second socket, and the room is not fetched again.
          expect(network.sockets).toHaveLength(1)
          expect(asked.filter((path) => path === `/messages/api/chats/${room}/`)).toEqual([])
          expect(rec.readies).toHaveLength(1)
        } else {
          // The stream opened first, then once more with the room (checked first): never cut while opening.
          expect(rec.states.slice(0, 2)).toEqual(['connecting', 'open'])
          expect(asked.filter((path) => path === `/messages/api/chats/${room}/`)).toHaveLength(1)
        }
      } finally {
        for (const client of clients.splice(0)) client.close()
        await rooms.close()
      }
    },
  )

  it('delivers typing over every transport, and sends it over the WebSocket', async () => {
    const chatId = await newChat('typing')
    const { client: alice } = open('alice', { transport: 'websocket' })
    const seen: Array<{ userId: string; isTyping: boolean }> = []
    const { client: bob } = open('bob', { transport: 'sse' })
    bob.connection.on('typing', (frame) => seen.push(frame.data))
    alice.connect()
    bob.connect()
    await until('both open', () => alice.connection.state === 'open' && bob.connection.state === 'open')
    await alice.connection.setTyping(chatId, true)
    await until('typing', () => seen.some((t) => t.userId === 'alice' && t.isTyping))
  })

  it('asks who is online (api.presence) and hears, typed, who comes and goes', async () => {
    await live.call('alice', 'POST', '/api/chats/', { title: 'presence', memberIds: ['dana'] })
    const { client: alice } = open('alice', { transport: 'websocket' })
    const heard: Array<{ userId: string; online: boolean }> = []
    alice.connection.on('presence', (frame) => heard.push(frame.data))
    alice.connect()
    await until('alice open', () => alice.connection.state === 'open')
    expect(await alice.api.presence(['dana', 'charlie'])).toEqual({ online: [] })
    const { client: dana } = open('dana', { transport: 'websocket' })
    dana.connect()
    await until('dana told online', () => heard.some((p) => p.userId === 'dana' && p.online))
    expect(await alice.api.presence(['dana', 'charlie'])).toEqual({ online: ['dana'] })
    dana.close()
    await until('dana told offline', () => heard.some((p) => p.userId === 'dana' && !p.online))
    expect(await alice.api.presence(['dana'])).toEqual({ online: [] })
    expect(heard.filter((p) => p.userId === 'dana')).toEqual([
      { userId: 'dana', online: true },
      { userId: 'dana', online: false },
    ])
  })

  it('closes for good: no reconnect, state closed', async () => {
    const { client, recorder } = open('bob', { transport: 'websocket' })
    client.connect()
    await until('open', () => client.connection.state === 'open')
    client.close()
    expect(client.connection.state).toBe('closed')
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(recorder.states.at(-1)).toBe('closed')
    expect(recorder.readies).toHaveLength(1)
  })
})
