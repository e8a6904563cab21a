import { type BackoffOptions, backoffDelay } from './backoff.js'
import { Emitter } from './emitter.js'
import { PalaverClientError } from './errors.js'
import { indexedDbFiles, type OutboxFileStorage } from './held-files.js'
import { randomId } from './ids.js'
import type { AttachmentView, MessageView } from './types.js'

export type OutboxState = 'pending' | 'sent' | 'failed'

/** One message on its way: shown at once, kept until the server stored it (or refused it). */
export interface OutboxItem {
  /** Sent with the message: however often it is retried, the server stores it once. */
  clientId: string
  chatId: number
  body: string
  /** The message this one answers (a reply), or null. */
  replyToId: number | null
  /** The members it mentions (their names are in the text as the writer put them). */
  mentionIds: string[]
  /** Whether it mentions everyone in the chat (its text writes "@everyone"). */
  mentionsEveryone: boolean
  /** The files it carries, uploaded before it was sent (`api.uploadAttachment`). */
  attachmentIds: number[]
  /**
   * Those files as their uploads answered (`SendOptions.attachments`), each under the id it was sent with: stored
   * with it, so that after a reload a page shows them as before (a file uploaded again is in `uploadedAgain`).
   */
  attachments?: AttachmentView[]
  /**
   * Their names, by id (`SendOptions.fileNames`, or the Files given): stored with it, so that after a reload it can
   * still say which files were lost; a file uploaded again keeps its name under its new id too.
   */
  fileNames?: Record<number, string>
  /** The files uploaded again while it waited (their uploads swept): each new id to the id it was sent with. */
  uploadedAgain?: Record<number, number>
  state: OutboxState
  /** When it was written (ms since the epoch). */
  createdAt: number
  /** Attempts made so far. */
  attempts: number
  /** Why the last attempt failed: a refusal for 'failed', the network or the server for 'pending'. */
  error: OutboxError | null
  /** The stored message, once 'sent'. */
  message: MessageView | null
}

/** Why an item's last attempt failed, as the server (or the network) said. */
export interface OutboxError {
  code: string
  status: number
  message: string
  /**
   * With `attachment_gone`: the files the server no longer keeps (an upload no message took within a day
   * is deleted), taken out of the item's `attachmentIds` so that no retry sends them again.
   */
  attachmentIds?: number[]
}

/** Keeps unsent messages across page loads; `localStorageOutbox()` is one for browsers. */
export interface OutboxStorage {
  load(): OutboxItem[] | null | undefined | Promise<OutboxItem[] | null | undefined>
  save(items: OutboxItem[]): void | Promise<void>
  /** Keeps the bytes of the files of sends that did not go at once (`SendOptions.files`); without it, memory only. */
  files?: OutboxFileStorage
}

export interface OutboxEvents {
  /** Any item changed (added, attempted, sent, failed, retried, discarded): `items` is the new list. */
  change: { item: OutboxItem; items: OutboxItem[] }
  sent: OutboxItem
  failed: OutboxItem
}

export interface OutboxOptions {
  storage?: OutboxStorage
  /** Delays between retries while the server cannot be reached. */
  retry?: BackoffOptions
  /** How many sent items stay listed (so a UI can swap its pending bubble for the real message). Default 50. */
  keepSent?: number
  /**
   * What `storage.files` may keep: no file over `maxFileBytes` (default 10 MiB, the server's default largest
   * upload), and no more than `maxTotalBytes` in all (default 50 MiB); a file left out is held in memory only.
   */
  heldFiles?: { maxFileBytes?: number; maxTotalBytes?: number }
}

export type Deliver = (item: OutboxItem) => Promise<MessageView>

/** Uploads a file to a chat again (`api.uploadAttachment`). */
export type UploadAgain = (chatId: number, file: Blob, name?: string) => Promise<{ id: number }>

