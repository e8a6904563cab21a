import type { MessageView, UserView } from './types.js'

// The server finds how a message writes its mentions with findMentions too (services/mentions.ts): what
// it records as written is what the widgets chip. It lives here because the client imports none of the
// server's code at run time.

/**
 * Who a mention names: its id and the name it is written with, after its "@": `writtenAs` when the
 * message recorded it ("Ada Lovelace", though she is now Ada King), else the display name.
 */
export type Mentionable = Pick<UserView, 'id' | 'displayName'> & { writtenAs?: string }

export interface MentionAt<U extends Mentionable = Mentionable> {
  start: number
  end: number
  user: U
}

/** The name a mention of `user` is written with in a text, after its "@". */
export const writtenName = (user: Mentionable): string => user.writtenAs ?? user.displayName

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')

/**
 * Where `text` names these users as `@Written Name`, in order: at the start or after a character that
 * is not a letter or digit, and not running on into a longer word ("@Ann" is not in "@Anne"). A name two
 * users share is found as the last one's.
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
  const byName = new Map(users.filter(writtenName).map((u) => [writtenName(u), u]))
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

/**
 * `@everyone`: a mention of every member of the chat, found as a member's name is ("@everyoneelse" is
 * not it). Its id is empty, which no user's can be: a text box's picks hold it beside the members'.
 */
export const EVERYONE: Mentionable = { id: '', displayName: 'everyone' }
const everyoneOnly = [EVERYONE]

/** Whether `text` writes `@everyone`. */
export const writesEveryone = (text: string): boolean => findMentions(text, everyoneOnly).length > 0

/**
 * Whether a message mentions `userId`: by name, or as one of everyone (its sender excepted). A deleted
 * message's view carries neither.
 */
export const mentionsUser = (
  message: Pick<MessageView, 'senderId' | 'mentions' | 'mentionsEveryone'>,
  userId: string | null,
): boolean =>
  userId !== null &&
  message.senderId !== userId &&
  (message.mentionsEveryone === true || (message.mentions ?? []).some((user) => user.id === userId))
