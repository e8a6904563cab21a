import { sql } from 'kysely'
import { invalid } from '../errors.js'
import { loadChat, memberWith } from './access.js'
import { type Context, type Tx, transact } from './context.js'
import { receiptEvent } from './events.js'
import { unreadCounts } from './unread.js'
import type { Viewer } from './users.js'

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
  memberWith(access, 'leave')
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
  if (upTo > 0) await transact(ctx, (tx) => advanceMarks(tx, chatId, viewer.id, upTo, 'read'), { chatId })
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
