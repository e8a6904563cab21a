import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases } from './helpers/databases.js'
import { type Options, startServer, type TestServer } from './helpers/server.js'

const rooms: Options['rooms'] = { video: (id) => ({ title: `Video ${id}`, access: 'public' }) }

describe.each(databases)('messages on $name', (database) => {
  let server: TestServer
  beforeAll(async () => {
    server = await startServer(database, { rooms })
  })
  afterAll(() => server.close())

  const group = async (owner = 'alice', memberIds = ['bob']) =>
    (await server.as(owner).post('/api/chats/', { title: 'Group', memberIds })).body.id as number
  const send = (user: string, chatId: number, body: unknown, clientId?: string) =>
    server.as(user).post(`/api/chats/${chatId}/messages/`, clientId ? { body, clientId } : { body })
  const messageRows = (chatId: number) =>
    server.palaver.db.selectFrom('palaver_messages').selectAll().where('chat_id', '=', chatId).execute()
  const eventsMentioning = async (text: string) =>
    (await server.palaver.db.selectFrom('palaver_events').selectAll().execute()).filter((e) =>
      e.payload.includes(text),
    )
  const createdEvent = async (messageId: number) => {
    const events = await server.palaver.db.selectFrom('palaver_events').selectAll().execute()
    const created = events.filter((e) => e.message_id === messageId && e.type === 'message.created')
    return JSON.parse(created[0]!.payload).message
  }
  const edit = (user: string, id: number, body: string) =>
    server.as(user).patch(`/api/messages/${id}/`, { body })
  const remove = (user: string, id: number) => server.as(user).delete(`/api/messages/${id}/`)
  /** Runs a request that must be refused and checks it changed nothing. */
  const refused = async (request: () => Promise<{ status: number; body: any }>) => {
    const before = await server.snapshot()
    const reply = await request()
    expect(await server.snapshot()).toEqual(before)
    return reply
  }
  const refusal = async (request: () => Promise<{ status: number; body: any }>) =>
    (await refused(request)).status

  describe('sending', () => {
    it('stores the trimmed body and answers 201', async () => {
      const chat = await group()
      const sent = await send('alice', chat, '  \n hello  \t')
      expect(sent.status).toBe(201)
      expect(sent.body).toMatchObject({ chatId: chat, senderId: 'alice', body: 'hello', deleted: false })
      expect(sent.body.editedAt).toBeNull()
      expect((await messageRows(chat)).map((m) => m.body)).toEqual(['hello'])
    })

    it('refuses an empty, blank or invisible body with 400', async () => {
      const chat = await group()
      for (const body of ['', '   ', '\n\t \r\n', '\u200B', '\u00A0\u2003', '\u0000', 42, null]) {
        const reply = await refused(() => send('alice', chat, body))
        expect(reply.status, JSON.stringify(body)).toBe(400)
        expect(reply.body.error.code).toBe('invalid_input')
      }
      expect(await refusal(() => server.as('alice').post(`/api/chats/${chat}/messages/`, {}))).toBe(400)
    })

    it('counts the length limit in characters and refuses longer bodies with 413', async () => {
      const chat = await group()
      const max = server.palaver.options.limits.messageLength
      expect((await refused(() => send('alice', chat, 'x'.repeat(max + 1)))).status).toBe(413)
      expect((await send('alice', chat, 'x'.repeat(max))).status).toBe(201)
      expect((await send('alice', chat, '🙂'.repeat(max))).status).toBe(201)
    })

    it('drops control characters the databases cannot store', async () => {
      const chat = await group()
      const sent = await send('alice', chat, 'a\u0000b\u0001c\u0002d\ne\tf')
      expect(sent.status).toBe(201)
      expect(sent.body.body).toBe('abcd\ne\tf')
      const lone = await send('alice', chat, 'x\uD800y')
      expect(lone.status).toBe(201)
      expect(lone.body.body).toBe('x\uFFFDy')
      for (const clientId of ['a\u0000b', ' ', 'x'.repeat(101)])
        expect((await refused(() => send('alice', chat, 'hi', clientId))).status).toBe(400)
    })

    it('lands a retried send once: the retry answers 200 with the same message', async () => {
      const chat = await group()
      const first = await send('alice', chat, 'once', 'client-1')
      expect(first.status).toBe(201)
      const retry = await refused(() => send('alice', chat, 'once', 'client-1'))
      expect(retry.body.id).toBe(first.body.id)
      expect(retry.body.clientId).toBe('client-1')
      expect(await messageRows(chat)).toHaveLength(1)
      expect(retry.status).toBe(200)
    })

    it('lands concurrent sends with one clientId once', async () => {
      const chat = await group()
      const replies = await Promise.all(
        Array.from({ length: 6 }, () => send('alice', chat, 'race', 'race-1')),
      )
      expect(new Set(replies.map((r) => r.body.id)).size).toBe(1)
      expect(await messageRows(chat)).toHaveLength(1)
      expect(replies.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 201])
    })

    it('commits the other sends that arrive together when one of them loses a clientId race', async () => {
      const chat = await group()
      const replies = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          i % 2 === 0 ? send('alice', chat, `twin ${i}`, 'twin-1') : send('bob', chat, `own ${i}`),
        ),
      )
      const own = replies.filter((_, i) => i % 2 === 1)
      expect(own.map((r) => r.status)).toEqual([201, 201, 201, 201, 201, 201])
      const twins = replies.filter((_, i) => i % 2 === 0)
      expect(new Set(twins.map((r) => r.body.id)).size).toBe(1)
      expect(await messageRows(chat)).toHaveLength(7)
      const { body } = await server.as('bob').get(`/api/events/?after=0&wait=0`)
      const created = (body.events as Array<{ type: string; chatId: number }>).filter(
        (e) => e.type === 'message.created' && e.chatId === chat,
      )
      expect(created).toHaveLength(7)
    })

    it('fails only the send the database refuses; the sends committed with it land', async () => {
      const chat = await group()
      // A trigger stands for whatever a database may refuse of one row: the batch it is in must not go with it.
      const refuse =
        database.name === 'sqlite'
          ? [
              `create trigger refuse_poison before insert on palaver_messages when new.body = 'poison'
                begin select raise(abort, 'poisoned'); end`,
            ]
          : [
              `create function refuse_poison() returns trigger language plpgsql as $$
                begin if new.body = 'poison' then raise exception 'poisoned'; end if; return new; end $$`,
              `create trigger refuse_poison before insert on palaver_messages
                for each row execute function refuse_poison()`,
            ]
      for (const statement of refuse) await sql.raw(statement).execute(server.palaver.db)
      try {
        const bodies = Array.from({ length: 16 }, (_, i) => (i % 4 === 1 ? 'poison' : `fine ${i}`))
        const replies = await Promise.all(
          bodies.map((body) => send(body === 'poison' ? 'bob' : 'alice', chat, body)),
        )
        expect(replies.map((r) => r.status)).toEqual(bodies.map((body) => (body === 'poison' ? 500 : 201)))
        const rows = await messageRows(chat)
        expect(rows.map((m) => m.body).sort()).toEqual(bodies.filter((body) => body !== 'poison').sort())
        // Each stored message has its message.created: the batch's events went in with it.
        for (const row of rows) expect((await createdEvent(row.id)).body).toBe(row.body)
      } finally {
        await sql
          .raw(`drop trigger refuse_poison${database.name === 'sqlite' ? '' : ' on palaver_messages'}`)
          .execute(server.palaver.db)
      }
    })

    it('answers each of many sends that commit together with its own message', async () => {
      const chats = [await group('alice', ['bob', 'charlie']), await group('bob', ['alice']), await group()]
      const gone = await group()
      const senders = ['alice', 'bob']
      const sends = Array.from({ length: 30 }, (_, i) => ({
        user: senders[i % 2]!,
        chat: chats[i % 3]!,
        body: `batch ${i}`,
        ...(i % 4 === 0 ? { clientId: `batch-${i}` } : {}),
      }))
      const [replies, deleted] = await Promise.all([
        Promise.all(sends.map((s) => send(s.user, s.chat, s.body, s.clientId))),
        Promise.all([server.as('alice').delete(`/api/chats/${gone}/`), send('bob', gone, 'too late?')]),
      ])
      sends.forEach((s, i) => {
        expect(replies[i]!.status).toBe(201)
        expect(replies[i]!.body).toMatchObject({ chatId: s.chat, senderId: s.user, body: s.body })
        expect(replies[i]!.body.clientId).toBe(s.clientId ?? null)
      })
      for (const chat of chats) {
        const stored = new Map((await messageRows(chat)).map((r) => [r.id, r.body]))
        const answered = replies
          .filter((r) => r.body.chatId === chat)
          .map((r) => [r.body.id, r.body.body] as const)
        expect(new Map(answered)).toEqual(stored)
      }
      // Each stored message has one message.created, the message as answered, on cursors in id order.
      const events = await server.palaver.db
        .selectFrom('palaver_events')
        .selectAll()
        .where('type', '=', 'message.created')
        .where(
          'message_id',
          'in',
          replies.map((r) => r.body.id),
        )
        .orderBy('cursor')
        .execute()
      expect(events.map((e) => e.message_id)).toEqual(replies.map((r) => r.body.id).sort((a, b) => a - b))
      for (const reply of replies)
        expect(await createdEvent(reply.body.id)).toEqual({ ...reply.body, receipt: null })
      expect(deleted[0].status).toBe(204)
      // The send either landed before the chat went (and went with it) or found it gone.
      expect([201, 404]).toContain(deleted[1].status)
      expect(await messageRows(gone)).toHaveLength(0)
    })

    it('refuses a clientId I used in another chat with 409; others may use it', async () => {
      const [one, two] = [await group(), await group()]
      expect((await send('alice', one, 'first', 'moving')).status).toBe(201)
      expect((await send('bob', one, 'mine', 'moving')).status).toBe(201)
      const reply = await refused(() => send('alice', two, 'second', 'moving'))
      expect(reply.status).toBe(409)
      expect(reply.body.error.code).toBe('conflict')
    })

    it('answers 404 to a non-member of a private chat and 403 to a reader of a public room', async () => {
      const chat = await group()
      expect((await refused(() => send('charlie', chat, 'let me in'))).status).toBe(404)
      expect((await refused(() => send('charlie', 999_999, 'nowhere'))).status).toBe(404)
      const room = (await server.as('alice').post('/api/rooms/', { contentType: 'video', objectId: 'm1' }))
        .body
      await server.as('alice').post(`/api/chats/${room.id}/join/`)
      expect((await refused(() => send('charlie', room.id, 'hi'))).status).toBe(403)
      expect((await send('alice', room.id, 'hi')).status).toBe(201)
    })
  })

  describe('editing', () => {
    it('marks the message edited and keeps its creation time', async () => {
      const chat = await group()
      const sent = (await send('alice', chat, 'draft')).body
      const edited = await edit('alice', sent.id, '  final ')
      expect(edited.status).toBe(200)
      expect(edited.body).toMatchObject({ id: sent.id, body: 'final', createdAt: sent.createdAt })
      expect(edited.body.editedAt).not.toBeNull()
      const read = await server.as('bob').get(`/api/messages/${sent.id}/`)
      expect(read.body).toMatchObject({ body: 'final', editedAt: edited.body.editedAt })
    })

    it('leaves no trace of the old text in the event log', async () => {
      const chat = await group()
      const sent = (await send('alice', chat, 'my pin is 4321')).body
      await edit('alice', sent.id, 'my pin is secret')
      await edit('alice', sent.id, 'never mind')
      expect(await eventsMentioning('4321')).toEqual([])
      expect(await eventsMentioning('my pin is secret')).toEqual([])
      expect(await createdEvent(sent.id)).toMatchObject({ id: sent.id, body: 'never mind' })
    })

    it("refuses editing someone else's message with 403 and a blank edit with 400", async () => {
      const chat = await group()
      const sent = (await send('alice', chat, 'mine')).body
      expect(await refusal(() => edit('bob', sent.id, 'x'))).toBe(403)
      expect(await refusal(() => edit('alice', sent.id, '  '))).toBe(400)
      expect(await refusal(() => edit('charlie', sent.id, 'x'))).toBe(404)
    })

    it('refuses editing a deleted message with 409', async () => {
      const chat = await group()
      const sent = (await send('alice', chat, 'gone soon')).body
      await remove('alice', sent.id)
      expect(await refusal(() => edit('alice', sent.id, 'back'))).toBe(409)
    })
  })

  describe('deleting', () => {
    it('removes the text from every answer and from storage', async () => {
      const chat = await group()
      await send('alice', chat, 'before')
      const secret = (await send('alice', chat, 'zanzibar secret')).body
      await edit('alice', secret.id, 'zanzibar secret edited')
      await server.as('bob').post(`/api/messages/${secret.id}/reactions/`, { emoji: '👍' })
      expect((await remove('alice', secret.id)).status).toBe(204)

      const tombstone = { id: secret.id, deleted: true, body: null, reactions: [] }
      for (const user of ['alice', 'bob']) {
        const history = await server.as(user).get(`/api/chats/${chat}/messages/`)
        expect(history.body.messages.at(-1)).toMatchObject(tombstone)
        expect((await server.as(user).get(`/api/messages/${secret.id}/`)).body).toMatchObject(tombstone)
        const list = await server.as(user).get('/api/chats/')
        const entry = list.body.chats.find((c: any) => c.id === chat)
        expect(entry.lastMessage).toMatchObject({ id: secret.id, deleted: true, body: null })
        expect((await server.as(user).get('/api/search/?q=zanzibar')).body.results).toEqual([])
      }

      const row = await server.palaver.db
        .selectFrom('palaver_messages')
        .selectAll()
        .where('id', '=', secret.id)
        .executeTakeFirstOrThrow()
      expect(row.body).toBeNull()
      expect(row.deleted_at).not.toBeNull()
      expect(await eventsMentioning('zanzibar')).toEqual([])
      expect(await createdEvent(secret.id)).toMatchObject(tombstone)
    })

    it("refuses deleting someone else's message with 403 and a second delete with 409", async () => {
      const chat = await group()
      const sent = (await send('alice', chat, 'keep me')).body
      expect(await refusal(() => remove('bob', sent.id))).toBe(403)
      expect(await refusal(() => remove('charlie', sent.id))).toBe(404)
      await remove('alice', sent.id)
      expect(await refusal(() => remove('alice', sent.id))).toBe(409)
    })
  })

  describe('history', () => {
    let chat: number
    let ids: number[]
    beforeAll(async () => {
      chat = await group()
      ids = []
      for (let i = 1; i <= 120; i++)
        ids.push((await send(i % 2 ? 'alice' : 'bob', chat, `message ${i}`)).body.id)
    })
    const page = async (query = '') => {
      const reply = await server.as('alice').get(`/api/chats/${chat}/messages/${query}`)
      expect(reply.status).toBe(200)
      return reply.body as {
        messages: Array<{ id: number; body: string }>
        hasOlder: boolean
        hasNewer: boolean
      }
    }

    it('starts with the newest page, oldest first within it', async () => {
      const newest = await page()
      expect(newest.messages.map((m) => m.id)).toEqual(ids.slice(-50))
      expect(newest.messages.at(-1)!.body).toBe('message 120')
      expect(newest).toMatchObject({ hasOlder: true, hasNewer: false })
    })

    it('pages backwards and forwards visiting every message exactly once', async () => {
      const backwards: number[] = []
      let current = await page('?limit=17')
      backwards.unshift(...current.messages.map((m) => m.id))
      while (current.hasOlder) {
        current = await page(`?limit=17&before=${current.messages[0]!.id}`)
        expect(current.hasNewer).toBe(true)
        backwards.unshift(...current.messages.map((m) => m.id))
      }
      expect(backwards).toEqual(ids)

      const forwards = current.messages.map((m) => m.id)
      while (current.hasNewer) {
        current = await page(`?limit=23&after=${current.messages.at(-1)!.id}`)
        expect(current.hasOlder).toBe(true)
        forwards.push(...current.messages.map((m) => m.id))
      }
      expect(forwards).toEqual(ids)
    })

    it('centres a page around a message', async () => {
      const target = ids[60]!
      const around = await page(`?limit=10&around=${target}`)
      expect(around.messages.map((m) => m.id)).toEqual(ids.slice(55, 65))
      expect(around).toMatchObject({ hasOlder: true, hasNewer: true })
      const first = await page(`?limit=10&around=${ids[0]}`)
      expect(first.messages.map((m) => m.id)).toEqual(ids.slice(0, 10))
      expect(first).toMatchObject({ hasOlder: false, hasNewer: true })
      const last = await page(`?limit=10&around=${ids.at(-1)}`)
      expect(last.messages.map((m) => m.id)).toEqual(ids.slice(-10))
      expect(last).toMatchObject({ hasOlder: true, hasNewer: false })
    })

    it('refuses a bad limit or more than one cursor with 400, and strangers with 404', async () => {
      const queries = ['?limit=0', '?limit=500', '?limit=x', '?before=0', `?before=${ids[9]}&after=${ids[1]}`]
      for (const query of queries) {
        const reply = await refused(() => server.as('alice').get(`/api/chats/${chat}/messages/${query}`))
        expect(reply.status, query).toBe(400)
      }
      expect((await page('?limit=1')).messages).toHaveLength(1)
      expect((await page('?limit=200')).messages).toHaveLength(120)
      expect((await server.as('erin').get(`/api/chats/${chat}/messages/`)).status).toBe(404)
    })
  })
})

