import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SQLite from 'better-sqlite3'
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
  sql,
} from 'kysely'
import type { MemberMarks } from '../schemas.js'
import type { TermMatch } from '../services/search-text.js'
import {
  type AppendedWithEvent,
  type AppendOutcome,
  type Db,
  type DeliveredMark,
  type LoggedReceipt,
  type MovedMarks,
  type NewMessageWithEvent,
  RolledBack,
  type SearchCandidate,
  type SearchRequest,
  type SqlDialect,
  withCursors,
} from './dialect.js'
import { type Prepared, prepared } from './prepared.js'
import { activityAt, type DatabaseSchema, type Message, messageColumns } from './schema.js'
import { checkpointInBackground } from './sqlite-checkpoints.js'
import { withStatementCache } from './sqlite-statements.js'

// The statements every send (and every delivery) runs, compiled once (see prepared.ts).

/**
 * The chat's last activity, moved by a message about to be stored; nothing when the chat is gone, or when
 * a memberOnly message (see NewMessage, `memberOnly` 1) is not from a member of a group or of a full DM
 * that no block stands in.
 */
/** Blocks between a DM's sender and its other member (`c` is the DM). */
const dmBlocks = (senderId: unknown) => sql`select 1 from palaver_members p
  join palaver_blocks b on b.blocker_id = ${senderId} and b.blocked_id = p.user_id
    or b.blocked_id = ${senderId} and b.blocker_id = p.user_id
  where p.chat_id = c.id`

const touchChat = prepared<'chatId' | 'now' | 'senderId' | 'memberOnly', { member_count: number }>(
  (db, slot) =>
    db
      .updateTable('palaver_chats as c')
      .set(activityAt(slot('now')))
      .where('c.id', '=', slot('chatId'))
      .where((eb) =>
        eb.or([
          sql<boolean>`${slot('memberOnly')} = 0`,
          eb.and([
            eb.or([
              eb('c.kind', '=', 'group'),
              eb.and([
                eb('c.kind', '=', 'dm'),
                eb('c.member_count', '>=', 2),
                sql<boolean>`not exists (${dmBlocks(slot('senderId'))})`,
              ]),
            ]),
            eb.exists(
              eb
                .selectFrom('palaver_members as m')
                .select('m.id')
                .where('m.chat_id', '=', slot('chatId'))
                .where('m.user_id', '=', slot('senderId')),
            ),
          ]),
        ]),
      )
      .returning('member_count'),
)

const insertMessage = prepared<
  'chatId' | 'senderId' | 'body' | 'clientId' | 'replyToId' | 'mentionsEveryone' | 'now',
  Message
>((db, slot) =>
  db
    .insertInto('palaver_messages')
    .values({
      chat_id: slot('chatId'),
      sender_id: slot('senderId'),
      body: slot('body'),
      client_id: slot('clientId'),
      reply_to_id: slot('replyToId'),
      mentions_everyone: slot('mentionsEveryone'),
      created_at: slot('now'),
      edited_at: null,
      deleted_at: null,
    })
    .onConflict((oc) => oc.columns(['sender_id', 'client_id']).doNothing())
    .returning(messageColumns),
)

/** A message the sender stored before with this clientId: a send naming it again is its retry, which touches nothing. */
const clientIdUsed = prepared<'senderId' | 'clientId', { id: number }>((db, slot) =>
  db
    .selectFrom('palaver_messages')
    .select('id')
    .where('sender_id', '=', slot('senderId'))
    .where('client_id', '=', slot('clientId')),
)

const raiseSenderMarks = prepared<'chatId' | 'senderId' | 'messageId', never>((db, slot) =>
  db
    .updateTable('palaver_members')
    .set({
      last_read_message_id: sql`max(last_read_message_id, ${slot('messageId')})`,
      last_delivered_message_id: sql`max(last_delivered_message_id, ${slot('messageId')})`,
    })
    .where('chat_id', '=', slot('chatId'))
    .where('user_id', '=', slot('senderId')),
)

