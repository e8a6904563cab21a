import type { Kysely } from 'kysely'
import { writesEveryone } from '../client/mentions.js'
import { forbidden, invalid, notFound, PalaverError } from '../errors.js'
import type { HistoryQuery, HistoryView, MessageView, QuoteView, UserView } from '../schemas.js'
import type { Db, NotStored, SqlDialect, StoredMessage } from '../storage/dialect.js'
import {
  type Chat,
  type DatabaseSchema,
  type EventRow,
  type Message,
  messageColumns,
} from '../storage/schema.js'
import { type ChatAccess, dmPeerId, loadChat, memberWith } from './access.js'
import { detachDeleted, forgetFiles } from './attachment-deletion.js'
import {
  attachmentsOf,
  attachToMessage,
  checkAttachmentIds,
  hasAttachments,
  unsentAttachments,
} from './attachments.js'
import { bringBackToDm } from './chats.js'
import { type Context, type NewEvent, type NewSend, type Tx, transact } from './context.js'
import { type EventPayloads, messageDeletedEvent, messageEvent } from './events.js'
import type { BulkAloneResult, BulkOutcome } from './group-commit.js'
import {
  everyoneMentioned,
  mentionedMembers,
  mentionsOf,
  namedIds,
  namedUsers,
  storeMentions,
  writtenMentions,
} from './mentions.js'
import { type MessageToModerate, moderate } from './moderation.js'
import { advanceMarks } from './receipts.js'
import type { RefusalCodec } from './send-forwarding.js'
import { invisible, storableText } from './text.js'
import type { Viewer } from './users.js'
import { type MessageExtras, messageView, messageViews, quoteView, reactionsOf } from './views.js'

/**
 * Cleans and trims a body and checks it against the length limit; a body with nothing visible is refused,
 * unless the message carries files (an empty text is then no text).
 */
function cleanBody(ctx: Context, body: string, withFiles = false): string {
  const trimmed = storableText(body).trim()
  if (invisible.test(trimmed)) {
    if (withFiles) return ''
    throw invalid('A message must not be empty')
  }
  const max = ctx.options.limits.messageLength
  // Characters, not UTF-16 units; no text has more characters than units, so most need no count.
  if (trimmed.length > max && [...trimmed].length > max)
    throw new PalaverError('too_large', `A message has at most ${max} characters`)
  return trimmed
}

/** The text the host's moderator lets through, checked as a written one is (a replacement may be too long). */
async function moderated(ctx: Context, message: MessageToModerate, withFiles: boolean): Promise<string> {
  return cleanBody(ctx, await moderate(ctx.options.moderateMessage!, message), withFiles)
}

/** A client-chosen id is opaque, but it must be printable text the databases can store. */
function cleanClientId(clientId: string | undefined): string | null {
  if (clientId === undefined) return null
  if (storableText(clientId) !== clientId || clientId.trim() === '')
    throw invalid('clientId must be printable text')
  return clientId
}

export async function viewOne(
  ctx: Context,
  db: Db,
  row: Message,
  viewer: Viewer | null,
): Promise<MessageView> {
  return (await messageViews(ctx, db, [row], viewer))[0]!
}

/**
 * Sends a message. A `clientId` makes a retried send land once: the second attempt answers
 * with the message the first one stored (and `created: false`).
 *
 * To a chat where membership alone decides who may post, the store checks it itself (`memberOnly`), in
 * the statement that stores the message: one query less before every send, which on PostgreSQL is a
 * round trip and a statement of its own. Whatever the store does not take is checked the usual way.
 */
