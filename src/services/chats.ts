import { forbidden, invalid, notFound, PalaverError } from '../errors.js'
import type { ChatDetailView, ChatListView, MemberView, UserView } from '../schemas.js'
import type { Db } from '../storage/dialect.js'
import { activityAt, type Chat, type ChatKind, type Member, type Role } from '../storage/schema.js'
import { type ChatAccess, loadChat, requirePermission } from './access.js'
import { releaseChatAttachments } from './attachment-deletion.js'
import { refuseBlocked } from './blocks.js'
import { type Context, type Tx, transact } from './context.js'
import { chatCreatedEvent, chatDeletedEvent, chatUpdatedEvent, iso, memberAddedEvent } from './events.js'
import { isGuest } from './guests.js'
import { type RoomObject, resolveRoom } from './rooms.js'
import { invisible, storableText } from './text.js'
import type { Viewer } from './users.js'
import { chatViewOf, chatViews } from './views.js'

/** A title as stored: printable (see storableText), trimmed; null when nothing of it would show. */
export function cleanTitle(ctx: Context, title: string | undefined): string | null {
  const trimmed = storableText(title ?? '').trim()
  if (invisible.test(trimmed)) return null
  // Counted in characters as people see them, like message bodies: an emoji is one.
  if ([...trimmed].length > ctx.options.limits.titleLength) {
    throw new PalaverError('too_large', `A title has at most ${ctx.options.limits.titleLength} characters`)
  }
  return trimmed
}

/**
 * Locks a chat's row until the transaction ends and returns it as it is now: membership changes of one
 * chat then run one after another (on PostgreSQL two leaves, adds or joins at once could otherwise each
 * miss the other, leaving a chat without admin, over its member limit or with a duplicate member).
 */
export async function lockChat(tx: Tx, chatId: number): Promise<Chat | undefined> {
  return tx.db
    .updateTable('palaver_chats')
    .set((eb) => ({ member_count: eb.ref('member_count') }))
    .where('id', '=', chatId)
    .returningAll()
    .executeTakeFirst()
}

/**
 * Brings someone who left a DM back into it, under the chat's lock: a message to them and their own
 * return may come at once, and only the first adds them. Undefined when the DM is no longer there.
 */
export async function bringBackToDm(
  ctx: Context,
  tx: Tx,
  chatId: number,
  user: UserView,
): Promise<Chat | undefined> {
  const chat = await lockChat(tx, chatId)
  if (!chat) return undefined
  const member = await tx.db
    .selectFrom('palaver_members')
    .select('id')
    .where('chat_id', '=', chatId)
    .where('user_id', '=', user.id)
    .executeTakeFirst()
  if (!member) await insertMembers(ctx, tx, chat, [{ user, role: 'admin' }])
  return chat
}

/**
 * Adds members inside a transaction, emitting member.added for each; returns the chat with its new count.
 * The callers make sure none of them is a member already (under `lockChat` for an existing chat).
 */
export async function insertMembers(
  ctx: Context,
  tx: Tx,
  chat: Chat,
  members: ReadonlyArray<{ user: UserView; role: Role }>,
): Promise<Chat> {
  if (members.length === 0) return chat
  // Counting in the update itself keeps the limit exact however many adds run at once.
  const updated = await tx.db
    .updateTable('palaver_chats')
    .set((eb) => ({ member_count: eb('member_count', '+', members.length), ...activityAt(tx.now) }))
    .where('id', '=', chat.id)
    .returningAll()
    .executeTakeFirst()
  // Deleted since it was loaded (the last two of a DM left while a message to it was on its way).
  if (!updated) throw notFound('Chat')
  if (updated.member_count > ctx.options.limits.membersPerChat) {
    throw new PalaverError('too_large', `A chat has at most ${ctx.options.limits.membersPerChat} members`)
  }
  const lastMessage = await tx.db
    .selectFrom('palaver_messages')
    .select((eb) => eb.fn.max('id').as('id'))
    .where('chat_id', '=', chat.id)
    .executeTakeFirst()
  await tx.db
    .insertInto('palaver_members')
    .values(
      members.map(({ user, role }) => ({
        chat_id: chat.id,
        user_id: user.id,
        role,
        joined_at: tx.now,
        // Joining a chat with history: what was said before is not "unread" for the newcomer.
        last_read_message_id: Number(lastMessage?.id ?? 0),
        last_delivered_message_id: Number(lastMessage?.id ?? 0),
      })),
    )
    .execute()
  for (const { user, role } of members) tx.emit(memberAddedEvent(updated, user, role))
  return updated
}

