import { css, html, nothing, type TemplateResult } from 'lit'
import { CODE, codeOf, emphasized } from '../client/formatting.js'
import type { UserView } from '../client/index.js'
import { EVERYONE, findMentions, type Mentionable, writtenName } from '../client/mentions.js'

export { oneLine } from '../client/formatting.js'
// Found as the server finds how a message writes its mentions: one matcher, in the client.
export { findMentions, type MentionAt, type Mentionable, mentionIdsIn } from '../client/mentions.js'

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"]+/gi
// Punctuation that usually ends a sentence rather than the address.
const TRAILING = /[.,;:!?'")\]}]+$/

/** A safe link target: only http and https, parsed by the browser. */
export function safeHref(candidate: string): string | null {
  try {
    const url = new URL(candidate)
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null
  } catch {
    return null
  }
}

type Piece = string | TemplateResult

/** A user a body mentions: a message's mention, with the name it was written with, or a plain user; or EVERYONE. */
type MentionedUser = (UserView & Pick<Mentionable, 'writtenAs'>) | typeof EVERYONE

/**
 * Who a chip names, as its title: the username, and the name now when the text wrote another (the text
 * keeps "@Ada Lovelace" as written; the reader learns she is Ada King now).
 */
function chipTitle(user: UserView & Pick<Mentionable, 'writtenAs'>): string {
  const now = writtenName(user) === user.displayName ? '' : ` — ${user.displayName}`
  return `@${user.username}${now}`
}

/** How a reader is told, in their language, what a renamed member is called now: "now Ada King". */
export type NowCalled = (name: string) => string

/**
 * Text with each mention of `mentions` as a chip (the viewer's own one, and everyone, marked `me`). A chip
 * whose person was renamed since says their name now in its title and, for a screen reader (which may not
 * read a title), in hidden text after it.
 */
function withMentions(
  text: string,
  mentions: readonly MentionedUser[],
  viewerId: string | null,
  nowCalled: NowCalled | undefined,
): Piece[] {
  const parts: Piece[] = []
  let last = 0
  for (const { start, end, user } of findMentions(text, mentions)) {
    if (start > last) parts.push(text.slice(last, start))
    const all = user === EVERYONE
    const me = all ? viewerId !== null : user.id === viewerId
    const person = all ? null : (user as UserView & Pick<Mentionable, 'writtenAs'>)
    const renamed = person !== null && nowCalled !== undefined && writtenName(person) !== person.displayName
    parts.push(
      html`<span class="mention ${all ? 'everyone' : ''} ${me ? 'me' : ''}" part="mention"
        title=${person ? chipTitle(person) : nothing}
        >${text.slice(start, end)}${renamed ? html`<span class="visually-hidden"> (${nowCalled(person.displayName)})</span>` : nothing}</span
      >`,
    )
    last = end
  }
  if (last < text.length) parts.push(text.slice(last))
  return parts
}

/** By the group that matched: `**` and `*` bold, `_` italic, `~` struck. */
const bold = (inner: Piece[]) => html`<strong>${inner}</strong>`
const EMPHASIS_TAGS = [
  bold,
  bold,
  (inner: Piece[]) => html`<em>${inner}</em>`,
  (inner: Piece[]) => html`<s>${inner}</s>`,
]

const withEmphasis = (text: string): Piece[] =>
  emphasized<TemplateResult>(text, (tag, inner) => EMPHASIS_TAGS[tag]!(inner))

/**
 * A message body as text with its code set apart, its http(s) addresses made links, the members it
 * mentions made chips, each found by the name it was written with (`writtenAs`; a plain user: by their
 * display name), `@everyone` where `mentions` holds EVERYONE, the reader's (`viewerId`; null for the
 * sender), and its emphasis. Lit puts every piece in as text (never as HTML), so markup in a message shows
 * as typed; the stored body keeps its markers (the editor shows them; a preview or a quote, see oneLine,
 * drops them).
 */
export function renderBody(
  body: string,
  mentions: readonly MentionedUser[] = [],
  viewerId: string | null = null,
  nowCalled?: NowCalled,
): Piece[] {
  const parts: Piece[] = []
  let last = 0
  for (const match of body.matchAll(CODE)) {
    const code = codeOf(match)
    if (!code) continue
    const start = match.index ?? 0
    parts.push(...linksAndMentions(body.slice(last, start), mentions, viewerId, nowCalled))
    parts.push(
      'block' in code
        ? // A long line scrolls sideways: the keyboard reaches the block to scroll it (Chromium alone focuses any scroller).
          html`<pre class="code-block" tabindex="0"><code>${code.block}</code></pre>`
        : html`<code>${code.span}</code>`,
    )
    last = start + match[0].length
  }
  parts.push(...linksAndMentions(body.slice(last), mentions, viewerId, nowCalled))
  return parts
}

function linksAndMentions(
  body: string,
  mentions: readonly MentionedUser[],
  viewerId: string | null,
  nowCalled: NowCalled | undefined,
): Piece[] {
  const parts: Piece[] = []
  let last = 0
  const text = (end: number) => {
    if (end <= last) return
    for (const piece of withMentions(body.slice(last, end), mentions, viewerId, nowCalled))
      parts.push(...(typeof piece === 'string' ? withEmphasis(piece) : [piece]))
  }
  for (const match of body.matchAll(URL_PATTERN)) {
    let link = match[0]
    const trailing = TRAILING.exec(link)?.[0] ?? ''
    if (trailing) link = link.slice(0, -trailing.length)
    const href = safeHref(link)
    if (!href) continue
    const start = match.index ?? 0
    text(start)
    parts.push(html`<a href=${href} target="_blank" rel="noopener noreferrer nofollow">${link}</a>`)
    last = start + link.length
  }
  text(body.length)
  return parts
}

/** How renderBody's code and emphasis look inside a bubble (in either bubble's colours). */
export const formattingStyles = css`
  .body code {
    font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
    font-size: 0.9em;
    padding: 0.1em 0.3em;
    border-radius: 4px;
    background: color-mix(in srgb, currentColor 12%, transparent);
  }
  .body .code-block {
    display: block;
    margin: 4px 0;
    padding: 6px 8px;
    border-radius: 6px;
    background: color-mix(in srgb, currentColor 12%, transparent);
    overflow-x: auto;
    white-space: pre;
    font: inherit;
  }
  .body .code-block code {
    padding: 0;
    background: none;
  }
`
