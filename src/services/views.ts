import { excerptOf } from '../client/quotes.js'
import type { AttachmentView, ChatView, MessageView, QuoteView, ReactionView, UserView } from '../schemas.js'
import type { Db } from '../storage/dialect.js'
import { type Chat, type Member, type Message, MUTED_FOREVER, messageColumns } from '../storage/schema.js'
import { type ChatAccess, dmPeerId, permissionsOf } from './access.js'
import { attachmentsOf } from './attachments.js'
import { blocksWith } from './blocks.js'
import type { Context } from './context.js'
import { iso } from './events.js'
import { isGuest } from './guests.js'
import { mentionsOf, mentionView, type StoredMention } from './mentions.js'
import type { RoomObject } from './rooms.js'
import { unreadCounts } from './unread.js'
import type { Viewer } from './users.js'

/** Reactions of the given messages, one entry per emoji in the order it was first used. */
export async function reactionsOf(
  db: Db,
  messageIds: readonly number[],
): Promise<Map<number, ReactionView[]>> {
  const byMessage = new Map<number, ReactionView[]>()
  if (messageIds.length === 0) return byMessage
  const rows = await db
    .selectFrom('palaver_reactions')
    .select(['message_id', 'emoji', 'user_id'])
    .where('message_id', 'in', messageIds)
    .orderBy('created_at')
    .orderBy('user_id')
    .execute()
  for (const row of rows) {
    let list = byMessage.get(row.message_id)
    if (!list) byMessage.set(row.message_id, (list = []))
    let entry = list.find((r) => r.emoji === row.emoji)
    if (!entry) list.push((entry = { emoji: row.emoji, count: 0, userIds: [] }))
    entry.count++
    entry.userIds.push(row.user_id)
  }
  return byMessage
}

/** How many of `sorted` (ascending) are at or past `id`. */
function countAtOrPast(sorted: readonly number[], id: number): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (sorted[mid]! < id) lo = mid + 1
    else hi = mid
  }
  return sorted.length - lo
}

interface OthersMarks {
  read: number[]
  delivered: number[]
}

/** Per chat, the read and delivered marks of everyone except the viewer, ascending. */
async function othersMarks(db: Db, chatIds: readonly number[], viewerId: string) {
  const byChat = new Map<number, OthersMarks>()
  if (chatIds.length === 0) return byChat
  const rows = await db
    .selectFrom('palaver_members')
    .select(['chat_id', 'last_read_message_id', 'last_delivered_message_id'])
    .where('chat_id', 'in', chatIds)
    .where('user_id', '!=', viewerId)
    .execute()
  for (const chatId of chatIds) byChat.set(chatId, { read: [], delivered: [] })
  for (const row of rows) {
    const marks = byChat.get(row.chat_id)!
    marks.read.push(row.last_read_message_id)
    marks.delivered.push(Math.max(row.last_delivered_message_id, row.last_read_message_id))
  }
  for (const marks of byChat.values()) {
    marks.read.sort((a, b) => a - b)
    marks.delivered.sort((a, b) => a - b)
  }
  return byChat
}

function receiptOf(marks: OthersMarks, messageId: number): NonNullable<MessageView['receipt']> {
  const recipientCount = marks.read.length
  const readCount = countAtOrPast(marks.read, messageId)
  const deliveredCount = countAtOrPast(marks.delivered, messageId)
  const status =
    recipientCount > 0 && readCount === recipientCount
      ? 'read'
      : recipientCount > 0 && deliveredCount === recipientCount
        ? 'delivered'
        : 'sent'
  return { status, readCount, deliveredCount, recipientCount }
}

/** The columns of a message that a quote of it needs. */
export type QuotedMessage = Pick<Message, 'id' | 'sender_id' | 'body' | 'deleted_at'>

/** What a reply shows of the message it answers, as that message is now. */
export function quoteView(quoted: QuotedMessage, sender: UserView | null): QuoteView {
  const deleted = quoted.deleted_at !== null
  return {
    id: quoted.id,
    senderId: quoted.sender_id,
    sender,
    excerpt: deleted || quoted.body === null ? null : excerptOf(quoted.body),
    deleted,
  }
}

/** The quotes of the messages the given ones answer, by answered id: one query, and one for their senders. */
async function quotesOf(
  ctx: Context,
  db: Db,
  answeredIds: Iterable<number>,
): Promise<Map<number, QuoteView>> {
  const ids = [...new Set(answeredIds)]
  if (ids.length === 0) return new Map()
  const rows = await db
    .selectFrom('palaver_messages')
    .select(['id', 'sender_id', 'body', 'deleted_at'])
    .where('id', 'in', ids)
    .execute()
  const senders = await ctx.users.viewsOf(rows.map((r) => r.sender_id))
  return new Map(rows.map((r) => [r.id, quoteView(r, senders.get(r.sender_id) ?? null)]))
}

