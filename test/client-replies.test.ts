import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  excerptOf,
  type MessageView,
  type OutboxItem,
  type OutboxStorage,
  type PalaverClient,
  quoteOf,
  type TransportKind,
} from '../src/client/index.js'
import { clientFor, until } from './helpers/client.js'
import { databases } from './helpers/databases.js'
import { type LiveServer, startLiveServer } from './helpers/live.js'

describe.each(databases)('palaver/client replies on $name', (database) => {
  let live: LiveServer
  const clients: PalaverClient[] = []
  beforeAll(async () => {
    live = await startLiveServer(database)
  })
  afterEach(() => {
    for (const client of clients.splice(0)) client.close()
  })
  afterAll(() => live.close())

  const open = (user: string, options: Parameters<typeof clientFor>[2] = {}) => {
    const { client } = clientFor(live, user, { waitSeconds: 5, ...options })
    clients.push(client)
    return client
  }
  const newChat = async (title: string) =>
    (await live.call('alice', 'POST', '/api/chats/', { title, memberIds: ['bob'] })).body.id as number
  const say = async (user: string, chatId: number, body: string) =>
    (await live.call(user, 'POST', `/api/chats/${chatId}/messages/`, { body })).body as MessageView
  const history = async (chatId: number) =>
    (await live.call('alice', 'GET', `/api/chats/${chatId}/messages/`)).body.messages as MessageView[]

  it.each<TransportKind>(['websocket', 'polling'])(
    'a reply goes through the outbox and lands quoting the message it answers (%s)',
    async (transport) => {
      const chatId = await newChat(`replies over ${transport}`)
      const question = await say('alice', chatId, 'Lunch at noon?')
      const client = open('bob', { transport })
      client.connect()
      await until('open', () => client.connection.state === 'open')
      const item = client.send(chatId, 'Sounds good', { replyToId: question.id })
      expect(item.replyToId).toBe(question.id)
      const sent = await client.outbox.settled(item.clientId)
      expect(sent.state).toBe('sent')
      const quote = { id: question.id, senderId: 'alice', excerpt: 'Lunch at noon?', deleted: false }
      expect(sent.message?.replyTo).toMatchObject(quote)
      expect((await history(chatId)).at(-1)).toMatchObject({ body: 'Sounds good', replyTo: quote })
    },
  )

  it('a reply to a deleted message is refused, not retried', async () => {
    const chatId = await newChat('too late')
    const gone = await say('alice', chatId, 'Never mind')
    await live.call('alice', 'DELETE', `/api/messages/${gone.id}/`)
    const client = open('bob', { transport: 'polling' })
    const item = client.send(chatId, 'What was it?', { replyToId: gone.id })
    const settled = await client.outbox.settled(item.clientId)
    expect(settled).toMatchObject({ state: 'failed', error: { code: 'conflict', status: 409 } })
  })

  it('loads an outbox stored before replies existed, and keeps a stored reply’s replyToId', async () => {
    const chatId = await newChat('restored')
    const question = await say('alice', chatId, 'Still on for tonight?')
    const stored = (clientId: string, body: string, extra: Partial<OutboxItem> = {}) => ({
      clientId,
      chatId,
      body,
      state: 'pending',
      createdAt: Date.now(),
      attempts: 1,
      error: null,
      message: null,
      ...extra,
    })
    let saved: unknown[] = [
      stored('old-1', 'written by an older version'),
      stored('new-1', 'Yes, see you there', { replyToId: question.id }),
      stored('bad-1', 'not an item', { replyToId: 'soon' as unknown as number }),
    ]
    const storage: OutboxStorage = {
      load: () => structuredClone(saved) as OutboxItem[],
      save: (items) => {
        saved = structuredClone(items)
      },
    }
    const client = open('bob', { transport: 'polling', outbox: { storage } })
    await client.outbox.loaded
    expect(client.outbox.items.map((i) => [i.clientId, i.replyToId])).toEqual([
      ['old-1', null],
      ['new-1', question.id],
    ])
    client.connect()
    await client.outbox.settled('new-1')
    const messages = await history(chatId)
    expect(messages.map((m) => [m.body, m.replyTo?.id ?? null])).toEqual([
      ['Still on for tonight?', null],
      ['written by an older version', null],
      ['Yes, see you there', question.id],
    ])
  })

  it('quoteOf() cuts a long text where the server does, so that a refreshed quote equals a reloaded one', async () => {
    const chatId = await newChat('long texts')
    const long = `${'Ab cd 👩‍👩‍👧 '.repeat(40)}end`
    const answered = await say('alice', chatId, 'short')
    const reply = (
      await live.call('bob', 'POST', `/api/chats/${chatId}/messages/`, {
        body: 'ok',
        replyToId: answered.id,
      })
    ).body as MessageView
    const edited = (await live.call('alice', 'PATCH', `/api/messages/${answered.id}/`, { body: long }))
      .body as MessageView
    const reloaded = (await history(chatId)).find((m) => m.id === reply.id)!
    expect(quoteOf(edited)).toEqual(reloaded.replyTo)
    expect(reloaded.replyTo?.excerpt).toBe(excerptOf(long))
    expect([...new Intl.Segmenter().segment(excerptOf(long))]).toHaveLength(200)
    expect(excerptOf(long).endsWith('…')).toBe(true)
  })
})
