import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases } from './helpers/databases.js'
import { connectSocket, type LiveServer, startLiveServer } from './helpers/live.js'

describe.each(databases)('blocking a user on $name', (database) => {
  let server: LiveServer
  beforeAll(async () => {
    server = await startLiveServer(database)
  })
  afterAll(() => server.close())

  const call = (user: string, method: string, path: string, body?: unknown) =>
    server.call(user, method, path, body)
  const block = (user: string, other: string) => call(user, 'POST', `/api/users/${other}/block/`)
  const unblock = (user: string, other: string) => call(user, 'POST', `/api/users/${other}/unblock/`)
  const dm = async (user: string, other: string) =>
    (await call(user, 'POST', '/api/dms/', { userId: other })).body
  const send = (user: string, chatId: number, body: string) =>
    call(user, 'POST', `/api/chats/${chatId}/messages/`, { body })
  const rowCounts = async () => {
    const tables = [
      'palaver_chats',
      'palaver_members',
      'palaver_messages',
      'palaver_events',
      'palaver_blocks',
    ] as const
    const counts: Record<string, number> = {}
    for (const table of tables)
      counts[table] = Number(
        (
          await server.palaver.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      )
    return counts
  }
  const refused = async (request: () => Promise<{ status: number; body: any }>) => {
    const before = await rowCounts()
    const reply = await request()
    expect(await rowCounts()).toEqual(before)
    return reply
  }

  it('blocks and unblocks, lists whom I blocked, and tells my own connections alone', async () => {
    const alice = await connectSocket(server, 'alice')
    const bob = await connectSocket(server, 'bob')
    try {
      expect((await block('alice', 'bob')).body).toEqual({ userId: 'bob', blocked: true })
      expect((await call('alice', 'GET', '/api/users/blocked/')).body.users.map((u: any) => u.id)).toEqual([
        'bob',
      ])
      expect((await call('alice', 'GET', '/api/config/')).body.blockedUserIds).toEqual(['bob'])
      expect((await call('bob', 'GET', '/api/config/')).body.blockedUserIds).toEqual([])
      // Blocking again changes nothing and tells nobody.
      expect((await refused(() => block('alice', 'bob'))).status).toBe(200)
      expect((await unblock('alice', 'bob')).body).toEqual({ userId: 'bob', blocked: false })
      expect((await call('alice', 'GET', '/api/users/blocked/')).body.users).toEqual([])
      await alice.inbox.until('two changes', () => alice.inbox.of('user.blocked').length >= 2)
      expect(alice.inbox.of('user.blocked').map((e: any) => e.data)).toEqual([
        { userId: 'bob', blocked: true },
        { userId: 'bob', blocked: false },
      ])
      // bob hears a later message of the chat they share, and nothing of the block before it.
      const chat = await dm('alice', 'bob')
      await send('alice', chat.id, 'marker')
      await bob.inbox.until('the marker', () => bob.inbox.of('message.created').length > 0)
      expect(bob.inbox.of('user.blocked')).toEqual([])
    } finally {
      await alice.close()
      await bob.close()
    }
  })

  it('stops both people writing in their DM, over REST and the WebSocket, until it is lifted', async () => {
    const chat = await dm('charlie', 'dana')
    // Sent once before, so the process knows the chat's kind and takes its sends the short way.
    expect((await send('dana', chat.id, 'hi')).status).toBe(201)
    await block('charlie', 'dana')
    const theirs = await refused(() => send('dana', chat.id, 'hello?'))
    expect(theirs.status).toBe(403)
    expect(theirs.body.error.message).toBe('You may not write to this person')
    const mine = await refused(() => send('charlie', chat.id, 'hm'))
    expect(mine.status).toBe(403)
    expect(mine.body.error.message).toMatch(/unblock/)
    const socket = await connectSocket(server, 'dana')
    try {
      const ack = await socket.request({ action: 'send', chatId: chat.id, body: 'over the socket' })
      expect(ack).toMatchObject({ ok: false, error: { code: 'forbidden' } })
      const typing = await socket.request({ action: 'typing', chatId: chat.id, isTyping: true })
      expect(typing).toMatchObject({ ok: false, error: { code: 'forbidden' } })
    } finally {
      await socket.close()
    }
    const first = (await call('charlie', 'GET', `/api/chats/${chat.id}/messages/`)).body.messages[0]
    expect(
      (await refused(() => call('dana', 'POST', `/api/messages/${first.id}/reactions/`, { emoji: '👍' })))
        .status,
    ).toBe(403)
    expect(
      (await refused(() => call('dana', 'PATCH', `/api/messages/${first.id}/`, { body: 'edited' }))).status,
    ).toBe(403)
    // Both still read it; the blocker is shown that the block is theirs to lift.
    const seenByBlocker = (await call('charlie', 'GET', `/api/chats/${chat.id}/`)).body
    const seenByBlocked = (await call('dana', 'GET', `/api/chats/${chat.id}/`)).body
    expect(seenByBlocker).toMatchObject({ peerBlocked: true, permissions: { post: false, react: false } })
    expect(seenByBlocked).toMatchObject({ peerBlocked: false, permissions: { post: false, react: false } })
    const listed = (await call('dana', 'GET', '/api/chats/')).body.chats.find((c: any) => c.id === chat.id)
    expect(listed).toMatchObject({ peerBlocked: false, permissions: { post: false } })
    expect((await call('dana', 'GET', `/api/chats/${chat.id}/messages/`)).status).toBe(200)
    expect((await dm('dana', 'charlie')).id).toBe(chat.id)

    await unblock('charlie', 'dana')
    expect((await send('dana', chat.id, 'back again')).status).toBe(201)
    expect((await send('charlie', chat.id, 'welcome back')).status).toBe(201)
  })

  it('refuses a new DM, a group and an added member across a block, either way', async () => {
    await block('erin', 'bob')
    for (const [user, other] of [
      ['bob', 'erin'],
      ['erin', 'bob'],
    ] as const) {
      expect((await refused(() => call(user, 'POST', '/api/dms/', { userId: other }))).status).toBe(403)
      expect((await refused(() => call(user, 'POST', '/api/chats/', { memberIds: [other] }))).status).toBe(
        403,
      )
    }
    const group = (await call('bob', 'POST', '/api/chats/', { memberIds: ['alice'] })).body
    const added = await refused(() =>
      call('bob', 'POST', `/api/chats/${group.id}/members/add/`, { userIds: ['erin'] }),
    )
    expect(added.status).toBe(403)
    expect(added.body.error.message).toContain('erin')
    await unblock('erin', 'bob')
    expect(
      (await call('bob', 'POST', `/api/chats/${group.id}/members/add/`, { userIds: ['erin'] })).status,
    ).toBe(200)
  })

  it('lets a shared group go on, without counting the blocked person’s messages as unread', async () => {
    const group = (await call('alice', 'POST', '/api/chats/', { memberIds: ['charlie', 'erin'] })).body
    await block('alice', 'erin')
    expect((await send('erin', group.id, 'from erin')).status).toBe(201)
    expect((await send('charlie', group.id, 'from charlie')).status).toBe(201)
    const list = async (user: string) =>
      (await call(user, 'GET', '/api/chats/')).body.chats.find((c: any) => c.id === group.id)
    expect(await list('alice')).toMatchObject({ unreadCount: 1, permissions: { post: true } })
    // Nobody else's count changes: erin has charlie's message to read (charlie read up to his own).
    expect(await list('erin')).toMatchObject({ unreadCount: 1 })
    // Nor does search show the blocker what the blocked person wrote; others still find it.
    const search = async (user: string) =>
      (await call(user, 'GET', '/api/search/?q=erin')).body.results.map((r: any) => r.message.body)
    expect(await search('alice')).toEqual([])
    expect(await search('charlie')).toEqual(['from erin'])
    await unblock('alice', 'erin')
    expect(await list('alice')).toMatchObject({ unreadCount: 2 })
    expect(await search('alice')).toEqual(['from erin'])
  })

  it('refuses to block oneself or nobody, and anyone not signed in', async () => {
    const self = await refused(() => block('alice', 'alice'))
    expect(self.status).toBe(400)
    expect((await refused(() => block('alice', 'nobody-at-all'))).status).toBe(404)
    for (const id of ['%00', 'a%0Ab', 'x'.repeat(201)]) {
      expect((await refused(() => block('alice', id))).status, id).toBe(400)
      expect((await refused(() => unblock('alice', id))).status, id).toBe(400)
    }
    const anonymous = await fetch(`${server.origin}/messages/api/users/bob/block/`, {
      method: 'POST',
      headers: { 'sec-fetch-site': 'same-origin' },
    })
    expect(anonymous.status).toBe(401)
    // Unblocking someone never blocked is a no-op, not an error.
    expect((await refused(() => unblock('alice', 'nobody-at-all'))).body).toEqual({
      userId: 'nobody-at-all',
      blocked: false,
    })
  })
})