export async function sendMessage(
  ctx: Context,
  viewer: Viewer,
  chatId: number,
  input: {
    body: string
    clientId?: string | undefined
    replyToId?: number | undefined
    mentionIds?: readonly string[] | undefined
    mentionsEveryone?: boolean | undefined
    attachmentIds?: readonly number[] | undefined
  },
): Promise<{ message: MessageView; created: boolean }> {
  const attachmentIds = [...new Set(input.attachmentIds ?? [])]
  checkAttachmentIds(ctx, attachmentIds)
  let body = cleanBody(ctx, input.body, attachmentIds.length > 0)
  const clientId = cleanClientId(input.clientId)
  /** A failed send may be the retry of one that was stored: that one is the answer. */
  const retriedOr = async (error: unknown) => {
    const retried =
      clientId === null
        ? undefined
        : await ctx.db
            .selectFrom('palaver_messages')
            .select(messageColumns)
            .where('sender_id', '=', viewer.id)
            .where('client_id', '=', clientId)
            .executeTakeFirst()
    if (retried) return { message: await sameChatRetry(ctx, retried, chatId, viewer), created: false }
    throw error
  }
  // Only where the host moderates: every other send goes on in the same turn.
  if (ctx.options.moderateMessage) {
    try {
      const message = { chatId, sender: viewer, body, attachmentIds, editOf: null }
      body = await moderated(ctx, message, attachmentIds.length > 0)
    } catch (error) {
      return retriedOr(error)
    }
  }
  const replyToId = input.replyToId ?? null
  const mentionIds = namedIds(viewer.id, input.mentionIds)
  // Asked for where the text writes it: who may is known once the chat is loaded.
  const everyoneAsked = input.mentionsEveryone === true && writesEveryone(body)
  // A reply quotes a message, a mention names members and files are the sender's uploads, all found as
  // the message is stored: each makes the send a change of its own (see below), as @everyone does. Every
  // other send may take the bulk lane.
  const plain = replyToId === null && mentionIds.length === 0 && attachmentIds.length === 0 && !everyoneAsked
  const send: NewSend = {
    chatId,
    senderId: viewer.id,
    sender: viewer,
    body,
    clientId,
    replyToId: null,
    quote: null,
    mentions: [],
    attachments: [],
    memberOnly: false,
  }
  if (plain && membershipDecides(ctx, chatId)) {
    try {
      return sent(await ctx.storeSend({ ...send, memberOnly: true }, { chatId }), viewer)
    } catch (error) {
      if (!(error instanceof AccessUnchecked)) return retriedOr(error)
    }
  }
  try {
    return await checkedSend(true)
  } catch (error) {
    if (!(error instanceof AccessUnchecked)) throw error
  }
  // The access checked was lost while the send waited for its chat (a removal, or a DM's other person
  // leaving, committed in between): checked once more, which says why, or takes the way that now fits.
  return checkedSend(false)

  /**
   * The send with its access checked first. A plain one where membership decides is checked again by the
   * store once the chat is locked (`recheck`), as the first way does: the kind of a chat this process had
   * not loaded is known from here on.
   */
  async function checkedSend(recheck: boolean): Promise<{ message: MessageView; created: boolean }> {
    const access = await loadChat(ctx, ctx.db, chatId, viewer)
    const member = memberWith(access, 'post')
    const mentionsEveryone = everyoneMentioned(everyoneAsked, body, access.chat, member)
    const absentPeer = await absentDmPeer(ctx, access.chat, viewer)
    try {
      // A DM is between two people: writing to someone who left it brings them back; a reply quotes a
      // message that must still be there when it is stored, as the members a message mentions and the files
      // it carries must be. Each is a change of its own; every other send goes through the bulk lane, where
      // a batch stores all its sends at once.
      if (absentPeer === null && plain) {
        const memberOnly = recheck && membershipDecides(ctx, chatId)
        return sent(await ctx.storeSend({ ...send, memberOnly }, { chatId }), viewer)
      }
      const [quotedSender, named] = await Promise.all([
        replyToId === null ? null : senderOf(ctx, replyToId),
        namedUsers(ctx, mentionIds),
      ])
      const { stored, extras } = await transact(
        ctx,
        async (tx) => {
          if (absentPeer && !(await bringBackToDm(ctx, tx, chatId, absentPeer))) throw notFound('Chat')
          const quote =
            replyToId === null ? null : await quoteToAnswer(ctx, tx, chatId, replyToId, quotedSender)
          const mentions = writtenMentions(body, await mentionedMembers(tx, chatId, named))
          const attachments = await unsentAttachments(ctx, tx, chatId, viewer.id, attachmentIds)
          const full = { ...send, replyToId, quote, mentions, attachments, mentionsEveryone }
          const outcome = (await storeSends(tx.db, tx.now, [full], ctx.dialect))[0]!
          if ('error' in outcome) throw outcome.error
          const messageId = outcome.value.row.id
          await storeMentions(tx, messageId, mentions)
          await attachToMessage(tx, messageId, attachmentIds)
          for (const event of outcome.record) tx.emit(event)
          return { stored: outcome.value, extras: { replyTo: quote, mentions, attachments } }
        },
        { chatId },
      )
      return sent(stored, viewer, extras)
    } catch (error) {
      if (error instanceof AccessUnchecked) throw error
      return retriedOr(error)
    }
  }
}

