import { type ExpressionBuilder, sql } from 'kysely'
import type { Db } from '../storage/dialect.js'
import type { DatabaseSchema, MemberRow } from '../storage/schema.js'

/** What a member has not read in a chat: messages, and of those, the ones that mention them. */
export interface Unread {
  messages: number
  mentions: number
}

/** A query over the viewer's memberships, `mb`: what the counts below are correlated with. */
type Memberships = ExpressionBuilder<DatabaseSchema & { mb: MemberRow }, 'mb'>

/**
 * The viewer's unread messages in chats they are a member of: those after their read mark, not their
 * own, not deleted, and not from someone they blocked; and how many of those mention them, by name or
 * as one of everyone. Chats with none are left out.
 */
export async function unreadCounts(
  db: Db,
  viewerId: string,
  chatIds: readonly number[],
): Promise<Map<number, Unread>> {
  if (chatIds.length === 0) return new Map()
  const rows = await db
    .selectFrom('palaver_members as mb')
    .select((eb) => ['mb.chat_id', ...unreadOfMembership(eb, db, viewerId)])
    .where('mb.user_id', '=', viewerId)
    .where('mb.chat_id', 'in', chatIds)
    .execute()
  return new Map(rows.filter((r) => Number(r.unread) > 0).map((r) => [r.chat_id, unreadOf(r)]))
}

export const unreadOf = (r: {
  unread: number | null
  mentions: number | null
  everyone: number | null
}): Unread => ({
  messages: Number(r.unread),
  mentions: Number(r.mentions) + Number(r.everyone ?? 0),
})

/**
 * The unread count of the membership `mb` (`unread`), and of its mentions of the viewer (`mentions`, by
 * name, and `everyone`), each a subquery of its own: correlated with the membership's chat and read mark,
 * it is a range of one index (PostgreSQL, handed a join with the chats, walked every message of each
 * chat). A chat read to the end costs three index probes.
 */
export function unreadOfMembership(eb: Memberships, db: Db, viewerId: string) {
  return [
    unreadMessages(eb, db, viewerId)
      .select((sub) => sub.fn.countAll<number>().as('n'))
      .as('unread'),
    unreadMessages(eb, db, viewerId)
      .innerJoin('palaver_mentions as mn', (j) =>
        j.onRef('mn.message_id', '=', 'm.id').on('mn.user_id', '=', viewerId),
      )
      .select((sub) => sub.fn.countAll<number>().as('n'))
      .as('mentions'),
    everyoneUnread(eb, db, viewerId).as('everyone'),
  ] as const
}

/** The messages of the membership `mb` the viewer has not read (after its read mark, not their own, not deleted, not blocked). */
const unreadMessages = (eb: Memberships, db: Db, viewerId: string) =>
  eb
    .selectFrom('palaver_messages as m')
    .whereRef('m.chat_id', '=', 'mb.chat_id')
    .whereRef('m.id', '>', 'mb.last_read_message_id')
    .where('m.sender_id', '!=', viewerId)
    .where('m.deleted_at', 'is', null)
    .where((sub) => sub.not(sub.exists(blockedSender(db, viewerId, 'm.sender_id'))))

/**
 * The unread messages to everyone that do not name the viewer too, through their own index (migration
 * 016): a few entries per chat at most, where reading a flag off each unread message would read rows the
 * count reads from its covering index now.
 */
const everyoneUnread = (eb: Memberships, db: Db, viewerId: string) =>
  eb
    .selectFrom('palaver_messages as e')
    .select((sub) => sub.fn.countAll<number>().as('n'))
    .whereRef('e.chat_id', '=', 'mb.chat_id')
    .whereRef('e.id', '>', 'mb.last_read_message_id')
    .where('e.mentions_everyone', 'is not', null)
    .where('e.sender_id', '!=', viewerId)
    .where('e.deleted_at', 'is', null)
    .where((sub) => sub.not(sub.exists(blockedSender(db, viewerId, 'e.sender_id'))))
    .where((sub) =>
      sub.not(
        sub.exists(
          sub
            .selectFrom('palaver_mentions as named')
            .select('named.message_id')
            .whereRef('named.message_id', '=', 'e.id')
            .where('named.user_id', '=', viewerId),
        ),
      ),
    )

/**
 * Whether the viewer blocked a message's sender, for a subquery run per membership: a primary-key probe
 * per unread message. (SQLite builds a `not in` list again for each run of the subquery around it.)
 */
const blockedSender = (db: Db, viewerId: string, sender: 'm.sender_id' | 'e.sender_id') =>
  db
    .selectFrom('palaver_blocks as b')
    .select('b.blocked_id')
    .where('b.blocker_id', '=', viewerId)
    .where('b.blocked_id', '=', sql.ref<string>(sender))
