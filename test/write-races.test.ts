import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { databases, POSTGRES_URL } from './helpers/databases.js'
import { startServer, type TestServer } from './helpers/server.js'

/**
 * Races on the write path. On PostgreSQL, two Palaver instances over one schema stand for two processes,
 * and a connection of the test's own holds a chat's row lock so that the writes of both queue behind it
 * in a chosen order. SQLite has one writer: nothing can come between a transaction's statements, so there
 * the same requests run at once through one instance and the same outcomes are checked.
 */
describe.each(databases)('write races on $name', (database) => {
  const onPostgres = database.name === 'postgres'
  let first: TestServer
  let second: TestServer
  let drop: () => Promise<void>
  let schema: string | undefined
  beforeAll(async () => {
    const created = await database.create()
    drop = created.drop
    schema = 'schema' in created.option ? created.option.schema : undefined
    first = await startServer(database, {}, { option: created.option })
    second = onPostgres ? await startServer(database, {}, { option: created.option }) : first
  })
  /** The locks a test still holds (one that failed midway), released before the next test. */
  const held = new Set<() => Promise<void>>()
  afterEach(async () => {
    for (const release of held) await release()
  })
  afterAll(async () => {
    if (second !== first) await second.palaver.close()
    await first.palaver.close()
    await drop()
  })

  const group = async (memberIds = ['bob']) =>
    (await first.as('alice').post('/api/chats/', { title: 'Race', memberIds })).body.id as number
  const send = (via: TestServer, user: string, chatId: number, body: Record<string, unknown>) =>
    via.as(user).post(`/api/chats/${chatId}/messages/`, body)
  const messageRows = (chatId: number) =>
    first.palaver.db
      .selectFrom('palaver_messages')
      .selectAll()
      .where('chat_id', '=', chatId)
      .orderBy('id')
      .execute()
  const allEvents = () =>
    first.palaver.db.selectFrom('palaver_events').selectAll().orderBy('cursor').execute()

  /**
   * On PostgreSQL: holds the chat's row lock until the returned release is called, and `queued(n)` waits
   * until n backends wait for it (in the order they came). On SQLite: nothing to hold.
   */
  async function holdChat(chatId: number) {
    if (!onPostgres)
      return { queued: async (_n: number) => [], terminateWaiting: async () => 0, release: async () => {} }
    const client = new pg.Client({ connectionString: POSTGRES_URL })
    // Another connection watches: one inside a transaction sees pg_stat_activity as it first read it.
    const monitor = new pg.Client({ connectionString: POSTGRES_URL })
    await Promise.all([client.connect(), monitor.connect()])
    await client.query('begin')
    await client.query(`select id from "${schema}".palaver_chats where id = $1 for update`, [chatId])
    const { rows } = await client.query('select pg_backend_pid() as pid')
    const pid = rows[0].pid as number
    const release = async () => {
      if (!held.delete(release)) return
      await client.query('commit')
      await Promise.all([client.end(), monitor.end()])
    }
    held.add(release)
    return {
      /** The backends waiting for the lock (in the order they came), once there are n of them. */
      async queued(n: number): Promise<number[]> {
        const deadline = Date.now() + 10_000
        for (;;) {
          const pids = await blockedBy(monitor, pid)
          if (pids.length >= n) return pids
          if (Date.now() > deadline) throw new Error(`waited for ${n} backends, saw ${pids.length}`)
          await new Promise((resolve) => setTimeout(resolve, 10))
        }
      },
      /** Terminates the backends waiting for the lock, as an administrator (or a failover) would. */
      async terminateWaiting(): Promise<number> {
        const pids = await blockedBy(monitor, pid)
        for (const waiting of pids) await monitor.query('select pg_terminate_backend($1)', [waiting])
        return pids.length
      },
      release,
    }
  }

  /**
   * Two requests that reach the chat's lock in this order (on PostgreSQL, queued behind the test's hold on
   * it; on SQLite simply one after the other is sent), answered once the lock is let go.
   */
  async function inTurn<A, B>(chatId: number, earlier: () => Promise<A>, later: () => Promise<B>) {
    const hold = await holdChat(chatId)
    const earlierReply = earlier()
    await hold.queued(1)
    const laterReply = later()
    await hold.queued(2)
    await hold.release()
    return Promise.all([earlierReply, laterReply])
  }

  it('a send stored just before its chat is deleted leaves none of its text in the event log', async () => {
    const chatId = await group()
    expect((await send(first, 'bob', chatId, { body: 'hello' })).status).toBe(201)
    // The send asks for the chat's lock first, then the deletion (from another process) does.
    const [sent, deleted] = await inTurn(
      chatId,
      () => send(second, 'alice', chatId, { body: 'zanzibar before the end' }),
      () => first.as('alice').delete(`/api/chats/${chatId}/`),
    )
    expect(deleted.status).toBe(204)
    // On PostgreSQL the send went first; on SQLite either may have.
    if (onPostgres) expect(sent.status).toBe(201)
    expect([201, 404]).toContain(sent.status)
    expect(await messageRows(chatId)).toHaveLength(0)
    const leaks = (await allEvents()).filter((e) => e.payload.includes('zanzibar'))
    expect(leaks).toEqual([])
  })

  // The first process created the chat and knows a group's sends need only membership, which the statement
  // that stores the message checks; the second had not loaded it, and checks access before the send waits.
  const senders = [
    { sender: 'one that knows it', sending: () => first, other: () => second },
    { sender: 'one that had not loaded it', sending: () => second, other: () => first },
  ]

  it.each(senders)(
    'a member removed while their send waits in $sender is refused, not stored after',
    async ({ sending, other }) => {
      const chatId = await group(['bob', 'charlie'])
      expect((await send(first, 'bob', chatId, { body: 'hello' })).status).toBe(201)
      const [removed, sent] = await inTurn(
        chatId,
        () => other().as('alice').delete(`/api/chats/${chatId}/members/bob/remove/`),
        () => send(sending(), 'bob', chatId, { body: 'still in?' }),
      )
      expect(removed.status).toBe(204)
      expect(sent.status).toBe(404)
      expect((await messageRows(chatId)).map((m) => m.body)).toEqual(['hello'])
    },
  )

  // A peer of its own per case: a DM between the same two people is the same DM.
  it.each(senders.map((s, i) => ({ ...s, peer: ['charlie', 'dana'][i]! })))(
    'a DM whose other person leaves while a send waits for it in $sender brings them back to read it',
    async ({ peer, sending, other }) => {
      const dmId = (await first.as('alice').post('/api/dms/', { userId: peer })).body.id as number
      expect((await send(first, 'alice', dmId, { body: 'hi' })).status).toBe(201)
      const [left, sent] = await inTurn(
        dmId,
        () => other().as(peer).post(`/api/chats/${dmId}/leave/`),
        () => send(sending(), 'alice', dmId, { body: 'are you there?' }),
      )
      expect(left.status).toBe(204)
      expect(sent.status).toBe(201)
      expect(sent.body.receipt.recipientCount).toBe(1)
      const history = await first.as(peer).get(`/api/chats/${dmId}/messages/`)
      expect(history.status).toBe(200)
      expect(history.body.messages.map((m: any) => m.body)).toEqual(['hi', 'are you there?'])
    },
  )

  /** Six sends of Alice's, half of them with a clientId, which make one batch. */
  const sixSends = (chatId: number, tag: string) =>
    Array.from({ length: 6 }, (_, i) =>
      send(
        first,
        'alice',
        chatId,
        i % 2 ? { body: `${tag} ${i}`, clientId: `${tag}-${i}` } : { body: `${tag} ${i}` },
      ),
    )

  it.runIf(onPostgres)('stores a lone send whose connection was terminated as it waited', async () => {
    const chatId = await group()
    const hold = await holdChat(chatId)
    const sending = send(first, 'alice', chatId, { body: 'alone', clientId: 'cut-alone' })
    await hold.queued(1)
    expect(await hold.terminateWaiting()).toBe(1)
    // Nothing was stored: the send runs again on a live connection, and waits for the lock again.
    await hold.queued(1)
    await hold.release()
    const reply = await sending
    expect(reply.status).toBe(201)
    expect((await messageRows(chatId)).map((r) => r.id)).toEqual([reply.body.id])
  })

  it.runIf(onPostgres)('stores a batch whose connection was terminated as it waited, once', async () => {
    const chatId = await group()
    const hold = await holdChat(chatId)
    const sending = sixSends(chatId, 'cut once')
    await hold.queued(1)
    expect(await hold.terminateWaiting()).toBe(1)
    // The batch runs again on another connection, and waits for the lock again.
    await hold.queued(1)
    await hold.release()
    const replies = await Promise.all(sending)
    expect(replies.map((r) => r.status)).toEqual(Array(6).fill(201))
    const rows = await messageRows(chatId)
    expect(rows.map((r) => r.id).sort()).toEqual(replies.map((r) => r.body.id).sort())
    const created = (await allEvents()).filter((e) => e.type === 'message.created' && e.chat_id === chatId)
    expect(created.map((e) => e.message_id)).toEqual(rows.map((r) => r.id))
    expect((await send(first, 'alice', chatId, { body: 'next' })).status).toBe(201)
  })

  it.runIf(onPostgres)(
    'answers every send of a batch whose connections keep being terminated, and the next batch lands',
    async () => {
      const chatId = await group()
      const hold = await holdChat(chatId)
      const settled = new Set<number>()
      const sending = sixSends(chatId, 'cut always').map((reply, i) => reply.finally(() => settled.add(i)))
      while (settled.size < 6) {
        await hold.terminateWaiting()
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
      await hold.release()
      const replies = await Promise.all(sending)
      expect(replies.map((r) => r.status)).toEqual(Array(6).fill(503))
      expect(await messageRows(chatId)).toHaveLength(0)
      // The pool's connections that were cut are not handed out again: the very next send lands.
      const next = await send(first, 'alice', chatId, { body: 'next' })
      expect(next.status).toBe(201)
      const again = await Promise.all(sixSends(chatId, 'cut always'))
      expect(again.map((r) => r.status)).toEqual(Array(6).fill(201))
      expect(await messageRows(chatId)).toHaveLength(7)
    },
  )

  it('gives readers of either process every event once, cursors rising, while both processes write', async () => {
    const chats = await Promise.all(Array.from({ length: 3 }, () => group(['bob', 'dana', 'erin'])))
    const head = (await first.as('dana').get('/api/events/')).body.cursor as number
    let writing = true
    /** Polls through `via` from the head, as fast as it answers, until the writers are done and it is idle. */
    const read = async (via: TestServer, user: string) => {
      const seen: any[] = []
      let cursor = head
      for (let idle = 0; writing || idle < 2; ) {
        const reply = await via.as(user).get(`/api/events/?after=${cursor}&wait=0`)
        expect(reply.status).toBe(200)
        seen.push(...reply.body.events)
        idle = reply.body.events.length === 0 && !writing ? idle + 1 : 0
        cursor = reply.body.cursor
        // On SQLite a poll may answer without leaving the microtask queue: let the writers' batches run.
        await new Promise((resolve) => setImmediate(resolve))
      }
      return seen
    }
    const readers = Promise.all([read(first, 'dana'), read(second, 'dana'), read(second, 'erin')])
    const writers = ['alice', 'bob', 'alice', 'bob'].map(async (user, w) => {
      const ids: number[] = []
      for (let n = 0; n < 25; n++) {
        const via = (w + n) % 2 ? second : first
        const reply = await send(via, user, chats[(w + n) % chats.length]!, { body: `${user} ${w}.${n}` })
        expect(reply.status).toBe(201)
        ids.push(reply.body.id)
      }
      return ids
    })
    const sent = (await Promise.all(writers).finally(() => (writing = false))).flat().sort((a, b) => a - b)
    for (const seen of await readers) {
      const cursors = seen.map((e) => e.cursor as number)
      expect(cursors).toEqual([...new Set(cursors)].sort((a, b) => a - b))
      const created = seen.filter((e) => e.type === 'message.created').map((e) => e.data.message.id as number)
      expect(created.sort((a, b) => a - b)).toEqual(sent)
    }
  })

  it('lands a clientId sent through two processes at once once, answering both with it', async () => {
    const chatId = await group()
    for (let round = 0; round < 20; round++) {
      const clientId = `twice-${round}`
      const replies = await Promise.all([
        send(first, 'alice', chatId, { body: `one ${round}`, clientId }),
        send(second, 'alice', chatId, { body: `two ${round}`, clientId }),
      ])
      expect(replies.map((r) => r.status).sort()).toEqual([200, 201])
      expect(replies[0]!.body.id).toBe(replies[1]!.body.id)
    }
    const rows = await messageRows(chatId)
    expect(rows).toHaveLength(20)
    const created = (await allEvents()).filter((e) => e.type === 'message.created' && e.chat_id === chatId)
    expect(created.map((e) => e.message_id)).toEqual(rows.map((r) => r.id))
  })

  it('lands a reply and a plain send sharing a clientId once', async () => {
    const chatId = await group()
    const quoted = (await send(first, 'bob', chatId, { body: 'quote me' })).body.id as number
    for (let round = 0; round < 20; round++) {
      const clientId = `reply-${round}`
      const replies = await Promise.all([
        send(first, 'alice', chatId, { body: `plain ${round}`, clientId }),
        send(round % 2 ? second : first, 'alice', chatId, {
          body: `reply ${round}`,
          clientId,
          replyToId: quoted,
        }),
      ])
      expect(replies.map((r) => r.status).sort()).toEqual([200, 201])
      expect(replies[0]!.body.id).toBe(replies[1]!.body.id)
    }
    expect(await messageRows(chatId)).toHaveLength(21)
  })
})

/** The backends waiting for the one with `pid`, directly or behind another waiter, oldest first. */
async function blockedBy(client: pg.Client, pid: number): Promise<number[]> {
  const { rows } = await client.query(
    `with recursive waiter(pid) as (
      select pid from pg_stat_activity where $1::int = any(pg_blocking_pids(pid))
      union
      select a.pid from pg_stat_activity a join waiter w on w.pid = any(pg_blocking_pids(a.pid))
    )
    select w.pid from waiter w join pg_stat_activity a using (pid) order by a.query_start`,
    [pid],
  )
  return rows.map((r) => r.pid as number)
}