export interface SendOptions {
  /** Chosen by the caller to recognise the item; a random one by default. */
  clientId?: string
  /** Makes the message a reply to this one (of the same chat). */
  replyToId?: number
  /** The members the message mentions: the server keeps those who are members of the chat. */
  mentionIds?: string[]
  /**
   * Mentions every member of the chat, where the text writes "@everyone" (else it does not): in a group,
   * or as an admin of a room (`chat.permissions.mentionEveryone`).
   */
  mentionsEveryone?: boolean
  /** Files uploaded to the chat for it (`api.uploadAttachment`); with any, the text may be empty. */
  attachmentIds?: number[]
  /**
   * The bytes of those files (the File or Blob each upload took), by id, where the caller holds them: an upload
   * swept before the message went (it waited over a day) is uploaded again and the message sent with it, before
   * anything written after it. Held in memory until the item is sent or discarded; once an attempt fails, also
   * kept in `storage.files` (within `OutboxOptions.heldFiles`), so that a page loaded again still has them.
   */
  files?: ReadonlyMap<number, Blob>
  /**
   * The names those uploads were given (each upload's `name`), by id: an upload made again takes the same name,
   * and after a reload a send whose files were lost says which. A File's own name where not given.
   */
  fileNames?: Readonly<Record<number, string>>
  /** The uploads as the server answered them, stored with the item (`OutboxItem.attachments`). */
  attachments?: readonly AttachmentView[]
}

const MAX_BODY_FOR_STORAGE = 100_000
const MIB = 1024 * 1024

/**
 * Messages that are sent in the order they were written, each with its clientId: an attempt that
 * fails for want of a connection stays `pending` and is retried (with the same clientId, so it
 * lands once) after a backoff or as soon as `flush()` is called; one the server refuses becomes
 * `failed` until `retry(clientId)`. One refused because its uploads were swept goes again at once with
 * them uploaded anew (through `upload`), where `SendOptions.files` holds their bytes.
 */
export class Outbox extends Emitter<OutboxEvents> {
  #list: OutboxItem[] = []
  #flushing = false
  #again = false
  #failures = 0
  #timer: ReturnType<typeof setTimeout> | undefined
  #closed = false
  #saving: Promise<void> = Promise.resolve()
  readonly #settleWaiters = new Map<string, Array<(item: OutboxItem) => void>>()
  /** SendOptions.files of the items not yet sent, by clientId. */
  readonly #files = new Map<string, Map<number, Blob>>()
  /** The items whose files storage.files keeps, and how many bytes of them. */
  readonly #stored = new Map<string, number>()
  /** Writes to storage.files, one after another. */
  #filing: Promise<void> = Promise.resolve()
  /** Resolves once stored items are loaded (at once without storage). */
  readonly loaded: Promise<void>

  constructor(
    private readonly deliver: Deliver,
    private readonly options: OutboxOptions = {},
    private readonly upload?: UploadAgain,
  ) {
    super()
    this.loaded = this.#load()
  }

