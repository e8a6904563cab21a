import { type Kysely, type Migration, sql } from 'kysely'

/**
 * Two indexes keep entries only for the rows that are ever looked up through them, so that the common
 * writes skip them.
 *
 * Only rooms are browsed by activity, so only rooms keep an index of it. The index of every chat's kind
 * and last activity took a new entry on every send, since a send moves its chat's last activity: one
 * page of the eleven a lone send wrote to SQLite's log (4 of 47 KB). With entries for rooms alone, a
 * send to a group or a DM writes none; `roomBatch` reads it. (On PostgreSQL the update is still not a
 * HOT one, since the column is indexed at all, but it too writes one index entry less.)
 *
 * Events are looked up by message only to rewrite a message's earlier events (`message_id = ?`, or
 * `is not null` when a chat goes), so the events of no message — receipts, membership, chat changes —
 * keep no entry in that index.
 */
export const partialIndexes: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.dropIndex('palaver_chats_kind').execute()
    await db.schema
      .createIndex('palaver_rooms_by_activity')
      .on('palaver_chats')
      .columns(['last_activity_at', 'id'])
      .where(sql.ref('kind'), '=', sql.lit('room'))
      .execute()

    await db.schema.dropIndex('palaver_events_message').execute()
    await db.schema
      .createIndex('palaver_events_message')
      .on('palaver_events')
      .column('message_id')
      .where(sql.ref('message_id'), 'is not', null)
      .execute()
  },
}
