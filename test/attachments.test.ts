import { randomUUID } from 'node:crypto'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { PalaverApi, PalaverClientError } from '../src/client/index.js'
import { type AttachmentStore, diskAttachmentStore, type Palaver } from '../src/index.js'
import { databases, type TestDatabase } from './helpers/databases.js'
import { type LiveServer, startLiveServer } from './helpers/live.js'
import { type Options, startServer, type TestServer } from './helpers/server.js'
import { uploadsSweptADayLater } from './helpers/uploads.js'

/** A 1×1 PNG and a 1×1 GIF, as a browser would send them. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
)
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64')

const MINUTE = 60_000

/** Uploads raw bytes as a browser's fetch(file) does: the file as the body, its type as Content-Type. */
function upload(
  server: TestServer,
  user: string | undefined,
  chatId: number,
  body: BodyInit,
  type: string | null,
  name?: string,
) {
  const headers: Record<string, string> = {}
  if (user) headers['x-test-user'] = user
  if (type !== null) headers['content-type'] = type
  const query = name === undefined ? '' : `?name=${encodeURIComponent(name)}`
  return server.palaver.fetch(
    new Request(`http://palaver.test/messages/api/chats/${chatId}/attachments/${query}`, {
      method: 'POST',
      headers,
      body,
      duplex: 'half',
    } as RequestInit),
  )
}

/** Fetches an attachment's address (as the view gives it) as `user`. */
function download(
  server: TestServer,
  user: string | undefined,
  url: string,
  headers: Record<string, string> = {},
) {
  return server.palaver.fetch(
    new Request(`http://palaver.test${url}`, {
      headers: user ? { 'x-test-user': user, ...headers } : headers,
    }),
  )
}

