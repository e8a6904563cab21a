import type { Kysely, Transaction } from 'kysely'
import type { MemberMarks } from '../schemas.js'
import type { TermMatch, WordMatches } from '../services/search-text.js'
import type { DatabaseSchema, EventRow, Message } from './schema.js'

export type Db = Kysely<DatabaseSchema> | Transaction<DatabaseSchema>

/** A message that matches every term of a search. */
export interface SearchCandidate {
  messageId: number
  chatId: number
  senderId: string
  body: string
}

/** A message to store, as its sender writes it. */
export interface NewMessage {
  chatId: number
  senderId: string
  body: string
  clientId: string | null
  /** The message this one answers, checked by the caller: of the same chat, and not deleted. */
  replyToId: number | null
  /**
   * Nobody checked the sender's access before: the store takes the message only from a member of a
   * group, or of a DM while the other person is in it too (never in a room: its host has a say). Else it
   * stores nothing, touches nothing, and answers 'unchecked': the caller checks access the usual way.
   */
  memberOnly: boolean
  /** Whether it mentions everyone, checked by the caller; absent: it does not. Written with the row. */
  mentionsEveryone?: boolean
}

/** A stored message and its chat's member count. */
export interface StoredMessage {
  row: Message
  memberCount: number
}

/** Why nothing was stored: the chat is gone, the clientId was used before, or a memberOnly message was not taken. */
export type NotStored = 'chat_gone' | 'duplicate' | 'unchecked'

export type AppendOutcome = StoredMessage | NotStored

/**
 * A message to store with its message.created event, whose payload is known but for the message's id:
 * `payloadHead`, the id, `payloadTail`.
 */
export interface NewMessageWithEvent extends NewMessage {
  /** None: a reply is stored in a change of its own (it quotes a message it must find first). */
  replyToId: null
  /** None: a message to everyone is a change of its own too (see sendMessage). */
  mentionsEveryone?: false
  payloadHead: string
  payloadTail: string
}

/**
 * Thrown by appendMessagesAlone when its transaction was rolled back, so that it certainly stored nothing:
 * the batch then commits the usual way, where a send that fails is left out alone instead of failing the
 * rest. (Not for an error after which the outcome is unknown, such as a connection lost during COMMIT.)
 */
export class RolledBack extends Error {
  constructor(cause: unknown) {
    super(`The batch was rolled back: ${(cause as Error | undefined)?.message ?? String(cause)}`, { cause })
  }
}

/**
 * Whether a COMMIT (or a statement that commits by itself) that failed with this error may have committed
 * all the same: its connection was lost, or its session ended (PostgreSQL's FATAL, as when a backend is
 * terminated just after committing) before the answer came. A refusal the database reported (PostgreSQL's ERROR; any SQLite error, as SQLite runs in
 * this process) means it was rolled back. Running a transaction that may have committed again could store
 * its changes twice.
 */
export function mayHaveCommitted(error: unknown): boolean {
  const { severity, code } = (typeof error === 'object' && error !== null ? error : {}) as {
    severity?: unknown
    code?: unknown
  }
  if (severity !== undefined) return severity !== 'ERROR'
  return !(typeof code === 'string' && code.startsWith('SQLITE_'))
}

/** Whether a database error carries this SQLSTATE (PostgreSQL's code, as node-postgres reports it). */
export const hasSqlState = (error: unknown, state: string): boolean =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === state

/** What became of a message stored with its event: its outcome, and the event's cursor when stored. */
export type AppendedWithEvent = { stored: StoredMessage; cursor: number } | NotStored

/** A member's connection got the chat's messages up to `messageId`. */
export interface DeliveredMark {
  chatId: number
  userId: string
  messageId: number
}

/** A member's marks in one chat, as they are after a change moved them. */
export type MovedMarks = MemberMarks & { chatId: number }

/** One chat's moved delivered marks, as its receipt.updated went into the log. */
export interface LoggedReceipt {
  chatId: number
  marks: MemberMarks[]
  cursor: number
  /** The event's data as the log holds it. */
  payload: string
}

