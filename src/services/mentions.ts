import { findMentions, writesEveryone } from '../client/mentions.js'
import { forbidden, invalid } from '../errors.js'
import type { MentionView, UserView } from '../schemas.js'
import type { Db } from '../storage/dialect.js'
import type { Chat, Member } from '../storage/schema.js'
import type { Context, Tx } from './context.js'
import { groupBy } from './grouping.js'

/**
 * Mentions: a message names some members of its chat ("@Ada Lovelace" in its text, and Ada's id in
 * `mentionIds`). The ids are what count: the text is the sender's to write, and a name may be shared.
 *
 * Who can be mentioned is decided when the message is stored (or edited): members of the chat, other
 * than the sender. Anyone else is left out (the sender sees whom the stored message kept), so a mention
 * never reaches someone outside the chat.
 *
 * How the text writes each mention is recorded then too (`writtenAs`: "Ada Lovelace"), so that the
 * text still reads as one after Ada is renamed Ada King: readers chip the name as written.
 *
 * A message may also mention everyone (`mentionsEveryone`, with "@everyone" in its text): each member but
 * the sender, as if named. Who may is decided here too (mayMentionEveryone).
 */

/** A mention as stored: the user now, and the name the text writes them with (null: not found in it). */
export type StoredMention = UserView & { writtenAs: string | null }

/** A mention as the API shows it: one with no written name recorded is written with the current one. */
export const mentionView = ({ writtenAs, ...user }: StoredMention): MentionView => ({
  ...user,
  writtenAs: writtenAs ?? user.displayName,
})

/** The ids a sender named, once each and in their order, without the sender. */
export function namedIds(senderId: string, mentionIds: readonly string[] | undefined): string[] {
  return [...new Set(mentionIds ?? [])].filter((id) => id !== senderId)
}

/**
 * The views of the named users, in their order, read before the transaction that stores their mentions
 * (the directory may need the one connection a SQLite transaction holds).
 */
export async function namedUsers(ctx: Context, ids: readonly string[]): Promise<UserView[]> {
  if (ids.length === 0) return []
  const views = await ctx.users.viewsOf(ids)
  return ids.map((id) => views.get(id)!)
}

/** Of the named users, those a message of this chat mentions: its members, as `tx` sees them. */
export async function mentionedMembers(
  tx: Tx,
  chatId: number,
  named: readonly UserView[],
): Promise<UserView[]> {
  if (named.length === 0) return []
  const members = await tx.db
    .selectFrom('palaver_members')
    .select('user_id')
    .where('chat_id', '=', chatId)
    .where(
      'user_id',
      'in',
      named.map((user) => user.id),
    )
    .execute()
  const present = new Set(members.map((m) => m.user_id))
  return named.filter((user) => present.has(user.id))
}

/**
 * The mentions of `users` with the names `body` writes them with after "@", found as the widgets find
 * them (client/mentions.ts: the longest name wins, and none runs on into a word). A name is the one the
 * message wrote `before` an edit (they may have been renamed since) or the current one.
 */
export function writtenMentions(
  body: string,
  users: readonly UserView[],
  before: readonly StoredMention[] = [],
): StoredMention[] {
  const earlier = new Map(before.map((m) => [m.id, m.writtenAs]))
  const namesOf = (user: UserView) => {
    const was = earlier.get(user.id)
    return was && was !== user.displayName ? [was, user.displayName] : [user.displayName]
  }
  const candidates = users.flatMap((user) =>
    namesOf(user).map((displayName) => ({ id: user.id, displayName })),
  )
  const found = new Set(findMentions(body, candidates).map((m) => body.slice(m.start + 1, m.end)))
  return users.map((user) => ({ ...user, writtenAs: namesOf(user).find((name) => found.has(name)) ?? null }))
}

/** Writes a message's mentions, replacing any it had. */
export async function storeMentions(
  tx: Tx,
  messageId: number,
  mentioned: readonly StoredMention[],
): Promise<void> {
  await tx.db.deleteFrom('palaver_mentions').where('message_id', '=', messageId).execute()
  if (mentioned.length === 0) return
  await tx.db
    .insertInto('palaver_mentions')
    .values(
      mentioned.map((user, position) => ({
        message_id: messageId,
        user_id: user.id,
        position,
        written_as: user.writtenAs,
      })),
    )
    .execute()
}

/** The mentions of the given messages, by message id, in the order their senders named them, as written. */
export async function mentionsOf(
  ctx: Context,
  db: Db,
  messageIds: readonly number[],
): Promise<Map<number, StoredMention[]>> {
  if (messageIds.length === 0) return new Map()
  const rows = await db
    .selectFrom('palaver_mentions')
    .select(['message_id', 'user_id', 'written_as'])
    .where('message_id', 'in', messageIds)
    .orderBy('message_id')
    .orderBy('position')
    .execute()
  if (rows.length === 0) return new Map()
  const users = await ctx.users.viewsOf(rows.map((r) => r.user_id))
  return groupBy(
    rows,
    (row) => row.message_id,
    (row) => ({ ...users.get(row.user_id)!, writtenAs: row.written_as }),
  )
}

/** Why a member of a room may not mention everyone. */
export const everyoneRefused = 'Only the admins of this room may mention everyone'

/**
 * Whether a member may mention everyone in a chat: anyone in a group; in a room, whose members may be
 * thousands who never met, its admins only. A DM has one other person to name.
 */
export const mayMentionEveryone = (chat: Pick<Chat, 'kind'>, member: Pick<Member, 'role'> | null) =>
  member !== null && (chat.kind === 'group' || (chat.kind === 'room' && member.role === 'admin'))

/**
 * Whether a message with this text mentions everyone, as its sender asks: only where the text writes
 * "@everyone" (else the wish is dropped), and only from a sender who may (else 403, or 400 in a DM).
 */
export function everyoneMentioned(
  requested: boolean | undefined,
  body: string,
  chat: Pick<Chat, 'kind'>,
  member: Pick<Member, 'role'> | null,
): boolean {
  if (!requested || !writesEveryone(body)) return false
  if (mayMentionEveryone(chat, member)) return true
  if (chat.kind === 'dm')
    throw invalid('mentionsEveryone: a direct message has one other person: mention them')
  throw forbidden(everyoneRefused)
}
