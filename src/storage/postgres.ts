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
      const lexemes = terms.map((t) => `'${t.replaceAll("'", "''").replaceAll('\\', '\\\\')}':*`)
      const query = lexemes.join(' & ')
      const inChat = chatId === undefined ? sql`` : sql`and m.chat_id = ${chatId}`
      const hits = await sql<{ messageId: number; chatId: number; body: string }>`
        select m.id as "messageId", m.chat_id as "chatId", m.body
        from palaver_messages m
        join palaver_members mb on mb.chat_id = m.chat_id and mb.user_id = ${viewerId}
        cross join to_tsquery(${language}, ${query}) q
        where m.search_vector @@ q and m.deleted_at is null ${inChat}
        order by ts_rank(m.search_vector, q) desc, m.id desc
        limit ${limit}`.execute(db)
      if (hits.rows.length === 0) return []
      // ts_headline drops anything that looks like an HTML tag, so the snippet is cut here instead; the
      // database still decides which words match (its lower-casing and, for a language, its stemming).
      const words = [...new Set(hits.rows.flatMap((h) => h.body.match(wordPattern) ?? []))]
      const matched = await sql<{ word: string }>`
        select w as word from unnest(${words}::text[]) as w
        where to_tsvector(${language}, w) @@ to_tsquery(${language}, ${lexemes.join(' | ')})`.execute(db)
      const isMatch = new Set(matched.rows.map((r) => r.word))
      return hits.rows.map(({ messageId, chatId, body }) => ({
        messageId,
        chatId,
        rawSnippet: markedSnippet(body, isMatch),
      }))
    },
  }
}

const wordPattern = /[\p{L}\p{N}\p{M}]+/gu
const snippetWords = 24

/**
 * The text around the best match with matched words between \u0001 and \u0002: the whole body when it is
 * short, otherwise the window of words holding the most matches, with an ellipsis where it was cut.
 */
function markedSnippet(body: string, isMatch: ReadonlySet<string>): string {
  const words = [...body.matchAll(wordPattern)].map((m) => ({
    start: m.index,
    end: m.index + m[0].length,
    hit: isMatch.has(m[0]),
  }))
  let from = 0
  let to = words.length
  if (words.length > snippetWords) {
    let best = 0
    let bestScore = -1
    let score = 0
    for (let i = 0; i < words.length; i++) {
      score += words[i]!.hit ? 1 : 0
      if (i >= snippetWords) score -= words[i - snippetWords]!.hit ? 1 : 0
      if (i >= snippetWords - 1 && score > bestScore) [best, bestScore] = [i - snippetWords + 1, score]
    }
    // Start a few words before the window's first match (moving the window forward keeps its matches).
    const firstHit = words.findIndex((w, i) => i >= best && w.hit)
    from = Math.max(0, Math.min(words.length - snippetWords, firstHit - 3))
    to = from + snippetWords
  }
  let out = from > 0 ? '…' : ''
  let at = from > 0 ? words[from]!.start : 0
  for (const word of words.slice(from, to)) {
    if (!word.hit) continue
    out += `${body.slice(at, word.start)}\u0001${body.slice(word.start, word.end)}\u0002`
    at = word.end
  }
  const end = to < words.length ? words[to - 1]!.end : body.length
  return `${out}${body.slice(at, end)}${to < words.length ? '…' : ''}`
}

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
