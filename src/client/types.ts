import type { z } from '@hono/zod-openapi'
import type * as S from '../schemas.js'

/**
 * The types of the REST API and of the event stream, taken from the server's own schemas
 * (type-only imports: nothing of the server is bundled into the client).
 */

export type {
  AttachmentView,
  ChatDetailView,
  ChatListView,
  ChatView,
  HistoryView,
  MemberSearchView,
  MemberView,
  MentionView,
  MessageView,
  PinsView,
  QuoteView,
  ReactionView,
  ReceiptStatus,
  RoomAccess,
  SearchResultView,
  UnreadChatView,
  UnreadView,
  UserView,
} from '../schemas.js'

import type { ChatDetailView, EventPayloads, UserView } from '../schemas.js'

export type { ChatSummary, EventPayloads } from '../schemas.js'

// ---- request bodies and queries (what the caller may pass: defaults are optional) ----

export type CreateChatInput = z.input<typeof S.CreateChatInput>
export type SendMessageInput = z.input<typeof S.SendMessageInput>
export type EditMessageInput = z.input<typeof S.EditMessageInput>
export type RoomInput = z.input<typeof S.RoomInput>
/** `{ muted: true, until? }` (no `until`: until unmuted) or `{ muted: false }`. */
export type MuteInput = z.input<typeof S.MuteInput>
export type ChatKind = z.output<typeof S.ChatKind>

export type ChatListQuery = z.output<typeof S.ChatListQuery>
/** `before`/`after` page from a message id; `around` centres a page on one (a search result's jump target). */
export type HistoryQuery = S.HistoryQuery
export type MessageSearchQuery = z.output<typeof S.SearchQuery>
export type UnreadQuery = z.output<typeof S.UnreadQuery>

// ---- answers the schemas declare inline in the routes ----

export type ToggleReactionResult = z.output<typeof S.ToggleReactionResult>

export interface MarkReadResult {
  lastReadMessageId: number
  unreadCount: number
  unreadMentionCount: number
}

export interface RoomListItem {
  chat: Omit<ChatDetailView, 'members'>
  isMember: boolean
}

export interface RoomList {
  rooms: RoomListItem[]
}

/** Which of the people asked about are online now (those outside my contacts, or with a block either way, never are). */
export interface PresenceResult {
  online: string[]
}

export interface UserSearchResult {
  users: UserView[]
}

/** Whether I now block the user (`user.blocked` carries the same). */
export type BlockResult = EventPayloads['user.blocked']

export interface BlockedUsers {
  users: UserView[]
}

export interface MessageSearchResult {
  results: S.SearchResultView[]
  /** The `before` of the next page; null when no older match can exist. */
  nextBefore: number | null
}

// ---- the event stream ----

/** Every persisted event: the log's cursor, its type, its chat and its payload. */
export interface EventFrame<T extends string = string, D = unknown> {
  cursor: number
  type: T
  chatId: number | null
  data: D
}

/** The payload of each persisted event type (src/services/events.ts builds them). */
export type PersistedEventType = keyof EventPayloads

export type PalaverEvent = { [K in PersistedEventType]: EventFrame<K, EventPayloads[K]> }[PersistedEventType]

/** Someone started or stopped typing (ephemeral: no cursor, never replayed). */
export interface TypingFrame {
  type: 'typing'
  chatId: number
  data: { chatId: number; userId: string; displayName: string; isTyping: boolean; at: number }
}

/** Someone the viewer shares a DM or a group with came online or went (ephemeral: no cursor, never replayed). */
export interface PresenceFrame {
  type: 'presence'
  chatId?: number | null
  data: { userId: string; online: boolean }
}

/** A chat watched without being a member is no longer sent: the viewer may no longer read it (a room closed or gone). */
export interface UnwatchedFrame {
  type: 'unwatched'
  chatId: number
}

/** The server replayed what the client missed: everything up to `cursor` has been sent. */
export interface ReadyFrame {
  type: 'ready'
  cursor: number
}

/** The client's cursor is too old (or unknown): reload state over REST, the stream continues from `cursor`. */
export interface ResyncFrame {
  type: 'resync'
  cursor: number
}

/** Any frame a transport hands to the connection. */
export type ServerFrame =
  | EventFrame
  | TypingFrame
  | PresenceFrame
  | UnwatchedFrame
  | ReadyFrame
  | ResyncFrame
  | { type: string; [key: string]: unknown }

/** A long-poll answer. */
export interface EventsPage {
  events: EventFrame[]
  ephemeral: Array<{ type: string; [key: string]: unknown }>
  cursor: number
}
