import { createHash } from 'node:crypto'
import { Kysely, PostgresDialect, type RawBuilder, sql } from 'kysely'
import pg from 'pg'
import type { TermMatch } from '../services/search-text.js'
import {
  type Db,
  type DeliveredMark,
  type LoggedReceipt,
  type MovedMarks,
  mayHaveCommitted,
  type NewMessage,
  type NewMessageWithEvent,
  type NotStored,
  RolledBack,
  type SearchCandidate,
  type SearchRequest,
  type SqlDialect,
  withCursors,
} from './dialect.js'
import { PREPARE } from './prepared.js'
import { activityAt, type DatabaseSchema, type Message, messageColumns } from './schema.js'

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

    async steadySearchIndex(db) {
      // A pending list (fastupdate) makes most inserts cheap and one of them, now and then, very slow:
      // the one that finds it full merges it into the index while every send queued behind it waits.
      await sql`alter index palaver_messages_search set (fastupdate = off)`.execute(db)
      await sql`select gin_clean_pending_list('palaver_messages_search'::regclass)`.execute(db)
    },

    async mergeSearchIndex(db) {
      // Only the index's owner (or a superuser) may: a role that did not run the migrations is refused.
      await sql`select gin_clean_pending_list('palaver_messages_search'::regclass)`.execute(db)
    },

    async appendMessages(db, messages, now) {
      // One round trip for every message of a batch (data-modifying CTEs all run, each seeing the rows
      // the ones before it returned).
      const column = <K extends keyof NewMessage>(key: K) => messages.map((m) => m[key])
      const result = await sql<Message & { member_count: number; ord: number }>`${sql.raw(PREPARE)}
        with input as (
          select * from unnest(${column('chatId')}::bigint[], ${column('senderId')}::text[],
            ${column('body')}::text[], ${column('clientId')}::text[], ${column('replyToId')}::bigint[],
            ${column('memberOnly')}::boolean[], ${messages.map((m) => (m.mentionsEveryone ? 1 : null))}::integer[])
            with ordinality as i(chat_id, sender_id, body, client_id, reply_to_id, member_only, mentions_everyone,
              ord)
          ${batchOf(messages.length)}
        ), ${storeInput(now)}
        select message.*, chat.member_count, numbered.ord
        from message join numbered on numbered.id = message.id join chat on chat.id = message.chat_id
        order by numbered.ord`.execute(db)
      return outcomesByOrd(messages, result.rows, ({ member_count, ord: _ord, ...row }) => ({
        row,
        memberCount: member_count,
      }))
    },

    async appendMessagesAlone(db, messages, now) {
      // appendMessages, then appendEvents' counter and rows, in one statement. Each stored message is told
      // from its input by the id it was given (numbered). The counter is raised only once every other row
      // is locked: its condition reads the senders' marks, which reads the messages and chats.
      const column = <K extends keyof NewMessageWithEvent>(key: K) => messages.map((m) => m[key])
      const result = await refusedByServer(
        sql<Message & { member_count: number; ord: number; cursor: number }>`${sql.raw(PREPARE)}
        with input as (
          -- No replies nor @everyone here (see NewMessageWithEvent): two arrays fewer to send with every batch.
          select i.chat_id, i.sender_id, i.body, i.client_id, null::bigint as reply_to_id, i.member_only,
            null::integer as mentions_everyone, i.head, i.tail, i.ord
          from unnest(${column('chatId')}::bigint[], ${column('senderId')}::text[],
            ${column('body')}::text[], ${column('clientId')}::text[],
            ${column('memberOnly')}::boolean[], ${column('payloadHead')}::text[], ${column('payloadTail')}::text[])
            with ordinality as i(chat_id, sender_id, body, client_id, member_only, head, tail, ord)
          ${batchOf(messages.length)}
        ), ${storeInput(now)},
        stored as (
          select m.id, m.chat_id, n.ord, n.head, n.tail from message m join numbered n on n.id = m.id
        ), counter as (
          update palaver_counters set value = value + (select count(*) from stored)
          where name = 'event_cursor' and (select count(*) from stored) > 0 and (select count(*) from marks) >= 0
          returning value
        ), appended as (
          insert into palaver_events (cursor, type, chat_id, user_id, message_id, payload, created_at)
          select counter.value - (select count(*) from stored) + row_number() over (order by s.id),
            'message.created', s.chat_id, null, s.id, s.head || s.id || s.tail, ${now}
          from counter, stored s
          returning cursor, message_id
        )
        select message.*, chat.member_count, stored.ord, appended.cursor
        from stored join message on message.id = stored.id join chat on chat.id = stored.chat_id
          join appended on appended.message_id = stored.id
        order by stored.ord`.execute(db),
      )
      return outcomesByOrd(messages, result.rows, ({ member_count, ord: _ord, cursor, ...row }) => ({
        stored: { row, memberCount: member_count },
        cursor,
      }))
    },

    async appendEvents(db, events) {
      // One round trip: the counter moves and the rows go in with the cursors it handed out.
      const n = events.length
      const column = <K extends keyof (typeof events)[number]>(key: K) => events.map((e) => e[key])
      const result = await sql<{ last: number }>`${sql.raw(PREPARE)}
        with counter as (
          update palaver_counters set value = value + ${n} where name = 'event_cursor' returning value
        ), appended as (
          insert into palaver_events (cursor, type, chat_id, user_id, message_id, payload, created_at)
          select counter.value - ${n} + e.ord, e.type, e.chat_id, e.user_id, e.message_id, e.payload, e.created_at
          from counter, unnest(${column('type')}::text[], ${column('chat_id')}::bigint[],
            ${column('user_id')}::text[], ${column('message_id')}::bigint[], ${column('payload')}::text[],
            ${column('created_at')}::bigint[]) with ordinality
            as e(type, chat_id, user_id, message_id, payload, created_at, ord)
        )
        select value as last from counter`.execute(db)
      return withCursors(events, result.rows[0]!.last)
    },

    async raiseDeliveredMarks(db, marks) {
      // One round trip for all of them.
      const result = await sql<MovedMarks>`${sql.raw(PREPARE)}
        with ${raiseMarks(marks)}
        select chat_id as "chatId", user_id as "userId", last_read_message_id as "lastReadMessageId",
          last_delivered_message_id as "lastDeliveredMessageId"
        from moved`.execute(db)
      return result.rows
    },

    async raiseDeliveredMarksAlone(db, marks, now) {
      // Each chat's receipt.updated is written as JSON.stringify({ chatId, marks }) would write it.
      const result = await sql<{
        chat_id: number
        user_id: string
        last_read_message_id: number
        last_delivered_message_id: number
        cursor: number
        payload: string
      }>`${sql.raw(PREPARE)}
        with ${raiseMarks(marks)}, receipts as (
          select chat_id, row_number() over (order by chat_id) as n,
            '{"chatId":' || chat_id || ',"marks":[' || string_agg('{"userId":' || to_json(user_id)::text
              || ',"lastReadMessageId":' || last_read_message_id
              || ',"lastDeliveredMessageId":' || last_delivered_message_id || '}', ',' order by user_id)
              || ']}' as payload
          from moved group by chat_id
        ), counter as (
          update palaver_counters set value = value + (select count(*) from receipts)
          where name = 'event_cursor' and (select count(*) from receipts) > 0
          returning value
        ), appended as (
          insert into palaver_events (cursor, type, chat_id, user_id, message_id, payload, created_at)
          select counter.value - (select count(*) from receipts) + r.n, 'receipt.updated', r.chat_id, null, null,
            r.payload, ${now}
          from counter, receipts r
          returning cursor, chat_id
        )
        select m.*, appended.cursor, receipts.payload
        from moved m join receipts using (chat_id) join appended using (chat_id)
        order by m.chat_id, m.user_id`.execute(db)
      const receipts = new Map<number, LoggedReceipt>()
      for (const row of result.rows) {
        let receipt = receipts.get(row.chat_id)
        if (!receipt) {
          const { chat_id: chatId, cursor, payload } = row
          receipts.set(chatId, (receipt = { chatId, marks: [], cursor, payload }))
        }
        receipt.marks.push({
          userId: row.user_id,
          lastReadMessageId: row.last_read_message_id,
          lastDeliveredMessageId: row.last_delivered_message_id,
        })
      }
      return [...receipts.values()]
    },

    async searchCandidates(db: Db, { viewerId, terms, match, chatId, before, limit }: SearchRequest) {
      const star = match === 'prefix' ? ':*' : ''
      const query = sql`to_tsquery(${language}, ${terms.map((t) => `${lexeme(t)}${star}`).join(' & ')})`
      const inChat = chatId === undefined ? sql`` : sql`and m.chat_id = ${chatId}`
      const older = before === undefined ? sql`` : sql`and m.id < ${before}`
      const inViewersChats = sql`chat_id in (select chat_id from palaver_members where user_id = ${viewerId})`
      // GIN finds every match at once but in no order, and each one costs a read of its row; walking the
      // messages newest first stops at the limit but reads past everything that does not match. The
      // planner cannot tell how many matches lie in the viewer's chats, so the choice is made here.
      // (In one chat, the planner's own estimates are good enough to choose.)
      const common = chatId !== undefined || (await matchEstimate(db, language, terms, match)) > FEW_MATCHES
      const hits = common
        ? await sql<SearchCandidate>`
            select m.id as "messageId", m.chat_id as "chatId", m.sender_id as "senderId", m.body
            from palaver_messages m
            where m.search_vector @@ ${query} and m.deleted_at is null ${inChat} ${older} and m.${inViewersChats}
            order by m.id desc
            limit ${limit}`.execute(db)
        : await sql<SearchCandidate>`
            with matches as materialized (
              select m.id, m.chat_id, m.sender_id, m.body from palaver_messages m
              where m.search_vector @@ ${query} and m.deleted_at is null ${inChat} ${older}
            )
            select id as "messageId", chat_id as "chatId", sender_id as "senderId", body from matches
            where ${inViewersChats}
            order by id desc
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

/**
 * Closes the unnest of a batch's arrays. A limit of their length cuts nothing, but a limit that is a
 * parameter makes the planner expect a tenth of the rows it would (ten, for an unnest of parameters):
 * about one, as most batches are. The generic plan, made once per connection, then finds members and
 * chats through their indexes; expecting ten rows, it hashed every member of every chat, every time
 * (a third of a send's time in PostgreSQL, on a thousand members).
 */
const batchOf = (length: number) => sql`limit ${length}`

/**
 * The members' delivered marks raised to the messages given, as `moved` (the marks as they are now). The
 * rows are locked in (chat, user) order first, so that two processes raising marks of the same members
 * cannot deadlock.
 */
const raiseMarks = (marks: readonly DeliveredMark[]) => sql`wanted as (
    select * from unnest(${marks.map((m) => m.chatId)}::bigint[], ${marks.map((m) => m.userId)}::text[],
      ${marks.map((m) => m.messageId)}::bigint[]) as w(chat_id, user_id, message_id)
      ${batchOf(marks.length)}
  ), locked as (
    select m.id, w.message_id from palaver_members m
    join wanted w on m.chat_id = w.chat_id and m.user_id = w.user_id
    where m.last_delivered_message_id < w.message_id
    order by m.chat_id, m.user_id
    for update of m
  ), moved as (
    update palaver_members m set last_delivered_message_id = locked.message_id
    from locked
    where m.id = locked.id and m.last_delivered_message_id < locked.message_id
    returning m.chat_id, m.user_id, m.last_read_message_id, m.last_delivered_message_id
  )`

/**
 * The statements of appendMessages after its `input`: a memberOnly message is `allowed` only from a
 * member of a group, or of a DM both people are in (read before any lock, as the access check it stands
 * for would have been), and is stored only if that still holds once its chat is locked (a removal that
 * held the lock first committed meanwhile); the chats are locked in id order, as every batch locks them, so two
 * processes' batches cannot deadlock; ids follow the messages' order (taken in it, see numbered); the
 * senders' marks rise to their newest message, their rows locked in (chat, user) order as raiseMarks
 * locks them (another process raising the delivered marks of the same members would otherwise deadlock
 * with the send, and both wait out PostgreSQL's deadlock_timeout, a second).
 */
const storeInput = (now: number) => sql`fresh as (
    -- A clientId the sender stored before makes the send its retry, which touches no chat. Looked up send by
    -- send (lateral, limit 1): as 'not exists', a plan made while the table was small hashes every message
    -- and keeps doing so, one scan of the whole table per batch.
    select i.* from input i
    left join lateral (
      select 1 as used from palaver_messages p
      where p.sender_id = i.sender_id and p.client_id = i.client_id limit 1) u on true
    where u.used is null
  ), allowed as (
    select i.* from fresh i where not i.member_only
    union all
    -- A join, not 'or exists': for that the planner hashes every member of every chat, on every send.
    select i.* from fresh i
    join palaver_members m on m.chat_id = i.chat_id and m.user_id = i.sender_id
    join palaver_chats c on c.id = i.chat_id
    where i.member_only and (c.kind = 'group' or c.kind = 'dm' and c.member_count >= 2 and not exists (
      -- A block between the DM's two people: the usual way then refuses the send, saying why.
      select 1 from palaver_members p
      join palaver_blocks b on b.blocker_id = i.sender_id and b.blocked_id = p.user_id
        or b.blocked_id = i.sender_id and b.blocker_id = p.user_id
      where p.chat_id = c.id))
  ), locked as (
    -- Each chat looked up through its key and locked in turn, as the sorted list drives.
    select c.id from (select distinct chat_id from allowed order by chat_id) a
    cross join lateral (select id from palaver_chats c where c.id = a.chat_id for update) c
  ), chat as (
    update palaver_chats c
    set last_activity_at = ${now}, room_activity_at = ${activityAt(now).room_activity_at}
    from locked where c.id = locked.id
    returning c.id, c.kind, c.member_count
  ), sender_rows as (
    -- The senders' member rows, locked once their chats are, in one pass in (chat, user) order as raiseMarks
    -- locks them: their marks rise below, and a memberOnly send is taken only from a member still. 'allowed'
    -- read the rows as the statement began, before a removal (or a DM's other person leaving) that held the
    -- chat's lock committed.
    select m.id, m.chat_id, m.user_id from palaver_members m
    where (m.chat_id, m.user_id) in (select chat_id, sender_id from allowed)
      and m.chat_id in (select id from chat)
    order by m.chat_id, m.user_id
    for update of m
  ), taken as (
    select i.* from allowed i join chat on chat.id = i.chat_id
    where not i.member_only or (chat.kind = 'group' or chat.member_count >= 2)
      and (i.chat_id, i.sender_id) in (select chat_id, user_id from sender_rows)
  ), numbered as materialized (
    -- Each message's id taken before its row goes in, in the messages' order (the sorted subquery is not
    -- flattened, so nextval runs on its rows in turn) and once its chat is locked (a chat's ids follow its
    -- commits): a stored row is told from its input by its id alone, however many the conflict left out.
    select nextval('palaver_messages_id_seq') as id, i.* from (select * from taken order by ord) i
  ), message as (
    insert into palaver_messages (id, chat_id, sender_id, body, client_id, reply_to_id, mentions_everyone,
      created_at, edited_at, deleted_at)
    select i.id, i.chat_id, i.sender_id, i.body, i.client_id, i.reply_to_id, i.mentions_everyone, ${now}, null,
      null
    from numbered i
    order by i.id
    on conflict (sender_id, client_id) do nothing
    returning ${sql.raw(messageColumns.join(', '))}
  ), marks as (
    update palaver_members m set
      last_read_message_id = greatest(m.last_read_message_id, newest.id),
      last_delivered_message_id = greatest(m.last_delivered_message_id, newest.id)
    from (select chat_id, sender_id, max(id) as id from message group by chat_id, sender_id) newest
    where m.chat_id = newest.chat_id and m.user_id = newest.sender_id and m.id in (select id from sender_rows)
    returning 1
  )`

/**
 * Each message's outcome from the stored rows, found by their `ord` (the message's place, from 1). A
 * memberOnly message not stored was refused by the access check, which the caller runs again to say why;
 * any other was a retry of a clientId its sender used before, unless none of its chat's messages was
 * stored: its chat is gone (a retry is looked up).
 */
function outcomesByOrd<Row extends { chat_id: number; ord: number }, T>(
  messages: readonly NewMessage[],
  rows: readonly Row[],
  stored: (row: Row) => T,
): Array<T | NotStored> {
  const byOrd = new Map(rows.map((row) => [row.ord, row]))
  const chats = new Set(rows.map((row) => row.chat_id))
  return messages.map((m, i) => {
    const found = byOrd.get(i + 1)
    if (found) return stored(found)
    return m.memberOnly ? 'unchecked' : chats.has(m.chatId) ? 'duplicate' : 'chat_gone'
  })
}

/** Up to this many matching messages, reading every match beats walking the history newest first. */
const FEW_MATCHES = 15_000

/**
 * How many messages match every term, from the statistics ANALYZE keeps of the search vector (its most
 * common lexemes and their frequencies): the rarest term bounds the answer. A lexeme missing from the
 * statistics is rarer than any listed; without statistics (a new table) every search counts as rare.
 */
async function matchEstimate(
  db: Db,
  language: RawBuilder<unknown>,
  terms: readonly string[],
  match: 'exact' | 'prefix',
): Promise<number> {
  const matches = match === 'prefix' ? sql`starts_with(c.lexeme, t.lexeme)` : sql`c.lexeme = t.lexeme`
  const result = await sql<{ estimate: number | null }>`
    with stats as materialized (
      select most_common_elems::text::text[] as lexemes, most_common_elem_freqs as freqs
      from pg_stats
      where schemaname = current_schema() and tablename = 'palaver_messages' and attname = 'search_vector'
    ), common as (
      select c.lexeme, c.freq
      from stats, unnest(stats.lexemes, stats.freqs[1:array_length(stats.lexemes, 1)]) as c(lexeme, freq)
    ), term as (
      select q.n, l.lexeme
      from unnest(${terms}::text[]) with ordinality as q(term, n),
        unnest(tsvector_to_array(to_tsvector(${language}, q.term))) as l(lexeme)
    ), per_term as (
      select t.n, coalesce(sum(c.freq), (select freqs[array_length(lexemes, 1) + 1] from stats)) as freq
      from term t left join common c on ${matches}
      group by t.n
    )
    select min(freq) * (select reltuples from pg_class where oid = 'palaver_messages'::regclass) as estimate
    from per_term`.execute(db)
  return Number(result.rows[0]?.estimate ?? 0)
}

/**
 * A statement that commits by itself and that the server refused (an error it reported: a constraint, a
 * deadlock) was rolled back, as was one whose session ended while it ran. A connection lost on the way is
 * another matter, as is a session ended after the statement completed (or on a connection of the host's,
 * where nobody watched): it may have committed.
 */
async function refusedByServer<T>(statement: Promise<T>): Promise<T> {
  try {
    return await statement
  } catch (error) {
    throw mayHaveCommitted(error) && !cutShort.has(error as WeakKey) ? error : new RolledBack(error)
  }
}

/**
 * FATAL errors that ended a session before its statement completed. A statement that commits by itself
 * commits after its CommandComplete (at Sync): one cut short before it cannot have committed.
 */
const cutShort = new WeakSet<WeakKey>()

/** A term as a quoted tsquery lexeme, so nothing the user types is tsquery syntax. */
const lexeme = (term: string) => `'${term.replaceAll("'", "''").replaceAll('\\', '\\\\')}'`

/**
 * A connection that drops while a query runs rejects that query (a 503); without a listener its
 * 'error' event would also crash the process. The pool discards such a client when it is released.
 */
class QuietClient extends pg.Client {
  private readonly statementNames = new Map<string, string>()

  constructor(config?: string | pg.ClientConfig) {
    super(config)
    this.on('error', () => {})
    // Whether the query in progress has completed: its commit (if it makes one by itself) may follow.
    let completed = false
    this.connection.on('commandComplete', () => {
      completed = true
    })
    this.connection.on('readyForQuery', () => {
      completed = false
    })
    // A FATAL error (the backend terminated, the server shutting down) ends the session: the pool must not
    // hand the client out again before its socket closes, or the next query (a batch run again because
    // this one was rolled back) fails too. pg marks a client whose socket broke the same way.
    // (These listeners run before pg's own, which hand the error to the query: they are added first.)
    this.connection.on('errorMessage', (message: pg.DatabaseError) => {
      if (message.severity !== 'FATAL' && message.severity !== 'PANIC') return
      ;(this as unknown as { _queryable: boolean })._queryable = false
      if (!completed) cutShort.add(message)
    })
  }

  /** A statement marked PREPARE is sent as a named one: parsed and planned once on this connection. */
  // biome-ignore lint/suspicious/noExplicitAny: pg's query has a dozen overloads; this passes them on.
  override query(config: any, values?: any, callback?: any): any {
    if (typeof config === 'string' && config.startsWith(PREPARE)) {
      let name = this.statementNames.get(config)
      if (!name) this.statementNames.set(config, (name = statementName(config)))
      return super.query({ name, text: config, values }, callback)
    }
    return super.query(config, values, callback)
  }
}

const statementName = (text: string) =>
  `palaver_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`

const int8 = 20
const numeric = 1700

/**
 * node-postgres type parsers that read 64-bit integers and numerics as numbers (Palaver's ids, times and
 * counts stay below 2^53), for a pool of one's own: `new pg.Pool({ …, types: postgresTypes })`. Given to
 * one pool, they change nothing else in the process, as pg.types.setTypeParser would.
 */
export const postgresTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === int8 || oid === numeric
      ? Number
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
}

/**
 * Fails at start when a PostgreSQL Kysely of the host's reads 64-bit integers as strings (node-postgres'
 * default): every id and time would be text, and the first message's date an internal error.
 */
export async function assertNumericTypes(db: Kysely<DatabaseSchema>): Promise<void> {
  const { rows } = await sql<{
    count: unknown
    share: unknown
  }>`select 1::int8 as count, 1::numeric as share`.execute(db)
  if (typeof rows[0]?.count === 'number' && typeof rows[0]?.share === 'number') return
  throw new Error(
    "Invalid Palaver option `database`: this PostgreSQL Kysely reads int8 and numeric as strings; give its pg.Pool `types: postgresTypes` (import { postgresTypes } from 'palaver')",
  )
}

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
    types: postgresTypes,
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
    // Looked up first: `create schema if not exists` needs the right to create schemas even when this
    // one exists, which a role that was only granted Palaver's tables does not have.
    const existing = await client.query('select 1 from pg_namespace where nspname = $1', [schema])
    if (existing.rowCount === 0) await client.query(`create schema if not exists "${schema}"`)
  } finally {
    await client.end()
  }
}
