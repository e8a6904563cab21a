import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, SqliteDialect, sql } from 'kysely'
import type { Db, SearchHit, SearchRequest, SqlDialect } from './dialect.js'
import type { DatabaseSchema } from './schema.js'
import { withStatementCache } from './sqlite-statements.js'

export const sqliteDialect: SqlDialect = {
  name: 'sqlite',
  autoIdType: 'integer',
  bigintType: 'integer',

  async createSearchIndex(db) {
    // External-content FTS5: the text lives once, in palaver_messages; triggers keep the index in step,
    // so an edited or deleted message stops matching its old words in the same transaction.
    await sql`create virtual table palaver_messages_fts using fts5(
      body, content='palaver_messages', content_rowid='id', tokenize='unicode61 remove_diacritics 2')`.execute(
      db,
    )
    await sql`create trigger palaver_messages_fts_insert after insert on palaver_messages
      when new.body is not null begin
        insert into palaver_messages_fts(rowid, body) values (new.id, new.body);
      end`.execute(db)
    await sql`create trigger palaver_messages_fts_update after update of body on palaver_messages begin
        insert into palaver_messages_fts(palaver_messages_fts, rowid, body)
          select 'delete', old.id, old.body where old.body is not null;
        insert into palaver_messages_fts(rowid, body) select new.id, new.body where new.body is not null;
      end`.execute(db)
    await sql`create trigger palaver_messages_fts_delete after delete on palaver_messages
      when old.body is not null begin
        insert into palaver_messages_fts(palaver_messages_fts, rowid, body) values ('delete', old.id, old.body);
      end`.execute(db)
  },

  async searchMessages(db: Db, { viewerId, terms, chatId, limit }: SearchRequest): Promise<SearchHit[]> {
    // Each word is quoted (so nothing the user types is FTS syntax) and matched as a prefix.
    const match = terms.map((t) => `"${t.replaceAll('"', '""')}"*`).join(' ')
    const inChat = chatId === undefined ? sql`` : sql`and m.chat_id = ${chatId}`
    const result = await sql<{ messageId: number; chatId: number; rawSnippet: string }>`
      select m.id as "messageId", m.chat_id as "chatId",
        snippet(palaver_messages_fts, 0, char(1), char(2), '…', 16) as "rawSnippet"
      from palaver_messages_fts f
      join palaver_messages m on m.id = f.rowid
      join palaver_members mb on mb.chat_id = m.chat_id and mb.user_id = ${viewerId}
      where palaver_messages_fts match ${match} and m.deleted_at is null ${inChat}
      order by f.rank, m.id desc
      limit ${limit}`.execute(db)
    return result.rows
  },
}

export function openSqlite(file: string): Kysely<DatabaseSchema> {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
  const database = new SQLite(file)
  database.pragma('journal_mode = WAL')
  database.pragma('synchronous = NORMAL')
  database.pragma('foreign_keys = ON')
  // Deleted and edited text is overwritten in the file, not just unlinked.
  database.pragma('secure_delete = ON')
  database.pragma('busy_timeout = 5000')
  return new Kysely<DatabaseSchema>({
    dialect: new SqliteDialect({ database: withStatementCache(database) }),
  })
}
