import type { Kysely, Migration } from 'kysely'

/**
 * A member may mark a chat unread, to come back to it: `marked_unread`, 1 while it is marked, else null.
 * Nullable without a default, so adding it writes no row.
 */
export const markedUnread: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('palaver_members').addColumn('marked_unread', 'integer').execute()
  },
}
