import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import type { Db, SearchHit, SearchRequest, SqlDialect } from './dialect.js'
import type { DatabaseSchema } from './schema.js'

export function postgresDialect(searchLanguage: string): SqlDialect {
  const language = sql.lit(searchLanguage)
  return {
    name: 'postgres',
    autoIdType: 'bigserial',
    bigintType: 'bigint',

    async createSearchIndex(db) {
      // A generated column keeps the vector in step with the body; a deleted body (null) matches nothing.
      await sql`alter table palaver_messages add column search_vector tsvector
        generated always as (to_tsvector(${language}, coalesce(body, ''))) stored`.execute(db)
      await sql`create index palaver_messages_search on palaver_messages using gin (search_vector)`.execute(
        db,
      )
    },

    async searchMessages(db: Db, { viewerId, terms, chatId, limit }: SearchRequest): Promise<SearchHit[]> {
      // Lexemes are quoted so nothing the user types is tsquery syntax; each matches as a prefix.
      const query = terms.map((t) => `'${t.replaceAll("'", "''").replaceAll('\\', '\\\\')}':*`).join(' & ')
      const inChat = chatId === undefined ? sql`` : sql`and m.chat_id = ${chatId}`
      const result = await sql<SearchHit>`
        with q as (select to_tsquery(${language}, ${query}) as query),
        hits as (
          select m.id, m.chat_id, m.body, ts_rank(m.search_vector, q.query) as rank
          from palaver_messages m
          join palaver_members mb on mb.chat_id = m.chat_id and mb.user_id = ${viewerId}
          cross join q
          where m.search_vector @@ q.query and m.deleted_at is null ${inChat}
          order by rank desc, m.id desc
          limit ${limit}
        )
        select hits.id as "messageId", hits.chat_id as "chatId",
          ts_headline(${language}, hits.body, q.query,
            'StartSel=' || chr(1) || ', StopSel=' || chr(2) || ', MaxWords=30, MinWords=12, ShortWord=0, HighlightAll=false') as "rawSnippet"
        from hits cross join q
        order by hits.rank desc, hits.id desc`.execute(db)
      return result.rows
    },
  }
}

const int8 = 20
const numeric = 1700

/** A pool whose 64-bit integers come back as numbers (Palaver's ids and times stay below 2^53). */
export function openPostgres(
  url: string,
  schema: string | undefined,
  poolSize: number,
): Kysely<DatabaseSchema> {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === int8 || oid === numeric
          ? Number
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  })
  return new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool }) })
}

/** Creates the schema Palaver's tables go in, when the host picked one that does not exist yet. */
export async function ensureSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(`create schema if not exists "${schema}"`)
  } finally {
    await client.end()
  }
}
