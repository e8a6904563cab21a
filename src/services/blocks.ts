import { forbidden, invalid, notFound } from '../errors.js'
import type { UserView } from '../schemas.js'
import type { Db } from '../storage/dialect.js'
import { type Context, transact } from './context.js'
import type { Viewer } from './users.js'

/**
 * Blocking. When one person blocks another, neither may write to the other any more: no new DM between
 * them, no message in the DM they have (it stays readable; the blocker may unblock), and neither may add
 * the other to a group. Where both are in a group or a room the conversation goes on, and the blocker's
 * client hides what the blocked person writes there (their messages do not count as unread for the
 * blocker either). Neither sees the other's presence. The blocked person is not told; they find they
 * cannot write to the blocker.
 */

/** Which way a block between the viewer and someone runs: the viewer blocked them, or they the viewer. */
export type BlockSide = 'mine' | 'theirs'

/** The blocks between the viewer and each of `others`, by the other's id (none: no entry). */
export async function blocksWith(
  db: Db,
  viewerId: string,
  others: readonly string[],
): Promise<Map<string, BlockSide>> {
  const sides = new Map<string, BlockSide>()
  const ids = [...new Set(others)].filter((id) => id !== viewerId)
  if (ids.length === 0) return sides
  const rows = await db
    .selectFrom('palaver_blocks')
    .select(['blocker_id', 'blocked_id'])
    .where((eb) =>
      eb.or([
        eb.and([eb('blocker_id', '=', viewerId), eb('blocked_id', 'in', ids)]),
        eb.and([eb('blocked_id', '=', viewerId), eb('blocker_id', 'in', ids)]),
      ]),
    )
    .execute()
  // The viewer's own block decides what they are shown (they may lift it); theirs only if there is none.
  for (const row of rows) if (row.blocked_id === viewerId) sides.set(row.blocker_id, 'theirs')
  for (const row of rows) if (row.blocker_id === viewerId) sides.set(row.blocked_id, 'mine')
  return sides
}

/** Everyone a block stands between and the user, whichever of them blocked the other. */
export async function blockedEitherWay(db: Db, userId: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('palaver_blocks')
    .select(['blocker_id', 'blocked_id'])
    .where((eb) => eb.or([eb('blocker_id', '=', userId), eb('blocked_id', '=', userId)]))
    .execute()
  return new Set(rows.map((r) => (r.blocker_id === userId ? r.blocked_id : r.blocker_id)))
}

/** Refuses to put the viewer in a chat with anyone of `others` a block stands between (a DM, a group). */
export async function refuseBlocked(ctx: Context, viewer: Viewer, others: readonly string[]): Promise<void> {
  const sides = await blocksWith(ctx.db, viewer.id, others)
  if (sides.size === 0) return
  const mine = [...sides].filter(([, side]) => side === 'mine').map(([id]) => id)
  if (mine.length > 0) throw forbidden(`You blocked ${mine.join(', ')}: unblock them first`)
  throw forbidden(`You may not add: ${[...sides.keys()].join(', ')}`)
}

/** Why the viewer may not write in a DM a block stands in. */
export const blockedDm = (side: BlockSide) =>
  forbidden(
    side === 'mine'
      ? 'You blocked this person: unblock them to write to them'
      : 'You may not write to this person',
  )

/** The ids of the people the viewer blocked. */
export async function blockedIds(db: Db, viewerId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('palaver_blocks')
    .select('blocked_id')
    .where('blocker_id', '=', viewerId)
    .orderBy('created_at')
    .execute()
  return rows.map((r) => r.blocked_id)
}

/** The people the viewer blocked, as the directory shows them, in the order they were blocked. */
export async function blockedUsers(ctx: Context, viewer: Viewer): Promise<UserView[]> {
  const ids = await blockedIds(ctx.db, viewer.id)
  const views = await ctx.users.viewsOf(ids)
  return ids.flatMap((id) => views.get(id) ?? [])
}

/**
 * Blocks or unblocks a user for the viewer. Doing it again changes nothing and tells nobody; a change is
 * told to the viewer's own connections (`user.blocked`), so that every device hides the same people.
 */
export async function setBlocked(
  ctx: Context,
  viewer: Viewer,
  userId: string,
  blocked: boolean,
): Promise<{ userId: string; blocked: boolean }> {
  if (userId === viewer.id) throw invalid('You cannot block yourself')
  if (blocked && !(await ctx.users.exists(userId))) throw notFound('User')
  await transact(ctx, async (tx) => {
    const changed = blocked
      ? await tx.db
          .insertInto('palaver_blocks')
          .values({ blocker_id: viewer.id, blocked_id: userId, created_at: tx.now })
          .onConflict((oc) => oc.columns(['blocker_id', 'blocked_id']).doNothing())
          .executeTakeFirst()
          .then((r) => Number(r.numInsertedOrUpdatedRows ?? 0n) > 0)
      : await tx.db
          .deleteFrom('palaver_blocks')
          .where('blocker_id', '=', viewer.id)
          .where('blocked_id', '=', userId)
          .executeTakeFirst()
          .then((r) => r.numDeletedRows > 0n)
    if (changed) tx.emit({ type: 'user.blocked', chatId: null, userId: viewer.id, data: { userId, blocked } })
  })
  return { userId, blocked }
}