const raiseDelivered = prepared<
  'chatId' | 'userId' | 'messageId',
  { last_read_message_id: number; last_delivered_message_id: number }
>((db, slot) =>
  db
    .updateTable('palaver_members')
    .set({ last_delivered_message_id: slot('messageId') })
    .where('chat_id', '=', slot('chatId'))
    .where('user_id', '=', slot('userId'))
    .where('last_delivered_message_id', '<', slot('messageId'))
    .returning(['last_read_message_id', 'last_delivered_message_id']),
)

const takeCursors = prepared<'count', { value: number }>((db, slot) =>
  db
    .updateTable('palaver_counters')
    .set((eb) => ({ value: eb('value', '+', slot('count')) }))
    .where('name', '=', 'event_cursor')
    .returning('value'),
)

/** One event of the log with the cursor already taken (a send's message.created, a chat's receipt.updated). */
const insertEvent = prepared<'cursor' | 'type' | 'chatId' | 'messageId' | 'payload' | 'now', never>(
  (db, slot) =>
    db.insertInto('palaver_events').values({
      cursor: slot('cursor'),
      type: slot('type'),
      chat_id: slot('chatId'),
      user_id: null,
      message_id: slot('messageId'),
      payload: slot('payload'),
      created_at: slot('now'),
    }),
)

const searchMark = prepared<never, { value: number }>((db) =>
  db.selectFrom('palaver_counters').select('value').where('name', '=', 'search_indexed_through'),
)

