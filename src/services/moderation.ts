import { PalaverError } from '../errors.js'
import type { Viewer } from './users.js'

/** A message about to be stored, as the host's moderator sees it: a new one, or an edit of one. */
export interface MessageToModerate {
  chatId: number
  sender: Viewer
  /** The text as it would be stored (trimmed, within the length limit); empty for files alone. */
  body: string
  /** The files a new message carries (an edit changes none). */
  attachmentIds: readonly number[]
  /** The message an edit changes; null for a new message. */
  editOf: number | null
}

/**
 * The moderator's answer: nothing to store the text as written, `{ body }` to store that instead (words
 * masked, say), or `{ refuse }` to store nothing and tell the sender why (403, `details.moderated: true`).
 */
export type ModerationVerdict = undefined | { body: string } | { refuse: string }

/** `moderateMessage` in the options: asked before every new message and every edit is stored. */
export type MessageModerator = (message: MessageToModerate) => ModerationVerdict | Promise<ModerationVerdict>

/** The text the host's moderator lets through (the caller checks it as it checks what was written). */
export async function moderate(moderator: MessageModerator, message: MessageToModerate): Promise<string> {
  const verdict = await moderator(message)
  if (verdict === undefined) return message.body
  const answer = verdict as { refuse?: unknown; body?: unknown }
  if (typeof answer.refuse === 'string')
    throw new PalaverError('forbidden', answer.refuse, { moderated: true })
  if (typeof answer.body === 'string') return answer.body
  // The host's mistake, not the sender's: a 500 that names it, and nothing stored.
  throw new Error('moderateMessage must answer undefined, { body: string } or { refuse: string }')
}
