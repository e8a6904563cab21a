import { PalaverError } from '../errors.js'
import { loadChat } from '../services/access.js'
import type { Context } from '../services/context.js'
import type { Viewer } from '../services/users.js'

/** The chats a viewer asks to watch, each checked readable (a public room, or one of their chats); else 404. */
export async function checkWatchable(
  ctx: Context,
  viewer: Viewer,
  chatIds: readonly number[],
): Promise<number[]> {
  const unique = [...new Set(chatIds)]
  for (const chatId of unique) await loadChat(ctx, ctx.db, chatId, viewer)
  return unique
}

/**
 * The chats a stream is opened with (a reconnect's watch list) that the viewer may still watch. One no longer
 * readable (its room closed or gone since the watch began) is left out: refusing the stream for it would take
 * every other chat's events with it, on every reconnect.
 */
export async function stillWatchable(
  ctx: Context,
  viewer: Viewer,
  chatIds: readonly number[],
): Promise<number[]> {
  const watchable: number[] = []
  for (const chatId of new Set(chatIds)) {
    try {
      await loadChat(ctx, ctx.db, chatId, viewer)
      watchable.push(chatId)
    } catch (error) {
      if (!(error instanceof PalaverError && error.code === 'not_found')) throw error
    }
  }
  return watchable
}