/** What a message's view holds besides its row and sender; a new message has none of it. */
export interface MessageExtras {
  reactions?: ReactionView[]
  /** For the sender's own messages. */
  receipt?: MessageView['receipt']
  /** The quote of the message it answers. */
  replyTo?: QuoteView | null
  mentions?: StoredMention[]
  attachments?: AttachmentView[]
}

/**
 * A message as the API shows it. A deleted message shows neither its text nor what it answered, nor
 * whom it mentioned, nor its files.
 */
export function messageView(row: Message, sender: UserView | null, extras: MessageExtras = {}): MessageView {
  const deleted = row.deleted_at !== null
  return {
    id: row.id,
    chatId: row.chat_id,
    senderId: row.sender_id,
    sender,
    body: deleted ? null : row.body,
    clientId: row.client_id,
    replyTo: deleted ? null : (extras.replyTo ?? null),
    // Absent rather than empty: most messages have neither, and every event carries the view to every
    // member (two empty lists made each delivery 6% larger, and PostgreSQL's tail latency with it).
    ...(!deleted && extras.mentions?.length ? { mentions: extras.mentions.map(mentionView) } : {}),
    ...(!deleted && row.mentions_everyone !== null ? { mentionsEveryone: true as const } : {}),
    ...(!deleted && extras.attachments?.length ? { attachments: extras.attachments } : {}),
    ...(!deleted && row.pinned_at !== null
      ? { pinned: { at: iso(row.pinned_at), byId: row.pinned_by! } }
      : {}),
    createdAt: iso(row.created_at),
    editedAt: row.edited_at === null ? null : iso(row.edited_at),
    deleted,
    reactions: deleted ? [] : (extras.reactions ?? []),
    receipt: extras.receipt ?? null,
  }
}

/**
 * Full views of messages (of one chat or several) as `viewer` sees them: senders, reactions and, on the
 * viewer's own messages, the receipt status computed from the members' high-water marks. A fixed number
 * of queries, run side by side, however many messages and chats.
 */
export async function messageViews(
  ctx: Context,
  db: Db,
  rows: readonly Message[],
  viewer: Viewer | null,
): Promise<MessageView[]> {
  if (rows.length === 0) return []
  const isOwn = (row: Message) => viewer !== null && row.sender_id === viewer.id && row.deleted_at === null
  const chatsWithOwn = [...new Set(rows.filter(isOwn).map((r) => r.chat_id))]
  const answered = rows.flatMap((r) =>
    r.reply_to_id === null || r.deleted_at !== null ? [] : [r.reply_to_id],
  )
  const ids = rows.map((r) => r.id)
  const [senders, reactions, marks, quotes, mentions, attachments] = await Promise.all([
    ctx.users.viewsOf(rows.map((r) => r.sender_id)),
    reactionsOf(db, ids),
    viewer ? othersMarks(db, chatsWithOwn, viewer.id) : new Map<number, OthersMarks>(),
    quotesOf(ctx, db, answered),
    mentionsOf(ctx, db, ids),
    attachmentsOf(ctx, db, ids),
  ])
  return rows.map((row) => {
    const chatMarks = isOwn(row) ? marks.get(row.chat_id) : undefined
    return messageView(row, senders.get(row.sender_id) ?? null, {
      reactions: reactions.get(row.id) ?? [],
      receipt: chatMarks ? receiptOf(chatMarks, row.id) : null,
      replyTo: row.reply_to_id === null ? null : (quotes.get(row.reply_to_id) ?? null),
      mentions: mentions.get(row.id) ?? [],
      attachments: attachments.get(row.id) ?? [],
    })
  })
}

