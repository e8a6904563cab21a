import type { Kysely, Transaction } from 'kysely'
import type { Hooks } from '../hooks.js'
import type { ResolvedOptions } from '../options.js'
import type { PubSub } from '../realtime/pubsub.js'
import type { SqlDialect } from '../storage/dialect.js'
import type { DatabaseSchema } from '../storage/schema.js'
import type { EventPayloads } from './events.js'
import type { UserService } from './users.js'

/** Everything a service needs, owned by one Palaver instance (two instances share nothing). */
export interface Context {
  db: Kysely<DatabaseSchema>
  dialect: SqlDialect
  options: ResolvedOptions
  users: UserService
  pubsub: PubSub
  hooks: Hooks
}

/** The channel that tells every transport the event log has grown. */
export const EVENTS_CHANNEL = 'palaver:events'

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
 * Runs one change and appends its events in the same transaction.
 *
 * Event cursors come from one counter row updated last, just before commit. Its row lock is held
 * until commit, so on PostgreSQL cursors become visible in the order they were taken: a reader that
 * has seen cursor N can never later find a smaller one appear (see design.md, "The event log").
 */
/** Inside `work`, query only through `tx.db`: on SQLite the transaction holds the one connection. */
export async function transact<T>(ctx: Context, work: (tx: Tx) => Promise<T>): Promise<T> {
  const events: NewEvent[] = []
  let lastCursor = 0
  const result = await ctx.db.transaction().execute(async (db) => {
    const now = Date.now()
    const value = await work({ db, now, emit: (event) => events.push(event) })
    if (events.length > 0) lastCursor = await appendEvents(db, events, now)
    return value
  })
  if (lastCursor > 0) {
    void ctx.pubsub.publish(EVENTS_CHANNEL, String(lastCursor))
    ctx.hooks.dispatch(events, lastCursor - events.length + 1)
  }
  return result
}

async function appendEvents(
  db: Transaction<DatabaseSchema>,
  events: NewEvent[],
  now: number,
): Promise<number> {
  const { value: last } = await db
    .updateTable('palaver_counters')
    .set((eb) => ({ value: eb('value', '+', events.length) }))
    .where('name', '=', 'event_cursor')
    .returning('value')
    .executeTakeFirstOrThrow()
  const first = last - events.length + 1
  await db
    .insertInto('palaver_events')
    .values(
      events.map((event, i) => ({
        cursor: first + i,
        type: event.type,
        chat_id: event.chatId,
        user_id: event.userId ?? null,
        message_id: event.messageId ?? null,
        payload: JSON.stringify(event.data),
        created_at: now,
      })),
    )
    .execute()
  return last
}
