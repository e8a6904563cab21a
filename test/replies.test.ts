import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DatabaseOption } from '../src/options.js'
import { databases, type TestDatabase } from './helpers/databases.js'
import { connectSocket, type LiveServer, startLiveServer } from './helpers/live.js'
import { startServer, type TestServer } from './helpers/server.js'

describe.each(databases)('replies on $name', (database) => {
  let server: TestServer
  beforeAll(async () => {
    server = await startServer(database)
  })
  afterAll(() => server.close())

  const group = async (owner = 'alice', memberIds = ['bob', 'charlie']) =>
    (await server.as(owner).post('/api/chats/', { title: 'Group', memberIds })).body.id as number
  const send = (user: string, chatId: number, input: Record<string, unknown>) =>
    server.as(user).post(`/api/chats/${chatId}/messages/`, input)
  const history = async (user: string, chatId: number) =>
    (await server.as(user).get(`/api/chats/${chatId}/messages/`)).body.messages as any[]
  /** The message.created payload of a message as the log holds it now (what a replaying client gets). */
  const loggedCreation = async (messageId: number) => {
    const row = await server.palaver.db
      .selectFrom('palaver_events')
      .select('payload')
      .where('message_id', '=', messageId)
      .where('type', '=', 'message.created')
      .executeTakeFirstOrThrow()
    return JSON.parse(row.payload).message
  }
  const refused = async (request: () => Promise<{ status: number; body: any }>) => {
    const before = await server.snapshot()
    const reply = await request()
    expect(await server.snapshot()).toEqual(before)
    return reply
  }

  it('answers a message of the chat: the reply quotes it everywhere it is shown', async () => {
    const chat = await group()
    const original = (await send('bob', chat, { body: 'Who is coming on Friday?' })).body
    const sent = await send('alice', chat, { body: 'Me!', replyToId: original.id })
    expect(sent.status).toBe(201)
    const quote = {
      id: original.id,
      senderId: 'bob',
      sender: expect.objectContaining({ id: 'bob', username: 'bob' }),
      excerpt: 'Who is coming on Friday?',
      deleted: false,
    }
    expect(sent.body.replyTo).toEqual(quote)
    expect((await server.as('charlie').get(`/api/messages/${sent.body.id}/`)).body.replyTo).toEqual(quote)
    const [first, second] = await history('charlie', chat)
    expect(first.replyTo).toBeNull()
    expect(second.replyTo).toEqual(quote)
    expect(await loggedCreation(sent.body.id)).toMatchObject({ id: sent.body.id, replyTo: quote })
    const { events } = (await server.as('charlie').get('/api/events/?after=0')).body
    const created = events.find(
      (e: any) => e.type === 'message.created' && e.data.message.id === sent.body.id,
    )
    expect(created.data.message.replyTo).toEqual(quote)
    // The chat list previews text, not threads.
    const listed = (await server.as('bob').get('/api/chats/')).body.chats.find((c: any) => c.id === chat)
    expect(listed.lastMessage.id).toBe(sent.body.id)
    expect(listed.lastMessage).not.toHaveProperty('replyTo')
  })

  it('quotes the start of a long text, never cutting a character in two', async () => {
    const chat = await group()
    const family = '👩‍👩‍👧‍👦'
    const long = (await send('bob', chat, { body: `${'a'.repeat(198)}${family.repeat(5)}` })).body
    const reply = (await send('alice', chat, { body: 'tl;dr', replyToId: long.id })).body
    expect(reply.replyTo.excerpt).toBe(`${'a'.repeat(198)}${family}…`)
    const exact = (await send('bob', chat, { body: family.repeat(200) })).body
    const whole = (await send('alice', chat, { body: 'all of it', replyToId: exact.id })).body
    expect(whole.replyTo.excerpt).toBe(family.repeat(200))
  })

  it('refuses a reply to a message that is not in the chat, or does not exist, the same way', async () => {
    const chat = await group()
    const elsewhere = await group('dana', ['bob'])
    const secret = (await send('dana', elsewhere, { body: 'not for alice' })).body
    const mine = (await send('alice', chat, { body: 'hello' })).body
    const outside = await refused(() => send('alice', chat, { body: 'hi', replyToId: secret.id }))
    const missing = await refused(() => send('alice', chat, { body: 'hi', replyToId: secret.id + 1000 }))
    expect(outside.status).toBe(400)
    expect(missing.status).toBe(400)
    expect(outside.body).toEqual(missing.body)
    expect(outside.body.error.message).toMatch(/replyToId/)
    // bob is in both chats, but a reply still belongs to the chat of the message it answers.
    expect((await refused(() => send('bob', elsewhere, { body: 'x', replyToId: mine.id }))).status).toBe(400)
    for (const replyToId of [0, -1, 1.5, 'x', null, true])
      expect(
        (await refused(() => send('alice', chat, { body: 'hi', replyToId }))).status,
        String(replyToId),
      ).toBe(400)
  })

  it('refuses a reply to a deleted message with 409, and an empty reply with 400', async () => {
    const chat = await group()
    const gone = (await send('bob', chat, { body: 'oops' })).body
    await server.as('bob').delete(`/api/messages/${gone.id}/`)
    const reply = await refused(() => send('alice', chat, { body: 'what was it?', replyToId: gone.id }))
    expect(reply.status).toBe(409)
    expect(reply.body.error.code).toBe('conflict')
    const live = (await send('bob', chat, { body: 'still here' })).body
    expect((await refused(() => send('alice', chat, { body: '  ', replyToId: live.id }))).status).toBe(400)
    // Someone who may not post may not reply either.
    expect((await refused(() => send('dana', chat, { body: 'hi', replyToId: live.id }))).status).toBe(404)
  })

  it('shows an edit of the answered message in the quote, in history and in the log', async () => {
    const chat = await group()
    const original = (await send('bob', chat, { body: 'Meet at 5' })).body
    const reply = (await send('alice', chat, { body: 'OK', replyToId: original.id })).body
    const edited = await server.as('bob').patch(`/api/messages/${original.id}/`, { body: 'Meet at 6' })
    expect(edited.status).toBe(200)
    expect(edited.body.replyTo).toBeNull()
    const quote = (await history('charlie', chat)).find((m) => m.id === reply.id).replyTo
    expect(quote).toMatchObject({ id: original.id, excerpt: 'Meet at 6', deleted: false })
    expect((await loggedCreation(reply.id)).replyTo).toMatchObject({ excerpt: 'Meet at 6' })
  })

  it('keeps its own quote when a reply is edited', async () => {
    const chat = await group()
    const original = (await send('bob', chat, { body: 'Pizza or pasta?' })).body
    const reply = (await send('alice', chat, { body: 'Pizza', replyToId: original.id })).body
    const edited = await server.as('alice').patch(`/api/messages/${reply.id}/`, { body: 'Pasta' })
    expect(edited.body).toMatchObject({
      body: 'Pasta',
      replyTo: { id: original.id, excerpt: 'Pizza or pasta?' },
    })
    const { events } = (await server.as('bob').get('/api/events/?after=0')).body
    const updated = events.find((e: any) => e.type === 'message.updated' && e.data.message.id === reply.id)
    expect(updated.data.message.replyTo).toMatchObject({ id: original.id, excerpt: 'Pizza or pasta?' })
  })

  it('takes a deleted text out of every quote of it, and a deleted reply quotes nothing', async () => {
    const chat = await group()
    const original = (await send('bob', chat, { body: 'my secret plan' })).body
    const replies = [
      (await send('alice', chat, { body: 'nice', replyToId: original.id })).body,
      (await send('charlie', chat, { body: 'agreed', replyToId: original.id })).body,
    ]
    await server.as('charlie').patch(`/api/messages/${replies[1].id}/`, { body: 'agreed!' })
    expect((await server.as('bob').delete(`/api/messages/${original.id}/`)).status).toBe(204)
    const shown = await history('alice', chat)
    for (const reply of replies) {
      const quote = shown.find((m) => m.id === reply.id).replyTo
      expect(quote).toMatchObject({ id: original.id, senderId: 'bob', excerpt: null, deleted: true })
    }
    const payloads = await server.palaver.db.selectFrom('palaver_events').select('payload').execute()
    expect(payloads.filter((p) => p.payload.includes('my secret plan'))).toEqual([])

    await server.as('alice').delete(`/api/messages/${replies[0].id}/`)
    const tombstone = (await history('bob', chat)).find((m) => m.id === replies[0].id)
    expect(tombstone).toMatchObject({ deleted: true, body: null, replyTo: null })
  })

  it('lands a retried reply once, even after the answered message was deleted', async () => {
    const chat = await group()
    const original = (await send('bob', chat, { body: 'ping' })).body
    const first = await send('alice', chat, { body: 'pong', clientId: 'reply-1', replyToId: original.id })
    expect(first.status).toBe(201)
    await server.as('bob').delete(`/api/messages/${original.id}/`)
    const retry = await refused(() =>
      send('alice', chat, { body: 'pong', clientId: 'reply-1', replyToId: original.id }),
    )
    expect(retry.status).toBe(200)
    expect(retry.body).toMatchObject({ id: first.body.id, replyTo: { id: original.id, deleted: true } })
  })

  it('tells a hook what a new message answers', async () => {
    const chat = await group()
    const original = (await send('bob', chat, { body: 'hook me' })).body
    const heard: any[] = []
    const off = server.palaver.on('message.created', (event) => {
      heard.push(event.data.message.replyTo)
    })
    try {
      await send('alice', chat, { body: 'hooked', replyToId: original.id })
      await expect
        .poll(() => heard)
        .toEqual([expect.objectContaining({ id: original.id, excerpt: 'hook me' })])
    } finally {
      off()
    }
  })

  it('names the quoted sender as the directory shows them', async () => {
    const chat = await group('bob', ['alice'])
    const original = (await send('alice', chat, { body: 'hi' })).body
    const reply = (await send('bob', chat, { body: 'hello', replyToId: original.id })).body
    expect(reply.replyTo.sender).toMatchObject({
      id: 'alice',
      username: 'alice',
      displayName: 'Alice Anderson',
    })
  })
})

