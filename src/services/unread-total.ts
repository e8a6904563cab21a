import { unreadThatCounts } from '../client/unread.js'
import type { UnreadView } from '../schemas.js'
import type { ChatKind } from '../storage/schema.js'
import type { Context } from './context.js'
import { resolveRoom } from './rooms.js'
import { unreadOf, unreadOfMembership } from './unread.js'
import type { Viewer } from './users.js'
import { muteOf } from './views.js'

/**
 * The viewer's unread total over every chat they are a member of (of a kind the site enables, and a
 * room only while its host shows it, as the chat list has them), counted by the widgets' rule: of a
 * muted chat only the messages that mention them. One query, whatever the number of chats.
 */
export async function unreadSummary(
  ctx: Context,
  viewer: Viewer,
  query: { kind?: ChatKind | undefined },
): Promise<UnreadView> {
  const disabled: ChatKind[] = [
    ...(ctx.options.enableDms ? [] : (['dm'] as const)),
    ...(ctx.options.enableRooms ? [] : (['room'] as const)),
  ]
  const memberships = await ctx.db
    .selectFrom('palaver_members as mb')
    .innerJoin('palaver_chats as c', 'c.id', 'mb.chat_id')
    .select((eb) => [
      'mb.chat_id',
      'mb.muted_until',
      'mb.marked_unread',
      'c.kind',
      'c.content_type',
      'c.object_id',
      ...unreadOfMembership(eb, ctx.db, viewer.id),
    ])
    .where('mb.user_id', '=', viewer.id)
    .$if(query.kind !== undefined, (q) => q.where('c.kind', '=', query.kind!))
    .$if(disabled.length > 0, (q) => q.where('c.kind', 'not in', disabled))
    .orderBy('mb.chat_id')
    .execute()
  const rows = memberships.filter((r) => Number(r.unread) > 0 || r.marked_unread === 1)
  // A room whose object the host now hides is not in the list (it answers 404): it does not count.
  const shown = await Promise.all(
    rows.map((r) =>
      r.kind !== 'room'
        ? true
        : resolveRoom(ctx, r.content_type!, r.object_id!, viewer).then(
            () => true,
            () => false,
          ),
    ),
  )
  const now = Date.now()
  const chats = rows
    .filter((_, i) => shown[i])
    .map((r) => {
      const { messages, mentions } = unreadOf(r)
      return {
        id: r.chat_id,
        kind: r.kind,
        unreadCount: messages,
        unreadMentionCount: mentions,
        ...muteOf(r.muted_until, now),
        markedUnread: r.marked_unread === 1,
      }
    })
  const counted = chats.map((chat) => unreadThatCounts(chat, now))
  return {
    unreadCount: counted.reduce((sum, n) => sum + n, 0),
    chatCount: counted.filter((n) => n > 0).length,
    chats,
  }
}