describe.each(databases)('messages on a restrictive site on $name', (database) => {
  let server: TestServer
  beforeAll(async () => {
    server = await startServer(database, { allowEditingMessages: false, allowDeletingMessages: false })
  })
  afterAll(() => server.close())

  it('refuses edits and deletes with 403, changing nothing', async () => {
    const chat = (await server.as('alice').post('/api/chats/', { memberIds: ['bob'] })).body.id
    const sent = (await server.as('alice').post(`/api/chats/${chat}/messages/`, { body: 'fixed' })).body
    const before = await server.snapshot()
    expect((await server.as('alice').patch(`/api/messages/${sent.id}/`, { body: 'new' })).status).toBe(403)
    expect((await server.as('alice').delete(`/api/messages/${sent.id}/`)).status).toBe(403)
    expect(await server.snapshot()).toEqual(before)
    expect((await server.as('bob').get(`/api/messages/${sent.id}/`)).body).toMatchObject({ body: 'fixed' })
  })
})

describe.each(databases)('deleted messages without indicators on $name', (database) => {
  let server: TestServer
  beforeAll(async () => {
    server = await startServer(database, { showDeletedMessageIndicators: false })
  })
  afterAll(() => server.close())

  it('hides a deleted message from history, detail and the chat list', async () => {
    const chat = (await server.as('alice').post('/api/chats/', { memberIds: ['bob'] })).body.id
    const send = (body: string) => server.as('alice').post(`/api/chats/${chat}/messages/`, { body })
    const [kept, gone] = [(await send('kept')).body, (await send('gone')).body]
    expect((await server.as('alice').delete(`/api/messages/${gone.id}/`)).status).toBe(204)
    const history = await server.as('bob').get(`/api/chats/${chat}/messages/`)
    expect(history.body.messages.map((m: any) => m.id)).toEqual([kept.id])
    expect((await server.as('bob').get(`/api/messages/${gone.id}/`)).status).toBe(404)
    const { chats } = (await server.as('bob').get('/api/chats/')).body
    expect(chats.find((c: any) => c.id === chat).lastMessage).toMatchObject({ id: kept.id, body: 'kept' })
  })
})

