import type { MessageView, QuoteView } from './types.js'

/** How much of an answered message a reply quotes, in characters as a reader counts them (as the server cuts it). */
const EXCERPT_LENGTH = 200

const graphemes =
  typeof Intl.Segmenter === 'function' ? new Intl.Segmenter(undefined, { granularity: 'grapheme' }) : null

/** The start of a text the way the server quotes it: cut between characters as a reader sees them, with an ellipsis. */
export function excerptOf(text: string): string {
  if (text.length <= EXCERPT_LENGTH) return text
  // Without Intl.Segmenter (older browsers), code points: an emoji sequence may be cut, never a surrogate pair.
  const pieces = graphemes ? Array.from(graphemes.segment(text), (s) => s.segment) : [...text]
  if (pieces.length <= EXCERPT_LENGTH) return text
  const kept = pieces.slice(0, EXCERPT_LENGTH - 1).join('')
  return `${kept.trimEnd()}…`
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