const storedFiles = async (server: TestServer) =>
  Number(
    (
      await server.palaver.db
        .selectFrom('palaver_attachment_data')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  )

/** Which of these files still have their row. */
const rowsOf = (server: { palaver: Palaver }, ids: number[]) =>
  server.palaver.db.selectFrom('palaver_attachments').select('id').where('id', 'in', ids).execute()

describe.each(databases)('attachments on $name', (database) => {
  let server: TestServer
  beforeAll(async () => {
    server = await startServer(database, { attachments: { maxSize: 64 * 1024, perMessage: 3 } })
  })
  afterAll(() => server.close())

  const group = async (owner = 'alice', memberIds = ['bob', 'charlie']) =>
    (await server.as(owner).post('/api/chats/', { title: 'Files', memberIds })).body.id as number
  const send = (user: string, chatId: number, input: Record<string, unknown>) =>
    server.as(user).post(`/api/chats/${chatId}/messages/`, input)
  const uploaded = async (user: string, chatId: number, body = PNG, type = 'image/png', name = 'dot.png') => {
    const response = await upload(server, user, chatId, body, type, name)
    expect(response.status, await response.clone().text()).toBe(201)
    return (await response.json()) as { id: number; url: string; name: string; size: number }
  }
  /** Refused with `status`, and nothing stored: no row, no bytes, no event. */
  const refused = async (
    status: number,
    request: () => Promise<Response | { status: number; body: any }>,
  ) => {
    const before = { ...(await server.snapshot()), files: await storedFiles(server) }
    const response = await request()
    expect(response.status).toBe(status)
    expect({ ...(await server.snapshot()), files: await storedFiles(server) }).toEqual(before)
    return response instanceof Response ? await response.json() : response.body
  }

  it('sends a picture: only its uploader sees it until then, and the chat’s readers after', async () => {
    const chat = await group()
    const file = await uploaded('alice', chat)
    expect(file).toEqual({
      id: expect.any(Number),
      name: 'dot.png',
      type: 'image/png',
      size: PNG.byteLength,
      width: 1,
      height: 1,
      url: `/messages/api/attachments/${file.id}/dot.png`,
    })
    expect((await download(server, 'alice', file.url)).status).toBe(200)
    expect((await download(server, 'bob', file.url)).status).toBe(404)

    const sent = await send('alice', chat, { body: '', attachmentIds: [file.id] })
    expect(sent.status).toBe(201)
    expect(sent.body).toMatchObject({ body: '', attachments: [file] })

    const got = await download(server, 'bob', file.url)
    expect(got.status).toBe(200)
    expect(Buffer.from(await got.arrayBuffer())).toEqual(PNG)
    expect(Object.fromEntries(got.headers)).toMatchObject({
      'content-type': 'image/png',
      'content-length': String(PNG.byteLength),
      'content-disposition': `inline; filename="dot.png"; filename*=UTF-8''dot.png`,
      'x-content-type-options': 'nosniff',
      'content-security-policy': expect.stringContaining('sandbox'),
    })
    const etag = got.headers.get('etag')!
    expect((await download(server, 'bob', file.url, { 'if-none-match': etag })).status).toBe(304)
    // The address works without the name too; others get nothing, and say nothing about whether it exists.
    expect((await download(server, 'charlie', `/messages/api/attachments/${file.id}/`)).status).toBe(200)
    expect((await download(server, 'dana', file.url)).status).toBe(404)
    expect((await download(server, undefined, file.url)).status).toBe(401)

    const history = (await server.as('charlie').get(`/api/chats/${chat}/messages/`)).body.messages
    expect(history.at(-1).attachments).toEqual([file])
    const { events } = (await server.as('bob').get('/api/events/?after=0')).body
    const created = events.find(
      (e: any) => e.type === 'message.created' && e.data.message.id === sent.body.id,
    )
    expect(created.data.message.attachments).toEqual([file])
    const listed = (await server.as('bob').get('/api/chats/')).body.chats.find((c: any) => c.id === chat)
    expect(listed.lastMessage).toMatchObject({ id: sent.body.id, body: '' })
    expect(listed.lastMessage).not.toHaveProperty('attachments')
  })

  it('keeps files in the order given, with text, and serves other files as downloads under a safe name', async () => {
    const chat = await group()
    const gif = await uploaded('alice', chat, GIF, 'image/gif', 'dot.gif')
    const text = await uploaded(
      'alice',
      chat,
      Buffer.from('<script>alert(1)</script>'),
      'text/plain; charset=utf-8',
      '../../notes\u202Etxt.exe',
    )
    expect(text).toMatchObject({ name: '_.._notestxt.exe', type: 'text/plain', width: null, height: null })
    const sent = await send('alice', chat, { body: 'two files', attachmentIds: [text.id, gif.id] })
    expect(sent.body.attachments.map((a: any) => a.id)).toEqual([text.id, gif.id])
    const got = await download(server, 'bob', text.url)
    expect(got.headers.get('content-type')).toBe('text/plain')
    expect(got.headers.get('content-disposition')).toMatch(/^attachment; /)
    const odd = await uploaded('alice', chat, Buffer.from('x'), 'application/pdf', 'Résumé "final".pdf')
    const disposition = (await download(server, 'alice', odd.url)).headers.get('content-disposition')
    expect(disposition).toBe(
      `attachment; filename="R_sum_ _final_.pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22.pdf`,
    )
  })

  it('refuses files it does not take, with the reason, and stores nothing', async () => {
    const chat = await group()
    const svg = await refused(400, () =>
      upload(server, 'alice', chat, Buffer.from('<svg/>'), 'image/svg+xml'),
    )
    expect(svg.error.message).toMatch(/image\/svg\+xml/)
    const fake = await refused(400, () =>
      upload(server, 'alice', chat, Buffer.from('not a png'), 'image/png'),
    )
    expect(fake.error.message).toMatch(/not the image\/png picture/)
    // A GIF sent as a PNG is not shown as one either.
    await refused(400, () => upload(server, 'alice', chat, GIF, 'image/png'))
    await refused(400, () => upload(server, 'alice', chat, Buffer.alloc(0), 'text/plain'))
    const untyped = await refused(400, () => upload(server, 'alice', chat, Buffer.from('x'), null))
    expect(untyped.error.message).toMatch(/Content-Type/)
    const big = Buffer.alloc(64 * 1024 + 1, 'a')
    const tooBig = await refused(413, () => upload(server, 'alice', chat, big, 'text/plain'))
    expect(tooBig.error.code).toBe('too_large')
    // Sent in chunks, without a length: counted as it arrives.
    const chunked = () =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < 17; i++) controller.enqueue(Buffer.alloc(4096, 'b'))
          controller.close()
        },
      })
    await refused(413, () => upload(server, 'alice', chat, chunked(), 'text/plain'))
    expect((await upload(server, 'dana', chat, PNG, 'image/png')).status).toBe(404)
    expect((await upload(server, undefined, chat, PNG, 'image/png')).status).toBe(401)
  })

  it('refuses to send files that are not the sender’s unsent uploads to the chat', async () => {
    const chat = await group()
    const other = await group('bob', ['alice'])
    const bobs = await uploaded('bob', chat)
    const elsewhere = await uploaded('alice', other)
    const used = await uploaded('alice', chat)
    expect((await send('alice', chat, { body: 'mine', attachmentIds: [used.id] })).status).toBe(201)
    for (const ids of [[elsewhere.id], [used.id]]) {
      const body = await refused(400, () => send('alice', chat, { body: 'x', attachmentIds: ids }))
      expect(body.error.message).toMatch(/attachmentIds/)
    }
    // Someone else's upload is answered as one that is not there: no one learns of another's files.
    for (const id of [bobs.id, 999_999]) {
      const body = await refused(410, () => send('alice', chat, { body: 'x', attachmentIds: [used.id, id] }))
      expect(body.error).toMatchObject({ code: 'attachment_gone', details: { attachmentIds: [id] } })
    }
    const many = await Promise.all([1, 2, 3, 4].map(() => uploaded('alice', chat)))
    const tooMany = await refused(400, () =>
      send('alice', chat, { body: 'x', attachmentIds: many.map((f) => f.id) }),
    )
    expect(tooMany.error.message).toMatch(/at most 3 files/)
    // An empty text needs a file.
    await refused(400, () => send('alice', chat, { body: '  ' }))
  })

  it('lands a retried send once, and lets two sends racing for one upload have it once', async () => {
    const chat = await group()
    const file = await uploaded('alice', chat)
    const input = { body: 'once', clientId: 'attachment-retry', attachmentIds: [file.id] }
    const first = await send('alice', chat, input)
    const again = await send('alice', chat, input)
    expect([first.status, again.status]).toEqual([201, 200])
    expect(again.body).toMatchObject({ id: first.body.id, attachments: [{ id: file.id }] })

    const contested = await uploaded('alice', chat)
    const racing = await Promise.all(
      [1, 2, 3].map((i) => send('alice', chat, { body: `race ${i}`, attachmentIds: [contested.id] })),
    )
    expect(racing.map((r) => r.status).sort()).toEqual([201, 400, 400])
    const owners = await server.palaver.db
      .selectFrom('palaver_attachments')
      .select('message_id')
      .where('id', '=', contested.id)
      .execute()
    expect(owners).toEqual([{ message_id: racing.find((r) => r.status === 201)!.body.id }])
  })

  it('lets a message with files lose its text by an edit, but not one without', async () => {
    const chat = await group()
    const file = await uploaded('alice', chat)
    const withFile = (await send('alice', chat, { body: 'caption', attachmentIds: [file.id] })).body
    const edited = await server.as('alice').patch(`/api/messages/${withFile.id}/`, { body: '' })
    expect(edited.body).toMatchObject({ body: '', attachments: [{ id: file.id }] })
    const plain = (await send('alice', chat, { body: 'text' })).body
    expect((await server.as('alice').patch(`/api/messages/${plain.id}/`, { body: ' ' })).status).toBe(400)
  })

  it('deletes the bytes with the message, and sweeps unsent uploads and deleted chats’ files', async () => {
    const chat = await group()
    const file = await uploaded('alice', chat)
    const message = (await send('alice', chat, { body: 'soon gone', attachmentIds: [file.id] })).body
    const before = await storedFiles(server)
    expect((await server.as('alice').delete(`/api/messages/${message.id}/`)).status).toBe(204)
    expect(await storedFiles(server)).toBe(before - 1)
    expect((await download(server, 'bob', file.url)).status).toBe(404)
    const tombstone = (await server.as('bob').get(`/api/messages/${message.id}/`)).body
    expect(tombstone).toMatchObject({ deleted: true })
    expect(tombstone).not.toHaveProperty('attachments')

    const fresh = await uploaded('alice', chat)
    const stale = await uploaded('alice', chat)
    await server.palaver.db
      .updateTable('palaver_attachments')
      .set({ created_at: Date.now() - 25 * 3600 * 1000 })
      .where('id', '=', stale.id)
      .execute()
    const doomed = await group()
    const inDoomed = await uploaded('alice', doomed)
    await send('alice', doomed, { body: 'bye', attachmentIds: [inDoomed.id] })
    expect((await server.as('alice').delete(`/api/chats/${doomed}/`)).status).toBe(204)

    const files = await storedFiles(server)
    expect(await server.palaver.sweepAttachments()).toEqual({ deleted: 2, failed: 0 })
    expect(await storedFiles(server)).toBe(files - 2)
    expect((await download(server, 'alice', fresh.url)).status).toBe(200)
    expect((await download(server, 'alice', stale.url)).status).toBe(404)
    const left = await server.palaver.db
      .selectFrom('palaver_attachments')
      .select('id')
      .where('id', 'in', [stale.id, inDoomed.id])
      .execute()
    expect(left).toEqual([])
    expect(await server.palaver.sweepAttachments()).toEqual({ deleted: 0, failed: 0 })
  })

  it('refuses a send whose uploads were swept with attachment_gone, naming them, and stores nothing', async () => {
    const chat = await group()
    const kept = await uploaded('alice', chat)
    const stale = await Promise.all([1, 2].map(() => uploaded('alice', chat)))
    const staleIds = stale.map((file) => file.id)
    expect(await uploadsSweptADayLater(server.palaver, { ids: staleIds })).toBe(2)
    const input = {
      body: 'yesterday',
      clientId: 'gone-files',
      attachmentIds: [staleIds[0], kept.id, staleIds[1]],
    }
    const body = await refused(410, () => send('alice', chat, input))
    expect(body.error).toEqual({
      code: 'attachment_gone',
      message: `Files ${staleIds.join(', ')} are no longer available to send: an upload that no message takes within 24 hours is deleted. Upload again, or send without them`,
      details: { attachmentIds: staleIds },
    })
    // The same send without them goes, with the file that is still there.
    const sent = await send('alice', chat, { ...input, attachmentIds: [kept.id] })
    expect(sent.status).toBe(201)
    expect(sent.body.attachments.map((file: { id: number }) => file.id)).toEqual([kept.id])
    const openapi = (await server.as('alice').get('/api/openapi.json')).body
    expect(openapi.paths['/messages/api/chats/{chatId}/messages/'].post.responses['410']).toBeDefined()
  })

  it('tells the widgets what files they may send', async () => {
    const config = (await server.as('alice').get('/api/config/')).body
    expect(config.attachments).toEqual({
      maxSize: 64 * 1024,
      perMessage: 3,
      types: expect.arrayContaining(['image/png', 'application/pdf']),
    })
  })

  it('refuses every upload and file-carrying send when attachments are turned off', async () => {
    await withServer(database, { attachments: false }, async (off) => {
      expect((await off.as('alice').get('/api/config/')).body.attachments).toBeNull()
      const chat = (await off.as('alice').post('/api/chats/', { title: 'x', memberIds: ['bob'] })).body.id
      const response = await upload(off, 'alice', chat, PNG, 'image/png')
      expect(response.status).toBe(403)
      const sent = await off
        .as('alice')
        .post(`/api/chats/${chat}/messages/`, { body: 'x', attachmentIds: [1] })
      expect(sent.status).toBe(403)
      expect(sent.body.error.message).toMatch(/turned off/)
    })
  })
})

