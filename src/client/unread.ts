import type { ChatView } from './types.js'

// The server counts with these too (services/unread.ts), so its unread total follows the widgets' rule.

type Mute = Pick<ChatView, 'muted' | 'mutedUntil'>

/** Whether a chat is muted now: a view keeps saying `muted` after its time ran out, which is no mute. */
export function isMuted(chat: Mute, now = Date.now()): boolean {
  return chat.muted && (chat.mutedUntil === null || Date.parse(chat.mutedUntil) > now)
}

/**
 * The unread messages that call for the viewer: of a muted chat only those that mention them. A chat they
 * marked unread with none of those counts as one, unless muted.
 */
export function unreadThatCounts(
  chat: Mute & Pick<ChatView, 'unreadCount' | 'unreadMentionCount' | 'markedUnread'>,
  now = Date.now(),
): number {
  if (isMuted(chat, now)) return chat.unreadMentionCount
  return chat.unreadCount || (chat.markedUnread ? 1 : 0)
}
