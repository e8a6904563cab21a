import { css, html, nothing, type TemplateResult } from 'lit'
import type { UserView } from '../client/index.js'
import { EVERYONE, findMentions, type Mentionable, writtenName } from '../client/mentions.js'

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

/**
 * `*bold*` (or `**bold**`), `_italic_` and `~struck~` as chat apps write them: a marker opens after the start,
 * a space or an opening bracket or quote, before a non-space, and closes after a non-space, before the end, a
 * space or punctuation, on the same line, with no marker of its kind between. So snake_case_names, 2*3*4 and
 * a lone * stay as typed. (Not a backreference with "anything" between: each opening would look to the end of
 * its line, and a line of " *a" repeated would take quadratic time in every reader's tab.)
 */
const EMPHASIS =
  /(^|[\s([{"'“‘«])(?:\*\*(?=\S)([^\n*]*?[^\s*])\*\*|\*(?=\S)([^\n*]*?[^\s*])\*|_(?=\S)([^\n_]*?[^\s_])_|~(?=\S)([^\n~]*?[^\s~])~)(?=$|[\s)\]}"'”’».,;:!?])/g
/** By the group that matched: `**` and `*` bold, `_` italic, `~` struck. */
const bold = (inner: Piece[]) => html`<strong>${inner}</strong>`
const EMPHASIS_TAGS = [
  bold,
  bold,
  (inner: Piece[]) => html`<em>${inner}</em>`,
  (inner: Piece[]) => html`<s>${inner}</s>`,
]

/** What an emphasis match is: the text before its marker, which of EMPHASIS_TAGS, and what it holds. */
function emphasisOf(match: RegExpMatchArray): { before: string; tag: number; inner: string } {
  const tag = match.slice(2).findIndex((group) => group !== undefined)
  return { before: match[1]!, tag, inner: match[tag + 2]! }
}

/**
 * `text` in pieces, its emphasis found: plain runs as they are, each emphasis as `wrap` makes it of the pieces
 * inside (which may hold emphasis of another kind). One walk for the view and for the plain line.
 */
function emphasized<T>(text: string, wrap: (tag: number, inner: Array<string | T>) => T): Array<string | T> {
  const parts: Array<string | T> = []
  let last = 0
  for (const match of text.matchAll(EMPHASIS)) {
    const { before, tag, inner } = emphasisOf(match)
    const start = (match.index ?? 0) + before.length
    if (start > last) parts.push(text.slice(last, start))
    parts.push(wrap(tag, emphasized(inner, wrap)))
    last = (match.index ?? 0) + match[0].length
  }
  if (last < text.length) parts.push(text.slice(last))
  return parts
}

const withEmphasis = (text: string): Piece[] =>
  emphasized<TemplateResult>(text, (tag, inner) => EMPHASIS_TAGS[tag]!(inner))

/** The text with its emphasis markers dropped. */
const unemphasized = (text: string): string =>
  emphasized<string>(text, (_tag, inner) => inner.join('')).join('')

/**
 * A code block (between lines of three backticks, the first one perhaps naming its language, or three
 * backticks on one line) or a `code span`: shown as typed, in a monospace face, with no links, mentions or
 * emphasis found in it. A block takes the line breaks around it: it is a block of its own. One lazy run per
 * block, so the search stays linear (an empty block is left as typed by codeOf, not by the pattern).
 */
const CODE = /\n?```(?:[\w+#.-]*[^\S\n]*\n)?([\s\S]*?)\n?```\n?|`([^`\n]+)`/g

/** A CODE match as a block's text or a span's, or null for a block with nothing in it (left as typed). */
function codeOf(match: RegExpMatchArray): { block: string } | { span: string } | null {
  if (match[1] === undefined) return { span: match[2]! }
  return /[^\s`]/.test(match[1]) ? { block: match[1] } : null
}

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
        ? html`<pre class="code-block"><code>${code.block}</code></pre>`
        : html`<code>${code.span}</code>`,
    )
    last = start + match[0].length
  }
  parts.push(...linksAndMentions(body.slice(last), mentions, viewerId, nowCalled))
  return parts
}

/**
 * A body as one line of plain text, as a chat's preview and a notification show it: its formatting markers
 * dropped (code keeps its text, markers and all), its line breaks spaces.
 */
export function oneLine(body: string): string {
  let text = ''
  let last = 0
  for (const match of body.matchAll(CODE)) {
    const code = codeOf(match)
    if (!code) continue
    const start = match.index ?? 0
    // A block stands apart from the text around it; a span is part of it.
    text += unemphasized(body.slice(last, start)) + ('block' in code ? ` ${code.block} ` : code.span)
    last = start + match[0].length
  }
  return `${text}${unemphasized(body.slice(last))}`.replace(/\s+/g, ' ').trim()
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
