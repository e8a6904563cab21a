import type { ControlledTransaction, Kysely, Transaction } from 'kysely'
import { hasSqlState, mayHaveCommitted, RolledBack } from '../storage/dialect.js'
import type { DatabaseSchema } from '../storage/schema.js'

/** What one change gets: the batch's transaction and the time the batch started. */
export interface ChangeScope {
  db: Transaction<DatabaseSchema>
  now: number
}

/** What one item of the bulk lane comes to: its value and record, or why it was refused. */
export type BulkOutcome<O, R> = ChangeResult<O, R> | { error: unknown }

/**
 * What the queue does around its batches. `R` is what a change leaves for the commit (its events), `A`
 * what the last step inside the transaction answers (the rows it appended). `I` and `O` are the input
 * and the value of the bulk lane: changes so alike (sending a message) that a batch does all of them
 * with one statement instead of one each, which is what bounds how many a second PostgreSQL takes.
 */
export interface CommitSteps<R, A, I, O> {
  /**
   * Inside the batch's transaction, after the other changes: every queued item at once, answering one
   * outcome per item in their order. It throws only when the database failed, not for a refused item.
   */
  bulk(db: Transaction<DatabaseSchema>, now: number, items: I[]): Promise<Array<BulkOutcome<O, R>>>
  /**
   * A batch of nothing but bulk items, as one statement committed by itself (no BEGIN, no COMMIT): their
   * outcomes and what `before` would have answered. Without it, such a batch takes a transaction too.
   */
  bulkAlone?:
    | ((db: Kysely<DatabaseSchema>, now: number, items: I[]) => Promise<BulkAloneResult<O, R, A>>)
    | undefined
  /** Inside the batch's transaction, after every change ran, last before commit. */
  before(db: Transaction<DatabaseSchema>, now: number, records: R[]): Promise<A>
  /**
   * After the batch committed (with `overlap`, once the next batch is on its way), with what `before`
   * answered.
   */
  after(records: R[], answer: A): void
}

/** What a batch of bulk items alone comes to: one outcome per item, and the answer for `after`. */
export interface BulkAloneResult<O, R, A> {
  outcomes: Array<BulkOutcome<O, R>>
  answer: A
}

/** What a change answers: its value for the caller, and its record for the commit steps. */
export interface ChangeResult<T, R> {
  value: T
  record: R
}

/** What a change that is one statement of its own answers: also what `before` would have answered. */
export interface StatementResult<T, R, A> extends ChangeResult<T, R> {
  answer: A
}

/** How a change waits for its batch. */
export interface ChangeOptions {
  /**
   * The chat whose rows the change locks. A batch takes its changes in chat order, so two processes'
   * batches lock chats in the same order and cannot deadlock (PostgreSQL would only notice after its
   * deadlock_timeout, a second in which every change of both batches waits).
   */
  chatId?: number | undefined
  /** Work no request waits for (delivered marks): a few ride along with each batch. */
  background?: boolean | undefined
}

interface Pending<R> {
  change: (scope: ChangeScope) => Promise<ChangeResult<unknown, R>>
  /** Set for an item of the bulk lane: its input (and `change` is unused). */
  bulk?: unknown
  /** Set for a change that is one statement committed by itself (and `change` is unused). */
  statement?: (db: Kysely<DatabaseSchema>, now: number) => Promise<StatementResult<unknown, R, unknown>>
  chatId: number
  resolve(value: unknown): void
  reject(error: unknown): void
  result?: ChangeResult<unknown, R>
  /** Why the change failed in its savepoint; told to the caller once the batch is over. */
  failure?: { error: unknown }
}

type Trx = ControlledTransaction<DatabaseSchema>

/** At most this many changes share one transaction, so that one batch cannot hold the writer for long. */
const MAX_BATCH = 100
/** Background changes in one batch, so that requests never queue behind a heap of them. */
const MAX_BACKGROUND = 2
const DEADLOCK_RETRIES = 3

const isBulk = <R>(item: Pending<R>) => 'bulk' in item

const records = <R>(done: Array<Pending<R>>) => done.map((item) => item.result!.record)

/** The `change` of a bulk item, which the batch never calls. */
const noChange = (): never => {
  throw new Error('a bulk item runs in its batch’s bulk step')
}

/** Bulk items take their outcomes, in order: a refused one is marked failed, the others join `done`. */
function takeOutcomes<R>(
  items: Array<Pending<R>>,
  outcomes: ReadonlyArray<BulkOutcome<unknown, R>>,
  done: Array<Pending<R>>,
): void {
  items.forEach((item, i) => {
    const outcome = outcomes[i]!
    if ('error' in outcome) item.failure = { error: outcome.error }
    else {
      item.result = outcome
      done.push(item)
    }
  })
}

