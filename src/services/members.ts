import { forbidden, invalid, notFound } from '../errors.js'
import type { ChatDetailView, MemberView } from '../schemas.js'
import { loadChat, memberWith, requirePermission } from './access.js'
import { refuseBlocked } from './blocks.js'
import { getChat, insertMembers, lockChat, memberViews, removeChat } from './chats.js'
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
  await refuseBlocked(ctx, viewer, wanted)
  const users = await ctx.users.viewsOf(wanted)
  await transact(
    ctx,
    async (tx) => {
      const chat = await lockChat(tx, chatId)
      if (!chat) throw notFound('Chat')
      const present = await tx.db
        .selectFrom('palaver_members')
        .select('user_id')
        .where('chat_id', '=', chatId)
        .where('user_id', 'in', wanted)
        .execute()
      const already = new Set(present.map((m) => m.user_id))
      await insertMembers(
        ctx,
        tx,
        chat,
        wanted
          .filter((id) => !already.has(id))
          .map((id) => ({ user: users.get(id)!, role: 'member' as const })),
      )
    },
    { chatId },
  )
  return getChat(ctx, viewer, chatId)
}

/**
 * Takes a member out of a chat. When the last admin goes, the longest-standing member (earliest
 * joined) becomes admin. A group or DM with nobody left is removed, and the last one out gets its
 * chat.deleted; a room stays with its content object, empty, and its next member becomes admin.
 */
async function removeMembership(tx: Tx, chatId: number, userId: string): Promise<void> {
  const chat = await lockChat(tx, chatId)
  if (!chat) throw notFound('Chat')
  const members = await tx.db
    .selectFrom('palaver_members')
    .select(['id', 'user_id', 'role'])
    .where('chat_id', '=', chatId)
    .orderBy('joined_at')
    .orderBy('id')
    .execute()
  const leaving = members.find((m) => m.user_id === userId)
  if (!leaving) throw notFound('Member')
  const remaining = members.filter((m) => m !== leaving)
  if (remaining.length === 0 && chat.kind !== 'room') {
    await removeChat(tx, chatId)
    return
  }
  await tx.db.deleteFrom('palaver_members').where('id', '=', leaving.id).execute()
  const promoted: string[] = []
  const successor = remaining[0]
  if (leaving.role === 'admin' && successor && !remaining.some((m) => m.role === 'admin')) {
    await tx.db.updateTable('palaver_members').set({ role: 'admin' }).where('id', '=', successor.id).execute()
    promoted.push(successor.user_id)
  }
  const updated = await tx.db
    .updateTable('palaver_chats')
    .set({ member_count: remaining.length })
    .where('id', '=', chatId)
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
  await transact(ctx, (tx) => removeMembership(tx, chatId, userId), { chatId })
}

export async function leaveChat(ctx: Context, viewer: Viewer, chatId: number): Promise<void> {
  const access = await loadChat(ctx, ctx.db, chatId, viewer)
  memberWith(access, 'leave')
  await transact(ctx, (tx) => removeMembership(tx, chatId, viewer.id), { chatId })
}

/**
 * Joins a room the host lets the viewer join; the first member of a room becomes its admin.
 * Joining is also how someone the host invites gets into a members-only room (`canJoin: true`).
 */
export async function joinChat(ctx: Context, viewer: Viewer, chatId: number): Promise<ChatDetailView> {
  const access = await loadChat(ctx, ctx.db, chatId, viewer, { joinable: true })
  if (!access.member) {
    requirePermission(access, 'join')
    await transact(
      ctx,
      async (tx) => {
        const chat = await lockChat(tx, chatId)
        if (!chat) throw notFound('Chat')
        const members = await tx.db
          .selectFrom('palaver_members')
          .select(['user_id', 'role'])
          .where('chat_id', '=', chatId)
          .execute()
        // Two joins at once: the second finds the viewer already in.
        if (members.some((m) => m.user_id === viewer.id)) return
        const role = members.some((m) => m.role === 'admin') ? 'member' : 'admin'
        await insertMembers(ctx, tx, chat, [{ user: viewer, role }])
      },
      { chatId },
    )
  }
  return getChat(ctx, viewer, chatId)
}

/** Past this many members a chat's members are not handed to the directory's search as a list. */
const WITHIN_LIMIT = 2000

/**
 * Members of a chat whose name, username or e-mail matches `q` (what an @mention suggests), in the
 * directory's order; without `q`, those who read the chat most recently first. Anyone who may read the
 * chat may ask: the contact list plays no part, since they are in the chat already.
 *
 * A chat with more members than WITHIN_LIMIT is searched the other way round (matching users, then
 * which of them are members), so a room of 100,000 does not send 100,000 ids to the directory; it then
 * finds those among the first 200 matches in the whole directory.
 */
export async function searchMembers(
  ctx: Context,
  viewer: Viewer,
  chatId: number,
  query: { q?: string | undefined; limit?: number | undefined },
): Promise<MemberView[]> {
  const access = await loadChat(ctx, ctx.db, chatId, viewer)
  if (!access.canRead) throw forbidden('You may not see who is in this chat')
  const limit = query.limit ?? 10
  const q = query.q?.trim() ?? ''
  const members = () => ctx.db.selectFrom('palaver_members').selectAll().where('chat_id', '=', chatId)
  if (q === '') {
    const rows = await members()
      .orderBy('last_read_message_id', 'desc')
      .orderBy('joined_at')
      .orderBy('user_id')
      .limit(limit)
      .execute()
    return memberViews(ctx, rows)
  }
  const small = access.chat.member_count <= WITHIN_LIMIT
  const within = small ? (await members().select('user_id').execute()).map((m) => m.user_id) : undefined
  if (within?.length === 0) return []
  const found = await ctx.users.directory.search(q, {
    limit: small ? limit : 200,
    ...(within ? { within } : {}),
  })
  if (found.length === 0) return []
  const rows = await members()
    .where(
      'user_id',
      'in',
      found.map((p) => p.id),
    )
    .execute()
  const byUser = new Map(rows.map((r) => [r.user_id, r]))
  return memberViews(ctx, found.flatMap((p) => byUser.get(p.id) ?? []).slice(0, limit))
}
