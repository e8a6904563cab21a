import { PalaverError } from '../errors.js'
import type { MessageView } from '../schemas.js'
import { messageColumns } from '../storage/schema.js'
import { loadChat, memberWith, requirePermission } from './access.js'
import { type Context, transact } from './context.js'
import { iso, messageEvent } from './events.js'
import { loadMessage, rewriteEarlierEvents, viewOne } from './messages.js'
import type { Viewer } from './users.js'
import { messageViews, reactionsOf } from './views.js'

/** How many messages a chat may have pinned at once: pins are what stays in view, and more would not. */
export const PINS_PER_CHAT = 50

/**
 * Pins a message to its chat, or unpins it: a member of a DM or a group who may post, a room's admins.
 * Every member hears of it by message.updated (the view says `pinned`, with when and by whom); a message
 * deleted leaves the pins with its text. The same pin (or unpin) again changes nothing and tells nobody.
 */
export async function pinMessage(
  ctx: Context,
  viewer: Viewer,
  messageId: number,
  pinned: boolean,
  attempt = 1,
): Promise<MessageView> {
  const { row, access } = await loadMessage(ctx, viewer, messageId)
  memberWith(access, 'post')
  requirePermission(access, 'pin')
  if (row.deleted_at !== null) throw new PalaverError('conflict', 'This message was deleted')
  if ((row.pinned_at !== null) === pinned) return viewOne(ctx, ctx.db, row, viewer)
  // The event's view is read first, with the directory (which may need the database's only connection
  // on SQLite); the change below holds only if the text is still this one, so no older text goes back
  // into the log.
  const [before] = await messageViews(ctx, ctx.db, [row], null)
  const changed = await transact(
    ctx,
    async (tx) => {
      if (pinned) {
        const { n } = await tx.db
          .selectFrom('palaver_messages')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('chat_id', '=', row.chat_id)
          .where('pinned_at', 'is not', null)
          .executeTakeFirstOrThrow()
        if (Number(n) >= PINS_PER_CHAT)
          throw new PalaverError(
            'conflict',
            `A chat keeps ${PINS_PER_CHAT} pinned messages at most: unpin one first`,
          )
      }
      const updated = await tx.db
        .updateTable('palaver_messages')
        .set(pinned ? { pinned_at: tx.now, pinned_by: viewer.id } : { pinned_at: null, pinned_by: null })
        .where('id', '=', messageId)
        .where('deleted_at', 'is', null)
        .where('edited_at', row.edited_at === null ? 'is' : '=', row.edited_at)
        .where('pinned_at', pinned ? 'is' : 'is not', null)
        .returning(messageColumns)
        .executeTakeFirst()
      if (!updated) return null
      const { pinned: _was, ...rest } = before!
      const view: MessageView = {
        ...rest,
        ...(pinned ? { pinned: { at: iso(tx.now), byId: viewer.id } } : {}),
        reactions: (await reactionsOf(tx.db, [messageId])).get(messageId) ?? [],
      }
      await rewriteEarlierEvents(tx, view)
      tx.emit(messageEvent('message.updated', view))
      return updated
    },
    { chatId: row.chat_id },
  )
  if (changed) return viewOne(ctx, ctx.db, changed, viewer)
  // Edited, deleted, pinned or unpinned meanwhile: asked again of the message as it is now.
  if (attempt >= 3) throw new PalaverError('conflict', 'The message changed meanwhile: try again')
  return pinMessage(ctx, viewer, messageId, pinned, attempt + 1)
}

/** The chat's pinned messages, the most recently pinned first. */
export async function pinnedMessages(
  ctx: Context,
  viewer: Viewer,
  chatId: number,
): Promise<{ messages: MessageView[] }> {
  const [, rows] = await Promise.all([
    loadChat(ctx, ctx.db, chatId, viewer),
    ctx.db
      .selectFrom('palaver_messages')
      .select(messageColumns)
      .where('chat_id', '=', chatId)
      .where('pinned_at', 'is not', null)
      .orderBy('pinned_at', 'desc')
      .orderBy('id', 'desc')
      .limit(PINS_PER_CHAT)
      .execute(),
  ])
  return { messages: await messageViews(ctx, ctx.db, rows, viewer) }
}
