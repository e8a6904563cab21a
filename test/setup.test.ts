import { once } from 'node:events'
import { mkdtempSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Kysely } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { createPalaver, type Palaver } from '../src/index.js'
import { toNodeHandler } from '../src/node/index.js'
import type { PalaverOptions } from '../src/options.js'
import { migrateTo } from '../src/storage/migrate.js'
import { openStorage } from '../src/storage/open.js'
import { databases } from './helpers/databases.js'

const getUser = () => null

describe('options', () => {
  const attempt = (extra: Record<string, unknown>) =>
    createPalaver({ database: { sqlite: ':memory:' }, getUser, ...extra } as PalaverOptions)

  it.each([
    [{ messagesPerPage: 0 }, 'messagesPerPage'],
    [{ messagesPerPage: '50' }, 'messagesPerPage'],
    [{ basePath: 'messages/' }, 'basePath'],
    [{ transport: 'carrier-pigeon' }, 'transport'],
    [{ limits: { messageLength: -1 } }, 'limits.messageLength'],
    [{ allowedOrigins: ['not a url'] }, 'allowedOrigins.0'],
    [{ enableDms: 'yes' }, 'enableDms'],
    [{ rooms: { video: 'not a function' } }, 'rooms.video'],
    [{ unknownSetting: true }, '(options)'],
  ])('fails fast on %j, naming the option', async (extra, name) => {
    await expect(attempt(extra)).rejects.toThrow(`Invalid Palaver option \`${name}\``)
  })

  it('fails without getUser', async () => {
    await expect(createPalaver({ database: { sqlite: ':memory:' } } as PalaverOptions)).rejects.toThrow(
      '`getUser`',
    )
  })

  it('fills in the seed’s defaults', async () => {
    const palaver = await attempt({})
    expect(palaver.options).toMatchObject({
      basePath: '/messages',
      messagesPerPage: 50,
      transport: 'auto',
      showDeletedMessageIndicators: true,
      enableDms: true,
      enableRooms: true,
      allowReactions: true,
      loginUrl: '/login',
    })
    await palaver.close()
  })
})

describe('migrations', () => {
  it('keep the data of an SQLite file across restarts, and a second run is a no-op', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'palaver-')), 'palaver.sqlite')
    const first = await createPalaver({ database: { sqlite: file }, getUser })
    await first.users.upsert({ id: 'u1', username: 'kept' })
    await first.close()
    const second = await createPalaver({ database: { sqlite: file }, getUser })
    await second.migrate()
    const users = await second.db.selectFrom('palaver_users').select('username').execute()
    expect(users).toEqual([{ username: 'kept' }])
    await second.close()
  })

  it.each(databases)(
    'run on $name; with migrate: false an unmigrated database fails fast',
    async (database) => {
      const { option, drop } = await database.create()
      const palaver = await createPalaver({ database: option, getUser })
      await palaver.migrate()
      const tables = await palaver.db.introspection.getTables()
      expect(tables.map((t) => t.name)).toEqual(
        expect.arrayContaining(['palaver_chats', 'palaver_messages', 'palaver_events', 'palaver_members']),
      )
      await palaver.close()
      const unmigrated = await database.create()
      await expect(createPalaver({ database: unmigrated.option, getUser, migrate: false })).rejects.toThrow(
        'run `npx palaver migrate`',
      )
      await drop()
      await unmigrated.drop()
    },
  )
})

