import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PalaverApi, PalaverClientError } from '../src/client/index.js'
import { databases } from './helpers/databases.js'
import { type LiveServer, startLiveServer } from './helpers/live.js'

const rooms = {
  video: (objectId: string) => (objectId === 'cats' ? { title: 'Cats', access: 'public' as const } : null),
}

describe.each(databases)('palaver/client REST calls on $name', (database) => {
  let live: LiveServer
  let alice: PalaverApi
  let bob: PalaverApi
  let charlie: PalaverApi
  beforeAll(async () => {
    live = await startLiveServer(database, { rooms })
    const as = (user: string) =>
      new PalaverApi({ baseUrl: `${live.origin}/messages/`, headers: { 'x-test-user': user } })
    alice = as('alice')
    bob = as('bob')
    charlie = as('charlie')
  })
  afterAll(() => live.close())

  it('creates, reads, renames and lists chats', async () => {
    const chat = await alice.createChat({ title: 'Typed', memberIds: ['bob'] })
    expect(chat).toMatchObject({ kind: 'group', title: 'Typed', role: 'admin', memberCount: 2 })
    expect(chat.members.map((m) => m.user.id).sort()).toEqual(['alice', 'bob'])
    expect((await bob.getChat(chat.id)).role).toBe('member')
    expect((await alice.renameChat(chat.id, 'Renamed')).title).toBe('Renamed')
    const list = await bob.listChats({ search: 'Renamed' })
    expect(list.chats.map((c) => c.id)).toEqual([chat.id])
    expect(list.nextCursor).toBeNull()
  })

  it("asks for the unread total over all of one's chats", async () => {
    const chat = await alice.createChat({ title: 'Unread', memberIds: ['charlie'] })
    await alice.sendMessage(chat.id, { body: 'one' })
    await alice.sendMessage(chat.id, { body: '@Charlie Chen two', mentionIds: ['charlie'] })
    const entry = { id: chat.id, kind: 'group', unreadCount: 2, unreadMentionCount: 1, muted: false }
    expect(await charlie.unread()).toMatchObject({ unreadCount: 2, chatCount: 1, chats: [entry] })
    await charlie.muteChat(chat.id, { muted: true })
    expect(await charlie.unread({ kind: 'group' })).toMatchObject({ unreadCount: 1, chatCount: 1 })
    expect(await charlie.unread({ kind: 'dm' })).toEqual({ unreadCount: 0, chatCount: 0, chats: [] })
    const refused = await charlie.unread({ kind: 'channel' as never }).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(PalaverClientError)
    expect(refused).toMatchObject({ code: 'invalid_input', status: 400 })
  })

  it('sends idempotently, pages history, edits, reacts, marks read and deletes', async () => {
    const chat = await alice.createChat({ title: 'Messages', memberIds: ['bob'] })
    const first = await alice.sendMessage(chat.id, { body: 'hello', clientId: 'rest-1' })
    const again = await alice.sendMessage(chat.id, { body: 'hello', clientId: 'rest-1' })
    expect(again.id).toBe(first.id)
    const second = await alice.sendMessage(chat.id, { body: 'second' })
    const page = await bob.history(chat.id, { limit: 1 })
    expect(page.messages.map((m) => m.id)).toEqual([second.id])
    expect(page.hasOlder).toBe(true)
    expect((await bob.history(chat.id, { before: second.id })).messages.map((m) => m.id)).toEqual([first.id])
    expect((await alice.editMessage(first.id, 'hello again')).editedAt).not.toBeNull()
    expect((await bob.getMessage(first.id)).body).toBe('hello again')
    expect(await bob.toggleReaction(first.id, '👍')).toMatchObject({ action: 'added', emoji: '👍' })
    expect((await bob.toggleReaction(first.id, '👍')).action).toBe('removed')
    expect(await bob.markAsRead(chat.id)).toEqual({
      lastReadMessageId: second.id,
      unreadCount: 0,
      unreadMentionCount: 0,
    })
    expect((await bob.markAsRead(chat.id, first.id)).lastReadMessageId).toBeGreaterThanOrEqual(first.id)
    await bob.setTyping(chat.id, true)
    await alice.deleteMessage(second.id)
    const gone = (await bob.history(chat.id)).messages.find((m) => m.id === second.id)
    expect(gone === undefined || (gone.deleted && gone.body === null)).toBe(true)
  })

  it('resolves a default avatar against the origin of Palaver, where it loads', async () => {
    const chat = await alice.createChat({ title: 'Faces', memberIds: ['bob'] })
    const { avatarUrl } = chat.members.find((m) => m.user.id === 'bob')!.user
    expect(avatarUrl).toMatch(/^\/messages\/avatars\//)
    const resolved = alice.http.resolve(avatarUrl)
    expect(resolved).toBe(`${live.origin}${avatarUrl}`)
    const response = await fetch(resolved)
    expect(response.status).toBe(200)
    expect(await response.text()).toContain('>BB</text>')
    // On the page's own origin (a path for baseUrl) and for an absolute address, nothing changes.
    expect(new PalaverApi({ baseUrl: '/messages' }).http.resolve(avatarUrl)).toBe(avatarUrl)
    expect(alice.http.resolve('https://pics.example/b.png')).toBe('https://pics.example/b.png')
  })

  it('manages members, joins and leaves rooms, finds DMs, users and messages', async () => {
    const chat = await alice.createChat({ title: 'Members' })
    expect((await alice.addMembers(chat.id, ['charlie'])).memberCount).toBe(2)
    await alice.removeMember(chat.id, 'charlie')
    expect((await alice.getChat(chat.id)).memberCount).toBe(1)

    const room = await alice.room({ contentType: 'video', objectId: 'cats' })
    expect(room).toMatchObject({ kind: 'room', title: 'Cats' })
    const browse = await bob.listRooms()
    expect(browse.rooms.find((r) => r.chat.id === room.id)?.isMember).toBe(false)
    expect((await bob.join(room.id)).role).not.toBeNull()
    await bob.leave(room.id)
    expect((await bob.listRooms()).rooms.find((r) => r.chat.id === room.id)?.isMember).toBe(false)

    const dm = await alice.dm('bob')
    expect(dm).toMatchObject({ kind: 'dm', peer: { id: 'bob' } })
    expect((await bob.dm('alice')).id).toBe(dm.id)
    expect((await alice.searchUsers('charl')).users.map((u) => u.id)).toEqual(['charlie'])

    await alice.sendMessage(dm.id, { body: 'the quick brown fox' })
    const found = await bob.searchMessages({ q: 'brown' })
    expect(found.results[0]).toMatchObject({ chat: { id: dm.id }, message: { body: 'the quick brown fox' } })
    expect(found.results[0]!.snippet).toContain('<mark>brown</mark>')

    await alice.deleteChat(chat.id)
    await expect(alice.getChat(chat.id)).rejects.toMatchObject({ code: 'not_found', status: 404 })
  })

  it('pages through message search with before and nextBefore', async () => {
    const chat = await alice.createChat({ title: 'Birds', memberIds: ['bob'] })
    const sent: number[] = []
    for (let i = 0; i < 5; i++) sent.push((await alice.sendMessage(chat.id, { body: `pelican ${i}` })).id)
    const pages: number[][] = []
    let before: number | undefined
    do {
      const page = await bob.searchMessages({ q: 'pelican', limit: 2, ...(before ? { before } : {}) })
      pages.push(page.results.map((r) => r.message.id))
      before = page.nextBefore ?? undefined
    } while (before !== undefined)
    expect(pages).toEqual([sent.slice(3).reverse(), sent.slice(1, 3).reverse(), [sent[0]]])
    await expect(bob.searchMessages({ q: 'pelican', before: 0 })).rejects.toMatchObject({
      code: 'invalid_input',
      status: 400,
    })
  })

  it('pins and unpins a message, lists the pins, and marks a chat unread until it is read', async () => {
    const chat = await alice.createChat({ title: 'Pinboard', memberIds: ['bob'] })
    const message = await alice.sendMessage(chat.id, { body: 'Rota for May' })
    expect((await bob.pinMessage(message.id, true)).pinned).toMatchObject({ byId: 'bob' })
    expect((await alice.pinnedMessages(chat.id)).messages.map((m) => m.id)).toEqual([message.id])
    expect(await bob.pinMessage(message.id, false)).not.toHaveProperty('pinned')
    expect((await alice.pinnedMessages(chat.id)).messages).toEqual([])
    await expect(charlie.pinMessage(message.id, true)).rejects.toMatchObject({ status: 404 })

    expect(await bob.markAsUnread(chat.id)).toMatchObject({ id: chat.id, markedUnread: true })
    await bob.markAsRead(chat.id)
    expect((await bob.getChat(chat.id)).markedUnread).toBe(false)
  })

  it('mutes a chat for a while or until unmuted, and unmutes it', async () => {
    const chat = await alice.createChat({ title: 'Quiet', memberIds: ['bob'] })
    const until = new Date(Date.now() + 3_600_000).toISOString()
    const muted = await bob.muteChat(chat.id, { muted: true, until })
    expect(muted).toMatchObject({ id: chat.id, muted: true })
    expect(Date.parse(muted.mutedUntil!)).toBe(Date.parse(until))
    expect(await bob.muteChat(chat.id, { muted: true })).toMatchObject({ muted: true, mutedUntil: null })
    expect((await alice.getChat(chat.id)).muted).toBe(false)
    expect(await bob.muteChat(chat.id, { muted: false })).toMatchObject({ muted: false, mutedUntil: null })
    const past = new Date(Date.now() - 1000).toISOString()
    await expect(bob.muteChat(chat.id, { muted: true, until: past })).rejects.toMatchObject({
      code: 'invalid_input',
      status: 400,
    })
    await expect(charlie.muteChat(chat.id, { muted: true })).rejects.toMatchObject({ status: 404 })
  })

  it('blocks and unblocks a user, and lists the people blocked', async () => {
    const dm = await alice.dm('charlie')
    expect(await alice.blockUser('charlie')).toEqual({ userId: 'charlie', blocked: true })
    expect((await alice.blockedUsers()).users.map((u) => u.id)).toEqual(['charlie'])
    expect(await alice.getChat(dm.id)).toMatchObject({ peerBlocked: true, permissions: { post: false } })
    await expect(charlie.sendMessage(dm.id, { body: 'hello?' })).rejects.toMatchObject({ status: 403 })
    expect(await alice.unblockUser('charlie')).toEqual({ userId: 'charlie', blocked: false })
    expect((await alice.blockedUsers()).users).toEqual([])
    expect((await charlie.getChat(dm.id)).permissions.post).toBe(true)
    await expect(alice.blockUser('nobody-at-all')).rejects.toMatchObject({ code: 'not_found', status: 404 })
  })

  it('polls events and fetches the OpenAPI document', async () => {
    const start = await bob.events()
    expect(start.events).toEqual([])
    const dm = await alice.dm('bob')
    const sent = await alice.sendMessage(dm.id, { body: 'polled' })
    const page = await bob.events({ after: start.cursor })
    const created = page.events.filter((e) => e.type === 'message.created')
    expect(created.map((e) => (e.data as { message: { id: number } }).message.id)).toEqual([sent.id])
    expect(page.cursor).toBeGreaterThan(start.cursor)
    const doc = await bob.openApiDocument()
    expect(doc.openapi).toBe('3.1.0')
  })

  it('throws typed errors with code, status and message', async () => {
    const notMine = await alice.createChat({ title: 'Private' })
    const error = await bob.getChat(notMine.id).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PalaverClientError)
    expect(error).toMatchObject({ code: 'not_found', status: 404, retryable: false })
    await expect(bob.sendMessage(notMine.id, { body: 'let me in' })).rejects.toMatchObject({ status: 404 })
    await expect(alice.sendMessage(notMine.id, { body: '   ' })).rejects.toMatchObject({
      code: 'invalid_input',
      status: 400,
    })
    const anonymous = new PalaverApi({ baseUrl: `${live.origin}/messages` })
    await expect(anonymous.listChats()).rejects.toMatchObject({ code: 'unauthenticated', status: 401 })
    const nowhere = new PalaverApi({
      baseUrl: 'http://127.0.0.1:1/messages',
      headers: { 'x-test-user': 'bob' },
    })
    const down = await nowhere.listChats().catch((e: unknown) => e)
    expect(down).toMatchObject({ code: 'network', status: 0, retryable: true })
  })
})
