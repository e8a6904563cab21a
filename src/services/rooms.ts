import { sql } from 'kysely'
import { forbidden, invalid, notFound, PalaverError } from '../errors.js'
import type { RoomAccess } from '../schemas.js'
import type { Chat, Member } from '../storage/schema.js'
import { type Context, transact } from './context.js'
import { chatCreatedEvent } from './events.js'
import { isGuest } from './guests.js'
import type { Viewer } from './users.js'

/** What the host says about a content object, for one viewer. */
export interface RoomObject {
  title: string
  /** `public`: anyone signed in reads and joins; `members`: only members read; `hidden`: the room does not exist for this viewer. */
  access: RoomAccess
  /** Whether a non-member may join; defaults to true for public rooms and false otherwise. */
  canJoin?: boolean
  /**
   * Whether visitors who are not signed in may read a public room too (asked with `viewer` null); default
   * false. They read its history and its live events, and need to sign in to join or write.
   */
  guestsRead?: boolean
}

/** The host's answer for one content type: null when the object does not exist. */
export type RoomResolver = (
  objectId: string,
  viewer: Viewer | null,
) => Promise<RoomObject | null> | RoomObject | null

function requireRoomsEnabled(ctx: Context): void {
  if (!ctx.options.enableRooms) throw forbidden('Rooms are disabled on this site')
}

/** Asks the host about a room's object; a hidden or vanished object answers 404. */
export async function resolveRoom(
  ctx: Context,
  contentType: string,
  objectId: string,
  viewer: Viewer | null,
) {
  const resolver = ctx.options.rooms[contentType]
  if (!resolver) throw invalid(`Content type "${contentType}" has no rooms`)
  const room = await resolver(objectId, viewer)
  if (!room || room.access === 'hidden') throw notFound('Room')
  return room
}

/** The room of a content object, when anyone opened it. */
const roomChat = (ctx: Context, contentType: string, objectId: string) =>
  ctx.db
    .selectFrom('palaver_chats')
    .selectAll()
    .where('content_type', '=', contentType)
    .where('object_id', '=', objectId)
    .executeTakeFirst()

/** Where a room's object changed (see Palaver.roomChanged): the chat id of its room, published. */
export const ROOM_CHANGED_CHANNEL = 'palaver:room-changed'

/**
 * Tells every process that the host's resolver may answer differently for this object now, so that
 * each asks again at once about the readers watching its room without being members. A room never
 * opened has no readers: nothing to tell.
 */
export async function roomChanged(ctx: Context, contentType: string, objectId: string): Promise<void> {
  if (typeof contentType !== 'string' || !Object.hasOwn(ctx.options.rooms, contentType))
    throw invalid(`Content type "${String(contentType)}" has no rooms`)
  if (typeof objectId !== 'string') throw invalid('objectId must be a string')
  const chat = await roomChat(ctx, contentType, objectId)
  if (chat) await ctx.pubsub.publish(ROOM_CHANGED_CHANNEL, String(chat.id))
}

export const canJoinRoom = (room: RoomObject) => room.canJoin ?? room.access === 'public'

/**
 * Finds the room of a content object, creating it (with no members yet) the first time anyone asks.
 * A members-only room is refused (403) to a viewer who is neither in it nor allowed to join it.
 */