export interface SearchRequest {
  viewerId: string
  /** Words the user typed, already cleaned of syntax characters. */
  terms: readonly string[]
  /** `exact`: each term is a whole word of the message; `prefix`: each starts a word. */
  match: TermMatch
  chatId?: number
  /** Only messages older than this one (a message id). */
  before?: number
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
  /** Makes every write to the search index cost about the same (no deferred merge that one write pays for). */
  steadySearchIndex(db: Kysely<unknown>): Promise<void>
  /**
   * Stores messages, in their order, inside the caller's transaction: the chats' last activity first
   * (their row locks, taken in chat order, order the sends of one chat, so message ids grow in commit
   * order there), then the messages, then the senders' read and delivered marks up to them. One answer
   * per message: what was stored, or why nothing was (the chat is gone, the sender used the clientId
   * before, a memberOnly message was not taken). A database error throws.
   */
  appendMessages(db: Db, messages: readonly NewMessage[], now: number): Promise<AppendOutcome[]>
  /**
   * Appends events to the log with the next cursors, inside the caller's transaction, last before its
   * commit: taking the cursors locks the counter row until then (see context.ts, `transact`).
   */
  appendEvents(db: Db, events: readonly Omit<EventRow, 'cursor'>[]): Promise<EventRow[]>
  /**
   * Does appendMessages and appendEvents for a batch of nothing but sends, as one statement that commits
   * by itself: where each statement is a round trip (PostgreSQL), BEGIN and COMMIT are two of the four a
   * batch would take. The same locks in the same order: the chats, the senders' marks, the counter last.
   * On a SQLite connection Palaver opened, one synchronous transaction on the raw connection: Kysely's
   * building and promises cost more there than the statements. Absent on a SQLite Kysely of the host's.
   */
  appendMessagesAlone?(
    db: Kysely<DatabaseSchema>,
    messages: readonly NewMessageWithEvent[],
    now: number,
  ): Promise<AppendedWithEvent[]>
  /**
   * Raises members' delivered marks to the messages given (never lowers them), inside the caller's
   * transaction; answers the marks of the members whose mark moved.
   */
  raiseDeliveredMarks(db: Db, marks: readonly DeliveredMark[]): Promise<MovedMarks[]>
  /**
   * raiseDeliveredMarks, then one receipt.updated for each chat whose marks moved, as one statement that
   * commits by itself (see appendMessagesAlone: the members' rows locked in order, the counter last).
   * On a SQLite connection Palaver opened, one synchronous transaction on the raw connection, as there.
   */
  raiseDeliveredMarksAlone?(
    db: Kysely<DatabaseSchema>,
    marks: readonly DeliveredMark[],
    now: number,
  ): Promise<LoggedReceipt[]>
  /**
   * Where messages enter the search index after the transaction that stores them (SQLite): indexes up to
   * `limit` of those still waiting, oldest first, inside the caller's transaction, and answers whether
   * more wait. Absent where the index follows every write by itself (PostgreSQL).
   */
  indexSearchBacklog?(db: Db, limit: number): Promise<boolean>
  /** Whether messages wait for the search index (outside a transaction: one cheap read). */
  searchBacklog?(db: Db): Promise<boolean>
  /**
   * Where the index keeps new entries aside, searchable, until they are merged in bulk (PostgreSQL's GIN
   * pending list, migration 005): merges them now, outside any transaction of Palaver's, so that no send
   * ever does. Run in the background; a role that does not own the index is refused (42501).
   */
  mergeSearchIndex?(db: Db): Promise<void>
  /** The newest messages matching the search in the viewer's chats, newest first. */
  searchCandidates(db: Db, request: SearchRequest): Promise<SearchCandidate[]>
  /** Which of these words match a term, as the search index sees them (case, accents, stemming). */
  matchWords(db: Db, words: readonly string[], terms: readonly string[]): Promise<WordMatches>
}

/** Events numbered with the cursors up to `last`, the counter's value after it moved by their number. */
export const withCursors = (events: readonly Omit<EventRow, 'cursor'>[], last: number): EventRow[] =>
  events.map((event, i) => ({ ...event, cursor: last - events.length + 1 + i }))
