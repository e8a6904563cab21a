import type { Kysely, Transaction } from 'kysely'
import type { TermMatch, WordMatches } from '../services/search-text.js'
import type { DatabaseSchema, EventRow, Message } from './schema.js'

export type Db = Kysely<DatabaseSchema> | Transaction<DatabaseSchema>

/** A message that matches every term of a search. */
export interface SearchCandidate {
  messageId: number
  chatId: number
  body: string
}

/** A message to store, as its sender writes it. */
export interface NewMessage {
  chatId: number
  senderId: string
  body: string
  clientId: string | null
  now: number
}

export interface SearchRequest {
  viewerId: string
  /** Words the user typed, already cleaned of syntax characters. */
  terms: readonly string[]
  /** `exact`: each term is a whole word of the message; `prefix`: each starts a word. */
  match: TermMatch
  chatId?: number
  limit: number
}

/**
 * Everything that differs between SQLite and PostgreSQL lives behind this interface,
 * so services never ask which database they are on.
 */
export interface SqlDialect {
  readonly name: 'sqlite' | 'postgres'
  /** Column type of auto-incremented ids in migrations. */
  readonly autoIdType: 'integer' | 'bigserial'
  /** Column type of 64-bit integers. */
  readonly bigintType: 'integer' | 'bigint'
  createSearchIndex(db: Kysely<unknown>): Promise<void>
  /**
   * Stores a message, inside the caller's transaction: the chat's last activity first (its row lock
   * orders the sends of one chat, so message ids grow in commit order there), then the message, then
   * the sender's read and delivered marks up to it. Undefined when the chat is gone; a clientId the
   * sender used before fails on the unique index.
   */
  appendMessage(db: Db, message: NewMessage): Promise<{ row: Message; memberCount: number } | undefined>
  /**
   * Appends events to the log with the next cursors, inside the caller's transaction, last before its
   * commit: taking the cursors locks the counter row until then (see context.ts, `transact`).
   */
  appendEvents(db: Db, events: readonly Omit<EventRow, 'cursor'>[]): Promise<EventRow[]>
  /** The newest messages matching the search in the viewer's chats, newest first. */
  searchCandidates(db: Db, request: SearchRequest): Promise<SearchCandidate[]>
  /** Which of these words match a term, as the search index sees them (case, accents, stemming). */
  matchWords(db: Db, words: readonly string[], terms: readonly string[]): Promise<WordMatches>
}

/** Events numbered with the cursors up to `last`, the counter's value after it moved by their number. */
export const withCursors = (events: readonly Omit<EventRow, 'cursor'>[], last: number): EventRow[] =>
  events.map((event, i) => ({ ...event, cursor: last - events.length + 1 + i }))
