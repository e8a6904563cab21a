import { PalaverError } from '../errors.js'
import { loadChat } from '../services/access.js'
import type { Context } from '../services/context.js'
import { isGuest } from '../services/guests.js'
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

/** The chats a stream is opened with, split: those it watches, and those it tells the client it no longer does. */
export interface Watches {
  watching: readonly number[]
  unwatched: readonly number[]
}

/** What tells a client that a chat it watched is no longer sent (see Hub.recheckWatches). */
export const unwatchedFrame = (chatId: number) => `{"type":"unwatched","chatId":${chatId}}`

/**
 * The chats a stream is opened with (a reconnect's watch list) that the viewer may still watch. One no longer
 * readable (its room closed or gone since the watch began) is left out, and the client told so: refusing the
 * stream for it would take every other chat's events with it, on every reconnect.
 */
export async function stillWatchable(
  ctx: Context,
  viewer: Viewer,
  chatIds: readonly number[],
): Promise<Watches> {
  const watching: number[] = []
  const unwatched: number[] = []
  for (const chatId of new Set(chatIds)) {
    try {
      await loadChat(ctx, ctx.db, chatId, viewer)
      watching.push(chatId)
    } catch (error) {
      if (!(error instanceof PalaverError && error.code === 'not_found')) throw error
      unwatched.push(chatId)
    }
  }
  return { watching, unwatched }
}

/**
 * The watches a stream opens with (see stillWatchable). A guest's stream is only for the rooms it reads:
 * without one it may still read, it is refused as any request of someone not signed in is (401).
 */
export async function openingWatches(
  ctx: Context,
  viewer: Viewer,
  chatIds: readonly number[],
): Promise<Watches> {
  const watches = await stillWatchable(ctx, viewer, chatIds)
  if (isGuest(viewer) && watches.watching.length === 0)
    throw new PalaverError('unauthenticated', 'Sign in to use messages')
  return watches
}