async function withServer(
  database: TestDatabase,
  options: Options,
  run: (server: TestServer) => Promise<void>,
) {
  const server = await startServer(database, options)
  try {
    await run(server)
  } finally {
    await server.close()
  }
}

describe.each(databases)('attachments through palaver/client, stored on disk, on $name', (database) => {
  let live: LiveServer
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'palaver-files-'))
    live = await startLiveServer(database, { attachments: { store: diskAttachmentStore(dir) } })
  })
  afterAll(async () => {
    await live.close()
    await rm(dir, { recursive: true, force: true })
  })
  const as = (user: string) =>
    new PalaverApi({ baseUrl: `${live.origin}/messages/`, headers: { 'x-test-user': user } })

  it('uploads a File, sends it, and fetches its bytes with the client’s own headers', async () => {
    const alice = as('alice')
    const bob = as('bob')
    const chat = await alice.createChat({ title: 'Disk', memberIds: ['bob'] })
    const file = await alice.uploadAttachment(chat.id, new File([PNG], 'dot.png', { type: 'image/png' }))
    expect(file).toMatchObject({ name: 'dot.png', type: 'image/png', width: 1, height: 1 })
    const bytes = await alice.uploadAttachment(chat.id, new Uint8Array(Buffer.from('hello')), {
      name: 'hello.txt',
      type: 'text/plain',
    })
    const message = await alice.sendMessage(chat.id, { body: '', attachmentIds: [file.id, bytes.id] })
    expect(message.attachments?.map((a) => a.name)).toEqual(['dot.png', 'hello.txt'])
    const blob = await bob.downloadAttachment(file)
    expect(Buffer.from(await blob.arrayBuffer())).toEqual(PNG)
    expect(await (await bob.downloadAttachment(bytes)).text()).toBe('hello')
    // On disk, under random keys (never the name), and gone with the message.
    const stored = (await readdir(dir, { recursive: true })).filter((f) => /[a-f0-9-]{36}$/.test(f))
    expect(stored).toHaveLength(2)
    await alice.deleteMessage(message.id)
    expect((await readdir(dir, { recursive: true })).filter((f) => /[a-f0-9-]{36}$/.test(f))).toEqual([])
    await expect(bob.downloadAttachment(file)).rejects.toBeInstanceOf(PalaverClientError)
  })

  it('deletes a message whose file is already gone from the disk, row and all', async () => {
    const alice = as('alice')
    const chat = await alice.createChat({ title: 'Gone', memberIds: ['bob'] })
    const file = await alice.uploadAttachment(chat.id, new File([PNG], 'dot.png', { type: 'image/png' }))
    const message = await alice.sendMessage(chat.id, { body: '', attachmentIds: [file.id] })
    for (const name of await readdir(dir, { recursive: true }))
      if (/[a-f0-9-]{36}$/.test(name)) await rm(join(dir, name))
    await alice.deleteMessage(message.id)
    expect(await rowsOf(live, [file.id])).toEqual([])
  })

  it('tells the upload’s progress with every byte once it is stored, and nothing of a refused one', async () => {
    const alice = as('alice')
    const chat = await alice.createChat({ title: 'Progress', memberIds: ['bob'] })
    const seen: [number, number][] = []
    const onProgress = (loaded: number, total: number) => seen.push([loaded, total])
    await alice.uploadAttachment(chat.id, new File([PNG], 'dot.png', { type: 'image/png' }), { onProgress })
    // In Node there is no XMLHttpRequest: the one report is the end (a browser reports as bytes go too).
    expect(seen).toEqual([[PNG.byteLength, PNG.byteLength]])
    seen.length = 0
    const refused = alice.uploadAttachment(chat.id, new Uint8Array([1, 2, 3]), {
      name: 'run.exe',
      type: 'application/x-msdownload',
      onProgress,
    })
    await expect(refused).rejects.toMatchObject({ code: 'invalid_input' })
    expect(seen).toEqual([])
  })
})

