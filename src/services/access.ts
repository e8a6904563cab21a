import { forbidden, notFound } from '../errors.js'
import type { ChatView } from '../schemas.js'
import type { Db } from '../storage/dialect.js'
import { prepared } from '../storage/prepared.js'
import type { Chat, Member } from '../storage/schema.js'
import { type BlockSide, blockedDm, blocksWith } from './blocks.js'
import type { Context } from './context.js'
import { isGuest } from './guests.js'
import { everyoneRefused, mayMentionEveryone } from './mentions.js'
import { canJoinRoom, type RoomObject } from './rooms.js'
import type { Viewer } from './users.js'

/** A chat as one viewer may use it: their membership and, for a room, what the host said about its object. */
export interface ChatAccess {
  chat: Chat
  member: Member | null
  room: RoomObject | null
  /** Whether the viewer may read the conversation: false only for a members-only room they may join. */
  canRead: boolean
  /** In a DM, a block between its two people, which way it runs: then neither may write in it. */
  dmBlock: BlockSide | null
  permissions: ChatView['permissions']
}

function kindEnabled(ctx: Context, chat: Chat): boolean {
  if (chat.kind === 'dm') return ctx.options.enableDms
  if (chat.kind === 'room') return ctx.options.enableRooms
  return true
}

export function permissionsOf(
  ctx: Context,
  chat: Chat,
  member: Member | null,
  room: RoomObject | null,
  dmBlock: BlockSide | null,
  guest = false,
) {
  const { options } = ctx
  const isMember = member !== null
  const mayWrite = isMember && dmBlock === null
  const isAdmin = member?.role === 'admin'
  const renameAllowed =
    chat.kind === 'room' ? options.allowRenamingRooms : chat.kind === 'dm' ? options.allowRenamingDms : true
  return {
    post: mayWrite,
    react: mayWrite && options.allowReactions,
    rename: isAdmin && renameAllowed,
    manageMembers: isAdmin && chat.kind !== 'dm',
    // A room belongs to its content object: its history is the host's to remove, not a visitor's.
    delete: isAdmin && chat.kind !== 'room',
    join: !isMember && !guest && chat.kind === 'room' && room !== null && canJoinRoom(room),
    leave: isMember,
    mentionEveryone: mayWrite && mayMentionEveryone(chat, member),
    // A room is a crowd: what stays on top of it is its admins' to choose.
    pin: mayWrite && (chat.kind !== 'room' || isAdmin),
  }
}

/** Resolves the room's object for a viewer; null when the host hides it or it is gone. */
async function roomFor(ctx: Context, chat: Chat, viewer: Viewer | null): Promise<RoomObject | null> {
  const resolver = ctx.options.rooms[chat.content_type ?? '']
  if (!resolver || chat.object_id === null) return null
  const room = await resolver(chat.object_id, viewer)
  return room && room.access !== 'hidden' ? room : null
}

export interface LoadOptions {
  /**
   * Also let in a non-member whom the host lets join a members-only room (`canJoin: true`), so they can
   * see what the room is and join it. Such an access has `canRead: false`: not for history or posting.
   */
  joinable?: boolean
}

/**
 * The chat and the viewer's membership in one query: every request that touches a chat starts here, but
 * a send to a chat this process already loaded (the store checks membership then, see sendMessage).
 */
const chatWithMembership = (db: Db, chatIds: number | readonly number[], viewerId: string) =>
  db
    .selectFrom('palaver_chats as c')
    .leftJoin('palaver_members as m', (join) =>
      join.onRef('m.chat_id', '=', 'c.id').on('m.user_id', '=', viewerId),
    )
    .selectAll('c')
    .select([
      'm.id as member_id',
      'm.role as member_role',
      'm.joined_at as member_joined_at',
      'm.last_read_message_id as member_last_read',
      'm.last_delivered_message_id as member_last_delivered',
      'm.muted_until as member_muted_until',
      'm.marked_unread as member_marked_unread',
    ])
    .where('c.id', Array.isArray(chatIds) ? 'in' : '=', chatIds as never)

/** The same for one chat, compiled once: it runs before every send. */
const oneChatWithMembership = prepared<'chatId' | 'viewerId', ChatRow>((db, slot) =>
  chatWithMembership(db, slot('chatId'), slot('viewerId')),
)

type ChatRow = Awaited<ReturnType<ReturnType<typeof chatWithMembership>['execute']>>[number]