describe.each(databases)('replies over the WebSocket and from two processes on $name', (database) => {
  let shared: { option: DatabaseOption; drop(): Promise<void> }
  let dir: string | undefined
  const servers: LiveServer[] = []
  beforeAll(async () => {
    shared = await sharedDatabase(database)
    for (let i = 0; i < 2; i++) servers.push(await startLiveServer(database, {}, {}, shared))
  })
  afterAll(async () => {
    for (const server of servers) await server.close()
    await shared.drop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  /** Two instances need one database they both reach: a SQLite file, or a PostgreSQL schema. */
  async function sharedDatabase(db: TestDatabase) {
    if (db.name === 'postgres') return db.create()
    dir = await mkdtemp(join(tmpdir(), 'palaver-replies-'))
    return { option: { sqlite: join(dir, 'chat.db') }, drop: async () => {} }
  }

  it('sends a reply in a send frame, and members hear the quote live', async () => {
    const [one] = servers as [LiveServer]
    const chat = (await one.call('alice', 'POST', '/api/chats/', { memberIds: ['bob'] })).body.id
    const original = (await one.call('bob', 'POST', `/api/chats/${chat}/messages/`, { body: 'question?' }))
      .body
    const alice = await connectSocket(one, 'alice')
    const bob = await connectSocket(one, 'bob')
    try {
      const ack = await alice.request({
        action: 'send',
        chatId: chat,
        body: 'answer',
        replyToId: original.id,
      })
      expect(ack).toMatchObject({ ok: true, result: { replyTo: { id: original.id, excerpt: 'question?' } } })
      const isReply = (f: any) => f.type === 'message.created' && f.data.message.id === ack.result.id
      await bob.inbox.until('the reply', () => bob.inbox.events.some(isReply))
      expect(bob.inbox.events.find(isReply).data.message.replyTo).toMatchObject({
        id: original.id,
        senderId: 'bob',
        excerpt: 'question?',
      })
      const wrong = await alice.request({
        action: 'send',
        chatId: chat,
        body: 'x',
        replyToId: ack.result.id + 99,
      })
      expect(wrong).toMatchObject({ ok: false, error: { code: 'invalid_input' } })
      // A malformed frame's error still answers the request it carried.
      const malformed = await alice.request({ action: 'send', chatId: chat, body: 'x', replyToId: 'nope' })
      expect(malformed).toMatchObject({ ok: false, error: { code: 'invalid_input', message: /replyToId/ } })
    } finally {
      await alice.close()
      await bob.close()
    }
  })

  it('never keeps a deleted text in a quote when replies race the delete from another process', async () => {
    const [one, two] = servers as [LiveServer, LiveServer]
    const chat = (await one.call('alice', 'POST', '/api/chats/', { memberIds: ['bob', 'charlie'] })).body.id
    for (let round = 0; round < 5; round++) {
      const text = `racing text ${round}`
      const original = (await one.call('bob', 'POST', `/api/chats/${chat}/messages/`, { body: text })).body
      const replies = Array.from({ length: 8 }, (_, i) =>
        two.call(i % 2 ? 'alice' : 'charlie', 'POST', `/api/chats/${chat}/messages/`, {
          body: `reply ${i}`,
          replyToId: original.id,
        }),
      )
      const deleted = one.call('bob', 'DELETE', `/api/messages/${original.id}/`)
      const answers = await Promise.all(replies)
      expect((await deleted).status).toBe(204)
      // Each reply either landed before the delete (and was requoted) or found the message deleted.
      for (const answer of answers) expect([201, 409]).toContain(answer.status)
      const payloads = await one.palaver.db.selectFrom('palaver_events').select('payload').execute()
      expect(payloads.filter((p) => p.payload.includes(text))).toEqual([])
    }
  })
})