/**
 * A host's own store (an S3 bucket, say) in memory, that can be told to fail: its next delete throws, or
 * never answers (the process died waiting), or its next put keeps the bytes and then throws (the answer
 * was lost on the way back); or it is down (at once, or once it answered a few more deletes), or fails
 * every delete that names a key it refuses. It counts the deletes it was asked for.
 */
function memoryStore() {
  const files = new Map<string, Uint8Array>()
  const deleteFaults: ('throw' | 'hang')[] = []
  const refused = new Set<string>()
  let down = false
  let answersBeforeDown = Number.POSITIVE_INFINITY
  let deletes = 0
  let putFaults = 0
  let asked = () => {}
  const store: AttachmentStore = {
    async put(key, data) {
      files.set(key, data)
      if (putFaults > 0 && putFaults--) throw new Error('the store lost its answer')
    },
    async get(key) {
      return files.get(key) ?? null
    },
    async delete(keys) {
      deletes++
      const fault = deleteFaults.shift()
      asked()
      if (fault === 'throw') throw new Error('the store is down')
      if (fault === 'hang') return new Promise<void>(() => {})
      if (down || answersBeforeDown === 0) throw new Error('the store is down')
      const bad = keys.find((key) => refused.has(key))
      if (bad) throw new Error(`the store cannot delete ${bad}`)
      for (const key of keys) files.delete(key)
      answersBeforeDown--
    },
  }
  return {
    store,
    files,
    failNextDelete: () => deleteFaults.push('throw'),
    /** The next delete never answers; resolves once it was asked. */
    hangNextDelete: () => {
      deleteFaults.push('hang')
      return new Promise<void>((resolve) => {
        asked = resolve
      })
    },
    failNextPut: () => putFaults++,
    setDown: (isDown: boolean) => {
      down = isDown
      answersBeforeDown = Number.POSITIVE_INFINITY
    },
    /** The store answers this many more deletes, then it is down. */
    downAfter: (answers: number) => {
      answersBeforeDown = answers
    },
    refused,
    /** How many deletes it was asked for so far. */
    deletes: () => deletes,
  }
}