async function createChat(
  tx: Tx,
  values: Pick<Chat, 'kind' | 'title' | 'dm_key' | 'created_by'>,
): Promise<Chat> {
  const chat = await tx.db
    .insertInto('palaver_chats')
    .values({
      ...values,
      content_type: null,
      object_id: null,
      created_at: tx.now,
      last_activity_at: tx.now,
      member_count: 0,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  tx.emit(chatCreatedEvent(chat))
  return chat
}

export async function createGroup(
  ctx: Context,
  viewer: Viewer,
  input: { title?: string | undefined; memberIds: readonly string[] },
): Promise<ChatDetailView> {
  const title = cleanTitle(ctx, input.title)
  const others = [...new Set(input.memberIds)].filter((id) => id !== viewer.id)
  const refused = await ctx.users.refusedContacts(viewer, others)
  if (refused.length > 0) throw forbidden(`You may not add: ${refused.join(', ')}`)
  await refuseBlocked(ctx, viewer, others)
  const users = await ctx.users.viewsOf(others)
  const chatId = await transact(ctx, async (tx) => {
    const chat = await createChat(tx, { kind: 'group', title, dm_key: null, created_by: viewer.id })
    await insertMembers(ctx, tx, chat, [
      { user: viewer, role: 'admin' },
      ...others.map((id) => ({ user: users.get(id)!, role: 'member' as const })),
    ])
    return chat.id
  })
  return getChat(ctx, viewer, chatId)
}

const dmKey = (a: string, b: string) => JSON.stringify([a, b].sort())

/** The id of the DM between the viewer and `userId` that the viewer is in, if there is one. */
async function myDmWith(ctx: Context, viewer: Viewer, userId: string): Promise<number | undefined> {
  const mine = await ctx.db
    .selectFrom('palaver_chats as c')
    .innerJoin('palaver_members as m', (j) =>
      j.onRef('m.chat_id', '=', 'c.id').on('m.user_id', '=', viewer.id),
    )
    .select('c.id')
    .where('c.dm_key', '=', dmKey(viewer.id, userId))
    .executeTakeFirst()
  return mine?.id
}

/**
 * The DM between the viewer and another user if the viewer is in one (else null), never creating it: what
 * a DM widget shows on its toggle (who, how many unread) before anyone opens it. Reading one's own chat
 * asks nothing of the contact list.
 */
export async function findDm(ctx: Context, viewer: Viewer, userId: string): Promise<ChatDetailView | null> {
  if (!ctx.options.enableDms) throw forbidden('Direct messages are disabled on this site')
  const mine = await myDmWith(ctx, viewer, userId)
  return mine === undefined ? null : getChat(ctx, viewer, mine)
}

/** The one DM between the viewer and another user (or themselves), created on first use. */
export async function getOrCreateDm(ctx: Context, viewer: Viewer, userId: string): Promise<ChatDetailView> {
  if (!ctx.options.enableDms) throw forbidden('Direct messages are disabled on this site')
  const refused = await ctx.users.refusedContacts(viewer, [userId])
  if (refused.length > 0) throw forbidden('You may not message this user')
  const key = dmKey(viewer.id, userId)
  const mine = await myDmWith(ctx, viewer, userId)
  if (mine !== undefined) return getChat(ctx, viewer, mine)
  // A DM the viewer is in stays theirs to read; a new one (or coming back to one) needs no block between.
  await refuseBlocked(ctx, viewer, [userId])
  // Looked up before the transaction: on SQLite it holds the one connection the directory also uses.
  const peer = (await ctx.users.viewsOf([userId])).get(userId)!
  const open = () =>
    transact(ctx, async (tx) => {
      const existing = await tx.db
        .selectFrom('palaver_chats')
        .select('id')
        .where('dm_key', '=', key)
        .executeTakeFirst()
      // The viewer left this DM earlier: starting it again brings them back.
      const chat = existing && (await bringBackToDm(ctx, tx, existing.id, viewer))
      if (chat) return chat.id
      const created = await createChat(tx, { kind: 'dm', title: null, dm_key: key, created_by: viewer.id })
      const members = [{ user: viewer, role: 'admin' as const }]
      if (userId !== viewer.id) members.push({ user: peer, role: 'admin' as const })
      await insertMembers(ctx, tx, created, members)
      return created.id
    })
  // Two first contacts at once: the unique dm_key refuses the second DM, and trying again finds the first.
  const chatId = await open().catch((error: unknown) => {
    if (error instanceof PalaverError) throw error
    return open()
  })
  return getChat(ctx, viewer, chatId)
}

async function membersOf(ctx: Context, db: Db, chatId: number): Promise<MemberView[]> {
  const rows = await db
    .selectFrom('palaver_members')
    .selectAll()
    .where('chat_id', '=', chatId)
    .orderBy('joined_at')
    .orderBy('user_id')
    .execute()
  return memberViews(ctx, rows)
}

/** Members as the API shows them, in the order of their rows. */
export async function memberViews(ctx: Context, rows: readonly Member[]): Promise<MemberView[]> {
  const users = await ctx.users.viewsOf(rows.map((r) => r.user_id))
  return rows.map((r) => ({
    user: users.get(r.user_id)!,
    role: r.role,
    joinedAt: iso(r.joined_at),
    lastReadMessageId: r.last_read_message_id,
  }))
}

export async function detailOf(ctx: Context, viewer: Viewer, access: ChatAccess): Promise<ChatDetailView> {
  // A guest reads what is said, not who is in the room: the list of everyone who joined (those who never
  // wrote too) is not handed to whoever asks without signing in. The count stays.
  const listed = access.canRead && !isGuest(viewer)
  const [chat, members] = await Promise.all([
    chatViewOf(ctx, ctx.db, viewer, access),
    listed ? membersOf(ctx, ctx.db, access.chat.id) : [],
  ])
  // Someone who may join a members-only room sees what it is, not what is said in it or by whom.
  return access.canRead ? { ...chat, members } : { ...chat, lastMessage: null, members }
}

/** A chat with its members; a members-only room the viewer may join shows only what it is. */
export async function getChat(ctx: Context, viewer: Viewer, chatId: number): Promise<ChatDetailView> {
  return detailOf(ctx, viewer, await loadChat(ctx, ctx.db, chatId, viewer, { joinable: true }))
}

export async function renameChat(
  ctx: Context,
  viewer: Viewer,
  chatId: number,
  rawTitle: string,
): Promise<ChatDetailView> {
  const access = await loadChat(ctx, ctx.db, chatId, viewer)
  requirePermission(access, 'rename')
  const title = cleanTitle(ctx, rawTitle)
  // An empty title gives a DM back its partner's name and a room its host's title; a group needs one.
  if (title === null && access.chat.kind === 'group') throw invalid('A title must not be empty')
  if (title === access.chat.title) return detailOf(ctx, viewer, access)
  await transact(
    ctx,
    async (tx) => {
      const chat = await tx.db
        .updateTable('palaver_chats')
        .set({ title })
        .where('id', '=', chatId)
        .returningAll()
        .executeTakeFirst()
      // Deleted since the access check.
      if (!chat) throw notFound('Chat')
      tx.emit(chatUpdatedEvent(chat))
    },
    { chatId },
  )
  return getChat(ctx, viewer, chatId)
}

/** Removes a chat with everything in it; its members each get chat.deleted. */
export async function removeChat(tx: Tx, chatId: number): Promise<void> {
  // Locked first: a send or a join of another process that got the lock before commits before the
  // members are read and the texts cleared, and one after finds the chat gone.
  if (!(await lockChat(tx, chatId))) throw notFound('Chat')
  const members = await tx.db
    .selectFrom('palaver_members')
    .select('user_id')
    .where('chat_id', '=', chatId)
    .execute()
  // Cascades remove members, messages and reactions; earlier events keep no message text (see messages.ts).
  await tx.db
    .updateTable('palaver_events')
    .set({ payload: '{}' })
    .where('chat_id', '=', chatId)
    .where('message_id', 'is not', null)
    .execute()
  await releaseChatAttachments(tx, chatId)
  await tx.db.deleteFrom('palaver_chats').where('id', '=', chatId).execute()
  for (const event of chatDeletedEvent(
    chatId,
    members.map((m) => m.user_id),
  ))
    tx.emit(event)
}

export async function deleteChat(ctx: Context, viewer: Viewer, chatId: number): Promise<void> {
  const access = await loadChat(ctx, ctx.db, chatId, viewer)
  requirePermission(access, 'delete')
  await transact(ctx, (tx) => removeChat(tx, chatId), { chatId })
}

interface ListQuery {
  cursor?: string | undefined
  search?: string | undefined
  kind?: ChatKind | undefined
  limit?: number | undefined
}

const encodeCursor = (chat: Chat & { id: number }) =>
  Buffer.from(`${chat.last_activity_at}:${chat.id}`).toString('base64url')

function decodeCursor(cursor: string): { at: number; id: number } {
  const match = /^(\d{1,16}):(\d{1,16})$/.exec(Buffer.from(cursor, 'base64url').toString())
  if (!match) throw invalid('The cursor is not one this API gave out')
  return { at: Number(match[1]), id: Number(match[2]) }
}

const fold = (text: string) => text.normalize('NFC').toLowerCase()

/**
 * Ids of the viewer's chats that a search finds: by the title the viewer sees, and a DM also by its
 * partner's display name, name or username (even when renamed; even when the partner has left their
 * contact list). Case is ignored in every script, which SQLite's lower() cannot do, so this compares
 * in JavaScript over the viewer's own chats.
 */
async function chatsMatching(ctx: Context, viewer: Viewer, search: string): Promise<number[]> {
  const needle = fold(search)
  const rows = await ctx.db
    .selectFrom('palaver_members as mb')
    .innerJoin('palaver_chats as c', 'c.id', 'mb.chat_id')
    .select(['c.id', 'c.kind', 'c.title', 'c.dm_key', 'c.content_type', 'c.object_id'])
    .where('mb.user_id', '=', viewer.id)
    .execute()
  const peerOf = (dmKey: string | null) => {
    const [a, b] = JSON.parse(dmKey ?? '[]') as string[]
    return a === viewer.id ? b : a
  }
  const peers = await ctx.users.viewsOf(
    rows.filter((r) => r.kind === 'dm' && r.dm_key).map((r) => peerOf(r.dm_key)!),
  )
  const names = await Promise.all(
    rows.map(async (row) => {
      if (row.kind === 'dm') {
        const peer = peers.get(peerOf(row.dm_key) ?? '')
        return [row.title, peer?.displayName, peer?.name, peer?.username]
      }
      if (row.kind === 'room' && row.title === null) {
        const room = await resolveRoom(ctx, row.content_type ?? '', row.object_id ?? '', viewer).catch(
          () => null,
        )
        return [room?.title]
      }
      return [row.title]
    }),
  )
  return rows
    .filter((_, i) => names[i]!.some((name) => name && fold(name).includes(needle)))
    .map((row) => row.id)
}

/** The viewer's chats, most recently active first, with unread counts; `search` matches titles and DM partners. */
export async function listChats(ctx: Context, viewer: Viewer, query: ListQuery): Promise<ChatListView> {
  const limit = query.limit ?? ctx.options.chatsPerPage
  const after = query.cursor ? decodeCursor(query.cursor) : null
  const search = query.search?.trim()
  const disabledKinds = [
    ...(ctx.options.enableDms ? [] : ['dm']),
    ...(ctx.options.enableRooms ? [] : ['room']),
  ]

  let q = ctx.db
    .selectFrom('palaver_members as mb')
    .innerJoin('palaver_chats as c', 'c.id', 'mb.chat_id')
    .selectAll('c')
    .select([
      'mb.role',
      'mb.joined_at',
      'mb.last_read_message_id',
      'mb.last_delivered_message_id',
      'mb.muted_until',
      'mb.marked_unread',
      'mb.user_id',
      'mb.chat_id',
      'mb.id as member_id',
    ])
    .where('mb.user_id', '=', viewer.id)
  if (query.kind) q = q.where('c.kind', '=', query.kind)
  if (disabledKinds.length > 0) q = q.where('c.kind', 'not in', disabledKinds as ChatKind[])
  if (after) {
    q = q.where((eb) =>
      eb.or([
        eb('c.last_activity_at', '<', after.at),
        eb.and([eb('c.last_activity_at', '=', after.at), eb('c.id', '<', after.id)]),
      ]),
    )
  }
  if (search) {
    const matching = await chatsMatching(ctx, viewer, search)
    q = q.where((eb) => (matching.length > 0 ? eb('c.id', 'in', matching) : eb.lit(false)))
  }
  const rows = await q
    .orderBy('c.last_activity_at', 'desc')
    .orderBy('c.id', 'desc')
    .limit(limit + 1)
    .execute()
  const page = rows.slice(0, limit)
  const entries = await Promise.all(
    page.map(async (row) => {
      const chat: Chat = {
        id: row.id,
        kind: row.kind,
        title: row.title,
        dm_key: row.dm_key,
        content_type: row.content_type,
        object_id: row.object_id,
        created_by: row.created_by,
        created_at: row.created_at,
        last_activity_at: row.last_activity_at,
        room_activity_at: row.room_activity_at,
        member_count: row.member_count,
      }
      const member: Member = {
        id: row.member_id,
        chat_id: row.chat_id,
        user_id: row.user_id,
        role: row.role,
        joined_at: row.joined_at,
        last_read_message_id: row.last_read_message_id,
        last_delivered_message_id: row.last_delivered_message_id,
        muted_until: row.muted_until,
        marked_unread: row.marked_unread,
      }
      let room: RoomObject | null = null
      if (chat.kind === 'room')
        room = await resolveRoom(ctx, chat.content_type!, chat.object_id!, viewer).catch(() => null)
      return { chat, member, room }
    }),
  )
  // A room whose object the host now hides is left out of the list, as it would answer 404.
  const visible = entries.filter((e) => e.chat.kind !== 'room' || e.room !== null)
  const chats = await chatViews(ctx, ctx.db, viewer, visible)
  const last = page[page.length - 1]
  return { chats, nextCursor: rows.length > limit && last ? encodeCursor(last) : null }
}
