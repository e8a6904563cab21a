import type { MessageView, QuoteView } from './types.js'

// The server quotes with excerptOf too (services/views.ts): a quote a client refreshes reads as the
// server's would. It lives here because the client imports none of the server's code at run time.

/** How much of an answered message a reply quotes, in characters as a reader counts them. */
export const EXCERPT_LENGTH = 200

const graphemes =
  typeof Intl.Segmenter === 'function' ? new Intl.Segmenter(undefined, { granularity: 'grapheme' }) : null

/**
 * The start of a text, with an ellipsis when it goes on, cut between characters as a reader sees them:
 * never inside an emoji sequence. (Without Intl.Segmenter, in older browsers, between code points.)
 */
export function excerptOf(text: string): string {
  // Every character is at least one UTF-16 unit: a text this short has nothing to cut.
  if (text.length <= EXCERPT_LENGTH) return text
  const kept: string[] = []
  for (const piece of graphemes ? Array.from(graphemes.segment(text), (s) => s.segment) : text) {
    // One more than fits: the last one kept makes way for the ellipsis.
    if (kept.length === EXCERPT_LENGTH) return `${kept.slice(0, -1).join('').trimEnd()}…`
    kept.push(piece)
  }
  return text
}

/**
 * What a reply shows of `message`, as it is now. The server sends no event for the replies when the
 * message they answer is edited or deleted: a client that holds replies puts this in their `replyTo`.
 */
export function quoteOf(message: MessageView): QuoteView {
  return {
    id: message.id,
    senderId: message.senderId,
    sender: message.sender,
    excerpt: message.deleted || message.body === null ? null : excerptOf(message.body),
    deleted: message.deleted,
  }
}