/** Runs with console.error caught: what it returned, and the messages it logged. */
async function logging<T>(run: () => Promise<T>): Promise<{ result: T; logged: string[] }> {
  const spy = vi.spyOn(console, 'error').mockImplementation(() => {})
  try {
    const result = await run()
    return { result, logged: spy.mock.calls.map((args) => args.map(String).join(' ')) }
  } finally {
    spy.mockRestore()
  }
}
const quietly = async <T>(run: () => Promise<T>) => (await logging(run)).result

describe.each(databases)('attachments in a store that fails, on $name', (database) => {
  let dir: string | undefined
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
  })
  // Some tests hold the clock (Date alone) to move past how long the sweep leaves a failing key alone.
  afterEach(() => {
    vi.useRealTimers()
  })

  /** Two instances in turn need one database: a SQLite file, or a PostgreSQL schema. */
  async function sharedDatabase() {
    if (database.name === 'postgres') return database.create()
    dir ??= await mkdtemp(join(tmpdir(), 'palaver-files-'))
    return { option: { sqlite: join(dir, `${randomUUID()}.sqlite`) }, drop: async () => {} }
  }
  const uploaded = async (server: TestServer, chatId: number) => {
    const response = await upload(server, 'alice', chatId, PNG, 'image/png', 'dot.png')
    expect(response.status, await response.clone().text()).toBe(201)
    return (await response.json()) as { id: number; url: string }
  }
  /** Stores `count` uploads no message took, long expired (the oldest first), and gives back their keys. */
  const expiredUploads = async (
    server: TestServer,
    chatId: number,
    files: Map<string, Uint8Array>,
    count: number,
  ) => {
    const rows = Array.from({ length: count }, (_, i) => ({
      key: randomUUID(),
      chat_id: chatId,
      uploader_id: 'alice',
      message_id: null,
      position: 0,
      name: `old-${i}.png`,
      type: 'image/png',
      size: PNG.byteLength,
      created_at: 2 + i,
    }))
    for (const row of rows) files.set(row.key, PNG)
    for (let i = 0; i < rows.length; i += 400)
      await server.palaver.db
        .insertInto('palaver_attachments')
        .values(rows.slice(i, i + 400))
        .execute()
    return rows.map((row) => row.key)
  }
  const chatWithFile = async (server: TestServer) => {
    const chat = (await server.as('alice').post('/api/chats/', { title: 'Files', memberIds: ['bob'] })).body
      .id
    const file = await uploaded(server, chat)
    const message = await server.as('alice').post(`/api/chats/${chat}/messages/`, {
      body: 'soon gone',
      attachmentIds: [file.id],
    })
    expect(message.status).toBe(201)
    return { chat, file, message: message.body.id as number }
  }

  it('hides a deleted message’s file at once when its bytes could not go, and the sweep deletes them later', async () => {
    const { store, files, failNextDelete } = memoryStore()
    await withServer(database, { attachments: { store } }, async (server) => {
      const { chat, file, message } = await chatWithFile(server)
      failNextDelete()
      expect((await server.as('alice').delete(`/api/messages/${message}/`)).status).toBe(204)
      expect((await download(server, 'alice', file.url)).status).toBe(404)
      expect((await download(server, 'bob', file.url)).status).toBe(404)
      const again = await server
        .as('alice')
        .post(`/api/chats/${chat}/messages/`, { body: 'again', attachmentIds: [file.id] })
      expect(again.status).toBe(410)
      // The row is what remembers the bytes still to delete.
      expect(await rowsOf(server, [file.id])).toHaveLength(1)
      expect(files.size).toBe(1)

      expect(await server.palaver.sweepAttachments()).toEqual({ deleted: 1, failed: 0 })
      expect(files.size).toBe(0)
      expect(await rowsOf(server, [file.id])).toEqual([])
      expect(await server.palaver.sweepAttachments()).toEqual({ deleted: 0, failed: 0 })
    })
  })

  it('deletes the bytes of a message deleted just before its process died, from the next process', async () => {
    const { store, files, hangNextDelete } = memoryStore()
    const shared = await sharedDatabase()
    const options = { attachments: { store } }
    try {
      const first = await startServer(database, options, shared)
      let file: { id: number; url: string }
      try {
        const sent = await chatWithFile(first)
        file = sent.file
        const asked = hangNextDelete()
        void first.as('alice').delete(`/api/messages/${sent.message}/`)
        // Committed, then gone while the store was asked: the bytes were never deleted.
        await asked
      } finally {
        await first.close()
      }
      expect(files.size).toBe(1)
      const second = await startServer(database, options, shared)
      try {
        expect((await download(second, 'alice', file.url)).status).toBe(404)
        expect(await second.palaver.sweepAttachments()).toEqual({ deleted: 1, failed: 0 })
        expect(files.size).toBe(0)
        expect(await rowsOf(second, [file.id])).toEqual([])
      } finally {
        await second.close()
      }
    } finally {
      await shared.drop()
    }
  })

  it('hides a removed chat’s files at once, even from their uploader, and sweeps them once the store answers', async () => {
    const { store, files, setDown } = memoryStore()
    await withServer(database, { attachments: { store } }, async (server) => {
      const { chat, file } = await chatWithFile(server)
      const unsent = await uploaded(server, chat)
      expect((await server.as('alice').delete(`/api/chats/${chat}/`)).status).toBe(204)
      expect((await download(server, 'alice', file.url)).status).toBe(404)
      expect((await download(server, 'alice', unsent.url)).status).toBe(404)

      setDown(true)
      expect(await quietly(() => server.palaver.sweepAttachments())).toEqual({ deleted: 0, failed: 2 })
      expect(await rowsOf(server, [file.id, unsent.id])).toHaveLength(2)
      expect(files.size).toBe(2)
      setDown(false)
      expect(await server.palaver.sweepAttachments()).toEqual({ deleted: 2, failed: 0 })
      expect(files.size).toBe(0)
      expect(await rowsOf(server, [file.id, unsent.id])).toEqual([])
    })
  })

  it('sweeps every other file past one the store always fails to delete, and that one once it can', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const { store, files, refused } = memoryStore()
    await withServer(database, { attachments: { store } }, async (server) => {
      const chat = (await server.as('alice').post('/api/chats/', { title: 'Files' })).body.id
      const bad = await uploaded(server, chat)
      const { key } = await server.palaver.db
        .selectFrom('palaver_attachments')
        .select('key')
        .where('id', '=', bad.id)
        .executeTakeFirstOrThrow()
      refused.add(key)
      // The oldest upload: first in the sweep's order, then doomed, first of all; and more files behind it
      // than one batch of the sweep takes.
      await server.palaver.db
        .updateTable('palaver_attachments')
        .set({ created_at: 1 })
        .where('id', '=', bad.id)
        .execute()
      await expiredUploads(server, chat, files, 1200)

      const first = await logging(() => server.palaver.sweepAttachments())
      expect(first.result).toEqual({ deleted: 1200, failed: 1 })
      expect([...files.keys()]).toEqual([key])
      expect((await server.snapshot()).palaver_attachments).toBe(1)
      expect((await download(server, 'alice', bad.url)).status).toBe(404)
      // Logged once, with what the store said.
      expect(first.logged.filter((line) => line.includes(key))).toHaveLength(1)
      expect(first.logged.join('\n')).toContain(`the store cannot delete ${key}`)
      expect(await server.palaver.metrics.text()).toMatch(/^palaver_attachments_left_by_sweep 1$/m)

      refused.delete(key)
      // Left alone for a while after it failed (see below), then deleted.
      vi.setSystemTime(Date.now() + 15 * MINUTE)
      expect(await server.palaver.sweepAttachments()).toEqual({ deleted: 1, failed: 0 })
      expect(files.size).toBe(0)
      expect(await rowsOf(server, [bad.id])).toEqual([])
      expect(await server.palaver.metrics.text()).toMatch(/^palaver_attachments_left_by_sweep 0$/m)
    })
  })

  it('leaves a key the store keeps failing for alone, longer after each try, logged once a try', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const { store, files, refused, deletes } = memoryStore()
    await withServer(database, { attachments: { store } }, async (server) => {
      const chat = (await server.as('alice').post('/api/chats/', { title: 'Files' })).body.id
      const keys = await expiredUploads(server, chat, files, 40)
      // Ten side by side at the front (ten failures in a row, yet not a store that is down), two among others.
      const bad = [...keys.slice(0, 10), keys[20]!, keys[39]!]
      for (const key of bad) refused.add(key)
      const sweep = () => logging(() => server.palaver.sweepAttachments())
      /** Each bad key in one line of its own, with what the store said and when it is tried again. */
      const eachOnce = (logged: string[], says: (key: string) => string) => {
        expect(logged).toHaveLength(bad.length)
        for (const key of bad)
          expect(logged.filter((line) => line.includes(key))).toEqual([
            expect.stringContaining(`${says(key)} Error: the store cannot delete ${key}`),
          ])
      }

      const first = await sweep()
      expect(first.result).toEqual({ deleted: 28, failed: 12 })
      eachOnce(first.logged, (key) => `would not delete ${key}; the sweep tries it again in 15 minutes`)

      // The next sweeps leave them alone, unasked and quiet, and count them as left.
      const asked = deletes()
      expect(await sweep()).toEqual({ result: { deleted: 0, failed: 12 }, logged: [] })
      expect(deletes()).toBe(asked)
      expect(await server.palaver.metrics.text()).toMatch(/^palaver_attachments_left_by_sweep 12$/m)

      vi.setSystemTime(Date.now() + 15 * MINUTE)
      const second = await sweep()
      expect(second.result).toEqual({ deleted: 0, failed: 12 })
      eachOnce(
        second.logged,
        (key) => `would not delete ${key}, 2 times in a row; the sweep tries it again in 30 minutes`,
      )
      vi.setSystemTime(Date.now() + 29 * MINUTE)
      expect(await sweep()).toEqual({ result: { deleted: 0, failed: 12 }, logged: [] })

      refused.clear()
      vi.setSystemTime(Date.now() + MINUTE)
      expect(await server.palaver.sweepAttachments()).toEqual({ deleted: 12, failed: 0 })
      expect(files.size).toBe(0)
      expect(await server.palaver.metrics.text()).toMatch(/^palaver_attachments_left_by_sweep 0$/m)
    })
  })

  it('stops a sweep at once when the store is down, in one line, and leaves every file to the next', async () => {
    const { store, files, setDown, deletes } = memoryStore()
    await withServer(database, { attachments: { store } }, async (server) => {
      const chat = (await server.as('alice').post('/api/chats/', { title: 'Files' })).body.id
      await expiredUploads(server, chat, files, 1200)

      setDown(true)
      const down = await logging(() => server.palaver.sweepAttachments())
      expect(down.result).toEqual({ deleted: 0, failed: 1200 })
      // A batch, its first half and quarter, and one question to tell a store that is down from bad keys.
      expect(deletes()).toBeLessThanOrEqual(4)
      expect(down.logged).toEqual([
        '[palaver] attachment store unreachable: the store is down; 1200 files left for the next sweep',
      ])
      expect(await server.palaver.metrics.text()).toMatch(/^palaver_attachments_left_by_sweep 1200$/m)
      expect(files.size).toBe(1200)

      // No file was taken for a bad key: all go once the store is back.
      setDown(false)
      expect(await server.palaver.sweepAttachments()).toEqual({ deleted: 1200, failed: 0 })
      expect(files.size).toBe(0)
      expect((await server.snapshot()).palaver_attachments).toBe(0)
      expect(await server.palaver.metrics.text()).toMatch(/^palaver_attachments_left_by_sweep 0$/m)
    })
  })

  it('stops a sweep where the store goes down, past the files it deleted until then', async () => {
    const { store, files, setDown, downAfter, deletes } = memoryStore()
    await withServer(database, { attachments: { store } }, async (server) => {
      const chat = (await server.as('alice').post('/api/chats/', { title: 'Files' })).body.id
      await expiredUploads(server, chat, files, 1200)

      downAfter(1)
      const down = await logging(() => server.palaver.sweepAttachments())
      expect(down.result).toEqual({ deleted: 500, failed: 700 })
      expect(deletes()).toBeLessThanOrEqual(5)
      expect(down.logged).toEqual([
        '[palaver] attachment store unreachable: the store is down; 700 files left for the next sweep',
      ])
      expect(files.size).toBe(700)

      setDown(false)
      expect(await server.palaver.sweepAttachments()).toEqual({ deleted: 700, failed: 0 })
      expect(files.size).toBe(0)
    })
  })

  it('leaves nothing behind when the store kept an upload’s bytes but failed to say so', async () => {
    const { store, files, failNextPut } = memoryStore()
    await withServer(database, { attachments: { store } }, async (server) => {
      const chat = (await server.as('alice').post('/api/chats/', { title: 'Files' })).body.id
      failNextPut()
      const response = await upload(server, 'alice', chat, PNG, 'image/png', 'dot.png')
      expect(response.status).toBe(500)
      expect(files.size).toBe(0)
      expect((await server.snapshot()).palaver_attachments).toBe(0)
    })
  })
})