// A send to a chat whose kind this process knows skips the access query: the store checks membership in
// the statement that stores the message. These are the cases where that check must say no.
describe.each(databases)('who may post in a chat already loaded, on $name', (database) => {
  /** The host's rule for its video rooms, changed by a test. */
  let roomAccess: 'public' | 'hidden' = 'public'
  let server: TestServer
  beforeAll(async () => {
    server = await startServer(database, {
      rooms: { video: (id) => ({ title: `Video ${id}`, access: roomAccess }) },
    })
  })
  afterAll(() => server.close())

  const send = (user: string, chatId: number, body: string) =>
    server.as(user).post(`/api/chats/${chatId}/messages/`, { body })
  const activityOf = async (chatId: number) =>
    (await server.as('alice').get(`/api/chats/${chatId}/`)).body.lastActivityAt as string
  /** The status of a request that must change nothing. */
  const refusal = async (request: () => Promise<{ status: number }>) => {
    const before = await server.snapshot()
    const { status } = await request()
    expect(await server.snapshot()).toEqual(before)
    return status
  }
  const later = () => new Promise((resolve) => setTimeout(resolve, 5))

  it('refuses a member removed since their last message, and leaves the chat as it was', async () => {
    const chat = (await server.as('alice').post('/api/chats/', { title: 'Team', memberIds: ['bob'] })).body.id
    expect((await send('bob', chat, 'hello')).status).toBe(201)
    expect((await server.as('alice').delete(`/api/chats/${chat}/members/bob/remove/`)).status).toBe(204)
    const activity = await activityOf(chat)
    await later()
    expect(await refusal(() => send('bob', chat, 'still here?'))).toBe(404)
    expect(await activityOf(chat)).toBe(activity)
    // Back in, they post again at once.
    expect(
      (await server.as('alice').post(`/api/chats/${chat}/members/add/`, { userIds: ['bob'] })).status,
    ).toBe(200)
    expect((await send('bob', chat, 'back')).status).toBe(201)
  })

  it('brings back the other person of a DM they left after the first messages', async () => {
    const dm = (await server.as('alice').post('/api/dms/', { userId: 'charlie' })).body.id
    expect((await send('alice', dm, 'first')).status).toBe(201)
    expect((await server.as('charlie').post(`/api/chats/${dm}/leave/`)).status).toBe(204)
    const reply = await send('alice', dm, 'second')
    expect(reply.status).toBe(201)
    expect(reply.body.receipt.recipientCount).toBe(1)
    const history = await server.as('charlie').get(`/api/chats/${dm}/messages/`)
    expect(history.body.messages.map((m: any) => m.body)).toEqual(['first', 'second'])
  })

  it('asks the host about a room for every message', async () => {
    const room = (await server.as('alice').post('/api/rooms/', { contentType: 'video', objectId: 'v1' })).body
    expect((await server.as('alice').post(`/api/chats/${room.id}/join/`)).status).toBe(200)
    expect((await send('alice', room.id, 'first')).status).toBe(201)
    roomAccess = 'hidden'
    try {
      const activity = (
        await server.palaver.db
          .selectFrom('palaver_chats')
          .select('last_activity_at')
          .where('id', '=', room.id)
          .executeTakeFirstOrThrow()
      ).last_activity_at
      await later()
      expect(await refusal(() => send('alice', room.id, 'second'))).toBe(404)
      const after = await server.palaver.db
        .selectFrom('palaver_chats')
        .select('last_activity_at')
        .where('id', '=', room.id)
        .executeTakeFirstOrThrow()
      expect(after.last_activity_at).toBe(activity)
    } finally {
      roomAccess = 'public'
    }
  })
})
