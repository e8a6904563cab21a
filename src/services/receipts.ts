import { invalid } from '../errors.js'
import { loadChat, memberWith } from './access.js'
import { type Context, type Tx, transact } from './context.js'
import { receiptEvent } from './events.js'
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
  const member = () =>
    tx.db.updateTable('palaver_members').where('chat_id', '=', chatId).where('user_id', '=', userId)
  let moved = 0n
  if (mark === 'read') {
    const r = await member()
      .set({ last_read_message_id: messageId })
      .where('last_read_message_id', '<', messageId)
      .executeTakeFirst()
    moved += r.numUpdatedRows
  }
  const d = await member()
    .set({ last_delivered_message_id: messageId })
    .where('last_delivered_message_id', '<', messageId)
    .executeTakeFirst()
  moved += d.numUpdatedRows
  if (moved === 0n) return
  const marks = await tx.db
    .selectFrom('palaver_members')
    .select(['last_read_message_id', 'last_delivered_message_id'])
    .where('chat_id', '=', chatId)
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow()
  tx.emit(receiptEvent(chatId, userId, marks.last_read_message_id, marks.last_delivered_message_id))
}

/** Marks the chat read up to the newest message, or up to `messageId` when given. */
export async function markAsRead(
  ctx: Context,
  viewer: Viewer,
  chatId: number,
  messageId: number | undefined,
): Promise<{ lastReadMessageId: number; unreadCount: number }> {
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
  if (upTo > 0) await transact(ctx, (tx) => advanceMarks(tx, chatId, viewer.id, upTo, 'read'))
  const after = await ctx.db
    .selectFrom('palaver_members as mb')
    .select('mb.last_read_message_id')
    .select((eb) =>
      eb
        .selectFrom('palaver_messages as m')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .whereRef('m.chat_id', '=', 'mb.chat_id')
        .whereRef('m.id', '>', 'mb.last_read_message_id')
        .where('m.sender_id', '!=', viewer.id)
        .where('m.deleted_at', 'is', null)
        .as('unread'),
    )
    .where('mb.chat_id', '=', chatId)
    .where('mb.user_id', '=', viewer.id)
    .executeTakeFirstOrThrow()
  return { lastReadMessageId: after.last_read_message_id, unreadCount: Number(after.unread ?? 0) }
}
