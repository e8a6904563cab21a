import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  localStorageOutbox,
  Outbox,
  type OutboxFileStorage,
  type OutboxItem,
  type OutboxStorage,
  type PalaverClient,
  PalaverClientError,
  type TransportKind,
} from '../src/client/index.js'
import { clientFor, Network, until } from './helpers/client.js'
import { databases } from './helpers/databases.js'
import { type LiveServer, startLiveServer } from './helpers/live.js'
import { uploadsSweptADayLater } from './helpers/uploads.js'

describe.each(databases)('palaver/client outbox on $name', (database) => {
  let live: LiveServer
  const clients: PalaverClient[] = []
  beforeAll(async () => {
    live = await startLiveServer(database)
  })
  afterEach(() => {
    for (const client of clients.splice(0)) client.close()
  })
  afterAll(() => live.close())

  const open = (user: string, options: Parameters<typeof clientFor>[2] = {}, network = new Network()) => {
    const made = clientFor(live, user, { waitSeconds: 5, ...options }, network)
    clients.push(made.client)
    return made
  }
  const newChat = async (title: string, memberIds = ['bob']) =>
    (await live.call('alice', 'POST', '/api/chats/', { title, memberIds })).body.id as number
  const stored = async (chatId: number) =>
    (await live.call('alice', 'GET', `/api/chats/${chatId}/messages/?limit=200`)).body.messages as Array<{
      id: number
      body: string
      clientId: string | null
      senderId: string
    }>

  it.each<TransportKind>(['websocket', 'sse', 'polling'])(
    'keeps sends made offline pending, then sends each once when back online (%s)',
    async (transport) => {
      const chatId = await newChat(`offline over ${transport}`)
      const { client, network } = open('bob', { transport })
      const changes: OutboxItem[] = []
      client.outbox.on('change', ({ item }) => changes.push(item))
      client.connect()
      await until('open', () => client.connection.state === 'open')
      network.goOffline()
      await until('reconnecting', () => client.connection.state !== 'open')
      const items = ['one', 'two', 'three'].map((body) => client.send(chatId, body))
      expect(items.map((i) => i.state)).toEqual(['pending', 'pending', 'pending'])
      await until('an attempt', () => (client.outbox.get(items[0]!.clientId)?.attempts ?? 0) >= 2)
      expect(client.outbox.items.map((i) => i.state)).toEqual(['pending', 'pending', 'pending'])
      expect(client.outbox.get(items[0]!.clientId)!.error).toMatchObject({ code: 'network', status: 0 })
      expect(await stored(chatId)).toEqual([])

      network.goOnline()
      const settled = await Promise.all(items.map((i) => client.outbox.settled(i.clientId)))
      expect(settled.map((i) => i.state)).toEqual(['sent', 'sent', 'sent'])
      const rows = await stored(chatId)
      expect(rows.map((m) => m.body)).toEqual(['one', 'two', 'three'])
      expect(rows.map((m) => m.clientId)).toEqual(items.map((i) => i.clientId))
      expect(settled.map((i) => i.message?.id)).toEqual(rows.map((m) => m.id))
      // Observable for a UI: every item went pending → sent.
      for (const item of items) {
        const states = changes.filter((c) => c.clientId === item.clientId).map((c) => c.state)
        expect(states[0]).toBe('pending')
        expect(states.at(-1)).toBe('sent')
        expect(states.filter((s) => s === 'sent')).toHaveLength(1)
      }
    },
  )

  it('lands once when the answer to a send is lost and it is retried with the same clientId', async () => {
    const chatId = await newChat('lost answers')
    const { client, network } = open('bob', { transport: 'polling' })
    network.loseAnswers = true
    const item = client.send(chatId, 'exactly once')
    await until('a retry', () => (client.outbox.get(item.clientId)?.attempts ?? 0) >= 3)
    expect(client.outbox.get(item.clientId)!.state).toBe('pending')
    network.loseAnswers = false
    expect((await client.outbox.settled(item.clientId)).state).toBe('sent')
    const rows = await stored(chatId)
    expect(rows.map((m) => [m.body, m.clientId])).toEqual([['exactly once', item.clientId]])
  })

  it('marks a refused send failed, and sends it when retried after the refusal is lifted', async () => {
    const chatId = await newChat('not for bob yet', [])
    const { client } = open('bob', { transport: 'websocket' })
    client.connect()
    await until('open', () => client.connection.state === 'open')
    const refused = client.send(chatId, 'let me in')
    const after = client.send(await newChat('bob is here'), 'this one goes')
    const failed = await client.outbox.settled(refused.clientId)
    expect(failed).toMatchObject({ state: 'failed', error: { code: 'not_found', status: 404 } })
    // A refusal does not hold up the messages behind it.
    expect((await client.outbox.settled(after.clientId)).state).toBe('sent')
    expect(await stored(chatId)).toEqual([])

    await live.call('alice', 'POST', `/api/chats/${chatId}/members/add/`, { userIds: ['bob'] })
    client.outbox.retry(refused.clientId)
    expect(client.outbox.get(refused.clientId)!.state).toBe('pending')
    const sent = await client.outbox.settled(refused.clientId)
    expect(sent.state).toBe('sent')
    const rows = await stored(chatId)
    expect(rows.map((m) => [m.body, m.clientId, m.senderId])).toEqual([
      ['let me in', refused.clientId, 'bob'],
    ])
  })

  it('keeps unsent items in its storage and sends them after a reload', async () => {
    const chatId = await newChat('persisted')
    let saved: OutboxItem[] = []
    const storage: OutboxStorage = {
      load: () => JSON.parse(JSON.stringify(saved)),
      save: (items) => {
        saved = JSON.parse(JSON.stringify(items))
      },
    }
    const offline = new Network()
    offline.goOffline()
    const first = open('bob', { transport: 'polling', outbox: { storage } }, offline).client
    const item = first.send(chatId, 'survives a reload')
    await until('saved', () => saved.some((i) => i.clientId === item.clientId))
    await until('an attempt', () => (first.outbox.get(item.clientId)?.attempts ?? 0) >= 1)
    first.close()
    expect(saved.map((i) => [i.clientId, i.state])).toEqual([[item.clientId, 'pending']])

    // The page is loaded again, online this time.
    const second = open('bob', { transport: 'polling', outbox: { storage } }).client
    await second.outbox.loaded
    expect(second.outbox.get(item.clientId)?.state).toBe('pending')
    second.connect()
    expect((await second.outbox.settled(item.clientId)).state).toBe('sent')
    await until('saved empty', () => saved.length === 0)
    const rows = await stored(chatId)
    expect(rows.map((m) => [m.body, m.clientId])).toEqual([['survives a reload', item.clientId]])
  })

  it.each<TransportKind>(['websocket', 'polling'])(
    'waits out a rate limit and then sends everything once (%s)',
    async (transport) => {
      const limited = await startLiveServer(database, { rateLimits: { send: { limit: 2, windowMs: 1000 } } })
      try {
        const chat = await limited.call('alice', 'POST', '/api/chats/', {
          title: 'Slow down',
          memberIds: ['bob'],
        })
        const { client } = clientFor(limited, 'bob', { transport })
        clients.push(client)
        client.connect()
        await until('open', () => client.connection.state === 'open')
        const retried: OutboxItem[] = []
        client.outbox.on('change', ({ item }) => {
          if (item.error?.code === 'rate_limited') retried.push(item)
        })
        const items = [1, 2, 3, 4, 5].map((n) => client.send(chat.body.id, `burst ${n}`))
        const settled = await Promise.all(items.map((i) => client.outbox.settled(i.clientId)))
        expect(settled.map((i) => i.state)).toEqual(['sent', 'sent', 'sent', 'sent', 'sent'])
        expect(retried.length).toBeGreaterThan(0)
        const history = await limited.call('bob', 'GET', `/api/chats/${chat.body.id}/messages/`)
        expect(history.body.messages.map((m: { body: string }) => m.body)).toEqual([
          'burst 1',
          'burst 2',
          'burst 3',
          'burst 4',
          'burst 5',
        ])
      } finally {
        // The clients go first, so that no request of theirs reaches a server shutting down.
        for (const client of clients.splice(0)) client.close()
        await limited.close()
      }
    },
  )

  /** A 1×1 PNG, as a test uploads it. */
  const PNG = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
    'base64',
  )
  const uploadAs = (client: PalaverClient, chatId: number, name: string) =>
    client.api.uploadAttachment(chatId, new Uint8Array(PNG), { name, type: 'image/png' })
  const expire = (ids: number[]) => uploadsSweptADayLater(live.palaver, { ids })

  /** Where an outbox keeps its items across a reload, kept as JSON as localStorage keeps them. */
  const memoryStorage = (files?: OutboxFileStorage): OutboxStorage => {
    let saved: OutboxItem[] = []
    return {
      load: () => JSON.parse(JSON.stringify(saved)),
      save: (items) => {
        saved = JSON.parse(JSON.stringify(items))
      },
      files,
    }
  }

  /** The item as an outbox loaded again from `storage` (a reload: no bytes held) settles it. */
  async function settledAfterReload(storage: OutboxStorage, clientId: string) {
    const { client } = open('bob', { transport: 'polling', outbox: { storage } })
    await client.outbox.loaded
    void client.outbox.flush()
    return client.outbox.settled(clientId)
  }

  /** Uploads Files of these names and sends them with `body`, holding their bytes, while the line is down. */
  async function sendFilesOffline(
    client: PalaverClient,
    network: Network,
    chatId: number,
    names: string[],
    body: string,
  ) {
    const files = names.map((name) => new File([PNG], name, { type: 'image/png' }))
    const uploads = await Promise.all(files.map((file) => client.api.uploadAttachment(chatId, file)))
    network.goOffline()
    const item = client.send(chatId, body, {
      attachmentIds: uploads.map((upload) => upload.id),
      files: new Map(uploads.map((upload, index) => [upload.id, files[index]!])),
      attachments: uploads,
    })
    await until('an attempt', () => (client.outbox.get(item.clientId)?.attempts ?? 0) >= 1)
    return { item, uploads }
  }

  it.each<TransportKind>(['websocket', 'polling'])(
    'fails a send whose uploads the server deleted meanwhile with attachment_gone, and retries it without them (%s)',
    async (transport) => {
      const chatId = await newChat(`files gone over ${transport}`)
      const { client, network } = open('bob', { transport })
      client.connect()
      await until('open', () => client.connection.state === 'open')
      const kept = await uploadAs(client, chatId, 'kept.png')
      const gone = await uploadAs(client, chatId, 'gone.png')
      // Offline for a day: the send waits, and the server sweeps one of its uploads meanwhile.
      network.goOffline()
      await until('reconnecting', () => client.connection.state !== 'open')
      const item = client.send(chatId, 'the photos from yesterday', { attachmentIds: [gone.id, kept.id] })
      await until('an attempt', () => (client.outbox.get(item.clientId)?.attempts ?? 0) >= 1)
      await expire([gone.id])
      network.goOnline()

      const failed = await client.outbox.settled(item.clientId)
      expect(failed.state).toBe('failed')
      expect(failed.error).toMatchObject({ code: 'attachment_gone', status: 410, attachmentIds: [gone.id] })
      expect(failed.error!.message).toMatch(/no longer/)
      // The item no longer names the file that is gone: no retry can send it again.
      expect(failed.attachmentIds).toEqual([kept.id])
      expect(await stored(chatId)).toEqual([])

      expect(client.outbox.retry(item.clientId)).toBe(true)
      const sent = await client.outbox.settled(item.clientId)
      expect(sent.state).toBe('sent')
      expect(sent.message?.attachments?.map((file) => file.id)).toEqual([kept.id])
      const rows = await stored(chatId)
      expect(rows.map((m) => [m.body, m.clientId])).toEqual([['the photos from yesterday', item.clientId]])
    },
  )

  it('sends a failed item again with files uploaded anew, and will not send one left with nothing to carry', async () => {
    const chatId = await newChat('files uploaded again')
    const { client } = open('bob', { transport: 'polling' })
    const first = await uploadAs(client, chatId, 'first.png')
    const second = await uploadAs(client, chatId, 'second.png')
    await expire([first.id, second.id])
    const item = client.send(chatId, '', { attachmentIds: [first.id, second.id] })
    const failed = await client.outbox.settled(item.clientId)
    expect(failed).toMatchObject({
      state: 'failed',
      attachmentIds: [],
      error: { code: 'attachment_gone', attachmentIds: [first.id, second.id] },
    })
    // No text and no files left: nothing to send, and the item stays as it was.
    expect(client.outbox.retry(item.clientId)).toBe(false)
    expect(client.outbox.get(item.clientId)).toBe(failed)

    const again = await uploadAs(client, chatId, 'first.png')
    expect(client.outbox.retry(item.clientId, { attachmentIds: [again.id] })).toBe(true)
    const sent = await client.outbox.settled(item.clientId)
    expect(sent.state).toBe('sent')
    expect(sent.message?.attachments?.map((file) => file.name)).toEqual(['first.png'])
  })

  it.each<TransportKind>(['websocket', 'polling'])(
    'uploads again the files it holds of a send whose uploads were swept while it waited, and sends it before the next (%s)',
    async (transport) => {
      const chatId = await newChat(`files held over ${transport}`)
      const { client, network } = open('bob', { transport })
      client.connect()
      await until('open', () => client.connection.state === 'open')
      const files = ['first.png', 'second.png'].map((name) => new File([PNG], name, { type: 'image/png' }))
      const [first, second] = await Promise.all(
        files.map((file) => client.api.uploadAttachment(chatId, file)),
      )
      // Offline for a day: both wait, and the server sweeps the first one's first upload meanwhile.
      network.goOffline()
      await until('reconnecting', () => client.connection.state !== 'open')
      const withFiles = client.send(chatId, 'the photos from yesterday', {
        attachmentIds: [first!.id, second!.id],
        files: new Map([
          [first!.id, files[0]!],
          [second!.id, files[1]!],
        ]),
      })
      const after = client.send(chatId, 'and what I wrote after them')
      await until('an attempt', () => (client.outbox.get(withFiles.clientId)?.attempts ?? 0) >= 1)
      await expire([first!.id])
      network.goOnline()

      const sent = await Promise.all([withFiles, after].map((item) => client.outbox.settled(item.clientId)))
      expect(sent.map((item) => item.state)).toEqual(['sent', 'sent'])
      // The swept one uploaded anew, in its place; the other as it was.
      const carried = sent[0]!.message!.attachments!
      expect(carried.map((file) => file.name)).toEqual(['first.png', 'second.png'])
      expect(carried[0]!.id).not.toBe(first!.id)
      expect(carried[1]!.id).toBe(second!.id)
      const rows = await stored(chatId)
      expect(rows.map((m) => [m.body, m.clientId])).toEqual([
        ['the photos from yesterday', withFiles.clientId],
        ['and what I wrote after them', after.clientId],
      ])
      expect(sent[0]!.message!.id).toBe(rows[0]!.id)
    },
  )

  /** A page (`first`) that sent kept.png and gone.png offline, in a new chat, its outbox in `storage`. */
  async function firstPageSent(title: string, body: string, files?: OutboxFileStorage) {
    const chatId = await newChat(title)
    const storage = memoryStorage(files)
    const offline = new Network()
    const first = open('bob', { transport: 'polling', outbox: { storage } }, offline).client
    const sent = await sendFilesOffline(first, offline, chatId, ['kept.png', 'gone.png'], body)
    return { chatId, storage, first, ...sent }
  }

  it('after a reload it no longer holds the files: the send fails as gone, and its stored names say which', async () => {
    const { chatId, storage, first, item, uploads } = await firstPageSent('files not held', 'from the train')
    const [kept, gone] = uploads
    first.close()
    await expire([gone!.id])

    // Loaded again a day later: the item is there, the bytes are not.
    const failed = await settledAfterReload(storage, item.clientId)
    expect(failed).toMatchObject({
      state: 'failed',
      attachmentIds: [kept!.id],
      error: { code: 'attachment_gone', attachmentIds: [gone!.id] },
    })
    expect(failed.error!.attachmentIds!.map((id) => failed.fileNames?.[id])).toEqual(['gone.png'])
    expect(await stored(chatId)).toEqual([])
  })

  it('after a reload it uploads a swept file again from the bytes its storage kept, and deletes them once sent', async () => {
    const files = memoryFiles()
    const { storage, first, item, uploads } = await firstPageSent('files kept', 'from the plane', files)
    const [kept, gone] = uploads
    // Its attempt failed: the bytes of both are kept, by the ids they were sent with.
    await until('kept', () => files.records.has(item.clientId))
    expect([...files.records.get(item.clientId)!.keys()]).toEqual([kept!.id, gone!.id])
    first.close()
    await expire([gone!.id])

    // Loaded again a day later: the item shows its files as uploaded, and goes with the swept one uploaded again.
    const { client } = open('bob', { transport: 'polling', outbox: { storage } })
    await client.outbox.loaded
    expect(client.outbox.get(item.clientId)!.attachments).toEqual(uploads)
    expect([...client.outbox.held(item.clientId)!.keys()]).toEqual([kept!.id, gone!.id])
    void client.outbox.flush()
    const sent = await client.outbox.settled(item.clientId)
    expect(sent.state).toBe('sent')
    expect(sent.message!.attachments!.map((file) => file.name)).toEqual(['kept.png', 'gone.png'])
    expect(sent.message!.attachments![1]!.id).not.toBe(gone!.id)
    await until('deleted', () => files.records.size === 0)
    expect(client.outbox.held(item.clientId)).toBeUndefined()
  })

  it('uploads a Blob again under the name its first upload had (fileNames), and keeps the name stored', async () => {
    const chatId = await newChat('a blob held')
    const { client, network } = open('bob', { transport: 'polling' })
    const blob = new Blob([PNG], { type: 'image/png' })
    const scan = await client.api.uploadAttachment(chatId, blob, { name: 'scan.png' })
    network.goOffline()
    const item = client.send(chatId, 'the scan', {
      attachmentIds: [scan.id],
      files: new Map([[scan.id, blob]]),
      fileNames: { [scan.id]: scan.name },
    })
    expect(item.fileNames).toEqual({ [scan.id]: 'scan.png' })
    await until('an attempt', () => (client.outbox.get(item.clientId)?.attempts ?? 0) >= 1)
    await expire([scan.id])
    network.goOnline()
    const sent = await client.outbox.settled(item.clientId)
    expect(sent.state).toBe('sent')
    expect(sent.message!.attachments!.map((file) => file.name)).toEqual(['scan.png'])
  })

  it('after a reload it names a file it had uploaded again once and that was swept again', async () => {
    const chatId = await newChat('uploaded again, then lost')
    const storage = memoryStorage()
    const network = new Network()
    let uploadsAgain = false
    // The line goes down again as soon as the upload made again is answered: the send waits with it.
    const fetch = async (input: string, init?: RequestInit) => {
      const response = await network.fetch(input, init)
      if (uploadsAgain && init?.method === 'POST' && input.includes('/attachments/')) network.online = false
      return response
    }
    const first = open('bob', { transport: 'polling', outbox: { storage }, fetch }, network).client
    const { item, uploads } = await sendFilesOffline(
      first,
      network,
      chatId,
      ['kept.png', 'gone.png'],
      'from the ferry',
    )
    const [kept, gone] = uploads
    await expire([gone!.id])
    uploadsAgain = true
    network.goOnline()
    void first.outbox.flush()
    await until('uploaded again', () => !first.outbox.get(item.clientId)!.attachmentIds.includes(gone!.id))
    await until('an attempt with it', () => (first.outbox.get(item.clientId)?.attempts ?? 0) >= 3)
    const again = first.outbox.get(item.clientId)!
    expect(again.state).toBe('pending')
    const fresh = again.attachmentIds[1]!
    // Which file the new id is: the one first sent as gone.id.
    expect(again.uploadedAgain).toEqual({ [fresh]: gone!.id })
    first.close()
    await expire([fresh])

    // Loaded again a day later, without the bytes: the file uploaded again is gone too, and named.
    network.goOnline()
    const failed = await settledAfterReload(storage, item.clientId)
    expect(failed).toMatchObject({
      state: 'failed',
      attachmentIds: [kept!.id],
      error: { code: 'attachment_gone', attachmentIds: [fresh] },
    })
    expect(failed.error!.attachmentIds!.map((id) => failed.fileNames?.[id])).toEqual(['gone.png'])
  })

  it('reports a send refused over the WebSocket as the same typed error as over REST', async () => {
    const { client } = open('bob', { transport: 'websocket' })
    client.connect()
    await until('open', () => client.connection.state === 'open')
    const error = await client.connection.sendMessage(999_999, { body: 'nowhere' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PalaverClientError)
    expect(error).toMatchObject({ code: 'not_found', status: 404, retryable: false })
  })
})