/** PostgreSQL broke a lock cycle (two processes' batches taking the same chats in another order). */
const isDeadlock = (error: unknown) => hasSqlState(error, '40P01')

/**
 * Group commit: changes that arrive while a transaction commits wait, then commit together in the next
 * one. A change alone runs at once, as before; under load a whole batch costs one commit — one WAL flush
 * on PostgreSQL and one turn of the event counter's row lock, which is what bounds how many messages a
 * second a database takes.
 *
 * The changes of a batch run one after another, in arrival order (per chat), then the bulk lane's items
 * all at once. When a change fails (a rule, a unique key) the batch runs again with each change and each
 * bulk item in a savepoint, so that one is rolled back alone and rejected while the others commit. The
 * outcome is the one separate transactions in that order would have had.
 *
 * With `overlap` (a database in another process), a committed batch is told (its callers answered, its
 * events handed to `after`) only once the next batch's statement is on its way, when one is waiting: the
 * database then stores that batch while this process writes the frames of this one, instead of each
 * waiting for the other. Batches are still told in commit order, and one at a time is in the database.
 */
export class GroupCommit<R, A, I = never, O = never> {
  private queue: Array<Pending<R>> = []
  private background: Array<Pending<R>> = []
  private draining = false
  /** What committed (or failed) batches have yet to tell, oldest first. */
  private untold: Array<() => void> = []
  /** How long the batch in the database has held it so far, ms (one batch is in it at a time). */
  private heldMs = 0

  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    private readonly steps: CommitSteps<R, A, I, O>,
    private readonly options: {
      overlap?: boolean
      /**
       * A batch's bulk items go the `bulkAlone` way even when other changes share their batch: those
       * commit in a transaction of their own, just before. Worth it where a commit costs no round trip
       * and no flush (SQLite in WAL mode), while the bulk items cost several times more inside a
       * transaction than alone; a background change (the search indexer's) rides along often.
       */
      bulkApart?: boolean
      /** Told of each batch once it is over: how many changes it took, and how long it was in the database. */
      observe?: (size: number, seconds: number) => void
    } = {},
  ) {}

  /**
   * Runs `change` in the next batch and answers its value once committed. The change may run more than
   * once (a deadlock retried), each time in a fresh transaction: it keeps nothing outside what it returns.
   */
  run<T>(
    change: (scope: ChangeScope) => Promise<ChangeResult<T, R>>,
    options: ChangeOptions = {},
  ): Promise<T> {
    return this.enqueue<T>(change, {}, options)
  }

  /** Queues an item of the bulk lane; it commits with the next batch, done with the batch's others. */
  runBulk(input: I, options: ChangeOptions = {}): Promise<O> {
    return this.enqueue<O>(noChange, { bulk: input }, options)
  }

  /**
   * Queues a change that is one statement with its events (no BEGIN, no COMMIT: on PostgreSQL each is a
   * round trip, and the event counter's lock would be held across them). It commits by itself, between
   * two batches, so that it never sends a batch of sends the longer way. It runs again when PostgreSQL
   * chose it to break a deadlock (the statement was undone whole).
   */
  runStatement<T>(
    statement: (db: Kysely<DatabaseSchema>, now: number) => Promise<StatementResult<T, R, A>>,
    options: ChangeOptions = {},
  ): Promise<T> {
    return this.enqueue<T>(noChange, { statement }, options)
  }

  private enqueue<T>(
    change: (scope: ChangeScope) => Promise<ChangeResult<T, R>>,
    kind: Pick<Pending<R>, 'bulk' | 'statement'>,
    options: ChangeOptions,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const item: Pending<R> = {
        change,
        ...kind,
        // Changes of no particular chat (a new chat) lock nothing others wait for: they go first.
        chatId: options.chatId ?? 0,
        resolve: (value) => resolve(value as T),
        reject,
      }
      ;(options.background ? this.background : this.queue).push(item)
      if (this.draining) return
      // Start after the I/O callbacks of this turn of the event loop: the requests that came in with this
      // one join its batch. (better-sqlite3 answers synchronously, so without this pause a whole
      // transaction would run before the next request is even read, and nothing would ever batch.)
      this.draining = true
      setImmediate(() => void this.drain())
    })
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length + this.background.length > 0) {
        // Requests first; background work (delivered marks) rides along a little at a time.
        const taken = this.queue.splice(0, MAX_BATCH)
        taken.push(...this.background.splice(0, Math.min(MAX_BACKGROUND, MAX_BATCH - taken.length)))
        // Stable: the changes of one chat keep their arrival order.
        const batch = taken.filter((item) => !item.statement).sort((a, b) => a.chatId - b.chatId)
        const committing = this.timed(taken.length, () => this.commitTaken(batch, taken))
        if (this.untold.length > 0) {
          // The batch before is told while this one is in the database. Its statement went out in the
          // microtasks (and pg's process.nextTick callbacks) that ran before this turn ended.
          await new Promise((resolve) => setImmediate(resolve))
          this.tellAll()
        }
        await committing
        // Nothing waits to overlap with: told at once.
        if (this.queue.length + this.background.length === 0) this.tellAll()
        // Let the requests that arrived during that commit be read before the next one starts.
        await new Promise((resolve) => setImmediate(resolve))
      }
    } finally {
      this.tellAll()
      this.draining = false
    }
  }

  /**
   * Runs a batch's commit, told to `observe` with the time the batch held the database: not the time its
   * callers and its events took to be told, which on SQLite happens inside the commit.
   */
  private timed(size: number, commit: () => Promise<void>): Promise<void> {
    const { observe } = this.options
    this.heldMs = 0
    if (!observe) return commit()
    return commit().finally(() => observe(size, this.heldMs / 1000))
  }

  /** A batch of changes, then the statements of its turn, each committed by itself. */
  private async commitTaken(batch: Array<Pending<R>>, taken: Array<Pending<R>>): Promise<void> {
    if (batch.length > 0) await this.commit(batch)
    for (const item of taken) if (item.statement) await this.commitStatement(item, item.statement)
  }

  /** Tells `step` now, or (overlapping) once the next batch is on its way. */
  private tell(step: () => void): void {
    this.untold.push(step)
    if (!this.options.overlap) this.tellAll()
  }

  private tellAll(): void {
    // One at a time off the front: a step that throws leaves the later ones for the next call.
    while (this.untold.length > 0) this.untold.shift()!()
  }

  /**
   * Commits a batch. Its changes first run straight in the transaction; if one fails, the batch is rolled
   * back and run again with each change in a savepoint (`isolated`), so only the failing one is left out.
   */
  private async commit(batch: Array<Pending<R>>, attempt = 1, isolated = false): Promise<void> {
    // What an earlier attempt of this batch found out no longer holds: it was rolled back.
    for (const item of batch) {
      item.result = undefined
      item.failure = undefined
    }
    if (!isolated && this.steps.bulkAlone && batch.some(isBulk)) {
      if (batch.every(isBulk)) {
        if (await this.commitAlone(batch, this.steps.bulkAlone)) return
      } else if (this.options.bulkApart) {
        // The other changes first, as they would run in one transaction, then the bulk items their way.
        await this.commit(batch.filter((item) => !isBulk(item)))
        await this.commit(batch.filter(isBulk))
        return
      }
    }
    const done: Array<Pending<R>> = []
    let trx: Trx | undefined
    let answer: A
    let committing = false
    const started = performance.now()
    try {
      trx = await this.db.startTransaction().execute()
      const now = Date.now()
      const changes = batch.filter((item) => !isBulk(item))
      const bulk = batch.filter(isBulk)
      for (const item of changes) {
        if (!isolated) {
          item.result = await item.change({ db: trx, now })
          done.push(item)
        } else if (await this.inSavepoint(trx, item, now)) done.push(item)
      }
      if (!isolated) await this.applyBulk(trx, bulk, now, done)
      else for (const item of bulk) if (await this.inSavepoint(trx, item, now)) done.push(item)
      answer = await this.steps.before(trx, now, records(done))
      committing = true
      await trx.commit().execute()
    } catch (error) {
      await trx
        ?.rollback()
        .execute()
        .catch(() => {})
      this.heldMs += performance.now() - started
      // The COMMIT went out and its answer was lost: the batch may be stored, and running it again could
      // store it twice. Each change is told the error; a send with a clientId then finds what it stored.
      if (committing && mayHaveCommitted(error)) {
        this.tell(() => {
          for (const item of batch) item.reject(error)
        })
        return
      }
      if (!isolated && batch.length > 1) return this.commit(batch, attempt, true)
      // Another process's batch took the same rows in another order: the whole batch runs again. What
      // failed in its savepoint is told with the rerun's commit: it failed against changes rolled back.
      if (isDeadlock(error) && attempt < DEADLOCK_RETRIES) return this.commit(batch, attempt + 1, isolated)
      this.tell(() => {
        for (const item of batch) item.reject(item.failure?.error ?? error)
      })
      return
    }
    this.heldMs += performance.now() - started
    this.committed(batch, done, answer)
  }

  /**
   * Answers every item of a committed batch and hands its records on. Failures are told after the commit
   * too: a caller that looks again (a send racing its retried twin) then sees what the others wrote.
   */
  private committed(batch: Array<Pending<R>>, done: Array<Pending<R>>, answer: A): void {
    // Taken now: an item's result and failure are the working state of whichever batch holds it.
    const outcomes = batch.map((item) => item.failure ?? { value: item.result!.value })
    const told = records(done)
    this.tell(() => {
      batch.forEach((item, i) => {
        const outcome = outcomes[i]!
        if ('error' in outcome) item.reject(outcome.error)
        else item.resolve(outcome.value)
      })
      this.steps.after(told, answer)
    })
  }

  /**
   * A batch of bulk items only, in the one statement of `bulkAlone`. False when it was chosen to break a
   * deadlock: nothing was stored, and the batch goes the usual way, which retries. Any other failure
   * (the database is away) is every item's answer, as a transaction's would be.
   */
  private async commitAlone(
    batch: Array<Pending<R>>,
    bulkAlone: NonNullable<CommitSteps<R, A, I, O>['bulkAlone']>,
  ): Promise<boolean> {
    let result: BulkAloneResult<O, R, A>
    try {
      result = await this.holding(() =>
        bulkAlone(
          this.db,
          Date.now(),
          batch.map((item) => item.bulk as I),
        ),
      )
    } catch (error) {
      // Rolled back (a deadlock among them): it stored nothing, so it runs again the usual way.
      if (error instanceof RolledBack) return false
      this.tell(() => {
        for (const item of batch) item.reject(error)
      })
      return true
    }
    const done: Array<Pending<R>> = []
    takeOutcomes(batch, result.outcomes, done)
    this.committed(batch, done, result.answer)
    return true
  }

  /** A change that is one statement of its own: committed once it answers, run again after a deadlock. */
  private async commitStatement(
    item: Pending<R>,
    statement: NonNullable<Pending<R>['statement']>,
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      let outcome: StatementResult<unknown, R, unknown>
      try {
        outcome = await this.holding(() => statement(this.db, Date.now()))
      } catch (error) {
        if (isDeadlock(error) && attempt < DEADLOCK_RETRIES) continue
        this.tell(() => item.reject(error))
        return
      }
      const { answer, ...result } = outcome
      item.result = result
      this.committed([item], [item], answer as A)
      return
    }
  }

  /** Runs one statement that commits by itself, its time counted in `heldMs`. */
  private async holding<T>(statement: () => Promise<T>): Promise<T> {
    const started = performance.now()
    try {
      return await statement()
    } finally {
      this.heldMs += performance.now() - started
    }
  }

  /** The bulk lane's items in one step; a refused item is marked failed, the others done. */
  private async applyBulk(
    db: Transaction<DatabaseSchema>,
    items: Array<Pending<R>>,
    now: number,
    done: Array<Pending<R>>,
  ) {
    if (items.length === 0) return
    const outcomes = await this.steps.bulk(
      db,
      now,
      items.map((item) => item.bulk as I),
    )
    takeOutcomes(items, outcomes, done)
  }

  /** One change of a batch: rolled back alone when it fails, and marked failed. */
  private async inSavepoint(trx: Trx, item: Pending<R>, now: number, attempt = 1): Promise<boolean> {
    const scope = await trx.savepoint('palaver_change').execute()
    try {
      if (isBulk(item)) {
        const done: Array<Pending<R>> = []
        await this.applyBulk(scope, [item], now, done)
        if (done.length === 0) {
          // Refused (its chat is gone, its clientId taken): whatever its statement touched goes too.
          await scope.rollbackToSavepoint('palaver_change').execute()
          await scope.releaseSavepoint('palaver_change').execute()
          return false
        }
      } else item.result = await item.change({ db: scope, now })
    } catch (error) {
      await scope.rollbackToSavepoint('palaver_change').execute()
      await scope.releaseSavepoint('palaver_change').execute()
      if (isDeadlock(error) && attempt < DEADLOCK_RETRIES)
        return this.inSavepoint(trx, item, now, attempt + 1)
      item.failure = { error }
      return false
    }
    await scope.releaseSavepoint('palaver_change').execute()
    return true
  }
}