/**
 * The view of a message's sender, read before the transaction that quotes it: the directory may need the
 * one connection a SQLite transaction holds, and a message's sender never changes.
 */
async function senderOf(ctx: Context, messageId: number): Promise<UserView | null> {
  const row = await ctx.db
    .selectFrom('palaver_messages')
    .select('sender_id')
    .where('id', '=', messageId)
    .executeTakeFirst()
  return row ? ((await ctx.users.viewsOf([row.sender_id])).get(row.sender_id) ?? null) : null
}

/**
 * A message as a reply quotes it now, read inside the transaction that stores or rewrites the reply. On
 * PostgreSQL its row stays locked until that commits: a delete waits for the reply and then rewrites its
 * quote, and a reply that waited for a delete finds the message deleted. Either way no quote keeps a
 * deleted text. (SQLite has one writer: nothing runs between the read and the write.)
 */
async function quoteNow(ctx: Context, tx: Tx, messageId: number, sender: UserView | null) {
  const quoted = await tx.db
    .selectFrom('palaver_messages')
    .select(['id', 'chat_id', 'sender_id', 'body', 'deleted_at'])
    .where('id', '=', messageId)
    .$if(ctx.dialect.name === 'postgres', (q) => q.forShare())
    .executeTakeFirst()
  return quoted && { chatId: quoted.chat_id, quote: quoteView(quoted, sender) }
}

/** The quote for a new reply: the message it answers must be of the same chat, and not deleted. */
async function quoteToAnswer(
  ctx: Context,
  tx: Tx,
  chatId: number,
  replyToId: number,
  sender: UserView | null,
): Promise<QuoteView> {
  const answered = await quoteNow(ctx, tx, replyToId, sender)
  // Not found and elsewhere are one answer: a reply must not tell whether a message exists in another chat.
  if (!answered || answered.chatId !== chatId) throw invalid('replyToId must name a message of this chat')
  if (answered.quote.deleted) throw new PalaverError('conflict', 'The message you reply to was deleted')
  return answered.quote
}

/**
 * Whether membership alone decides who may post in a chat, as far as this process knows its kind: a
 * group, or a DM while DMs are enabled. A room's host has a say, and a chat never loaded here is unknown.
 */
function membershipDecides(ctx: Context, chatId: number): boolean {
  const kind = ctx.chatKinds.get(chatId)
  return kind === 'group' || (kind === 'dm' && ctx.options.enableDms)
}

/** A memberOnly send the store did not take (see NewMessage): access is checked the usual way. */
class AccessUnchecked extends Error {
  constructor() {
    super('the sender’s access to the chat was not checked')
  }
}

/** The sender’s view of a message just stored, with the quote, mentions and files found as it was stored. */
function sent(
  { row, memberCount }: StoredMessage,
  viewer: Viewer,
  extras: Pick<MessageExtras, 'replyTo' | 'mentions' | 'attachments'> = {},
): { message: MessageView; created: boolean } {
  // Nobody else can have received or read a message newer than every mark: its view needs no query.
  const recipientCount = Math.max(0, memberCount - 1)
  const receipt = { status: 'sent' as const, readCount: 0, deliveredCount: 0, recipientCount }
  return { message: messageView(row, viewer, { ...extras, receipt }), created: true }
}

/**
 * The bulk lane's step: stores the sends of a batch (one statement on PostgreSQL) and gives each its
 * message.created. Writing a message also means having read the chat up to it: the sender's marks move
 * with it, and its message.created says so to every member, so no receipt.updated doubles the fan-out.
 */
export async function storeSends(
  db: Db,
  now: number,
  sends: readonly NewSend[],
  dialect: SqlDialect,
): Promise<Array<BulkOutcome<StoredMessage, NewEvent[]>>> {
  const outcomes = await dialect.appendMessages(db, sends, now)
  return outcomes.map((outcome, i) => {
    if (typeof outcome === 'string') return refusal(outcome)
    const { sender, quote, mentions, attachments } = sends[i]!
    return {
      value: outcome,
      record: [createdEvent(outcome.row, sender, { replyTo: quote, mentions, attachments })],
    }
  })
}

