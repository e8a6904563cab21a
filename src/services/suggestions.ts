import { forbidden } from '../errors.js'
import type { UserView } from '../schemas.js'
import { loadChat } from './access.js'
import type { Context } from './context.js'
import type { Viewer } from './users.js'

/** The viewer's most recently active chats that suggestions come from: the work stays bounded however many they have. */
const RECENT_CHATS = 100

/**
 * People to suggest before anything is typed (user search with an empty query): those the viewer shares
 * a DM or a group with, whoever shares the most recently active one first. Only people the search could
 * find and the viewer could add: within their contact list, no block either way, not themselves, and,
 * given `chatId` (a chat they may see), not its members. Rooms do not count: sharing one says little.
 */
export async function suggestPeople(
  ctx: Context,
  viewer: Viewer,
  { chatId, limit }: { chatId?: number | undefined; limit: number },
): Promise<UserView[]> {
  if (chatId !== undefined && !(await loadChat(ctx, ctx.db, chatId, viewer)).canRead)
    throw forbidden('You may not see who is in this chat')
  const contacts = await ctx.users.contactsOf(viewer)
  if (contacts !== 'everyone' && contacts.size === 0) return []
  const kinds = ctx.options.enableDms ? (['dm', 'group'] as const) : (['group'] as const)
  const recent = ctx.db
    .selectFrom('palaver_members as mine')
    .innerJoin('palaver_chats as c', 'c.id', 'mine.chat_id')
    .select(['c.id as chat_id', 'c.last_activity_at'])
    .where('mine.user_id', '=', viewer.id)
    .where('c.kind', 'in', kinds)
    .orderBy('c.last_activity_at', 'desc')
    .limit(RECENT_CHATS)
  let query = ctx.db
    .selectFrom(recent.as('r'))
    .innerJoin('palaver_members as other', 'other.chat_id', 'r.chat_id')
    .select((eb) => ['other.user_id', eb.fn.max('r.last_activity_at').as('last_at')])
    .where('other.user_id', '!=', viewer.id)
    .where('other.user_id', 'not in', (eb) =>
      eb.selectFrom('palaver_blocks').select('blocked_id').where('blocker_id', '=', viewer.id),
    )
    .where('other.user_id', 'not in', (eb) =>
      eb.selectFrom('palaver_blocks').select('blocker_id').where('blocked_id', '=', viewer.id),
    )
    .groupBy('other.user_id')
    .orderBy('last_at', 'desc')
    .orderBy('other.user_id')
    .limit(limit)
  if (chatId !== undefined)
    query = query.where('other.user_id', 'not in', (eb) =>
      eb.selectFrom('palaver_members').select('user_id').where('chat_id', '=', chatId),
    )
  if (contacts !== 'everyone') query = query.where('other.user_id', 'in', [...contacts])
  const ids = (await query.execute()).map((row) => row.user_id)
  if (ids.length === 0) return []
  // People the directory no longer knows are not suggested (a search would not find them either).
  const profiles = new Map((await ctx.users.directory.get(ids)).map((p) => [p.id, p]))
  return ids.flatMap((id) => {
    const profile = profiles.get(id)
    return profile ? [ctx.users.view(profile)] : []
  })
}