  /** Every item still listed, oldest first: pending and failed ones, and the last sent ones. */
  get items(): OutboxItem[] {
    return [...this.#list]
  }

  get(clientId: string): OutboxItem | undefined {
    return this.#list.find((item) => item.clientId === clientId)
  }

  /** Queues a message and starts sending it; the item is returned at once (state 'pending'). */
  send(chatId: number, body: string, options: SendOptions = {}): OutboxItem {
    const clientId = options.clientId ?? randomId()
    const existing = this.get(clientId)
    if (existing) return existing
    const fileNames: Record<number, string> = { ...options.fileNames }
    // A File's own name where none was given (a Blob has none).
    for (const [id, file] of options.files ?? [])
      if ((file as File).name) fileNames[id] ??= (file as File).name
    const item: OutboxItem = {
      clientId,
      chatId,
      body,
      replyToId: options.replyToId ?? null,
      mentionIds: options.mentionIds ?? [],
      mentionsEveryone: options.mentionsEveryone === true,
      attachmentIds: options.attachmentIds ?? [],
      ...(options.attachments && { attachments: [...options.attachments] }),
      fileNames,
      state: 'pending',
      createdAt: Date.now(),
      attempts: 0,
      error: null,
      message: null,
    }
    this.#list.push(item)
    if (options.files) this.#files.set(clientId, new Map(options.files))
    this.#changed(item)
    void this.flush()
    return item
  }

  /** The bytes held of an item's files, by id (a file uploaded again under both ids): given, or loaded from storage. */
  held(clientId: string): ReadonlyMap<number, Blob> | undefined {
    return this.#files.get(clientId)
  }

  /** Resolves when the item is sent or failed (at once if it already is). */
  settled(clientId: string): Promise<OutboxItem> {
    const item = this.get(clientId)
    if (!item) return Promise.reject(new Error(`No outbox item ${clientId}`))
    if (item.state !== 'pending') return Promise.resolve(item)
    return new Promise((resolve) => {
      const waiters = this.#settleWaiters.get(clientId) ?? []
      waiters.push(resolve)
      this.#settleWaiters.set(clientId, waiters)
    })
  }

  /**
   * Sends a failed item again (same clientId), with `attachmentIds` instead of its files where given (the
   * gone ones uploaded again). False, and nothing changes, when it is not failed or would carry nothing:
   * no text and no files (all gone).
   */
  retry(clientId: string, options: { attachmentIds?: number[] } = {}): boolean {
    const item = this.get(clientId)
    const attachmentIds = options.attachmentIds ?? item?.attachmentIds ?? []
    if (item?.state !== 'failed' || (!item.body && attachmentIds.length === 0)) return false
    this.#replace(item, { state: 'pending', error: null, attachmentIds })
    void this.flush()
    return true
  }

  /** Forgets an item that is not being sent right now; returns whether it was there. */
  discard(clientId: string): boolean {
    const item = this.get(clientId)
    if (!item) return false
    this.#list = this.#list.filter((i) => i !== item)
    this.#forget(clientId)
    this.#changed({ ...item })
    return true
  }

  /** Sends every pending item now, in order; stops at the first that cannot reach the server. */
  async flush(): Promise<void> {
    if (this.#closed) return
    if (this.#flushing) {
      this.#again = true
      return
    }
    this.#flushing = true
    clearTimeout(this.#timer)
    this.#timer = undefined
    try {
      await this.loaded
      for (;;) {
        this.#again = false
        const item = this.#list.find((i) => i.state === 'pending')
        if (!item || this.#closed) return
        if (!(await this.#attempt(item))) {
          // Told to try now while this attempt was failing (the connection came back): go on at once.
          if (this.#again) continue
          this.#scheduleRetry()
          return
        }
      }
    } finally {
      this.#flushing = false
    }
  }

  /** Stops retrying (items stay stored). */
  close(): void {
    this.#closed = true
    clearTimeout(this.#timer)
  }

  /** Seconds the server asked to wait before the next attempt (rate limited, briefly unavailable). */
  #retryAfter: number | undefined

  /** One attempt; false when the server could not be reached (the item stays pending). */
  async #attempt(item: OutboxItem, uploadedAgain = false): Promise<boolean> {
    const attempting = this.#replace(item, { attempts: item.attempts + 1 })
    try {
      const message = await this.deliver(attempting)
      this.#failures = 0
      const sent = this.#replace(attempting, { state: 'sent', error: null, message })
      this.#forget(sent.clientId)
      this.emit('sent', sent)
      this.#settle(sent)
      this.#trimSent()
      return true
    } catch (cause) {
      this.#hold(attempting)
      let error = clientError(cause)
      if (error.code === 'attachment_gone' && !uploadedAgain) {
        try {
          const again = await this.#uploadAgain(attempting, goneIds(attempting, error))
          // Discarded meanwhile: nothing more to send.
          if (again) return !this.get(again.clientId) || this.#attempt(again, true)
        } catch (cause) {
          // An upload that could not reach the server leaves the item pending; one refused, failed as gone.
          if (clientError(cause).retryable) error = clientError(cause)
        }
      }
      if (error.retryable) {
        const summary = { code: error.code, status: error.status, message: error.message }
        this.#retryAfter = error.retryAfter
        this.#replace(this.get(item.clientId) ?? attempting, { error: summary })
        return false
      }
      const current = this.get(item.clientId) ?? attempting
      const failed = this.#replace(current, { state: 'failed', ...refusal(current, error) })
      this.emit('failed', failed)
      this.#settle(failed)
      return true
    }
  }

  /**
   * Uploads again the files the server swept before `item` went, where they are all held: the item with the new
   * uploads in their places (kept as each is made, so a retry does not make it twice), or null.
   */
  async #uploadAgain(item: OutboxItem, gone: number[]): Promise<OutboxItem | null> {
    const files = this.#files.get(item.clientId)
    if (!this.upload || !files || !gone.every((id) => files.has(id))) return null
    for (const id of gone) {
      const file = files.get(id)!
      const name = item.fileNames?.[id]
      const fresh = (await this.upload(item.chatId, file, name)).id
      files.set(fresh, file)
      item = this.#replace(item, {
        attachmentIds: item.attachmentIds.map((old) => (old === id ? fresh : old)),
        fileNames: name ? { ...item.fileNames, [fresh]: name } : item.fileNames,
        uploadedAgain: { ...item.uploadedAgain, [fresh]: item.uploadedAgain?.[id] ?? id },
      })
    }
    return item
  }

  /** Keeps the bytes of an item that did not go at once in storage.files (once), within the caps. */
  #hold(item: OutboxItem): void {
    const files = this.#files.get(item.clientId)
    if (!files || this.#stored.has(item.clientId)) return
    const { maxFileBytes = 10 * MIB, maxTotalBytes = 50 * MIB } = this.options.heldFiles ?? {}
    const room = maxTotalBytes - [...this.#stored.values()].reduce((sum, size) => sum + size, 0)
    const kept = new Map<number, Blob>()
    let size = 0
    for (const id of item.attachmentIds) {
      const file = files.get(id)
      if (file && file.size <= maxFileBytes && size + file.size <= room) {
        kept.set(id, file)
        size += file.size
      }
    }
    if (kept.size === 0) return
    this.#stored.set(item.clientId, size)
    this.#file((store) => store.save(item.clientId, kept))
  }

  /** Lets go of the bytes of an item sent or discarded. */
  #forget(clientId: string): void {
    this.#files.delete(clientId)
    if (this.#stored.delete(clientId)) this.#file((store) => store.delete(clientId))
  }

  #file(write: (store: OutboxFileStorage) => Promise<void>): void {
    const store = this.options.storage?.files
    if (store) this.#filing = this.#filing.then(() => write(store)).catch(() => {})
  }

  #scheduleRetry(): void {
    if (this.#closed) return
    clearTimeout(this.#timer)
    const delay = Math.max(backoffDelay(this.#failures++, this.options.retry), (this.#retryAfter ?? 0) * 1000)
    this.#timer = setTimeout(() => void this.flush(), delay)
  }

  /** Items are replaced, never mutated, so a UI can compare them by identity. */
  #replace(item: OutboxItem, patch: Partial<OutboxItem>): OutboxItem {
    const next = { ...item, ...patch }
    const index = this.#list.findIndex((i) => i.clientId === item.clientId)
    if (index >= 0) this.#list[index] = next
    this.#changed(next)
    return next
  }

  #settle(item: OutboxItem): void {
    const waiters = this.#settleWaiters.get(item.clientId)
    this.#settleWaiters.delete(item.clientId)
    for (const resolve of waiters ?? []) resolve(item)
  }

  #trimSent(): void {
    const keep = this.options.keepSent ?? 50
    const sent = this.#list.filter((i) => i.state === 'sent')
    if (sent.length <= keep) return
    const drop = new Set(sent.slice(0, sent.length - keep))
    this.#list = this.#list.filter((i) => !drop.has(i))
  }

  #changed(item: OutboxItem): void {
    this.emit('change', { item, items: this.items })
    void this.#save()
  }

  async #load(): Promise<void> {
    const storage = this.options.storage
    if (!storage) return
    const kept = loadFiles(storage.files)
    let stored: OutboxItem[] | null | undefined
    try {
      stored = await storage.load()
    } catch {}
    const valid = (stored ?? []).filter(isItem).map((i) => ({
      ...i,
      replyToId: i.replyToId ?? null,
      mentionIds: i.mentionIds ?? [],
      mentionsEveryone: i.mentionsEveryone === true,
      attachmentIds: i.attachmentIds ?? [],
      attachments: Array.isArray(i.attachments) ? i.attachments : undefined,
    }))
    const known = new Set(this.#list.map((i) => i.clientId))
    const restored = valid.filter((i) => !known.has(i.clientId) && i.state !== 'sent')
    for (const [clientId, files] of await kept) {
      const item = restored.find((i) => i.clientId === clientId)
      if (item) this.#restoreFiles(item, files)
      // Its item was sent or discarded by a page that could not delete them.
      else this.#file((store) => store.delete(clientId))
    }
    if (restored.length === 0) return
    this.#list = [...restored, ...this.#list]
    for (const item of restored) this.emit('change', { item, items: this.items })
  }

  /** The bytes storage.files kept of a restored item, under its ids now and those it was first sent with. */
  #restoreFiles(item: OutboxItem, kept: Map<number, Blob>): void {
    const files = new Map(kept)
    for (const [fresh, first] of Object.entries(item.uploadedAgain ?? {})) {
      const file = kept.get(Number(fresh)) ?? kept.get(first)
      if (file) files.set(Number(fresh), file).set(first, file)
    }
    this.#files.set(item.clientId, files)
    this.#stored.set(
      item.clientId,
      [...kept.values()].reduce((sum, file) => sum + file.size, 0),
    )
  }

