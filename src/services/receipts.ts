import { sql } from 'kysely'
import { forbidden, invalid } from '../errors.js'
import type { ChatView } from '../schemas.js'
import { loadChat, memberWith } from './access.js'
import { type Context, type Tx, transact } from './context.js'
import { receiptEvent } from './events.js'
import { unreadCounts } from './unread.js'
import type { Viewer } from './users.js'
import { chatViewOf } from './views.js'

export type Mark = 'read' | 'delivered'

/**
 * Moves a member's high-water marks forward (never back) and emits receipt.updated when one moved.
 * Reading implies delivery, so a read mark also advances the delivered mark.
 */
export async function advanceMarks(
  tx: Tx,
  chatId: number,
  userId: string,
  messageId: number,
  mark: Mark,
): Promise<void> {
  // One statement: each mark rises to the message when it was below it, and the row comes back only
  // when one of them moved.
  const raise = (column: 'last_read_message_id' | 'last_delivered_message_id') =>
    sql<number>`case when ${sql.ref(column)} < ${messageId} then ${messageId} else ${sql.ref(column)} end`
  const moved = await tx.db
    .updateTable('palaver_members')
    .set({
      ...(mark === 'read' ? { last_read_message_id: raise('last_read_message_id') } : {}),
      last_delivered_message_id: raise('last_delivered_message_id'),
    })
    .where('chat_id', '=', chatId)
    .where('user_id', '=', userId)
    .where((eb) =>
      eb.or([
        eb('last_delivered_message_id', '<', messageId),
        ...(mark === 'read' ? [eb('last_read_message_id', '<', messageId)] : []),
      ]),
    )
    .returning(['last_read_message_id', 'last_delivered_message_id'])
    .executeTakeFirst()
  if (!moved) return
  tx.emit(
    receiptEvent(chatId, [
      {
        userId,
        lastReadMessageId: moved.last_read_message_id,
        lastDeliveredMessageId: moved.last_delivered_message_id,
      },
    ]),
  )
}

/** Marks the chat read up to the newest message, or up to `messageId` when given. */
export async function markAsRead(
  ctx: Context,
  viewer: Viewer,
  chatId: number,
  messageId: number | undefined,
): Promise<{ lastReadMessageId: number; unreadCount: number; unreadMentionCount: number }> {
  const access = await loadChat(ctx, ctx.db, chatId, viewer)
  const { marked_unread } = memberWith(access, 'leave')
  let upTo = messageId
  if (upTo === undefined) {
    const newest = await ctx.db
      .selectFrom('palaver_messages')
      .select((eb) => eb.fn.max('id').as('id'))
      .where('chat_id', '=', chatId)
      .executeTakeFirst()
    upTo = Number(newest?.id ?? 0)
  } else {
    const exists = await ctx.db
      .selectFrom('palaver_messages')
      .select('id')
      .where('id', '=', upTo)
      .where('chat_id', '=', chatId)
      .executeTakeFirst()
    if (!exists) throw invalid('messageId is not a message of this chat')
  }
  // Reading a chat marked unread takes the mark off, though there may be nothing new to read.
  if (upTo > 0 || marked_unread !== null)
    await transact(
      ctx,
      async (tx) => {
        if (upTo > 0) await advanceMarks(tx, chatId, viewer.id, upTo, 'read')
        await setMarkedUnread(tx, chatId, viewer.id, false)
      },
      { chatId },
    )
  const [after, unread] = await Promise.all([
    ctx.db
      .selectFrom('palaver_members')
      .select('last_read_message_id')
      .where('chat_id', '=', chatId)
      .where('user_id', '=', viewer.id)
      .executeTakeFirst(),
    unreadCounts(ctx.db, viewer.id, [chatId]),
  ])
  if (!after) {
    // Left, removed, or the chat deleted since the check: answered as a request made after that (and
    // should they be back in already, as one made now).
    memberWith(await loadChat(ctx, ctx.db, chatId, viewer), 'leave')
    return markAsRead(ctx, viewer, chatId, messageId)
  }
  const left = unread.get(chatId)
  return {
    lastReadMessageId: after.last_read_message_id,
    unreadCount: left?.messages ?? 0,
    unreadMentionCount: left?.mentions ?? 0,
  }
}

/**
 * Marks a chat unread for the viewer, to come back to it, as chat apps do: it asks for attention as one
 * unread message would (see unreadThatCounts) until they next read it. No read receipt moves back: the
 * others saw it read, and it was. The viewer's other connections hear of it (`chat.marked`, to them alone).
 */
export async function markAsUnread(ctx: Context, viewer: Viewer, chatId: number): Promise<ChatView> {
  const access = await loadChat(ctx, ctx.db, chatId, viewer)
  // A room's reader who never joined has no membership to mark.
  if (!access.member) throw forbidden('Only members may mark a chat unread')
  // Marked already: nothing changes, and nobody is told.
  if (access.member.marked_unread === null)
    await transact(ctx, (tx) => setMarkedUnread(tx, chatId, viewer.id, true), { chatId })
  return chatViewOf(ctx, ctx.db, viewer, await loadChat(ctx, ctx.db, chatId, viewer))
}

/** Sets or takes off the member's mark; when it changed, their connections hear of it. */
async function setMarkedUnread(tx: Tx, chatId: number, userId: string, marked: boolean): Promise<void> {
  const updated = await tx.db
    .updateTable('palaver_members')
    .set({ marked_unread: marked ? 1 : null })
    .where('chat_id', '=', chatId)
    .where('user_id', '=', userId)
    .where('marked_unread', marked ? 'is' : 'is not', null)
    .executeTakeFirst()
  // Left or removed meanwhile, or marked as asked already.
  if (updated.numUpdatedRows === 0n) return
  tx.emit({ type: 'chat.marked', chatId: null, userId, data: { chatId, markedUnread: marked } })
}