/** Where an outbox keeps the bytes of its files across a reload, as an IndexedDB database would. */
function memoryFiles(): OutboxFileStorage & { records: Map<string, Map<number, Blob>> } {
  const records = new Map<string, Map<number, Blob>>()
  return {
    records,
    load: async () => new Map([...records].map(([clientId, files]) => [clientId, new Map(files)])),
    save: async (clientId, files) => {
      records.set(clientId, new Map(files))
    },
    delete: async (clientId) => {
      records.delete(clientId)
    },
  }
}

describe('palaver/client outbox: the bytes it keeps of its files', () => {
  const blob = (size: number) => new Blob([new Uint8Array(size)])
  const refused = async (): Promise<never> => {
    throw new PalaverClientError('forbidden', 'not now')
  }
  const settle = (outbox: Outbox, item: OutboxItem) => outbox.settled(item.clientId)

  it('keeps those of a send that did not go within maxFileBytes and maxTotalBytes, and lets go of them when it is discarded', async () => {
    const files = memoryFiles()
    const storage: OutboxStorage = { load: () => [], save: () => {}, files }
    const options = { storage, heldFiles: { maxFileBytes: 100, maxTotalBytes: 150 } }
    const outbox = new Outbox(refused, options)
    const first = outbox.send(1, 'three files', {
      attachmentIds: [1, 2, 3],
      files: new Map([
        [1, blob(80)],
        [2, blob(101)],
        [3, blob(80)],
      ]),
    })
    await settle(outbox, first)
    // 2 is over maxFileBytes; 3 would take the total over maxTotalBytes.
    await until('kept', () => files.records.has(first.clientId))
    expect([...files.records.get(first.clientId)!.keys()]).toEqual([1])
    // What is left of the total: 70 bytes.
    const second = outbox.send(1, 'two more', {
      attachmentIds: [4, 5],
      files: new Map([
        [4, blob(71)],
        [5, blob(70)],
      ]),
    })
    await settle(outbox, second)
    await until('kept', () => files.records.has(second.clientId))
    expect([...files.records.get(second.clientId)!.keys()]).toEqual([5])
    // Every file is still held in memory.
    expect([...outbox.held(first.clientId)!.keys()]).toEqual([1, 2, 3])

    outbox.discard(first.clientId)
    await until('deleted', () => !files.records.has(first.clientId))
    expect(outbox.held(first.clientId)).toBeUndefined()
    // Room again: the next send keeps up to 80 more bytes.
    const third = outbox.send(1, 'after', { attachmentIds: [6], files: new Map([[6, blob(80)]]) })
    await settle(outbox, third)
    await until('kept', () => files.records.has(third.clientId))
  })

  it('loaded again, holds the bytes kept of its items (under the ids of files uploaded again too) and deletes those of items no longer there', async () => {
    const files = memoryFiles()
    files.records.set('waiting', new Map([[7, blob(10)]]))
    files.records.set('gone-by', new Map([[8, blob(10)]]))
    const waiting: OutboxItem = {
      clientId: 'waiting',
      chatId: 1,
      body: 'still here',
      replyToId: null,
      mentionIds: [],
      mentionsEveryone: false,
      attachmentIds: [9],
      uploadedAgain: { 9: 7 },
      state: 'failed',
      createdAt: Date.now(),
      attempts: 1,
      error: null,
      message: null,
    }
    const outbox = new Outbox(refused, { storage: { load: () => [waiting], save: () => {}, files } })
    await outbox.loaded
    expect([...outbox.held('waiting')!.keys()].sort()).toEqual([7, 9])
    await until('deleted', () => !files.records.has('gone-by'))
    expect([...files.records.keys()]).toEqual(['waiting'])
  })

  it('where there is no IndexedDB (Node), localStorageOutbox holds them in memory only, quietly', async () => {
    const outbox = new Outbox(refused, { storage: localStorageOutbox('palaver:outbox:node') })
    const started = Date.now()
    await outbox.loaded
    expect(Date.now() - started).toBeLessThan(1000)
    const item = outbox.send(1, 'in Node', { attachmentIds: [1], files: new Map([[1, blob(10)]]) })
    expect((await settle(outbox, item)).state).toBe('failed')
    expect([...outbox.held(item.clientId)!.keys()]).toEqual([1])
    expect(outbox.discard(item.clientId)).toBe(true)
  })

  it('loads without the bytes when its file storage does not answer within 3 s', async () => {
    const never: OutboxFileStorage = {
      load: () => new Promise(() => {}),
      save: async () => {},
      delete: async () => {},
    }
    const outbox = new Outbox(refused, { storage: { load: () => [], save: () => {}, files: never } })
    const started = Date.now()
    await outbox.loaded
    expect(Date.now() - started).toBeGreaterThanOrEqual(2900)
  })
})
