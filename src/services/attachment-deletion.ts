import type { AttachmentStore } from '../attachments/store.js'
import type { Db } from '../storage/dialect.js'
import type { Context, Tx } from './context.js'

/**
 * How attachments leave. A file leaves the store with its message (deleted), with its chat, or, never
 * sent, a day after it was uploaded: the first at once, the others by the sweep (attachment-sweep.ts).
 * The bytes may live outside the database, so they go in two steps: the row is first doomed (see
 * DOOMED), in the transaction that decides, then the bytes are deleted, and the row last, only once they
 * are gone. A failure or a crash in between leaves a doomed row, which the sweep finishes; never bytes
 * no row names.
 */

/**
 * The `created_at` of a doomed row, whose bytes are being deleted: an upload no message took, long expired
 * (so the sweep's index finds it first), that is never served nor sent again.
 */
export const DOOMED = 0

/** Doomed rows: what is left to delete, bytes first. */
export type DoomedFile = { id: number; key: string }

/**
 * Dooms a deleted message's files in its transaction, and gives them back: the caller deletes them once
 * it committed (see forgetFiles).
 */
export async function detachDeleted(tx: Tx, messageId: number): Promise<DoomedFile[]> {
  return tx.db
    .updateTable('palaver_attachments')
    .set({ message_id: null, created_at: DOOMED })
    .where('message_id', '=', messageId)
    .returning(['id', 'key'])
    .execute()
}

/**
 * Deletes doomed files: their bytes, then their rows. A failure is logged and leaves the rows to the sweep;
 * it never undoes what committed.
 */
export async function forgetFiles(ctx: Context, files: readonly DoomedFile[]): Promise<void> {
  if (files.length === 0 || ctx.attachmentStore === null) return
  try {
    await deleteDoomed(ctx.db, ctx.attachmentStore, files)
  } catch (error) {
    console.error('[palaver] could not delete attachment bytes (the sweep will try again)', error)
  }
}

/** Deletes the bytes, then the rows still doomed; returns how many rows went. */
async function deleteDoomed(db: Db, store: AttachmentStore, files: readonly DoomedFile[]): Promise<number> {
  await store.delete(files.map((f) => f.key))
  return deleteRows(db, files)
}

/** Deletes the rows of doomed files whose bytes are gone (not one a send took back in between: none can). */
export async function deleteRows(db: Db, files: readonly DoomedFile[]): Promise<number> {
  const deleted = await db
    .deleteFrom('palaver_attachments')
    .where(
      'id',
      'in',
      files.map((f) => f.id),
    )
    .where('message_id', 'is', null)
    .where('created_at', '=', DOOMED)
    .executeTakeFirst()
  return Number(deleted.numDeletedRows)
}

/**
 * Dooms an upload whose put failed, and deletes it: the store may still have kept the bytes (its answer
 * lost on the way back). Where even this fails, the row expires as an unsent upload, and the sweep deletes it.
 */
export async function forgetFailedUpload(ctx: Context, id: number): Promise<void> {
  const doomed = await ctx.db
    .updateTable('palaver_attachments')
    .set({ created_at: DOOMED })
    .where('id', '=', id)
    .returning(['id', 'key'])
    .execute()
    .catch(() => [])
  await forgetFiles(ctx, doomed)
}

/**
 * Hands the files of a chat being removed over to the sweep: its rows outlive the chat, doomed, until
 * their bytes are deleted, which may be outside the database and so outside this transaction.
 */
export async function releaseChatAttachments(tx: Tx, chatId: number): Promise<void> {
  await tx.db
    .updateTable('palaver_attachments')
    .set({ message_id: null, created_at: DOOMED })
    .where('chat_id', '=', chatId)
    .execute()
}
