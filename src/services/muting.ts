import { forbidden, invalid } from '../errors.js'
import type { ChatView } from '../schemas.js'
import { MUTED_FOREVER } from '../storage/schema.js'
import { loadChat } from './access.js'
import { type Context, transact } from './context.js'
import type { Viewer } from './users.js'
import { chatViewOf, muteOf } from './views.js'

/**
 * Mutes a chat for the viewer, until `until` or until they unmute it, or unmutes it. A muted chat still
 * gets its messages and unread counts; it asks for no attention: the messages page leaves it out of the
 * unread total, and `palaver.memberIds(chatId, { muted: false })` leaves its member out of notifications.
 * The viewer's other connections hear of it (`chat.muted`, to them alone).
 */
export async function muteChat(
  ctx: Context,
  viewer: Viewer,
  chatId: number,
  input: { muted: boolean; until?: string | undefined },
): Promise<ChatView> {
  const access = await loadChat(ctx, ctx.db, chatId, viewer)
  // A room's reader who never joined has no membership to mute.
  if (!access.member) throw forbidden('Only members may mute a chat')
  const until = input.until === undefined ? MUTED_FOREVER : Date.parse(input.until)
  if (input.muted && until <= Date.now()) throw invalid('until must be in the future')
  const mutedUntil = input.muted ? until : null
  // The same mute again changes nothing, and tells nobody.
  if (access.member.muted_until === mutedUntil) return chatViewOf(ctx, ctx.db, viewer, access)
  await transact(
    ctx,
    async (tx) => {
      const updated = await tx.db
        .updateTable('palaver_members')
        .set({ muted_until: mutedUntil })
        .where('chat_id', '=', chatId)
        .where('user_id', '=', viewer.id)
        .executeTakeFirst()
      // Left or removed meanwhile: nothing was muted, and nobody is told.
      if (updated.numUpdatedRows === 0n) return
      tx.emit({
        type: 'chat.muted',
        chatId: null,
        userId: viewer.id,
        data: { chatId, ...muteOf(mutedUntil, tx.now) },
      })
    },
    { chatId },
  )
  return chatViewOf(ctx, ctx.db, viewer, await loadChat(ctx, ctx.db, chatId, viewer))
}