/** What the viewer may do with a loaded chat; null when it does not exist for them. */
async function accessOf(
  ctx: Context,
  db: Db,
  row: ChatRow,
  viewer: Viewer,
  options: LoadOptions,
): Promise<ChatAccess | null> {
  const {
    member_id,
    member_role,
    member_joined_at,
    member_last_read,
    member_last_delivered,
    member_muted_until,
    member_marked_unread,
    ...chat
  } = row
  ctx.chatKinds.remember(chat.id, chat.kind)
  if (!kindEnabled(ctx, chat)) return null
  const member: Member | null =
    member_id === null
      ? null
      : {
          id: member_id,
          chat_id: chat.id,
          user_id: viewer.id,
          role: member_role!,
          joined_at: member_joined_at!,
          last_read_message_id: member_last_read!,
          last_delivered_message_id: member_last_delivered!,
          muted_until: member_muted_until,
          marked_unread: member_marked_unread,
        }
  let room: RoomObject | null = null
  let canRead = member !== null
  const guest = isGuest(viewer)
  if (chat.kind === 'room') {
    room = await roomFor(ctx, chat, guest ? null : viewer)
    if (!room) return null
    canRead ||= room.access === 'public' && (!guest || room.guestsRead === true)
    if (!canRead && (guest || !(options.joinable && canJoinRoom(room)))) return null
  } else if (!member) {
    return null
  }
  const dmBlock = await dmBlockOf(db, chat, viewer.id)
  return {
    chat,
    member,
    room,
    canRead,
    dmBlock,
    permissions: permissionsOf(ctx, chat, member, room, dmBlock, guest),
  }
}

/** The other person of a DM (null for a self-chat and for other chats). */
export function dmPeerId(chat: Chat, viewerId: string): string | null {
  if (chat.kind !== 'dm' || chat.dm_key === null) return null
  const [a, b] = JSON.parse(chat.dm_key) as [string, string]
  return a === viewerId ? (b === viewerId ? null : b) : a
}

/** A block between the two people of a DM: one query, for DMs only (a group's send never pays for it). */
async function dmBlockOf(db: Db, chat: Chat, viewerId: string): Promise<BlockSide | null> {
  const peer = dmPeerId(chat, viewerId)
  return peer === null ? null : ((await blocksWith(db, viewerId, [peer])).get(peer) ?? null)
}

/**
 * Loads a chat the viewer may see, or answers 404: chats they may not see do not exist for them.
 * Members see their chats; anyone signed in sees a public room (a guest, one whose host lets guests read
 * it); a hidden room is hidden from members too.
 */
export async function loadChat(
  ctx: Context,
  db: Db,
  chatId: number,
  viewer: Viewer,
  options: LoadOptions = {},
): Promise<ChatAccess> {
  const [row] = await oneChatWithMembership(db, { chatId, viewerId: viewer.id })
  const access = row ? await accessOf(ctx, db, row, viewer, options) : null
  if (!access) throw notFound('Chat')
  return access
}

/** Like loadChat for many chats in one query; a chat the viewer may not see is left out. */
export async function loadChats(
  ctx: Context,
  db: Db,
  chatIds: readonly number[],
  viewer: Viewer,
): Promise<Map<number, ChatAccess>> {
  const loaded = new Map<number, ChatAccess>()
  if (chatIds.length === 0) return loaded
  const rows = await chatWithMembership(db, chatIds, viewer.id).execute()
  const accesses = await Promise.all(rows.map((row) => accessOf(ctx, db, row, viewer, {})))
  for (const access of accesses) if (access) loaded.set(access.chat.id, access)
  return loaded
}

type Permission = keyof ChatAccess['permissions']

const refusals: Record<Permission, string> = {
  post: 'Only members may post in this chat',
  react: 'Reactions are not allowed here',
  rename: 'You may not rename this chat',
  manageMembers: 'Only admins may manage members',
  delete: 'Only admins may delete this chat',
  join: 'You may not join this chat',
  leave: 'You are not a member of this chat',
  mentionEveryone: everyoneRefused,
  pin: 'Only its admins may pin messages in a room',
}

/** Throws 403 with a clear reason unless the viewer holds the permission. */
export function requirePermission(access: ChatAccess, permission: Permission): void {
  if (access.permissions[permission]) return
  if (access.dmBlock && access.member && (permission === 'post' || permission === 'react'))
    throw blockedDm(access.dmBlock)
  throw forbidden(refusals[permission])
}

/** The viewer's membership, after checking a permission that only members hold. */
export function memberWith(access: ChatAccess, permission: Permission): Member {
  requirePermission(access, permission)
  if (!access.member) throw forbidden(refusals[permission])
  return access.member
}
