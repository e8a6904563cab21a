import type { AttachmentStore } from '../attachments/store.js'
import { UNSENT_ATTACHMENT_TTL_MS } from '../attachments/types.js'
import type { Db } from '../storage/dialect.js'
import type { Attachment } from '../storage/schema.js'
import { DOOMED, type DoomedFile, deleteRows } from './attachment-deletion.js'
import type { Context } from './context.js'

/** What a sweep did (see sweepAttachments). */
export interface AttachmentSweep {
  /** Files deleted, bytes and row. */
  deleted: number
  /** Files whose bytes the store would not delete: hidden already, they wait for the next sweep. */
  failed: number
}

/** How many files a sweep takes at a time. */
const SWEEP_BATCH = 500

/** Where a sweep is in the order of its index. */
type SweepPlace = Pick<Attachment, 'created_at' | 'id'>

/** A file the store would not delete, and what it said. */
type Refusal = { file: DoomedFile; error: unknown }

/**
 * Deletes what no one can reach any more: uploads no message took within UNSENT_ATTACHMENT_TTL_MS, and
 * doomed files whose bytes are still to delete (of removed chats, or left by a failure or a crash). It walks
 * them once, a few hundred at a time, in the order of its index (doomed ones first), so a file the store
 * keeps refusing (a poison key) never stands in front of the others: each batch is doomed (a send racing the
 * sweep for an old upload either took it first, and the sweep leaves it, or finds it doomed), its bytes
 * deleted, then its rows. Where the store fails for a batch, each half is tried again, down to the keys it
 * fails for alone, which are logged once and left doomed. A batch refused whole is a store that is down,
 * not a bad key: the sweep stops there, the rest waits for the next one.
 */
export async function sweepAttachments(ctx: Context, now = Date.now()): Promise<AttachmentSweep> {
  const swept = { deleted: 0, failed: 0 }
  const store = ctx.attachmentStore
  if (store === null) return swept
  let after: SweepPlace | undefined
  for (;;) {
    const batch = await expiredAfter(ctx.db, now - UNSENT_ATTACHMENT_TTL_MS, after)
    if (batch.length === 0) break
    after = batch.at(-1)
    const files = await doom(
      ctx.db,
      batch.map((row) => row.id),
    )
    const refused: Refusal[] = []
    swept.deleted += await deleteInHalves(ctx.db, store, files, refused)
    swept.failed += refused.length
    for (const { file, error } of refused)
      console.error(
        `[palaver] the attachment store would not delete ${file.key}; the next sweep tries again`,
        error,
      )
    // Not one file of the batch went: the store is down, and would refuse the rest too.
    if (refused.length > 0 && refused.length === files.length) break
  }
  ctx.metrics.attachmentsSwept(swept)
  return swept
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
      .select(['id', 'created_at'])
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
function doom(db: Db, ids: readonly number[]): Promise<DoomedFile[]> {
  return db
    .updateTable('palaver_attachments')
    .set({ created_at: DOOMED })
    .where('id', 'in', ids)
    .where('message_id', 'is', null)
    .returning(['id', 'key'])
    .execute()
}

/**
 * Deletes doomed files, bytes then rows, and returns how many went. Where the store fails, each half is
 * tried on its own, down to single files: those it still fails for go to `refused`, their rows kept.
 */
async function deleteInHalves(
  db: Db,
  store: AttachmentStore,
  files: readonly DoomedFile[],
  refused: Refusal[],
): Promise<number> {
  if (files.length === 0) return 0
  try {
    await store.delete(files.map((f) => f.key))
  } catch (error) {
    if (files.length === 1) {
      refused.push({ file: files[0]!, error })
      return 0
    }
    const half = Math.ceil(files.length / 2)
    const first = await deleteInHalves(db, store, files.slice(0, half), refused)
    return first + (await deleteInHalves(db, store, files.slice(half), refused))
  }
  return deleteRows(db, files)
}
