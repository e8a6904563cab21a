/** How a draft is kept in storage, and read back from it as far as it makes sense. */
import { UNSENT_ATTACHMENT_TTL_MS } from '../../attachments/types.js'
import type { AttachmentView, MessageView } from '../../client/index.js'
import type { Mentionable } from '../text.js'

interface SavedFile {
  attachment: AttachmentView
  uploadedAt: number
}

/** What a draft keeps across reloads: finished uploads only (a File cannot be stored). */
export interface SavedDraft {
  text: string
  mentions: Mentionable[]
  replyTo: MessageView | null
  files: SavedFile[]
}

/** Storage may throw on any use (blocked, Safari's private mode, full): the drafts then stay in memory. */
export function safely<T>(fallback: T, use: () => T): T {
  try {
    return use()
  } catch {
    return fallback
  }
}

/** A stored draft, as far as it makes sense; files the server no longer keeps are left out. */
export function parse(text: string | null): SavedDraft | null {
  const value = safely(null, () => JSON.parse(text ?? 'null') as Partial<SavedDraft> | null)
  if (typeof value?.text !== 'string') return null
  const list = <T>(items: unknown, ok: (item: T) => boolean) =>
    Array.isArray(items) ? (items as T[]).filter((item) => item && ok(item)) : []
  // The server keeps an upload no message took this long: an older one is not put back.
  const since = Date.now() - UNSENT_ATTACHMENT_TTL_MS
  return {
    text: value.text,
    mentions: list<Mentionable>(
      value.mentions,
      (m) => typeof m.id === 'string' && typeof m.displayName === 'string',
    ),
    replyTo: typeof value.replyTo?.id === 'number' ? value.replyTo : null,
    files: list<SavedFile>(value.files, (f) => typeof f.attachment?.id === 'number' && f.uploadedAt > since),
  }
}
