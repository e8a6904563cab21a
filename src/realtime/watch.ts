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
