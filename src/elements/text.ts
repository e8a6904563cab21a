import { html, type TemplateResult } from 'lit'
import type { UserView } from '../client/index.js'

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

/** Who a mention names: its id and the name it is written with ("@Ada Lovelace"). */
export type Mentionable = Pick<UserView, 'id' | 'displayName'>

export interface MentionAt<U extends Mentionable = Mentionable> {
  start: number
  end: number
  user: U
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')

/**
 * Where `text` names these users as `@Display Name`, in order: at the start or after a character
 * that is not a letter or digit, and not running on into a longer word ("@Ann" is not in "@Anne").
 */
export function findMentions<U extends Mentionable>(text: string, users: readonly U[]): MentionAt<U>[] {
  if (!text.includes('@')) return []
  const matcher = matcherOf(users)
  if (!matcher) return []
  return [...text.matchAll(matcher.pattern)].map((match) => ({
    start: match.index,
    end: match.index + match[0].length,
    user: matcher.byName.get(match[1]!)! as U,
  }))
}

interface Matcher {
  byName: Map<string, Mentionable>
  pattern: RegExp
}

/**
 * One pattern per list of users, kept as long as the list is: a message's mentions are the same array
 * from render to render, and every render (a typing signal, a receipt) draws every message again.
 */
const matchers = new WeakMap<readonly Mentionable[], Matcher | null>()

function matcherOf(users: readonly Mentionable[]): Matcher | null {
  let matcher = matchers.get(users)
  if (matcher !== undefined) return matcher
  const byName = new Map(users.filter((u) => u.displayName).map((u) => [u.displayName, u]))
  // Longer names first, so "@Ada Lovelace" wins over "@Ada".
  const names = [...byName.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp)
  matcher =
    byName.size === 0
      ? null
      : { byName, pattern: new RegExp(`(?<![\\p{L}\\p{N}_])@(${names.join('|')})(?![\\p{L}\\p{N}_])`, 'gu') }
  matchers.set(users, matcher)
  return matcher
}

/** The ids of the users `text` still names, once each, in the order it names them. */
export function mentionIdsIn(text: string, users: readonly Mentionable[]): string[] {
  return [...new Set(findMentions(text, users).map((m) => m.user.id))]
}

type Piece = string | TemplateResult

/** Text with each mention of `mentions` as a chip (the viewer's own one marked `me`). */
function withMentions(text: string, mentions: readonly UserView[], viewerId: string | null): Piece[] {
  const parts: Piece[] = []
  let last = 0
  for (const { start, end, user } of findMentions(text, mentions)) {
    if (start > last) parts.push(text.slice(last, start))
    parts.push(
      html`<span class="mention ${user.id === viewerId ? 'me' : ''}" part="mention" title=${`@${user.username}`}
        >${text.slice(start, end)}</span
      >`,
    )
    last = end
  }
  if (last < text.length) parts.push(text.slice(last))
  return parts
}

/**
 * A message body as text with its http(s) addresses made links and the names of the members it
 * mentions made chips. Lit puts every piece in as text (never as HTML), so markup in a message shows
 * as typed.
 */
export function renderBody(
  body: string,
  mentions: readonly UserView[] = [],
  viewerId: string | null = null,
): Piece[] {
  const parts: Piece[] = []
  let last = 0
  const text = (end: number) => {
    if (end > last) parts.push(...withMentions(body.slice(last, end), mentions, viewerId))
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
