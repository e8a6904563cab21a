import { loadChat, memberWith } from './access.js'
import type { Context } from './context.js'
import type { Viewer } from './users.js'

/** Ephemeral: typing travels by pub/sub only, never through the event log. */
export const TYPING_CHANNEL = 'palaver:typing'

export interface TypingSignal {
  chatId: number
  userId: string
  displayName: string
  isTyping: boolean
  at: number
}

export async function setTyping(
  ctx: Context,
  viewer: Viewer,
  chatId: number,
  isTyping: boolean,
): Promise<void> {
  const access = await loadChat(ctx, ctx.db, chatId, viewer)
  memberWith(access, 'post')
  const signal: TypingSignal = {
    chatId,
    userId: viewer.id,
    displayName: viewer.displayName,
    isTyping,
    at: Date.now(),
  }
  await ctx.pubsub.publish(TYPING_CHANNEL, JSON.stringify(signal))
}
