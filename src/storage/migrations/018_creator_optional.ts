import { type Kysely, type Migration, sql } from 'kysely'
import type { SqlDialect } from '../dialect.js'

/**
 * `palaver_chats.created_by` may be null: a room a guest (a visitor not signed in) opens first is made by
 * no user, and was stored with the guest's id, '', which no user has. Those rows become null.
 *
 * SQLite cannot drop a NOT NULL in place: the table is made again under its own definition less that
 * constraint (SQLite's own twelve steps), with its indexes and its id counter, so no deleted chat's id
 * comes back. Foreign keys are off meanwhile, or dropping the old table would delete every chat's rows.
 */
export function creatorOptional(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect.name === 'postgres') {
        await sql`alter table palaver_chats alter column created_by drop not null`.execute(db)
      } else {
        await rebuildSqliteChats(db)
      }
      await sql`update palaver_chats set created_by = null where created_by = ''`.execute(db)
    },
  }
}

async function rebuildSqliteChats(db: Kysely<unknown>): Promise<void> {
  const schema = await sql<{ type: string; name: string; sql: string | null }>`
    select type, name, sql from sqlite_master where tbl_name = 'palaver_chats'`.execute(db)
  const table = schema.rows.find((row) => row.type === 'table')!.sql!
  const relaxed = table.replace(/("created_by"\s+text)\s+not null/i, '$1')
  if (relaxed === table) throw new Error('palaver_chats.created_by is not the column this migration expects')
  // Automatic indexes (a unique column's) come with the table; the others are made again as they were.
  const indexes = schema.rows.filter((row) => row.type === 'index' && row.sql !== null).map((row) => row.sql!)
  const counter = await sql<{ seq: number }>`
    select seq from sqlite_sequence where name = 'palaver_chats'`.execute(db)
  const foreignKeys = (await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(db)).rows[0]
  await sql`pragma foreign_keys = off`.execute(db)
  try {
    await sql`begin`.execute(db)
    try {
      await sql
        .raw(relaxed.replace(/^create table\s+("?)palaver_chats\1/i, 'create table "palaver_chats_relaxed"'))
        .execute(db)
      await sql`insert into palaver_chats_relaxed select * from palaver_chats`.execute(db)
      await sql`drop table palaver_chats`.execute(db)
      await sql`alter table palaver_chats_relaxed rename to palaver_chats`.execute(db)
      for (const index of indexes) await sql.raw(index).execute(db)
      const seq = counter.rows[0]?.seq
      if (seq !== undefined)
        await sql`update sqlite_sequence set seq = max(seq, ${seq}) where name = 'palaver_chats'`.execute(db)
      const broken = await sql`pragma foreign_key_check`.execute(db)
      if (broken.rows.length > 0) throw new Error('palaver_chats: foreign keys broken by the rebuild')
      await sql`commit`.execute(db)
    } catch (error) {
      await sql`rollback`.execute(db)
      throw error
    }
  } finally {
    if (foreignKeys?.foreign_keys) await sql`pragma foreign_keys = on`.execute(db)
  }
}
