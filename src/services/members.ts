import { forbidden, invalid, PalaverError } from '../errors.js'
import type { ChatDetailView } from '../schemas.js'
import type { Chat } from '../storage/schema.js'
import { loadChat, memberWith, requirePermission } from './access.js'
import { getChat, insertMembers, removeChat } from './chats.js'
import { type Context, type Tx, transact } from './context.js'
import { memberRemovedEvent } from './events.js'
import type { Viewer } from './users.js'

/** Admins add people from their contact list; people already in the chat are skipped. */
export async function addMembers(
  ctx: Context,
  viewer: Viewer,
  chatId: number,
  userIds: readonly string[],
): Promise<ChatDetailView> {
  const access = await loadChat(ctx, ctx.db, chatId, viewer)
  requirePermission(access, 'manageMembers')
  const wanted = [...new Set(userIds)]
  const refused = await ctx.users.refusedContacts(viewer, wanted)
  if (refused.length > 0) throw forbidden(`You may not add: ${refused.join(', ')}`)
  const users = await ctx.users.viewsOf(wanted)
  await transact(ctx, async (tx) => {
    const present = await tx.db
      .selectFrom('palaver_members')
      .select('user_id')
      .where('chat_id', '=', chatId)
      .where('user_id', 'in', wanted)
      .execute()
    const already = new Set(present.map((m) => m.user_id))
    const chat = await tx.db
      .selectFrom('palaver_chats')
      .selectAll()
      .where('id', '=', chatId)
      .executeTakeFirstOrThrow()
    await insertMembers(
      ctx,
      tx,
      chat,
      wanted
        .filter((id) => !already.has(id))
        .map((id) => ({ user: users.get(id)!, role: 'member' as const })),
    )
  })
  return getChat(ctx, viewer, chatId)
}

/**
 * Takes a member out of a chat. When the last admin goes, the longest-standing member becomes admin;
 * a group or DM with nobody left is removed (a room stays with its content object).
 */
async function removeMembership(tx: Tx, chat: Chat, userId: string): Promise<void> {
  const removed = await tx.db
    .deleteFrom('palaver_members')
    .where('chat_id', '=', chat.id)
    .where('user_id', '=', userId)
    .returning('role')
    .executeTakeFirst()
  if (!removed) throw new PalaverError('not_found', 'Member not found')
  const remaining = await tx.db
    .selectFrom('palaver_members')
    .select(['id', 'user_id', 'role'])
    .where('chat_id', '=', chat.id)
    .orderBy('joined_at')
    .orderBy('id')
    .execute()
  if (remaining.length === 0 && chat.kind !== 'room') {
    await removeChat(tx, chat.id)
    return
  }
  const promoted: string[] = []
  const successor = remaining[0]
  if (removed.role === 'admin' && successor && !remaining.some((m) => m.role === 'admin')) {
    await tx.db.updateTable('palaver_members').set({ role: 'admin' }).where('id', '=', successor.id).execute()
    promoted.push(successor.user_id)
  }
  const updated = await tx.db
    .updateTable('palaver_chats')
    .set((eb) => ({ member_count: eb('member_count', '-', 1) }))
    .where('id', '=', chat.id)
    .returningAll()
    .executeTakeFirstOrThrow()
  tx.emit(memberRemovedEvent(updated, userId, promoted))
}

export async function removeMember(
  ctx: Context,
  viewer: Viewer,
  chatId: number,
  userId: string,
): Promise<void> {
  const access = await loadChat(ctx, ctx.db, chatId, viewer)
  requirePermission(access, 'manageMembers')
  if (userId === viewer.id) throw invalid('To leave a chat, use leave')
  await transact(ctx, (tx) => removeMembership(tx, access.chat, userId))
}

export async function leaveChat(ctx: Context, viewer: Viewer, chatId: number): Promise<void> {
  const access = await loadChat(ctx, ctx.db, chatId, viewer)
  memberWith(access, 'leave')
  await transact(ctx, (tx) => removeMembership(tx, access.chat, viewer.id))
}

/** Joins a room the host lets the viewer join; the first member of a room becomes its admin. */
export async function joinChat(ctx: Context, viewer: Viewer, chatId: number): Promise<ChatDetailView> {
  const access = await loadChat(ctx, ctx.db, chatId, viewer)
  if (access.member) return getChat(ctx, viewer, chatId)
  requirePermission(access, 'join')
  await transact(ctx, async (tx) => {
    const chat = await tx.db
      .selectFrom('palaver_chats')
      .selectAll()
      .where('id', '=', chatId)
      .executeTakeFirstOrThrow()
    const admins = await tx.db
      .selectFrom('palaver_members')
      .select('id')
      .where('chat_id', '=', chatId)
      .where('role', '=', 'admin')
      .limit(1)
      .execute()
    await insertMembers(ctx, tx, chat, [{ user: viewer, role: admins.length === 0 ? 'admin' : 'member' }])
  }).catch(async (error: unknown) => {
    // Two joins at once: the unique (chat, user) index refuses the second; the viewer is a member either way.
    const joined = await ctx.db
      .selectFrom('palaver_members')
      .select('id')
      .where('chat_id', '=', chatId)
      .where('user_id', '=', viewer.id)
      .executeTakeFirst()
    if (!joined) throw error
  })
  return getChat(ctx, viewer, chatId)
}