describe.each(databases)('upgrading on $name', (database) => {
  /** u1 as the admin of a chat, written straight into the tables as an older version would have. */
  const adminOf = (chatId: number) => ({
    chat_id: chatId,
    user_id: 'u1',
    role: 'admin' as const,
    joined_at: 1,
    last_read_message_id: 0,
    last_delivered_message_id: 0,
  })
  /** The API of an upgraded instance, as u1: the answer's JSON. */
  const apiOf =
    (palaver: Palaver) =>
    async (method: string, path: string, body?: unknown): Promise<any> =>
      (
        await palaver.fetch(
          new Request(`http://localhost/messages/api/${path}`, {
            method,
            headers: { 'content-type': 'application/json', origin: 'http://localhost' },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          }),
        )
      ).json()

  /** A fresh database migrated up to `migration` only, with u1 in its users, as an older version left it. */
  const olderDatabase = async (migration: string) => {
    const { option, drop } = await database.create()
    const { db, dialect } = await openStorage(option, 'simple')
    await migrateTo(db as unknown as Kysely<unknown>, dialect, migration)
    await db
      .insertInto('palaver_users')
      .values({ id: 'u1', username: 'u1', name: '', email: '', search_text: 'u1', updated_at: 1 })
      .execute()
    return { db, drop }
  }
  /** A message of u1's, written straight into the table. */
  const olderMessage = (db: Palaver['db'], chatId: number, body: string) =>
    db
      .insertInto('palaver_messages')
      .values({
        chat_id: chatId,
        sender_id: 'u1',
        body,
        client_id: null,
        created_at: 1,
        edited_at: null,
        deleted_at: null,
      })
      .execute()

  it('keeps what the first version stored: the messages stay readable and searchable', async () => {
    const { db, drop } = await olderDatabase('001_initial')
    const chat = await db
      .insertInto('palaver_chats')
      .values({
        kind: 'group',
        title: 'Old',
        created_by: 'u1',
        created_at: 1,
        last_activity_at: 1,
        member_count: 1,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await db.insertInto('palaver_members').values(adminOf(chat.id)).execute()
    await olderMessage(db, chat.id, 'written before the upgrade')

    const palaver = await createPalaver({
      database: { kysely: db, dialect: database.name },
      getUser: () => ({ id: 'u1', username: 'u1' }),
    })
    const call = apiOf(palaver)
    expect((await call('GET', `chats/${chat.id}/messages/`)).messages.map((m: any) => m.body)).toEqual([
      'written before the upgrade',
    ])
    expect((await call('GET', 'search/?q=upgrade')).results).toHaveLength(1)
    await palaver.close()
    await db.destroy()
    await drop()
  })

  it('makes the creator of a room a guest opened before 018 no one, keeping every chat, its rows and its ids', async () => {
    const { db, drop } = await olderDatabase('016_mentions_everyone')
    const chat = (values: { kind: 'room' | 'group'; object_id: string | null; created_by: string }) =>
      db
        .insertInto('palaver_chats')
        .values({
          ...values,
          title: values.kind === 'group' ? 'Old group' : null,
          content_type: values.object_id && 'video',
          created_at: 1,
          last_activity_at: 1,
          member_count: 1,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    // Stored as the version before stored a room a guest opened: by ''.
    const room = await chat({ kind: 'room', object_id: 'guest-first', created_by: '' })
    const group = await chat({ kind: 'group', object_id: null, created_by: 'u1' })
    await db.insertInto('palaver_members').values(adminOf(group.id)).execute()
    await olderMessage(db, group.id, 'kept through the upgrade')
    // A chat deleted since: its id is not given out again.
    const gone = await chat({ kind: 'group', object_id: null, created_by: 'u1' })
    await db.deleteFrom('palaver_chats').where('id', '=', gone.id).execute()

    const palaver = await createPalaver({
      database: { kysely: db, dialect: database.name },
      getUser: () => ({ id: 'u1', username: 'u1' }),
      rooms: { video: () => ({ title: 'A video', access: 'public' }) },
    })
    const creators = await db.selectFrom('palaver_chats').select(['id', 'created_by']).orderBy('id').execute()
    expect(creators).toEqual([
      { id: room.id, created_by: null },
      { id: group.id, created_by: 'u1' },
    ])
    const call = apiOf(palaver)
    expect((await call('GET', `chats/${group.id}/messages/`)).messages.map((m: any) => m.body)).toEqual([
      'kept through the upgrade',
    ])
    // The room is still the one of its object, and a new chat comes after the deleted one.
    expect((await call('POST', 'rooms/', { contentType: 'video', objectId: 'guest-first' })).id).toBe(room.id)
    expect((await call('POST', 'chats/', { title: 'New' })).id).toBeGreaterThan(gone.id)
    // Deleting a chat still takes its members and messages with it (foreign keys are on again).
    const deleted = await palaver.fetch(
      new Request(`http://localhost/messages/api/chats/${group.id}/`, {
        method: 'DELETE',
        headers: { origin: 'http://localhost' },
      }),
    )
    expect(deleted.status).toBe(204)
    const left = await db
      .selectFrom('palaver_messages')
      .select('id')
      .where('chat_id', '=', group.id)
      .execute()
    expect(left).toEqual([])
    await palaver.close()
    await db.destroy()
    await drop()
  })

  it('keeps browsing the rooms made before 007 most active first, and a send moves its room up', async () => {
    const { option, drop } = await database.create()
    const storage = await openStorage(option, 'simple')
    const db = storage.db
    await migrateTo(db as unknown as Kysely<unknown>, storage.dialect, '006_partial_indexes')
    const room = (objectId: string, activity: number) =>
      db
        .insertInto('palaver_chats')
        .values({
          kind: 'room',
          title: null,
          content_type: 'video',
          object_id: objectId,
          created_by: 'u1',
          created_at: 1,
          last_activity_at: activity,
          member_count: 1,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    // Made in the other order than their activity, so that the id (the tie-break) cannot pass for it.
    await room('busy', 2)
    const quiet = await room('quiet', 1)
    await db.insertInto('palaver_members').values(adminOf(quiet.id)).execute()

    const palaver = await createPalaver({
      database: { kysely: db, dialect: database.name },
      getUser: () => ({ id: 'u1', username: 'u1' }),
      rooms: { video: () => ({ title: 'A video', access: 'public' }) },
    })
    const call = apiOf(palaver)
    const browsed = async () => (await call('GET', 'rooms/')).rooms.map((r: any) => r.chat.room.objectId)
    expect(await browsed()).toEqual(['busy', 'quiet'])
    await call('POST', `chats/${quiet.id}/messages/`, { body: 'back to life' })
    expect(await browsed()).toEqual(['quiet', 'busy'])
    await palaver.close()
    await db.destroy()
    await drop()
  })
})

describe('the node:http adapter', () => {
  const servers: Array<{ close(): void }> = []
  afterAll(() => {
    for (const s of servers) s.close()
  })

  it('serves the API under the base path and passes other requests on', async () => {
    const palaver = await createPalaver({
      database: { sqlite: ':memory:' },
      getUser: (request) =>
        request.headers.get('authorization') === 'Bearer alice' ? { id: 'alice', username: 'alice' } : null,
    })
    const handler = toNodeHandler(palaver)
    const server = createServer((req, res) =>
      handler(req, res, () => {
        res.end('host page')
      }),
    )
    servers.push(server)
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const created = await fetch(`${base}/messages/api/chats/`, {
      method: 'POST',
      headers: { authorization: 'Bearer alice', 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Over TCP' }),
    })
    expect(created.status).toBe(201)
    expect((await created.json()).title).toBe('Over TCP')
    expect((await fetch(`${base}/messages/api/chats/`)).status).toBe(401)
    expect(await (await fetch(`${base}/about`)).text()).toBe('host page')
    await palaver.close()
  })
})
