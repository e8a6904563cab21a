import { randomUUID } from 'node:crypto'
import type { AttachmentStore } from '../attachments/store.js'
import { UNSENT_ATTACHMENT_TTL_MS } from '../attachments/types.js'
import type { Db } from '../storage/dialect.js'
import type { Attachment } from '../storage/schema.js'
import { DOOMED, type DoomedFile, deleteRows } from './attachment-deletion.js'
import type { Context } from './context.js'
import { type RefusedKeys, waitText } from './refused-keys.js'

/** What a sweep did (see sweepAttachments). */
export interface AttachmentSweep {
  /** Files deleted, bytes and row. */
  deleted: number
  /**
   * Files left for the next sweep because the store failed: those it would not delete, those it left alone
   * for a while after earlier failures, and, where it was down, every one it did not get to. All hidden.
   */
  failed: number
}

/** How many files a sweep takes at a time. */
const SWEEP_BATCH = 500

/** Failed deletes in a row after which the sweep asks whether the store answers at all (see SweepRun). */
const FAILURES_BEFORE_PROBE = 3

/** Where a sweep is in the order of its index, and the key of the file there. */
type SweepPlace = Pick<Attachment, 'created_at' | 'id' | 'key'>

/** A file the store would not delete, and what it said. */
type Refusal = { file: DoomedFile; error: unknown }

/**
 * Deletes what no one can reach any more: uploads no message took within UNSENT_ATTACHMENT_TTL_MS, and
 * doomed files whose bytes are still to delete (of removed chats, or left by a failure or a crash). It walks
 * them once, a few hundred at a time, in the order of its index (doomed ones first), so a file the store
 * keeps refusing (a poison key) never stands in front of the others: each batch is doomed (a send racing the
 * sweep for an old upload either took it first, and the sweep leaves it, or finds it doomed), its bytes
 * deleted, then its rows. Where the store fails for a batch, each half is tried again, down to the keys it
 * fails for alone, which are logged and left doomed; the sweeps after leave such a key alone for a while,
 * longer after each failure (see RefusedKeys), and log it again only when they try it again. A store that
 * is down fails for every key: the sweep finds it out in a few calls (see SweepRun), says so in one line,
 * and leaves the rest to the next.
 */
export async function sweepAttachments(
  ctx: Context,
  refusedKeys: RefusedKeys,
  now = Date.now(),
): Promise<AttachmentSweep> {
  const store = ctx.attachmentStore
  if (store === null) return { deleted: 0, failed: 0 }
  const before = now - UNSENT_ATTACHMENT_TTL_MS
  const run = new SweepRun(ctx.db, store, refusedKeys, now)
  let waiting = 0
  let after: SweepPlace | undefined
  while (run.down === null) {
    const batch = await expiredAfter(ctx.db, before, after)
    if (batch.length === 0) break
    after = batch.at(-1)
    const tried = batch.filter((row) => !refusedKeys.waiting(row.key, now))
    waiting += batch.length - tried.length
    const files = await doom(
      ctx.db,
      tried.map((row) => row.id),
    )
    await run.deleteInHalves(files)
  }
  await run.finish()
  const swept = { deleted: run.deleted, failed: run.refused + waiting }
  if (run.down !== null) {
    swept.failed = await expiredCount(ctx.db, before)
    const files = swept.failed === 1 ? '1 file' : `${swept.failed} files`
    console.error(
      `[palaver] attachment store unreachable: ${messageOf(run.down.error)}; ${files} left for the next sweep`,
    )
  }
  ctx.metrics.attachmentsSwept(swept)
  return swept
}

/**
 * What one sweep learns of the store. A key it fails for alone may be a bad key or a store that is down, so
 * the sweep blames the key (logs it, counts it, leaves it alone for a while: see RefusedKeys) only once the
 * store answered since (a later delete went through), and after a few failures in a row asks it to delete
 * a key it never had, which a store that is up answers as done (see AttachmentStore.delete): where even
 * that fails, the store is down, and the sweep stops. So a store that is down costs a few calls and no key
 * is blamed for it, while keys refused side by side (which fail in a row too) are told from it and walked
 * past.
 */
