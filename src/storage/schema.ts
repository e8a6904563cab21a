import { type Generated, type Selectable, sql } from 'kysely'

/** Row types of Palaver's tables. Times are epoch milliseconds; message and event ids are safe integers. */
export interface DatabaseSchema {
  palaver_users: UserRow
  palaver_chats: ChatRow
  palaver_members: MemberRow
  palaver_messages: MessageRow
  palaver_reactions: ReactionRow
  palaver_events: EventRow
  palaver_counters: CounterRow
  palaver_webhooks: WebhookRow
  palaver_blocks: BlockRow
  palaver_mentions: MentionRow
  palaver_attachments: AttachmentRow
  palaver_attachment_data: AttachmentDataRow
}

export interface UserRow {
  id: string
  username: string
  name: string
  email: string
  avatar_url: string | null
  /** Lower-cased username, name and e-mail, for case-insensitive user search. */
  search_text: string
  updated_at: number
}

export type ChatKind = 'dm' | 'group' | 'room'

export interface ChatRow {
  id: Generated<number>
  kind: ChatKind
  title: string | null
  /** Sorted member ids of a DM, so get-or-create finds the one DM between two people. */
  dm_key: string | null
  content_type: string | null
  object_id: string | null
  /** Null for a room a guest opened first (migration 018): no user made it. */
  created_by: string | null
  created_at: number
  last_activity_at: number
  /**
   * A room's `last_activity_at` again, null for other chats: the one rooms are browsed by, and indexed,
   * so that the column every send moves is not (see migration 007).
   */
  room_activity_at: number | null
  member_count: number
}

/** What a chat's activity moving to `now` sets (a statement of palaver_chats; a room moves both). */
export const activityAt = (now: number) => ({
  last_activity_at: now,
  room_activity_at: sql<number | null>`case when kind = 'room' then cast(${now} as bigint) end`,
})

export type Role = 'admin' | 'member'

export interface MemberRow {
  /** Grows with every join: orders members by how long they have been in the chat. */
  id: Generated<number>
  chat_id: number
  user_id: string
  role: Role
  joined_at: number
  last_read_message_id: number
  last_delivered_message_id: number
  /**
   * Until when the member muted the chat, in epoch ms (MUTED_FOREVER: until they unmute it); null when
   * they did not (migration 009).
   */
  muted_until: number | null
  /** 1 while the member has marked the chat unread (until they next read it), else null (migration 017). */
  marked_unread: number | null
}

/** `muted_until` of a chat muted until its member unmutes it: later than any date a person would pick. */
export const MUTED_FOREVER = Number.MAX_SAFE_INTEGER

export interface MessageRow {
  id: Generated<number>
  chat_id: number
  sender_id: string
  /** Null once the message is deleted: the text is gone from storage. */
  body: string | null
  client_id: string | null
  /** The message of the same chat this one answers (migration 008). */
  reply_to_id: number | null
  /** 1 when it mentions every member of its chat (`@everyone`), else null (migration 016). */
  mentions_everyone: number | null
  /** When the message was pinned to its chat (epoch ms), and by whom; both null when it is not (migration 019). */
  pinned_at: number | null
  pinned_by: string | null
  created_at: number
  edited_at: number | null
  deleted_at: number | null
}

export interface ReactionRow {
  message_id: number
  user_id: string
  emoji: string
  created_at: number
}

/** A member a message mentions; `position` keeps the order the sender named them in. */
export interface MentionRow {
  message_id: number
  user_id: string
  position: number
  /** The name the text writes after the mention's "@"; null when not found, or stored before 014. */
  written_as: string | null
}

/** A file uploaded to a chat; `message_id` is null until a message is sent with it (migration 013). */
export interface AttachmentRow {
  id: Generated<number>
  /** Where the store keeps its bytes: random, never reused. */
  key: string
  chat_id: number
  uploader_id: string
  message_id: number | null
  /** Its place among its message's attachments. */
  position: number
  name: string
  type: string
  size: number
  /** Of a picture; null for other files. */
  width: number | null
  height: number | null
  created_at: number
}
export type Attachment = Selectable<AttachmentRow>

/** The bytes of a file in the default store. */
export interface AttachmentDataRow {
  key: string
  data: Uint8Array
}

export interface EventRow {
  cursor: number
  type: string
  chat_id: number | null
  /** The user a membership event is about: they see it even when it removed them from the chat. */
  user_id: string | null
  message_id: number | null
  /** The event serialized once, at write time. */
  payload: string
  created_at: number
}

export interface CounterRow {
  name: string
  value: number
}

/** A webhook endpoint's place in the event log, and which process delivers to it (migration 010). */
export interface WebhookRow {
  name: string
  /** The last event delivered (or skipped, as not of the endpoint's types). */
  cursor: number
  /** The process that holds the deliveries, until `held_until` (epoch ms); null when none does. */
  holder: string | null
  held_until: number
}

/** `blocker_id` blocked `blocked_id` (migration 011). */
export interface BlockRow {
  blocker_id: string
  blocked_id: string
  created_at: number
}

/** Rows as read back: generated columns hold their values. */
export type Chat = Selectable<ChatRow>
export type Member = Selectable<MemberRow>
export type Message = Selectable<MessageRow>

/**
 * The columns of a message, for `select`: never `*`, which on PostgreSQL would also carry the search
 * vector (a generated column as long as the text) to every history page.
 */
export const messageColumns = [
  'id',
  'chat_id',
  'sender_id',
  'body',
  'client_id',
  'reply_to_id',
  'mentions_everyone',
  'pinned_at',
  'pinned_by',
  'created_at',
  'edited_at',
  'deleted_at',
] as const satisfies ReadonlyArray<keyof MessageRow>
