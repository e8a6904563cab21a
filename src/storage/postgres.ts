import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import type { TermMatch } from '../services/search-text.js'
import type { Db, SearchCandidate, SearchRequest, SqlDialect } from './dialect.js'
import { type DatabaseSchema, type Message, messageColumns } from './schema.js'

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

    async appendMessage(db, { chatId, senderId, body, clientId, now }) {
      // One round trip instead of three: data-modifying CTEs all run, in the order their data needs
      // (the message is selected from the updated chat row, the marks read the message's id).
      const result = await sql<Message & { member_count: number }>`
        with chat as (
          update palaver_chats set last_activity_at = ${now} where id = ${chatId} returning member_count
        ), message as (
          insert into palaver_messages (chat_id, sender_id, body, client_id, created_at, edited_at, deleted_at)
          select ${chatId}, ${senderId}, ${body}, ${clientId}, ${now}, null, null from chat
          returning ${sql.raw(messageColumns.join(', '))}
        ), marks as (
          update palaver_members set
            last_read_message_id = greatest(last_read_message_id, (select id from message)),
            last_delivered_message_id = greatest(last_delivered_message_id, (select id from message))
          where chat_id = ${chatId} and user_id = ${senderId}
          returning 1
        )
        select message.*, chat.member_count from message, chat`.execute(db)
      const found = result.rows[0]
      if (!found) return undefined
      const { member_count: memberCount, ...row } = found
      return { row, memberCount }
    },

    async searchCandidates(db: Db, { viewerId, terms, match, chatId, limit }: SearchRequest) {
      const star = match === 'prefix' ? ':*' : ''
      const query = terms.map((t) => `${lexeme(t)}${star}`).join(' & ')
      const inChat = chatId === undefined ? sql`` : sql`and m.chat_id = ${chatId}`
      const hits = await sql<SearchCandidate>`
        select m.id as "messageId", m.chat_id as "chatId", m.body
        from palaver_messages m
        where m.search_vector @@ to_tsquery(${language}, ${query}) and m.deleted_at is null ${inChat}
          and m.chat_id in (select chat_id from palaver_members where user_id = ${viewerId})
        order by m.id desc
        limit ${limit}`.execute(db)
      return hits.rows
    },

    async matchWords(db, words, terms) {
      // The database decides, so that a language's stemming and stop words apply as in the index.
      const matches = new Map<string, { term: number; match: TermMatch }>()
      if (words.length === 0) return matches
      const result = await sql<{ word: string; term: number; exact: boolean }>`
        select w.word, t.n - 1 as term, to_tsvector(${language}, w.word) @@ to_tsquery(${language}, t.exact) as exact
        from unnest(${words}::text[]) as w(word)
        cross join unnest(${terms.map(lexeme)}::text[]) with ordinality as t(exact, n)
        where to_tsvector(${language}, w.word) @@ to_tsquery(${language}, t.exact || ':*')
        order by t.n`.execute(db)
      for (const { word, term, exact } of result.rows) {
        const known = matches.get(word)
        if (!known || (exact && known.match === 'prefix'))
          matches.set(word, { term, match: exact ? 'exact' : 'prefix' })
      }
      return matches
    },
  }
}

/** A term as a quoted tsquery lexeme, so nothing the user types is tsquery syntax. */
const lexeme = (term: string) => `'${term.replaceAll("'", "''").replaceAll('\\', '\\\\')}'`

/**
 * A connection that drops while a query runs rejects that query (a 503); without a listener its
 * 'error' event would also crash the process. The pool discards such a client when it is released.
 */
class QuietClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config)
    this.on('error', () => {})
  }
}

const int8 = 20
const numeric = 1700

/** A pool whose 64-bit integers come back as numbers (Palaver's ids and times stay below 2^53). */
export function openPostgres(
  url: string,
  schema: string | undefined,
  poolSize: number,
  applicationName: string,
): Kysely<DatabaseSchema> {
  const pool = new pg.Pool({
    Client: QuietClient,
    connectionString: url,
    max: poolSize,
    application_name: applicationName,
    // Fail fast while the database is away (503), instead of holding requests until it returns.
    connectionTimeoutMillis: 3000,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === int8 || oid === numeric
          ? Number
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  })
  // An idle connection the server closed (a restart, an administrator) is only replaced, never a crash.
  pool.on('error', (error) => console.warn(`[palaver] PostgreSQL connection lost: ${error.message}`))
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
