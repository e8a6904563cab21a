import { type Kysely, sql } from 'kysely'
import type { DatabaseSchema, EventRow } from '../storage/schema.js'

/** One event as it travels: serialized once, sent as the same string to every recipient. */
export interface Frame {
  cursor: number
  chatId: number | null
  userId: string | null
  /** The message a message event is about. */
  messageId: number | null
  type: string
  /** The JSON text sent over every transport. */
  json: string
}

export const toFrame = (
  row: Pick<EventRow, 'cursor' | 'chat_id' | 'user_id' | 'message_id' | 'type' | 'payload'>,
): Frame => ({
  cursor: row.cursor,
  chatId: row.chat_id,
  userId: row.user_id,
  messageId: row.message_id,
  type: row.type,
  json: `{"cursor":${row.cursor},"type":${JSON.stringify(row.type)},"chatId":${row.chat_id ?? 'null'},"data":${row.payload}}`,
})

const encoded = new WeakMap<Frame, Buffer>()

/** The frame's JSON as UTF-8, encoded once however many sockets it goes to (a room of thousands). */
export function frameBytes(frame: Frame): Buffer {
  let bytes = encoded.get(frame)
  if (!bytes) encoded.set(frame, (bytes = Buffer.from(frame.json)))
  return bytes
}

const columns = ['cursor', 'chat_id', 'user_id', 'message_id', 'type', 'payload'] as const

/** The newest cursor committed so far: where a client that asks for "from now" starts. */
export async function headCursor(db: Kysely<DatabaseSchema>): Promise<number> {
  const row = await db
    .selectFrom('palaver_counters')
    .select('value')
    .where('name', '=', 'event_cursor')
    .executeTakeFirst()
  return row?.value ?? 0
}

/**
 * The id of the deployment whose data this database holds: chosen at random by the first process that
 * asks, the same for every process after it.
 */
export async function deploymentId(db: Kysely<DatabaseSchema>): Promise<number> {
  await db
    .insertInto('palaver_counters')
    .values({ name: 'deployment', value: Math.floor(Math.random() * 2 ** 48) })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute()
  const row = await db
    .selectFrom('palaver_counters')
    .select('value')
    .where('name', '=', 'deployment')
    .executeTakeFirstOrThrow()
  return row.value
}

/** The last cursor removed by retention: a client resuming from before it must resync. */
export async function prunedThrough(db: Kysely<DatabaseSchema>): Promise<number> {
  const row = await db
    .selectFrom('palaver_counters')
    .select('value')
    .where('name', '=', 'pruned_through')
    .executeTakeFirst()
  return row?.value ?? 0
}

/** Every event after `after`, for the process-wide tailer that routes them in memory. */
export async function readAll(db: Kysely<DatabaseSchema>, after: number, limit: number): Promise<Frame[]> {
  const rows = await db
    .selectFrom('palaver_events')
    .select(columns)
    .where('cursor', '>', after)
    .orderBy('cursor')
    .limit(limit)
    .execute()
  return rows.map(toFrame)
}

/**
 * The events after `after` that one user may see: those of chats they are a member of now,
 * of public rooms they watch, and those about them (their own membership changes).
 */
export async function readVisible(
  db: Kysely<DatabaseSchema>,
  userId: string,
  after: number,
  limit: number,
  watching: readonly number[] = [],
): Promise<Frame[]> {
  const rows = await db
    .selectFrom('palaver_events')
    .select(columns)
    .where('cursor', '>', after)
    .where((eb) =>
      eb.or([
        eb('user_id', '=', userId),
        eb('chat_id', 'in', eb.selectFrom('palaver_members').select('chat_id').where('user_id', '=', userId)),
        ...(watching.length > 0 ? [eb('chat_id', 'in', [...watching])] : []),
      ]),
    )
    .orderBy('cursor')
    .limit(limit)
    .execute()
  return rows.map(toFrame)
}

/** Removes events older than `olderThan` (epoch ms) and records how far the log was cut. */
export async function pruneEvents(db: Kysely<DatabaseSchema>, olderThan: number): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const last = await trx
      .selectFrom('palaver_events')
      .select((eb) => eb.fn.max('cursor').as('cursor'))
      .where('created_at', '<', olderThan)
      .executeTakeFirst()
    const through = Number(last?.cursor ?? 0)
    if (through === 0) return 0
    const deleted = await trx.deleteFrom('palaver_events').where('cursor', '<=', through).executeTakeFirst()
    await trx
      .updateTable('palaver_counters')
      .set({ value: sql`case when value < ${through} then ${through} else value end` })
      .where('name', '=', 'pruned_through')
      .execute()
    return Number(deleted.numDeletedRows)
  })
}
