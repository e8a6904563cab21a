import { randomUUID } from 'node:crypto'
import { cleanFileName, inspectPicture, isPicture, readAtMost, typeAccepted } from '../attachments/files.js'
import type { AttachmentStore } from '../attachments/store.js'
import { UNSENT_ATTACHMENT_TTL_MS } from '../attachments/types.js'
import { forbidden, invalid, notFound, PalaverError } from '../errors.js'
import type { ResolvedAttachments } from '../options.js'
import type { AttachmentView } from '../schemas.js'
import type { Db } from '../storage/dialect.js'
import type { Attachment } from '../storage/schema.js'
import { loadChat, memberWith } from './access.js'
import { DOOMED, forgetFailedUpload } from './attachment-deletion.js'
import type { Context, Tx } from './context.js'
import { groupBy } from './grouping.js'
import type { Viewer } from './users.js'

/**
 * Attachments. A file is uploaded to a chat first (it belongs to no message yet, and only its uploader
 * may fetch it), then sent with a message (`attachmentIds`), after which whoever may read the chat may
 * fetch it. Its bytes live in the store under a random key; what it is (name, type, size, and a
 * picture's width and height) lives in `palaver_attachments`. How a file leaves (with its message, with
 * its chat, or never sent) is attachment-deletion.ts's, and the sweep's (attachment-sweep.ts).
 */

/** The attachment settings and store of an instance, or a refusal when attachments are turned off. */
function enabled(ctx: Context): { settings: ResolvedAttachments; store: AttachmentStore } {
  const settings = ctx.options.attachments
  if (settings === false || ctx.attachmentStore === null)
    throw forbidden('Attachments are turned off on this site')
  return { settings, store: ctx.attachmentStore }
}

/** Where a file is served: under the API, with its name last so that a saved download keeps it. */
export const attachmentPath = (basePath: string, row: Pick<Attachment, 'id' | 'name'>) =>
  `${basePath}/api/attachments/${row.id}/${encodeURIComponent(row.name)}`

export function attachmentView(ctx: Context, row: Attachment): AttachmentView {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    size: row.size,
    width: row.width,
    height: row.height,
    url: attachmentPath(ctx.options.basePath, row),
  }
}

const attachmentColumns = [
  'id',
  'key',
  'chat_id',
  'uploader_id',
  'message_id',
  'position',
  'name',
  'type',
  'size',
  'width',
  'height',
  'created_at',
] as const

/** The attachments of the given messages, by message id, in the order they were sent. */
export async function attachmentsOf(
  ctx: Context,
  db: Db,
  messageIds: readonly number[],
): Promise<Map<number, AttachmentView[]>> {
  if (messageIds.length === 0) return new Map()
  const rows = await db
    .selectFrom('palaver_attachments')
    .select(attachmentColumns)
    .where('message_id', 'in', messageIds)
    .orderBy('message_id')
    .orderBy('position')
    .execute()
  return groupBy(
    rows,
    (row) => row.message_id!,
    (row) => attachmentView(ctx, row),
  )
}

/**
 * Stores a file someone uploads to a chat they may write in, for a message they will send with it. The
 * body is read up to the size limit and no further; a picture's bytes must be of the type it claims.
 */
export async function uploadAttachment(
  ctx: Context,
  viewer: Viewer,
  chatId: number,
  file: { name: string | undefined; type: string | null; body: ReadableStream<Uint8Array> | null },
): Promise<AttachmentView> {
  const { settings, store } = enabled(ctx)
  memberWith(await loadChat(ctx, ctx.db, chatId, viewer), 'post')
  if (file.type === null) throw invalid('Send the file with its media type as Content-Type')
  if (!typeAccepted(file.type, settings.types))
    throw invalid(`Files of type ${file.type} are not accepted here`)
  const data = await readAtMost(file.body, settings.maxSize)
  if (data === null) throw new PalaverError('too_large', `A file has at most ${settings.maxSize} bytes`)
  if (data.byteLength === 0) throw invalid('The file is empty')
  let size: { width: number; height: number } | null = null
  if (isPicture(file.type)) {
    size = inspectPicture(file.type, data)
    if (!size) throw invalid(`The file is not the ${file.type} picture it claims to be`)
  }
  // The row first, then the bytes: a row whose bytes are not there yet is only the uploader's to see,
  // while bytes without a row would be out of every sweep's reach. A failed put may still have kept
  // them (its answer lost on the way back), so its row is doomed rather than deleted.
  const key = randomUUID()
  const row = await ctx.db
    .insertInto('palaver_attachments')
    .values({
      key,
      chat_id: chatId,
      uploader_id: viewer.id,
      message_id: null,
      position: 0,
      name: cleanFileName(file.name),
      type: file.type,
      size: data.byteLength,
      width: size?.width ?? null,
      height: size?.height ?? null,
      created_at: Date.now(),
    })
    .returning(attachmentColumns)
    .executeTakeFirstOrThrow()
  try {
    await store.put(key, data, { type: file.type })
  } catch (error) {
    await forgetFailedUpload(ctx, row.id)
    throw error
  }
  return attachmentView(ctx, row)
}