/**
 * storeSends for a batch of nothing but sends, where the dialect stores them with their events in one
 * statement of its own: each message.created is written before its message has an id, as the text
 * around where the id goes.
 */
export async function storeSendsAlone(
  db: Kysely<DatabaseSchema>,
  now: number,
  sends: readonly NewSend[],
  appendAlone: NonNullable<SqlDialect['appendMessagesAlone']>,
): Promise<BulkAloneResult<StoredMessage, NewEvent[], EventRow[]>> {
  const withEvents = sends.map((send) => {
    if (
      send.replyToId !== null ||
      send.mentions.length > 0 ||
      send.attachments.length > 0 ||
      send.mentionsEveryone
    )
      throw new Error('a reply, a mention or a file is stored in a change of its own, not in a batch')
    return { ...send, replyToId: null, mentionsEveryone: false as const, ...payloadAroundId(send, now) }
  })
  const appended = await appendAlone(db, withEvents, now)
  const events: EventRow[] = []
  const outcomes = appended.map((outcome, i): BulkOutcome<StoredMessage, NewEvent[]> => {
    if (typeof outcome === 'string') return refusal(outcome)
    const { row } = outcome.stored
    const { payloadHead, payloadTail, unsaved } = withEvents[i]!
    // The view the payload was written from, with its id: building it again from the row costs as much.
    const event = messageEvent('message.created', { ...unsaved, id: row.id })
    events.push({
      cursor: outcome.cursor,
      type: event.type,
      chat_id: event.chatId,
      user_id: null,
      message_id: row.id,
      // As the database wrote it (the same text as event.data's).
      payload: `${payloadHead}${row.id}${payloadTail}`,
      created_at: now,
    })
    return { value: outcome.stored, record: [event] }
  })
  return { outcomes, answer: events.sort((a, b) => a.cursor - b.cursor) }
}

/** A new message's message.created: nobody has reacted to it or received it yet. */
const createdEvent = (
  row: Message,
  sender: UserView,
  extras: Pick<MessageExtras, 'replyTo' | 'mentions' | 'attachments'>,
) => messageEvent('message.created', messageView(row, sender, extras))

/** The kind of each refusal's error, so that a refusal can travel from the process that stored the send. */
const refusalKinds = new WeakMap<object, NotStored>()

/** Why a send was not stored; a duplicate is answered by the caller, who finds what the first one stored. */
function refusalError(outcome: NotStored): Error {
  const error =
    outcome === 'chat_gone'
      ? notFound('Chat')
      : outcome === 'duplicate'
        ? new PalaverError('conflict', 'This clientId was used before')
        : new AccessUnchecked()
  refusalKinds.set(error, outcome)
  return error
}

const refusal = (outcome: NotStored) => ({ error: refusalError(outcome) })

/** Refusals as SendForwarding carries them between processes. */
export const sendRefusals: RefusalCodec = {
  kindOf: (error) => (typeof error === 'object' && error !== null ? refusalKinds.get(error) : undefined),
  errorOf: refusalError,
}

/**
 * A send's message.created payload split where its message id goes (the view's first field), and the
 * view it was written from (its id 0).
 */
function payloadAroundId(
  send: NewSend,
  now: number,
): { payloadHead: string; payloadTail: string; unsaved: MessageView } {
  const row: Message = {
    id: 0,
    chat_id: send.chatId,
    sender_id: send.senderId,
    body: send.body,
    client_id: send.clientId,
    reply_to_id: send.replyToId,
    mentions_everyone: null,
    pinned_at: null,
    pinned_by: null,
    created_at: now,
    edited_at: null,
    deleted_at: null,
  }
  const view = messageView(row, send.sender, {
    replyTo: send.quote,
    mentions: send.mentions,
    attachments: send.attachments,
  })
  const payload = JSON.stringify({ message: view } satisfies EventPayloads['message.created'])
  const payloadHead = '{"message":{"id":'
  if (!payload.startsWith(`${payloadHead}0,`)) throw new Error('a message view must begin with its id')
  return { payloadHead, payloadTail: payload.slice(payloadHead.length + 1), unsaved: view }
}