export async function getOrCreateRoom(
  ctx: Context,
  viewer: Viewer,
  contentType: string,
  objectId: string,
): Promise<{ chat: Chat; room: RoomObject }> {
  requireRoomsEnabled(ctx)
  const guest = isGuest(viewer)
  const signIn = () => new PalaverError('unauthenticated', 'Sign in to use messages')
  // Where there are no rooms of the kind, there is none for a guest to read either.
  if (guest && !Object.hasOwn(ctx.options.rooms, contentType)) throw signIn()
  const room = await resolveRoom(ctx, contentType, objectId, guest ? null : viewer)
  // A room its host does not open to guests is the sign-in's business, as every other route is.
  if (guest && !(room.access === 'public' && room.guestsRead === true)) throw signIn()
  const find = () => roomChat(ctx, contentType, objectId)
  const existing = await find()
  if (room.access !== 'public' && !canJoinRoom(room)) {
    // A members-only room: refused before anything is written, unless the viewer is in it already.
    const member =
      existing &&
      (await ctx.db
        .selectFrom('palaver_members')
        .select('id')
        .where('chat_id', '=', existing.id)
        .where('user_id', '=', viewer.id)
        .executeTakeFirst())
    if (!member) throw forbidden('Only members may read this room')
  }
  if (existing) return { chat: existing, room }
  await transact(ctx, async (tx) => {
    const created = await tx.db
      .insertInto('palaver_chats')
      .values({
        kind: 'room',
        // No title of its own: the room shows what the host says now (per viewer), until renamed.
        title: null,
        dm_key: null,
        content_type: contentType,
        object_id: objectId,
        // A guest is no user: the room is made by no one.
        created_by: guest ? null : viewer.id,
        created_at: tx.now,
        last_activity_at: tx.now,
        room_activity_at: tx.now,
        member_count: 0,
      })
      .onConflict((oc) => oc.columns(['content_type', 'object_id']).doNothing())
      .returningAll()
      .executeTakeFirst()
    if (created) tx.emit(chatCreatedEvent(created))
  })
  const chat = await find()
  if (!chat) throw notFound('Room')
  return { chat, room }
}

type Position = { at: number; id: number }

/**
 * A batch of rooms, most active first, after `from`; with whether the viewer is in each. The kind is a
 * literal, not a parameter: a statement planned once for any kind could not read the rooms' own index.
 */
function roomBatch(ctx: Context, viewer: Viewer, from: Position | null, size: number) {
  return ctx.db
    .selectFrom('palaver_chats as c')
    .leftJoin('palaver_members as m', (j) =>
      j.onRef('m.chat_id', '=', 'c.id').on('m.user_id', '=', viewer.id),
    )
    .selectAll('c')
    .select(sql<number>`case when m.user_id is null then 0 else 1 end`.as('is_member'))
    .where('c.kind', '=', sql.lit('room'))
    .$if(from !== null, (q) =>
      q.where((eb) =>
        eb.or([
          eb('c.room_activity_at', '<', from!.at),
          eb.and([eb('c.room_activity_at', '=', from!.at), eb('c.id', '<', from!.id)]),
        ]),
      ),
    )
    .orderBy('c.room_activity_at', 'desc')
    .orderBy('c.id', 'desc')
    .limit(size)
    .execute()
}

/**
 * Rooms a viewer may browse and join: public ones, most active first. Whether a room is public is the
 * host's to say, so rooms are read in batches until `limit` public ones are found (or none are left).
 */
export async function browseRooms(ctx: Context, viewer: Viewer, limit: number) {
  requireRoomsEnabled(ctx)
  const size = Math.max(limit * 3, 50)
  const visible: Array<{ chat: Chat; room: RoomObject; isMember: boolean; member: Member | null }> = []
  let from: Position | null = null
  for (let scanned = 0; visible.length < limit && scanned < 5000; scanned += size) {
    const rows = await roomBatch(ctx, viewer, from, size)
    const rooms = await Promise.all(
      rows.map((row) => ctx.options.rooms[row.content_type ?? '']?.(row.object_id ?? '', viewer) ?? null),
    )
    rows.forEach(({ is_member, ...chat }, i) => {
      const room = rooms[i]
      if (room?.access === 'public' && visible.length < limit) {
        visible.push({ chat, room, isMember: Number(is_member) === 1, member: null })
      }
    })
    const last = rows[rows.length - 1]
    if (!last || rows.length < size) break
    from = { at: last.room_activity_at!, id: last.id }
  }
  // The viewer's own memberships, so that a room they are in shows their role and may be left.
  const joined = visible.filter((v) => v.isMember).map((v) => v.chat.id)
  if (joined.length > 0) {
    const members = await ctx.db
      .selectFrom('palaver_members')
      .selectAll()
      .where('user_id', '=', viewer.id)
      .where('chat_id', 'in', joined)
      .execute()
    const byChat = new Map(members.map((m) => [m.chat_id, m]))
    for (const entry of visible) entry.member = byChat.get(entry.chat.id) ?? null
  }
  return visible
}
