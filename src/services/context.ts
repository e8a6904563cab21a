import type { Kysely, Transaction } from 'kysely'
import type { AttachmentStore } from '../attachments/store.js'
import type { Hooks } from '../hooks.js'
import type { Metrics } from '../metrics.js'
import type { ResolvedOptions } from '../options.js'
import { type Frame, toFrame } from '../realtime/log.js'
import type { PubSub } from '../realtime/pubsub.js'
import type { AttachmentView, QuoteView } from '../schemas.js'
import type { NewMessage, SqlDialect, StoredMessage } from '../storage/dialect.js'
import type { DatabaseSchema, EventRow } from '../storage/schema.js'
import type { ChatKinds } from './chat-kinds.js'
import type { EventPayloads } from './events.js'
import { type ChangeOptions, type CommitSteps, GroupCommit } from './group-commit.js'
import type { StoredMention } from './mentions.js'
import type { UserService, Viewer } from './users.js'

/** Everything a service needs, owned by one Palaver instance (two instances share nothing). */
export interface Context {
  db: Kysely<DatabaseSchema>
  dialect: SqlDialect
  options: ResolvedOptions
  users: UserService
  pubsub: PubSub
  hooks: Hooks
  /** Every change goes through it: what arrives during a commit commits together in the next one. */
  commits: Commits
  /**
   * Where a send of the bulk lane is stored: this process's `commits`, or, with several processes, the
   * deployment's writer (see SendForwarding).
   */
  storeSend(send: NewSend, options: ChangeOptions): Promise<StoredMessage>
  /** Told of every batch of events this process committed, in cursor order (the hub routes them at once). */
  committed: Set<(frames: readonly Frame[]) => void>
  /** The kinds of the chats this process has loaded (see loadChat). */
  chatKinds: ChatKinds
  metrics: Metrics
  /** Where attachments' bytes go; null when attachments are turned off. */
  attachmentStore: AttachmentStore | null
}

/** A message to send through the commit queue's bulk lane: many of them are stored with one statement. */
export interface NewSend extends NewMessage {
  sender: Viewer
  /**
   * The quote of the message `replyToId` answers, read in the transaction that stores the reply (see
   * sendMessage); null for a send that answers nothing, which is every send of the bulk lane.
   */
  quote: QuoteView | null
  /** The members it mentions, found in the same transaction; none for every send of the bulk lane. */
  mentions: StoredMention[]
  /** The files it carries, read in the same transaction; none for every send of the bulk lane. */
  attachments: AttachmentView[]
}

/** The commit queue of an instance: changes with their events, and the bulk lane of sends. */
export type Commits = GroupCommit<NewEvent[], EventRow[], NewSend, StoredMessage>

/** Stores the sends of one batch and answers, per send, what was stored and its events, or why not. */
export type StoreSends = CommitSteps<NewEvent[], EventRow[], NewSend, StoredMessage>['bulk']
/** The same for a batch of sends alone, events included, in one statement that commits by itself. */
export type StoreSendsAlone = CommitSteps<NewEvent[], EventRow[], NewSend, StoredMessage>['bulkAlone']

/** The channel that tells every process the event log has grown, and with what. */
export const EVENTS_CHANNEL = 'palaver:events'

/**
 * What goes on EVENTS_CHANNEL: the last cursor, a space, and the frames as JSON. Other processes route
 * the frames without reading them back from the log; the cursor in front lets the process that wrote
 * them skip its own message unparsed. The log stays the truth: a lost message only delays delivery.
 */
export const eventsMessage = (frames: readonly Frame[]) =>
  `${frames.at(-1)!.cursor} ${JSON.stringify(frames)}`

export type EventType = keyof EventPayloads

/** A change to append to the log, its data typed by its type. */
export type NewEvent = {
  [K in EventType]: {
    type: K
    chatId: number | null
    /** The user a membership event is about. */
    userId?: string
    messageId?: number
    data: EventPayloads[K]
  }
}[EventType]

export interface Tx {
  db: Transaction<DatabaseSchema>
  now: number
  emit(event: NewEvent): void
}

/**
 * Runs one change and appends its events in the same transaction (shared with the other changes of its
 * batch, see GroupCommit), answering once it is committed.
 *
 * Event cursors come from one counter row updated last, just before commit. Its row lock is held
 * until commit, so on PostgreSQL cursors become visible in the order they were taken: a reader that
 * has seen cursor N can never later find a smaller one appear (see design.md, "The event log").
 * Inside `work`, query only through `tx.db`: on SQLite the transaction holds the one connection.
 */
export function transact<T>(
  ctx: Context,
  work: (tx: Tx) => Promise<T>,
  options: ChangeOptions = {},
): Promise<T> {
  return ctx.commits.run(async ({ db, now }) => {
    const events: NewEvent[] = []
    const value = await work({ db, now, emit: (event) => events.push(event) })
    return { value, record: events }
  }, options)
}

/** The commit steps of every batch: its events go to the log last, then out to transports and hooks. */
export function eventCommits(
  db: Kysely<DatabaseSchema>,
  dialect: SqlDialect,
  /**
   * Where the other processes hear of what this one committed; null when there are none (no pub/sub was
   * configured): this process routes its own events through `committed`, and would only skip them here.
   */
  announce: PubSub | null,
  hooks: Hooks,
  committed: Context['committed'],
  metrics: Metrics,
  storeSends: StoreSends,
  storeSendsAlone?: StoreSendsAlone,
): Commits {
  return new GroupCommit(
    db,
    {
      bulk: storeSends,
      bulkAlone: storeSendsAlone,
      before: async (trx, now, perChange) => {
        const events = perChange.flat()
        return events.length > 0 ? dialect.appendEvents(trx, eventRows(events, now)) : []
      },
      after: (perChange, rows) => {
        if (rows.length === 0) return
        const frames = rows.map(toFrame)
        for (const listener of committed) listener(frames)
        if (announce) void announce.publish(EVENTS_CHANNEL, eventsMessage(frames))
        hooks.dispatch(perChange.flat(), rows[0]!.cursor)
      },
    },
    // PostgreSQL stores the next batch while this process writes the last one's frames; SQLite's
    // statements run on this thread, so there a batch is told as soon as it commits, and a commit is
    // cheap enough that sends never take the slower way through a transaction with other changes.
    {
      overlap: dialect.name === 'postgres',
      bulkApart: dialect.name === 'sqlite',
      observe: (size, seconds) => metrics.batchCommitted(size, seconds),
    },
  )
}

function eventRows(events: NewEvent[], now: number): Omit<EventRow, 'cursor'>[] {
  return events.map((event) => ({
    type: event.type,
    chat_id: event.chatId,
    user_id: event.userId ?? null,
    message_id: event.messageId ?? null,
    payload: JSON.stringify(event.data),
    created_at: now,
  }))
}