/** The other person of a DM when they have left it; null for groups, rooms, self-chats and full DMs. */
async function absentDmPeer(ctx: Context, chat: Chat, viewer: Viewer): Promise<UserView | null> {
  if (chat.member_count >= 2) return null
  const peerId = dmPeerId(chat, viewer.id)
  if (peerId === null) return null
  const present = await ctx.db
    .selectFrom('palaver_members')
    .select('user_id')
    .where('chat_id', '=', chat.id)
    .where('user_id', '=', peerId)
    .executeTakeFirst()
  return present ? null : ((await ctx.users.viewsOf([peerId])).get(peerId) ?? null)
}

async function sameChatRetry(
  ctx: Context,
  row: Message,
  chatId: number,
  viewer: Viewer,
): Promise<MessageView> {
  if (row.chat_id !== chatId)
    throw new PalaverError('conflict', 'This clientId was already used in another chat')
  return viewOne(ctx, ctx.db, row, viewer)
}

/** Loads a message whose chat the viewer may see; anything else is 404. */
export async function loadMessage(
  ctx: Context,
  viewer: Viewer,
  messageId: number,
): Promise<{ row: Message; access: ChatAccess }> {
  const row = await ctx.db
    .selectFrom('palaver_messages')
    .select(messageColumns)
    .where('id', '=', messageId)
    .executeTakeFirst()
  if (!row) throw notFound('Message')
  const access = await loadChat(ctx, ctx.db, row.chat_id, viewer).catch((error: unknown) => {
    throw error instanceof PalaverError && error.code === 'not_found' ? notFound('Message') : error
  })
  if (row.deleted_at !== null && !ctx.options.showDeletedMessageIndicators) throw notFound('Message')
  return { row, access }
}

export async function getMessage(ctx: Context, viewer: Viewer, messageId: number): Promise<MessageView> {
  const { row } = await loadMessage(ctx, viewer, messageId)
  return viewOne(ctx, ctx.db, row, viewer)
}

function requireOwnLiveMessage(row: Message, viewer: Viewer, action: string): void {
  if (row.sender_id !== viewer.id) throw forbidden(`You may only ${action} your own messages`)
  if (row.deleted_at !== null) throw new PalaverError('conflict', 'This message was deleted')
}

/**
 * Edits the viewer's own message; it is marked edited and keeps its original time. With `mentionIds`
 * the edit says whom the new text mentions; without, the message keeps its mentions. So with
 * `mentionsEveryone`; either way a text that no longer writes "@everyone" mentions everyone no more.
 */
export async function editMessage(
  ctx: Context,
  viewer: Viewer,
  messageId: number,
  input: {
    body: string
    mentionIds?: readonly string[] | undefined
    mentionsEveryone?: boolean | undefined
  },
): Promise<MessageView> {
  if (!ctx.options.allowEditingMessages) throw forbidden('Editing messages is disabled on this site')
  const { row, access } = await loadMessage(ctx, viewer, messageId)
  const member = memberWith(access, 'post')
  requireOwnLiveMessage(row, viewer, 'edit')
  const withFiles = await hasAttachments(ctx.db, messageId)
  let body = cleanBody(ctx, input.body, withFiles)
  if (ctx.options.moderateMessage && body !== row.body)
    body = await moderated(
      ctx,
      { chatId: row.chat_id, sender: viewer, body, attachmentIds: [], editOf: messageId },
      withFiles,
    )
  // Kept as it was without a say (no check: the sender was allowed), unless the text lost "@everyone".
  const mentionsEveryone =
    input.mentionsEveryone === undefined
      ? row.mentions_everyone !== null && writesEveryone(body)
      : everyoneMentioned(input.mentionsEveryone, body, access.chat, member)
  // Read before the transaction, as the quoted sender is: the directory may need its connection.
  const [quotedSender, before, named] = await Promise.all([
    row.reply_to_id === null ? null : senderOf(ctx, row.reply_to_id),
    mentionsOf(ctx, ctx.db, [messageId]).then((m) => m.get(messageId) ?? []),
    input.mentionIds === undefined ? null : namedUsers(ctx, namedIds(viewer.id, input.mentionIds)),
  ])
  const sameMentions =
    (named === null || sameUsers(named, before)) && mentionsEveryone === (row.mentions_everyone !== null)
  if (row.body === body && sameMentions) return viewOne(ctx, ctx.db, row, viewer)
  const updated = await transact(
    ctx,
    async (tx) => {
      const edited = await tx.db
        .updateTable('palaver_messages')
        .set({ body, edited_at: tx.now, mentions_everyone: mentionsEveryone ? 1 : null })
        .where('id', '=', messageId)
        .where('deleted_at', 'is', null)
        .returning(messageColumns)
        .executeTakeFirst()
      if (!edited) throw new PalaverError('conflict', 'This message was deleted')
      // The new text may write a kept mention otherwise, or no longer: found again either way.
      const members = named === null ? before : await mentionedMembers(tx, edited.chat_id, named)
      const mentions = writtenMentions(body, members, before)
      await storeMentions(tx, edited.id, mentions)
      const [reactions, quoted, attachments] = await Promise.all([
        reactionsOf(tx.db, [edited.id]),
        edited.reply_to_id === null ? undefined : quoteNow(ctx, tx, edited.reply_to_id, quotedSender),
        attachmentsOf(ctx, tx.db, [edited.id]),
      ])
      const view = messageView(edited, viewer, {
        reactions: reactions.get(edited.id) ?? [],
        replyTo: quoted?.quote ?? null,
        mentions,
        attachments: attachments.get(edited.id) ?? [],
      })
      await rewriteEarlierEvents(tx, view)
      await requoteReplies(tx, quoteView(edited, viewer))
      tx.emit(messageEvent('message.updated', view))
      return edited
    },
    { chatId: row.chat_id },
  )
  return viewOne(ctx, ctx.db, updated, viewer)
}

