// The server drops the markers from search snippets with oneLine too (services/search-text.ts): a
// snippet reads as a chat's preview does. It lives here because the client imports none of the
// server's code at run time; the widgets' text.ts renders what it finds.

/**
 * `*bold*` (or `**bold**`), `_italic_` and `~struck~` as chat apps write them: a marker opens after the start,
 * a space or an opening bracket or quote, before a non-space, and closes after a non-space, before the end, a
 * space or punctuation, on the same line, with no marker of its kind between. So snake_case_names, 2*3*4 and
 * a lone * stay as typed. (Not a backreference with "anything" between: each opening would look to the end of
 * its line, and a line of " *a" repeated would take quadratic time in every reader's tab.)
 */
const EMPHASIS =
  /(^|[\s([{"'“‘«])(?:\*\*(?=\S)([^\n*]*?[^\s*])\*\*|\*(?=\S)([^\n*]*?[^\s*])\*|_(?=\S)([^\n_]*?[^\s_])_|~(?=\S)([^\n~]*?[^\s~])~)(?=$|[\s)\]}"'”’».,;:!?])/g

/** What an emphasis match is: the text before its marker, its kind (0 `**`, 1 `*`, 2 `_`, 3 `~`), what it holds. */
function emphasisOf(match: RegExpMatchArray): { before: string; tag: number; inner: string } {
  const tag = match.slice(2).findIndex((group) => group !== undefined)
  return { before: match[1]!, tag, inner: match[tag + 2]! }
}

/**
 * `text` in pieces, its emphasis found: plain runs as they are, each emphasis as `wrap` makes it of the pieces
 * inside (which may hold emphasis of another kind). One walk for the view and for the plain line.
 */
export function emphasized<T>(
  text: string,
  wrap: (tag: number, inner: Array<string | T>) => T,
): Array<string | T> {
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

/**
 * A code block (between lines of three backticks, the first one perhaps naming its language, or three
 * backticks on one line) or a `code span`: shown as typed, in a monospace face, with no links, mentions or
 * emphasis found in it. A block takes the line breaks around it: it is a block of its own. One lazy run per
 * block, so the search stays linear (an empty block is left as typed by codeOf, not by the pattern).
 */
export const CODE = /\n?```(?:[\w+#.-]*[^\S\n]*\n)?([\s\S]*?)\n?```\n?|`([^`\n]+)`/g

/** A CODE match as a block's text or a span's, or null for a block with nothing in it (left as typed). */
export function codeOf(match: RegExpMatchArray): { block: string } | { span: string } | null {
  if (match[1] === undefined) return { span: match[2]! }
  return /[^\s`]/.test(match[1]) ? { block: match[1] } : null
}

/** The text with its emphasis markers dropped. */
const unemphasized = (text: string): string =>
  emphasized<string>(text, (_tag, inner) => inner.join('')).join('')

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