/** Refuses what a message may not carry before anything is stored: too many files, or none allowed. */
export function checkAttachmentIds(ctx: Context, ids: readonly number[]): void {
  if (ids.length === 0) return
  const { settings } = enabled(ctx)
  if (ids.length > settings.perMessage)
    throw invalid(`A message carries at most ${settings.perMessage} files`)
}

/**
 * The files a new message of the sender's carries, read in the transaction that stores it: each must
 * be the sender's own upload to this chat that no message has yet. One that is not there (swept, doomed,
 * or never the sender's: the same answer, so that no one learns of another's upload) is gone, a refusal
 * of its own, as no retry of the same send can succeed.
 */
export async function unsentAttachments(
  ctx: Context,
  tx: Tx,
  chatId: number,
  senderId: string,
  ids: readonly number[],
): Promise<AttachmentView[]> {
  if (ids.length === 0) return []
  const rows = await tx.db
    .selectFrom('palaver_attachments')
    .select(attachmentColumns)
    .where('id', 'in', ids)
    .where('uploader_id', '=', senderId)
    .where('created_at', '!=', DOOMED)
    .execute()
  const byId = new Map(rows.map((row) => [row.id, row]))
  const gone = ids.filter((id) => !byId.has(id))
  if (gone.length > 0) throw attachmentsGone(gone)
  if (rows.some((row) => row.chat_id !== chatId || row.message_id !== null)) throw unusable()
  return ids.map((id) => attachmentView(ctx, byId.get(id)!))
}

const unusable = () =>
  invalid('attachmentIds must name your own uploads to this chat that no message has yet')

/** The refusal of a send whose files are no longer kept: which ones, and why. */
function attachmentsGone(ids: readonly number[]): PalaverError {
  const files = ids.length === 1 ? `File ${ids[0]} is` : `Files ${ids.join(', ')} are`
  const hours = UNSENT_ATTACHMENT_TTL_MS / 3_600_000
  return new PalaverError(
    'attachment_gone',
    `${files} no longer available to send: an upload that no message takes within ${hours} hours is deleted. Upload again, or send without ${ids.length === 1 ? 'it' : 'them'}`,
    { attachmentIds: ids },
  )
}

/**
 * Gives the files to the message just stored, in the order given. Where another send took one of them
 * first (two sends racing with the same upload), or the sweep doomed it (gone), this one is refused and
 * its transaction rolled back.
 */
export async function attachToMessage(tx: Tx, messageId: number, ids: readonly number[]): Promise<void> {
  for (const [position, id] of ids.entries()) {
    const taken = await tx.db
      .updateTable('palaver_attachments')
      .set({ message_id: messageId, position })
      .where('id', '=', id)
      .where('message_id', 'is', null)
      .where('created_at', '!=', DOOMED)
      .executeTakeFirst()
    if (taken.numUpdatedRows === 1n) continue
    const row = await tx.db
      .selectFrom('palaver_attachments')
      .select('created_at')
      .where('id', '=', id)
      .executeTakeFirst()
    throw row && row.created_at !== DOOMED ? unusable() : attachmentsGone([id])
  }
}

/** Whether a message carries files (its text may then be empty). */
export async function hasAttachments(db: Db, messageId: number): Promise<boolean> {
  const row = await db
    .selectFrom('palaver_attachments')
    .select('id')
    .where('message_id', '=', messageId)
    .limit(1)
    .executeTakeFirst()
  return row !== undefined
}

/** A file as whoever asks may fetch it: the uploader, before it is sent; after, whoever may read the chat. */
export async function openAttachment(
  ctx: Context,
  viewer: Viewer,
  attachmentId: number,
): Promise<{ attachment: Attachment; data: Uint8Array }> {
  const { store } = enabled(ctx)
  const row = await ctx.db
    .selectFrom('palaver_attachments')
    .select(attachmentColumns)
    .where('id', '=', attachmentId)
    .executeTakeFirst()
  if (!row || row.created_at === DOOMED) throw notFound('Attachment')
  if (row.message_id === null) {
    if (row.uploader_id !== viewer.id) throw notFound('Attachment')
  } else {
    // A chat the viewer may not see hides its files the same way; any other failure is what it is.
    const access = await loadChat(ctx, ctx.db, row.chat_id, viewer).catch((error: unknown) => {
      if (error instanceof PalaverError && error.code === 'not_found') return null
      throw error
    })
    if (!access?.canRead) throw notFound('Attachment')
  }
  const data = await store.get(row.key)
  if (!data) throw notFound('Attachment')
  return { attachment: row, data }
}
