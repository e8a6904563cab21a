import { type Kysely, type Migration, sql } from 'kysely'
import type { SqlDialect } from '../dialect.js'

/**
 * SQLite: a message no longer enters the search index in the transaction that stores it. Each
 * transaction that wrote to FTS5 added a segment of its own (a quarter of a lone send's commit); the
 * index now takes the new messages a few hundred at a time (see `indexSearchBacklog`), and a search
 * first indexes whatever is still waiting, so it never misses a message. Everything stored so far was
 * indexed by the trigger this drops: the mark starts at the newest message. An edit or a delete touches
 * the index only for the messages at or below the mark (those not yet indexed are read as they are then).
 * PostgreSQL's generated search vector stays as it is.
 */
export function searchIndexInBatches(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect.name !== 'sqlite') return
      await sql`insert into palaver_counters (name, value)
        select 'search_indexed_through', coalesce(max(id), 0) from palaver_messages`.execute(db)
      await sql`drop trigger palaver_messages_fts_insert`.execute(db)
      await sql`drop trigger palaver_messages_fts_update`.execute(db)
      await sql`drop trigger palaver_messages_fts_delete`.execute(db)
      const indexed = sql`old.id <= (select value from palaver_counters where name = 'search_indexed_through')`
      await sql`create trigger palaver_messages_fts_update after update of body on palaver_messages
        when ${indexed} begin
          insert into palaver_messages_fts(palaver_messages_fts, rowid, body)
            select 'delete', old.id, old.body where old.body is not null;
          insert into palaver_messages_fts(rowid, body) select new.id, new.body where new.body is not null;
        end`.execute(db)
      await sql`create trigger palaver_messages_fts_delete after delete on palaver_messages
        when old.body is not null and ${indexed} begin
          insert into palaver_messages_fts(palaver_messages_fts, rowid, body) values ('delete', old.id, old.body);
        end`.execute(db)
    },
  }
}