const sameUsers = (a: readonly UserView[], b: readonly UserView[]) =>
  a.length === b.length && a.every((user, i) => user.id === b[i]!.id)

/**
 * Rewrites the earlier created/updated events of a message to its current version, so an old text does
 * not outlive an edit or a delete in the event log, and a client replaying the log still gets well-formed
 * events (a deleted message replays as its tombstone).
 */
export async function rewriteEarlierEvents(tx: Tx, message: MessageView): Promise<void> {
  await tx.db
    .updateTable('palaver_events')
    .set({ payload: JSON.stringify({ message }) })
    .where('message_id', '=', message.id)
    .where('type', 'in', ['message.created', 'message.updated'])
    .execute()
}

/**
 * Rewrites the quote in the earlier events of the replies to a message that was edited or deleted, so
 * that they show it as it is now: a deleted text must not live on in a quote. Only the quote changes, so
 * nothing but the quote is written (no directory or reaction lookups). No event tells of it: a client
 * holding the replies updates their quotes on the message's own message.updated or message.deleted.
 */
async function requoteReplies(tx: Tx, quote: QuoteView): Promise<void> {
  const events = await tx.db
    .selectFrom('palaver_messages as m')
    .innerJoin('palaver_events as e', 'e.message_id', 'm.id')
    .select(['e.cursor', 'e.payload'])
    .where('m.reply_to_id', '=', quote.id)
    .where('m.deleted_at', 'is', null)
    .where('e.type', 'in', ['message.created', 'message.updated'])
    .execute()
  for (const { cursor, payload } of events) {
    const { message } = JSON.parse(payload) as EventPayloads['message.created']
    const requoted = JSON.stringify({ message: { ...message, replyTo: quote } })
    await tx.db
      .updateTable('palaver_events')
      .set({ payload: requoted })
      .where('cursor', '=', cursor)
      .execute()
  }
}

/**
 * Deletes the viewer's own message: the text leaves storage (the row stays as a tombstone so
 * the conversation keeps its shape), its reactions go, and earlier events stop carrying the text.
 */