  /** Saves run one after another, so the last state written is the last state. */
  #save(): Promise<void> {
    const storage = this.options.storage
    if (!storage) return this.#saving
    this.#saving = this.#saving
      .then(() => this.loaded)
      .then(() => {
        const unsent = this.#list.filter((i) => i.state !== 'sent' && i.body.length <= MAX_BODY_FOR_STORAGE)
        return storage.save(unsent)
      })
      .catch(() => {})
    return this.#saving
  }
}

/** What storage.files kept, or nothing where it refuses or does not answer within 3 s (it must not hold up the outbox). */
async function loadFiles(store: OutboxFileStorage | undefined): Promise<Map<string, Map<number, Blob>>> {
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(reject, 3000)
    })
    return (await Promise.race([store?.load(), late])) ?? new Map()
  } catch {
    return new Map()
  } finally {
    clearTimeout(timer)
  }
}

function clientError(cause: unknown): PalaverClientError {
  return cause instanceof PalaverClientError
    ? cause
    : new PalaverClientError('network', String((cause as Error)?.message ?? cause), { cause })
}

/** The files of `item` an attachment_gone refusal says are gone. */
function goneIds(item: OutboxItem, error: PalaverClientError): number[] {
  const named = (error.details as { attachmentIds?: unknown } | undefined)?.attachmentIds
  // A server that did not say which: none of them can be trusted to be there.
  return Array.isArray(named) ? item.attachmentIds.filter((id) => named.includes(id)) : item.attachmentIds
}