class SweepRun {
  deleted = 0
  /** Files whose keys the store failed for while it answered. */
  refused = 0
  /** What the store said when it was found down; the sweep stops there. */
  down: { error: unknown } | null = null
  #failuresInARow = 0
  /** Keys the store failed for alone since it last answered. */
  #unblamed: Refusal[] = []

  constructor(
    private readonly db: Db,
    private readonly store: AttachmentStore,
    private readonly refusedKeys: RefusedKeys,
    private readonly now: number,
  ) {}

  /**
   * Deletes doomed files, bytes then rows. Where the store fails, each half is tried on its own, down to
   * single files: those it still fails for keep their rows.
   */
  async deleteInHalves(files: readonly DoomedFile[]): Promise<void> {
    if (files.length === 0 || this.down !== null) return
    try {
      await this.store.delete(files.map((f) => f.key))
    } catch (error) {
      if (files.length === 1) this.#unblamed.push({ file: files[0]!, error })
      if (++this.#failuresInARow >= FAILURES_BEFORE_PROBE) await this.#probe()
      if (files.length === 1) return
      const half = Math.ceil(files.length / 2)
      await this.deleteInHalves(files.slice(0, half))
      await this.deleteInHalves(files.slice(half))
      return
    }
    this.#answered()
    this.refusedKeys.deleted(files.map((f) => f.key))
    this.deleted += await deleteRows(this.db, files)
  }

  /** At the end of the walk: keys failed for since the store last answered are blamed once it does. */
  async finish(): Promise<void> {
    if (this.#unblamed.length > 0 && this.down === null) await this.#probe()
  }

  /** Asks the store to delete a key no file has (random, as every key: some stores take no other). */
  async #probe(): Promise<void> {
    try {
      await this.store.delete([randomUUID()])
    } catch (error) {
      this.down = { error }
      return
    }
    this.#answered()
  }

  /** The store answered: the keys it failed for before were bad keys, not a store that is down. */
  #answered(): void {
    this.#failuresInARow = 0
    for (const { file, error } of this.#unblamed.splice(0)) {
      this.refused++
      const { failures, wait } = this.refusedKeys.failed(file.key, this.now)
      const inARow = failures === 1 ? '' : `, ${failures} times in a row`
      console.error(
        `[palaver] the attachment store would not delete ${file.key}${inARow}; the sweep tries it again in ${waitText(wait)}`,
        error,
      )
    }
  }
}

/**
 * The next batch the sweep takes, past `after` in the order of its index (palaver_attachments_sweep): the
 * rest of `after`'s `created_at`, then later ones. Two seeks, where a row comparison would make SQLite walk
 * every doomed row before it each time.
 */
async function expiredAfter(db: Db, before: number, after: SweepPlace | undefined): Promise<SweepPlace[]> {
  const unsent = (limit: number) =>
    db
      .selectFrom('palaver_attachments')
      .select(['id', 'created_at', 'key'])
      .where('message_id', 'is', null)
      .orderBy('created_at')
      .orderBy('id')
      .limit(limit)
  if (after === undefined) return unsent(SWEEP_BATCH).where('created_at', '<', before).execute()
  const same = await unsent(SWEEP_BATCH)
    .where('created_at', '=', after.created_at)
    .where('id', '>', after.id)
    .execute()
  if (same.length === SWEEP_BATCH) return same
  const later = await unsent(SWEEP_BATCH - same.length)
    .where('created_at', '>', after.created_at)
    .where('created_at', '<', before)
    .execute()
  return [...same, ...later]
}

/** Dooms the given uploads, but for any a message took meanwhile. */
async function doom(db: Db, ids: readonly number[]): Promise<DoomedFile[]> {
  if (ids.length === 0) return []
  return db
    .updateTable('palaver_attachments')
    .set({ created_at: DOOMED })
    .where('id', 'in', ids)
    .where('message_id', 'is', null)
    .returning(['id', 'key'])
    .execute()
}

/** How many files the sweep would take now: what a sweep stopped by a store that is down leaves. */
async function expiredCount(db: Db, before: number): Promise<number> {
  const { n } = await db
    .selectFrom('palaver_attachments')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('message_id', 'is', null)
    .where('created_at', '<', before)
    .executeTakeFirstOrThrow()
  return Number(n)
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error))