export async function deleteMessage(ctx: Context, viewer: Viewer, messageId: number): Promise<void> {
  if (!ctx.options.allowDeletingMessages) throw forbidden('Deleting messages is disabled on this site')
  const { row, access } = await loadMessage(ctx, viewer, messageId)
  memberWith(access, 'post')
  requireOwnLiveMessage(row, viewer, 'delete')
  const files = await transact(
    ctx,
    async (tx) => {
      const deleted = await tx.db
        .updateTable('palaver_messages')
        // A message gone is pinned no more either.
        .set({ body: null, deleted_at: tx.now, mentions_everyone: null, pinned_at: null, pinned_by: null })
        .where('id', '=', messageId)
        .where('deleted_at', 'is', null)
        .returning(messageColumns)
        .executeTakeFirst()
      if (!deleted) throw new PalaverError('conflict', 'This message was already deleted')
      await tx.db.deleteFrom('palaver_reactions').where('message_id', '=', messageId).execute()
      // Nobody is mentioned by a message that is gone: it leaves their unread mention counts too.
      await tx.db.deleteFrom('palaver_mentions').where('message_id', '=', messageId).execute()
      const files = await detachDeleted(tx, messageId)
      const tombstone = messageView(deleted, viewer)
      await rewriteEarlierEvents(tx, tombstone)
      await requoteReplies(tx, quoteView(deleted, viewer))
      tx.emit(messageDeletedEvent(tombstone))
      return files
    },
    { chatId: row.chat_id },
  )
  // Its files leave storage too, once nothing refers to them.
  await forgetFiles(ctx, files)
}

/**
 * A page of history. Without cursors: the newest page. `before`/`after` page older/newer from a
 * message id; `around` centres a page on a message (for jumping to a search result).
 */
export async function history(
  ctx: Context,
  viewer: Viewer,
  chatId: number,
  query: HistoryQuery,
): Promise<HistoryView> {
  const given = [query.before, query.after, query.around].filter((v) => v !== undefined).length
  if (given > 1) throw invalid('Give at most one of before, after and around')
  // The page is read while access is checked (one round trip less); it is shown only if access holds.
  const [access, page] = await Promise.all([
    loadChat(ctx, ctx.db, chatId, viewer),
    historyPage(ctx, chatId, query),
  ])
  const { rows, hasOlder, hasNewer } = page
  const messages = await messageViews(ctx, ctx.db, rows, viewer)
  const newest = rows[rows.length - 1]
  if (access.member && newest && newest.id > access.member.last_delivered_message_id) {
    // Fetching history is receiving it: the sender sees "delivered".
    await transact(ctx, (tx) => advanceMarks(tx, chatId, viewer.id, newest.id, 'delivered'), { chatId })
  }
  return { messages, hasOlder, hasNewer }
}

/** The rows of one page of a chat's history, oldest first, and whether there is more on either side. */
async function historyPage(
  ctx: Context,
  chatId: number,
  query: HistoryQuery,
): Promise<{ rows: Message[]; hasOlder: boolean; hasNewer: boolean }> {
  const limit = query.limit ?? ctx.options.messagesPerPage
  const hideDeleted = !ctx.options.showDeletedMessageIndicators
  const base = () =>
    ctx.db
      .selectFrom('palaver_messages')
      .select(messageColumns)
      .where('chat_id', '=', chatId)
      .$if(hideDeleted, (q) => q.where('deleted_at', 'is', null))

  const older = (beforeId: number, n: number) =>
    base().where('id', '<', beforeId).orderBy('id', 'desc').limit(n).execute()
  const newer = (fromId: number, n: number) =>
    base().where('id', '>=', fromId).orderBy('id', 'asc').limit(n).execute()

  let rows: Message[]
  let hasOlder: boolean
  let hasNewer: boolean
  if (query.after !== undefined) {
    const page = await newer(query.after + 1, limit + 1)
    hasNewer = page.length > limit
    rows = page.slice(0, limit)
    hasOlder = (await older(query.after + 1, 1)).length > 0
  } else if (query.around !== undefined) {
    // Half the page before the message, the rest from it on; near either end the other side fills the page.
    const [up, down] = await Promise.all([older(query.around, limit + 1), newer(query.around, limit + 1)])
    const takeDown = Math.min(down.length, limit - Math.min(Math.floor(limit / 2), up.length))
    const takeUp = Math.min(up.length, limit - takeDown)
    hasOlder = up.length > takeUp
    hasNewer = down.length > takeDown
    rows = [...up.slice(0, takeUp).reverse(), ...down.slice(0, takeDown)]
  } else {
    const page = await older(query.before ?? Number.MAX_SAFE_INTEGER, limit + 1)
    hasOlder = page.length > limit
    rows = page.slice(0, limit).reverse()
    hasNewer = query.before !== undefined && (await newer(query.before, 1)).length > 0
  }
  return { rows, hasOlder, hasNewer }
}