export const sqliteDialect: SqlDialect = {
  name: 'sqlite',
  autoIdType: 'integer',
  bigintType: 'integer',

  async createSearchIndex(db) {
    // External-content FTS5: the text lives once, in palaver_messages; triggers keep the index in step,
    // so an edited or deleted message stops matching its old words in the same transaction. (Migration
    // 004 takes new messages out of the send's transaction: they are indexed in batches.)
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

  async steadySearchIndex() {
    // FTS5 merges its segments a little after every transaction already (automerge).
  },

  async appendMessages(db, messages, now) {
    // SQLite runs in this process: a statement costs no round trip, so each message simply takes its own.
    const outcomes: AppendOutcome[] = []
    for (const message of messages) {
      const { chatId, senderId, body, clientId, replyToId, memberOnly } = message
      if (clientId !== null && (await clientIdUsed(db, { senderId, clientId })).length > 0) {
        outcomes.push('duplicate')
        continue
      }
      const [chat] = await touchChat(db, { chatId, now, senderId, memberOnly: memberOnly ? 1 : 0 })
      if (!chat) {
        outcomes.push(memberOnly ? 'unchecked' : 'chat_gone')
        continue
      }
      const mentionsEveryone = message.mentionsEveryone ? 1 : null
      const [row] = await insertMessage(db, {
        chatId,
        senderId,
        body,
        clientId,
        replyToId,
        mentionsEveryone,
        now,
      })
      if (!row) {
        outcomes.push('duplicate')
        continue
      }
      await raiseSenderMarks(db, { chatId, senderId, messageId: row.id })
      outcomes.push({ row, memberCount: chat.member_count })
    }
    return outcomes
  },

  async appendEvents(db, events) {
    const [{ value: last }] = (await takeCursors(db, { count: events.length })) as [{ value: number }]
    const rows = withCursors(events, last)
    await db.insertInto('palaver_events').values(rows).execute()
    return rows
  },

  async raiseDeliveredMarks(db, marks) {
    const moved: MovedMarks[] = []
    for (const { chatId, userId, messageId } of marks) {
      const [row] = await raiseDelivered(db, { chatId, userId, messageId })
      if (row)
        moved.push({
          chatId,
          userId,
          lastReadMessageId: row.last_read_message_id,
          lastDeliveredMessageId: row.last_delivered_message_id,
        })
    }
    return moved
  },

  async indexSearchBacklog(db, limit) {
    const [mark] = await searchMark(db, {})
    const through = mark?.value ?? 0
    const waiting = await db
      .selectFrom('palaver_messages')
      .select('id')
      .where('id', '>', through)
      .orderBy('id')
      .limit(limit + 1)
      .execute()
    if (waiting.length === 0) return false
    const last = waiting[Math.min(limit, waiting.length) - 1]!.id
    // The text as it is now: an edit or a delete before this point left the index alone (see migration 004).
    await sql`insert into palaver_messages_fts(rowid, body)
      select id, body from palaver_messages where id > ${through} and id <= ${last} and body is not null
      order by id`.execute(db)
    await db
      .updateTable('palaver_counters')
      .set({ value: last })
      .where('name', '=', 'search_indexed_through')
      .execute()
    return waiting.length > limit
  },

  async searchBacklog(db) {
    const result = await sql<{ waiting: number }>`select exists (
      select 1 from palaver_messages
      where id > (select value from palaver_counters where name = 'search_indexed_through')) as waiting`.execute(
      db,
    )
    return result.rows[0]!.waiting === 1
  },

  async searchCandidates(db: Db, { viewerId, terms, match, chatId, before, limit }: SearchRequest) {
    // Each word is quoted, so nothing the user types is FTS syntax. The index is walked newest first and
    // stops at the limit: a common word costs no more than a rare one. (A prefix query makes FTS5 gather
    // the term's whole list first, which is why whole words are asked for on their own.)
    const star = match === 'prefix' ? '*' : ''
    const query = terms.map((t) => `"${t.replaceAll('"', '""')}"${star}`).join(' ')
    const inChat = chatId === undefined ? sql`` : sql`and m.chat_id = ${chatId}`
    // On the index's rowid, so that FTS5 starts its walk there.
    const older = before === undefined ? sql`` : sql`and f.rowid < ${before}`
    const result = await sql<SearchCandidate>`
      select m.id as "messageId", m.chat_id as "chatId", m.sender_id as "senderId", m.body
      from palaver_messages_fts f
      join palaver_messages m on m.id = f.rowid
      join palaver_members mb on mb.chat_id = m.chat_id and mb.user_id = ${viewerId}
      where palaver_messages_fts match ${query} and m.deleted_at is null ${inChat} ${older}
      order by f.rowid desc
      limit ${limit}`.execute(db)
    return result.rows
  },

  async matchWords(_db, words, terms) {
    // The index's tokenizer (unicode61, remove_diacritics 2) folds case and accents; so does this.
    const folded = terms.map(fold)
    const matches = new Map<string, { term: number; match: TermMatch }>()
    for (const word of words) {
      const w = fold(word)
      const exact = folded.indexOf(w)
      const prefix = exact >= 0 ? exact : folded.findIndex((t) => w.startsWith(t))
      if (prefix >= 0) matches.set(word, { term: prefix, match: exact >= 0 ? 'exact' : 'prefix' })
    }
    return matches
  },
}

const fold = (word: string) => word.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase()

/**
 * Transactions take the write lock as they begin (BEGIN IMMEDIATE). A deferred one that reads first holds
 * a read lock when it comes to write; if the lock is taken then (the checkpoint worker restarting the
 * log, another process), SQLite fails it at once with SQLITE_BUSY instead of waiting its busy timeout:
 * waiting could deadlock with a holder that waits for that reader. Seen under saturation as whole
 * batches of sends refused with "database is locked".
 */
class ImmediateSqliteDriver extends SqliteDriver {
  constructor(
    settings: SqliteDialectConfig,
    private readonly beforeClose: () => Promise<void>,
  ) {
    super(settings)
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'))
  }

  override async destroy(): Promise<void> {
    await this.beforeClose()
    await super.destroy()
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(
    private readonly settings: SqliteDialectConfig,
    private readonly beforeClose: () => Promise<void>,
  ) {
    super(settings)
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.settings, this.beforeClose)
  }
}

/** The raw connection under each Kysely instance openSqlite made (the send path's own transaction uses it). */
const connections = new WeakMap<Kysely<DatabaseSchema>, SQLite.Database>()

/** The dialect for a SQLite database: with the send path's own transactions when Palaver opened it. */
export function sqliteDialectOf(db: Kysely<DatabaseSchema>): SqlDialect {
  const database = connections.get(db)
  if (!database) return sqliteDialect
  return {
    ...sqliteDialect,
    appendMessagesAlone: inOneTransaction(database, storeSends),
    raiseDeliveredMarksAlone: inOneTransaction(database, raiseMarksWithReceipts),
  }
}

/** A prepared query as a statement of the raw connection, run synchronously. */
interface RawStatement<Name extends string, Row> {
  get(values: Record<Name, unknown>): Row | undefined
  run(values: Record<Name, unknown>): void
}

type Raw = <Name extends string, Row>(query: Prepared<Name, Row>) => RawStatement<Name, Row>

/**
 * A change as one synchronous transaction on the raw connection: its statements back to back, with none
 * of Kysely's building, promises and turns of the event loop between them (on SQLite those cost more than
 * the statements: a send ran eight of them). `change` prepares its statements with `raw`, once.
 *
 * Nothing can run between its first statement and its COMMIT, since it never yields. What must not be
 * cut in two is a transaction of Kysely's, which spans awaits: while one is open on the connection, this
 * waits for Kysely's connection, as a query would (its statements would otherwise join that transaction).
 * Otherwise it runs at once: taking the connection is a few promises and turns of the event loop that
 * cost about as much as the sends' statements, for a lock nothing else holds across an await.
 */
function inOneTransaction<Args extends unknown[], T>(
  database: SQLite.Database,
  change: (raw: Raw) => (...args: Args) => T,
): (db: Kysely<DatabaseSchema>, ...args: Args) => Promise<T> {
  let run: ((...args: Args) => T) | undefined
  return async (db, ...args) => {
    const transaction = (run ??= compileTransaction(database, db, change))
    const attempt = () => {
      try {
        return transaction(...args)
      } catch (error) {
        // better-sqlite3 rolled the transaction back: nothing of it was stored.
        throw new RolledBack(error)
      }
    }
    if (!database.inTransaction) return attempt()
    return db.connection().execute(async () => attempt())
  }
}

function compileTransaction<Args extends unknown[], T>(
  database: SQLite.Database,
  db: Kysely<DatabaseSchema>,
  change: (raw: Raw) => (...args: Args) => T,
): (...args: Args) => T {
  const raw: Raw = <Name extends string, Row>(query: Prepared<Name, Row>) => {
    const { sql, parameters } = query.compiled(db)
    const statement = database.prepare(sql)
    return {
      get: (values: Record<Name, unknown>) => statement.get(parameters(values)) as Row | undefined,
      run: (values: Record<Name, unknown>) => void statement.run(parameters(values)),
    }
  }
  const transaction = database.transaction(change(raw))
  // BEGIN IMMEDIATE, as every transaction here (see ImmediateSqliteDriver).
  return (...args) => transaction.immediate(...args)
}

/** appendMessagesAlone: appendMessages and appendEvents' statements for a batch of sends. */
function storeSends(raw: Raw) {
  const used = raw(clientIdUsed)
  const touch = raw(touchChat)
  const insert = raw(insertMessage)
  const marks = raw(raiseSenderMarks)
  const cursors = raw(takeCursors)
  const event = raw(insertEvent)
  return (messages: readonly NewMessageWithEvent[], now: number): AppendedWithEvent[] => {
    const outcomes: AppendedWithEvent[] = []
    const appended: Array<{ outcome: Extract<AppendedWithEvent, object>; message: NewMessageWithEvent }> = []
    for (const message of messages) {
      const { chatId, senderId, body, clientId, replyToId, memberOnly } = message
      if (clientId !== null && used.get({ senderId, clientId })) {
        outcomes.push('duplicate')
        continue
      }
      const chat = touch.get({ chatId, now, senderId, memberOnly: memberOnly ? 1 : 0 })
      if (!chat) {
        outcomes.push(memberOnly ? 'unchecked' : 'chat_gone')
        continue
      }
      const row = insert.get({ chatId, senderId, body, clientId, replyToId, mentionsEveryone: null, now })
      if (!row) {
        outcomes.push('duplicate')
        continue
      }
      marks.run({ chatId, senderId, messageId: row.id })
      const outcome = { stored: { row, memberCount: chat.member_count }, cursor: 0 }
      outcomes.push(outcome)
      appended.push({ outcome, message })
    }
    if (appended.length > 0) {
      // The cursors last, as appendEvents takes them, in the order the messages were stored.
      const { value: last } = cursors.get({ count: appended.length })!
      appended.forEach(({ outcome, message }, i) => {
        outcome.cursor = last - appended.length + 1 + i
        const { id } = outcome.stored.row
        const payload = `${message.payloadHead}${id}${message.payloadTail}`
        const type = 'message.created'
        event.run({ cursor: outcome.cursor, type, chatId: message.chatId, messageId: id, payload, now })
      })
    }
    return outcomes
  }
}

/**
 * raiseDeliveredMarksAlone: each mark raised by its own statement (SQLite has no round trips to save),
 * then one receipt.updated per chat whose marks moved, chats and members in order as on PostgreSQL.
 */
function raiseMarksWithReceipts(raw: Raw) {
  const raise = raw(raiseDelivered)
  const cursors = raw(takeCursors)
  const event = raw(insertEvent)
  return (marks: readonly DeliveredMark[], now: number): LoggedReceipt[] => {
    const moved = new Map<number, MemberMarks[]>()
    const ordered = [...marks].sort(
      (a, b) => a.chatId - b.chatId || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0),
    )
    for (const { chatId, userId, messageId } of ordered) {
      const row = raise.get({ chatId, userId, messageId })
      if (!row) continue
      let chat = moved.get(chatId)
      if (!chat) moved.set(chatId, (chat = []))
      chat.push({
        userId,
        lastReadMessageId: row.last_read_message_id,
        lastDeliveredMessageId: row.last_delivered_message_id,
      })
    }
    if (moved.size === 0) return []
    const { value: last } = cursors.get({ count: moved.size })!
    let cursor = last - moved.size
    return [...moved].map(([chatId, chatMarks]): LoggedReceipt => {
      cursor += 1
      // As receiptEvent's data, which the answer's events are sent as.
      const payload = JSON.stringify({ chatId, marks: chatMarks })
      event.run({ cursor, type: 'receipt.updated', chatId, messageId: null, payload, now })
      return { chatId, marks: chatMarks, cursor, payload }
    })
  }
}

export function openSqlite(file: string, synchronous: 'normal' | 'full' = 'normal'): Kysely<DatabaseSchema> {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
  const database = new SQLite(file)
  database.pragma('journal_mode = WAL')
  // NORMAL: in WAL mode a commit is safe from the process dying without waiting for the disk (see README).
  database.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`)
  database.pragma('foreign_keys = ON')
  // Deleted and edited text is overwritten in the file, not just unlinked.
  database.pragma('secure_delete = ON')
  database.pragma('busy_timeout = 5000')
  const inWal = database.pragma('journal_mode', { simple: true }) === 'wal'
  const stopCheckpoints = inWal ? checkpointInBackground(database, file) : async () => {}
  const db = new Kysely<DatabaseSchema>({
    // The worker's connection closes first, so that this one, the last, removes the log files: a host (or
    // a test) deleting the folder once destroy() resolves finds nothing written into it afterwards.
    dialect: new ImmediateSqliteDialect({ database: withStatementCache(database) }, stopCheckpoints),
  })
  connections.set(db, database)
  return db
}