/** What a refusal changes in an item: its error, and without the files the server said are gone. */
function refusal(item: OutboxItem, error: PalaverClientError): Pick<OutboxItem, 'error' | 'attachmentIds'> {
  const summary = { code: error.code, status: error.status, message: error.message }
  if (error.code !== 'attachment_gone') return { error: summary, attachmentIds: item.attachmentIds }
  const gone = goneIds(item, error)
  return {
    error: { ...summary, attachmentIds: gone },
    attachmentIds: item.attachmentIds.filter((id) => !gone.includes(id)),
  }
}

/** A stored item as this version reads it; one stored before replies (mentions, files) existed has none. */
function isItem(value: unknown): value is Omit<
  OutboxItem,
  'replyToId' | 'mentionIds' | 'mentionsEveryone' | 'attachmentIds'
> & {
  replyToId?: number | null
  mentionIds?: string[]
  mentionsEveryone?: boolean
  attachmentIds?: number[]
} {
  const item = value as Partial<OutboxItem> | null
  return (
    typeof item === 'object' &&
    item !== null &&
    typeof item.clientId === 'string' &&
    typeof item.chatId === 'number' &&
    typeof item.body === 'string' &&
    (item.replyToId == null || typeof item.replyToId === 'number') &&
    (item.mentionIds == null ||
      (Array.isArray(item.mentionIds) && item.mentionIds.every((id) => typeof id === 'string'))) &&
    (item.attachmentIds == null ||
      (Array.isArray(item.attachmentIds) && item.attachmentIds.every((id) => Number.isSafeInteger(id)))) &&
    (item.state === 'pending' || item.state === 'failed' || item.state === 'sent')
  )
}

/**
 * Keeps the outbox in `localStorage` under `key`, and the bytes of its waiting sends' files in the IndexedDB
 * database of that name (nothing is kept where there is none). The tabs of a site share the key: each replaces
 * only the items it holds (those it loaded and those it wrote), so that one tab's save never drops what another
 * tab is still sending, or left unsent when it closed.
 */
export function localStorageOutbox(key = 'palaver:outbox'): OutboxStorage {
  const storage = () => (globalThis as { localStorage?: Storage }).localStorage
  const held = new Set<string>()
  const read = (store: Storage | undefined): OutboxItem[] => {
    const text = store?.getItem(key)
    const value: unknown = text ? JSON.parse(text) : []
    return Array.isArray(value) ? value.filter((item) => typeof item?.clientId === 'string') : []
  }
  return {
    files: indexedDbFiles(key),
    load() {
      const items = read(storage())
      for (const item of items) held.add(item.clientId)
      return items
    },
    save(items) {
      const store = storage()
      if (!store) return
      let others: OutboxItem[] = []
      try {
        others = read(store).filter((item) => !held.has(item.clientId))
      } catch {}
      for (const item of items) held.add(item.clientId)
      // In the order they were written, whichever tab wrote them: a page loaded later sends them so.
      const all = [...others, ...items].sort((a, b) => a.createdAt - b.createdAt)
      if (all.length === 0) store.removeItem(key)
      else store.setItem(key, JSON.stringify(all))
    },
  }
}
