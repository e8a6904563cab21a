import { type Kysely, type Migration, sql } from 'kysely'
import type { SqlDialect } from '../dialect.js'

/**
 * Rooms are browsed by activity, so rooms keep their last activity in a column of its own,
 * `room_activity_at` (null for every other chat), and the index of it, not of `last_activity_at`,
 * which every send moves. PostgreSQL makes an update a HOT one (the new row version on the same page,
 * no new index entries) only when no indexed column changes: with `last_activity_at` indexed, every
 * send wrote a new entry into each of the chats' indexes and left a dead row version behind (2,500 for
 * 100 live chats after 2,500 sends), which every lookup of a chat then stepped over until a vacuum.
 */
export function roomActivity(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('palaver_chats').addColumn('room_activity_at', dialect.bigintType).execute()
      await sql`update palaver_chats set room_activity_at = last_activity_at where kind = 'room'`.execute(db)
      await db.schema.dropIndex('palaver_rooms_by_activity').execute()
      await db.schema
        .createIndex('palaver_rooms_by_activity')
        .on('palaver_chats')
        .columns(['room_activity_at', 'id'])
        .where(sql.ref('kind'), '=', sql.lit('room'))
        .execute()
    },
  }
}