/** Views of chats for one viewer, built with a fixed number of queries however many chats there are. */
export async function chatViews(
  ctx: Context,
  db: Db,
  viewer: Viewer,
  entries: ReadonlyArray<{ chat: Chat; member: Member | null; room: RoomObject | null }>,
): Promise<ChatView[]> {
  if (entries.length === 0) return []
  const chatIds = entries.map((e) => e.chat.id)
  const now = Date.now()
  const showDeleted = ctx.options.showDeletedMessageIndicators
  const peerIds = entries.flatMap(({ chat }) => dmPeerId(chat, viewer.id) ?? [])
  const [unread, lastMessages, peers, blocks] = await Promise.all([
    unreadCounts(
      db,
      viewer.id,
      entries.flatMap((e) => (e.member ? [e.chat.id] : [])),
    ),
    lastMessagesOf(db, chatIds, showDeleted),
    dmPeers(ctx, viewer.id, entries),
    blocksWith(db, viewer.id, peerIds),
  ])
  const senders = await ctx.users.viewsOf([...lastMessages.values()].map((m) => m.sender_id))
  return entries.map(({ chat, member, room }) => {
    const last = lastMessages.get(chat.id)
    const peer = peers.get(chat.id) ?? null
    const peerId = dmPeerId(chat, viewer.id)
    const dmBlock = peerId === null ? null : (blocks.get(peerId) ?? null)
    const title = chat.title || (chat.kind === 'room' ? room?.title : peer?.displayName) || defaultTitle(chat)
    let lastMessage: ChatView['lastMessage'] = null
    if (last) {
      const {
        reactions: _r,
        receipt: _c,
        replyTo: _q,
        mentions: _m,
        mentionsEveryone: _e,
        attachments: _a,
        ...rest
      } = messageView(last, senders.get(last.sender_id) ?? null)
      lastMessage = rest
    }
    return {
      id: chat.id,
      kind: chat.kind,
      title,
      customTitle: chat.title,
      room:
        chat.kind === 'room' && chat.content_type && chat.object_id
          ? { contentType: chat.content_type, objectId: chat.object_id, access: room?.access ?? 'public' }
          : null,
      peer,
      memberCount: chat.member_count,
      role: member?.role ?? null,
      unreadCount: unread.get(chat.id)?.messages ?? 0,
      unreadMentionCount: unread.get(chat.id)?.mentions ?? 0,
      lastReadMessageId: member?.last_read_message_id ?? 0,
      peerBlocked: dmBlock === 'mine',
      ...muteOf(member?.muted_until ?? null, now),
      markedUnread: member?.marked_unread === 1,
      lastMessage,
      createdAt: iso(chat.created_at),
      lastActivityAt: iso(chat.last_activity_at),
      permissions: permissionsOf(ctx, chat, member, room, dmBlock, isGuest(viewer)),
    }
  })
}

/** A member's mute as views and events show it: a mute that ran out is no mute. */
export function muteOf(mutedUntil: number | null, now: number): Pick<ChatView, 'muted' | 'mutedUntil'> {
  if (mutedUntil === null || mutedUntil <= now) return { muted: false, mutedUntil: null }
  return { muted: true, mutedUntil: mutedUntil === MUTED_FOREVER ? null : iso(mutedUntil) }
}

export const chatViewOf = async (ctx: Context, db: Db, viewer: Viewer, access: ChatAccess) =>
  (await chatViews(ctx, db, viewer, [access]))[0]!

function defaultTitle(chat: Chat): string {
  return chat.kind === 'dm' ? 'Direct message' : chat.kind === 'room' ? 'Room' : 'Group chat'
}

/**
 * The newest message of each chat. One backward index step per chat (a subquery per chat row),
 * never a scan of a chat's history: a room with 100,000 messages costs what a DM costs.
 */
async function lastMessagesOf(db: Db, chatIds: readonly number[], includeDeleted: boolean) {
  if (chatIds.length === 0) return new Map<number, Message>()
  const newest = await db
    .selectFrom('palaver_chats as c')
    .select((eb) =>
      eb
        .selectFrom('palaver_messages as l')
        .select('l.id')
        .whereRef('l.chat_id', '=', 'c.id')
        .$if(!includeDeleted, (q) => q.where('l.deleted_at', 'is', null))
        .orderBy('l.id', 'desc')
        .limit(1)
        .as('id'),
    )
    .where('c.id', 'in', chatIds)
    .execute()
  const ids = newest.map((r) => r.id).filter((id): id is number => id !== null)
  if (ids.length === 0) return new Map<number, Message>()
  const rows = await db.selectFrom('palaver_messages').select(messageColumns).where('id', 'in', ids).execute()
  return new Map(rows.map((r) => [r.chat_id, r]))
}

/** For each DM, the other person (a self-chat's peer is the viewer). */
async function dmPeers(
  ctx: Context,
  viewerId: string,
  entries: ReadonlyArray<{ chat: Chat }>,
): Promise<Map<number, UserView>> {
  const dms = entries.filter((e) => e.chat.kind === 'dm' && e.chat.dm_key)
  const peerIds = new Map(
    dms.map(({ chat }) => {
      const [a, b] = JSON.parse(chat.dm_key!) as [string, string]
      return [chat.id, a === viewerId ? b : a]
    }),
  )
  const views = await ctx.users.viewsOf(peerIds.values())
  return new Map([...peerIds].map(([chatId, userId]) => [chatId, views.get(userId)!]))
}
