import { type AttachmentView, type Connection, Emitter, type MessageView } from '../../client/index.js'
import type { Mentionable } from '../text.js'
import { parse, type SavedDraft, safely } from './saved-drafts.js'
import { UploadTray } from './uploads.js'

/** Changes are written to storage this long after the first of them, not on every key. */
const SAVE_DELAY_MS = 300

/**
 * What the viewer is writing in one chat: the text, the members picked from the @ list, the message it
 * answers and the files in its tray, whose uploads go on while no composer shows them. It lives as long
 * as the page; its book keeps it in storage for the next one. `change` tells the composer showing it.
 */
export class Draft extends Emitter<{ change: undefined }> {
  text = ''
  /** The members picked from the @ list (the text may still hold their names). */
  mentions: Mentionable[] = []
  replyTo: MessageView | null = null
  readonly tray = new UploadTray()
  /** A composer showing it has the focus: what another tab writes waits, never replacing text under the cursor. */
  editing = false
  /** Another tab wrote it while it was being written here, and nothing was written here since. */
  behind = false
  #checked = false
  /** Taking what another tab wrote: a change to show, not to write back. */
  #taking = false
  #address: ((file: AttachmentView) => string) | null = null

  constructor(
    readonly chatId = 0,
    private readonly book: DraftBook | null = null,
    saved: SavedDraft | null = null,
  ) {
    super()
    if (saved) this.take(saved)
    this.tray.on('change', () => this.#changed())
  }

  /** Whether the chat list says there is a draft: some text, or files. */
  get listed(): boolean {
    return this.text.trim() !== '' || this.tray.items.length > 0
  }

  write(text: string, mentions: readonly Mentionable[]): void {
    const same = (a: readonly Mentionable[], b: readonly Mentionable[]) =>
      a.length === b.length && a.every((user, i) => user.id === b[i]!.id)
    if (text === this.text && same(mentions, this.mentions)) return
    this.text = text
    this.mentions = [...mentions]
    this.#changed()
  }

  answer(message: MessageView | null): void {
    if (message === this.replyTo) return
    this.replyTo = message
    this.#changed()
  }

  /** The message went (or everything was taken out). */
  clear(): void {
    this.text = ''
    this.mentions = []
    this.replyTo = null
    this.tray.clear()
    this.#changed()
  }

  /**
   * What storage holds (null: nothing), as another tab (or the last page) left it. Uploaded files stay as
   * they are here when it holds them too; one that failed here stays (storage never had it).
   */
  take(saved: SavedDraft | null): void {
    this.#taking = true
    this.text = saved?.text ?? ''
    this.mentions = saved?.mentions ?? []
    this.replyTo = saved?.replyTo ?? null
    const files = saved?.files ?? []
    const ids = files.map((f) => f.attachment.id)
    for (const item of this.tray.items)
      if (item.state === 'done' && !ids.includes(item.attachment!.id)) this.tray.remove(item.key)
    const here = this.tray.ready.map((file) => file.id)
    this.tray.restore(files.filter((f) => !here.includes(f.attachment.id)))
    this.#thumbnails()
    this.#changed()
    this.#taking = false
    this.behind = false
  }

  /** The focus left the composer; `away`: the page too (another tab), so what another tab wrote meanwhile shows now. */
  leave(away: boolean): void {
    this.editing = false
    if (away && this.behind) this.book?.reread(this.chatId)
  }

  /**
   * Once, for files put back after a reload: a picture's thumbnail from its `address`, and those the
   * server no longer `keeps` drop out without a word.
   */
  async check(keeps: (file: AttachmentView) => Promise<boolean>, address: (file: AttachmentView) => string) {
    this.#address = address
    if (this.#checked) return
    this.#checked = true
    const restored = this.tray.items.filter((item) => item.file === null && item.attachment)
    if (restored.length === 0) return
    this.#thumbnails()
    this.#changed()
    const kept = await Promise.all(restored.map((item) => keeps(item.attachment!)))
    restored.forEach((item, i) => {
      if (!kept[i]) this.tray.remove(item.key)
    })
  }

  /** What storage keeps of it; null when that is nothing. */
  saved(): SavedDraft | null {
    const files = this.tray.items.flatMap((item) =>
      item.attachment && item.uploadedAt !== null
        ? [{ attachment: item.attachment, uploadedAt: item.uploadedAt }]
        : [],
    )
    if (!this.text.trim() && !this.replyTo && files.length === 0) return null
    return { text: this.text, mentions: this.mentions, replyTo: this.replyTo, files }
  }

  /** A put-back picture shows the uploaded file (once the address is known). */
  #thumbnails(): void {
    for (const item of this.tray.items)
      if (this.#address && item.file === null && item.attachment?.width != null)
        item.preview ??= this.#address(item.attachment)
  }

  #changed(): void {
    this.emit('change', undefined)
    if (!this.#taking) this.behind = false
    this.book?.changed(this, !this.#taking)
  }
}

/**
 * One viewer's drafts under one base path, for the page's lifetime: each chat's is made on first use
 * (or read from storage at start) and written back a moment after it changes; while a widget `follow`s
 * it, the site's other tabs' changes come in too. `change` says that a chat's line in the list (its text,
 * its files) changed. Storage that is missing, refused or full only means that the drafts live as long
 * as the page.
 */
export class DraftBook extends Emitter<{ change: { chatId: number } }> {
  readonly #drafts = new Map<number, Draft>()
  /** What each draft showed in the list when last told. */
  readonly #lines = new Map<number, string>()
  readonly #unsaved = new Set<Draft>()
  #timer: ReturnType<typeof setTimeout> | undefined
  #followers = 0

  constructor(
    readonly prefix: string,
    private readonly storage: () => Storage | null | undefined = () => globalThis.localStorage,
    /** Where another tab's `storage` events come (the window). */
    private readonly events:
      | Pick<Window, 'addEventListener' | 'removeEventListener'>
      | undefined = globalThis,
  ) {
    super()
    for (const key of this.#keys()) {
      const chatId = Number(key.slice(prefix.length))
      const saved = Number.isInteger(chatId) && chatId > 0 ? parse(this.#read(key)) : null
      const draft = saved && new Draft(chatId, this, saved)
      if (draft?.saved()) this.#drafts.set(chatId, draft)
      else this.#write(key, null)
    }
  }

  /** The chat's draft, made empty if it has none. */
  draft(chatId: number): Draft {
    let draft = this.#drafts.get(chatId)
    if (!draft) this.#drafts.set(chatId, (draft = new Draft(chatId, this)))
    return draft
  }

  /** Drops the chat's draft (the viewer may no longer write there). */
  forget(chatId: number): void {
    this.#drafts.get(chatId)?.clear()
  }

  /** The chat's draft if it has one worth showing in the list. */
  listed(chatId: number): Draft | null {
    const draft = this.#drafts.get(chatId)
    return draft?.listed ? draft : null
  }

  /**
   * Keeps the drafts current while a widget shows them (returns the release): what the site's other tabs
   * write (all read again for the first widget: nobody listened before), and a reply whose message the
   * `connection` says was deleted drops at once, not when that message loads.
   */
  follow(connection: Pick<Connection, 'on'>): () => void {
    if (this.#followers++ === 0) {
      this.events?.addEventListener?.('storage', this.#heard)
      this.#rereadAll()
    }
    const off = connection.on('event', (event) => {
      const draft = event.type === 'message.deleted' && this.#drafts.get(event.data.chatId)
      if (draft && draft.replyTo?.id === event.data.messageId) draft.answer(null)
    })
    return () => {
      off()
      if (--this.#followers === 0) this.events?.removeEventListener?.('storage', this.#heard)
    }
  }

  /** Takes what storage holds for the chat, unless this tab's draft has changes not written yet or is being written. */
  reread(chatId: number): void {
    if (!Number.isInteger(chatId) || chatId <= 0) return
    const value = this.#read(this.prefix + chatId)
    const draft = this.#drafts.get(chatId)
    const mine = draft?.saved()
    if (value === (mine ? JSON.stringify(mine) : null)) return
    if (draft && (draft.editing || draft.tray.busy || this.#unsaved.has(draft))) draft.behind = true
    else this.draft(chatId).take(parse(value))
  }

  /** `save`: false for what another tab wrote (the list shows it; storage has it). */
  changed(draft: Draft, save = true): void {
    const line = draft.listed ? `${draft.text}\u0000${draft.tray.items.length}` : ''
    if ((this.#lines.get(draft.chatId) ?? '') !== line) {
      this.#lines.set(draft.chatId, line)
      this.emit('change', { chatId: draft.chatId })
    }
    if (!save) return
    this.#unsaved.add(draft)
    this.#timer ??= setTimeout(() => this.flush(), SAVE_DELAY_MS)
  }

  /** Writes what changed now (the page is going away). */
  flush(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    for (const draft of this.#unsaved) {
      const saved = draft.saved()
      this.#write(this.prefix + draft.chatId, saved && JSON.stringify(saved))
    }
    this.#unsaved.clear()
  }

  /** Another tab changed a draft (or cleared the site's storage). */
  readonly #heard = (event: StorageEvent) => {
    if (event.key === null) this.#rereadAll()
    else if (event.key.startsWith(this.prefix)) this.reread(Number(event.key.slice(this.prefix.length)))
  }

  #rereadAll(): void {
    const stored = this.#keys().map((key) => Number(key.slice(this.prefix.length)))
    for (const chatId of new Set([...this.#drafts.keys(), ...stored])) this.reread(chatId)
  }

  #keys(): string[] {
    return safely([], () => {
      const storage = this.storage()
      const keys: string[] = []
      for (let i = 0; storage && i < storage.length; i++) {
        const key = storage.key(i)
        if (key?.startsWith(this.prefix)) keys.push(key)
      }
      return keys
    })
  }

  #read(key: string): string | null {
    return safely(null, () => this.storage()?.getItem(key) ?? null)
  }

  #write(key: string, value: string | null): void {
    safely(undefined, () => {
      const storage = this.storage()
      if (value === null) storage?.removeItem(key)
      else storage?.setItem(key, value)
    })
  }
}

const books = new Map<string, DraftBook>()

/** The drafts of `viewerId` under `basePath` on this page (two Palavers on a page, or two people in turn, never mix). */
export function draftsFor(basePath: string, viewerId: string): DraftBook {
  const prefix = `palaver:draft:${basePath}:${encodeURIComponent(viewerId)}:`
  let book = books.get(prefix)
  if (!book) {
    books.set(prefix, (book = new DraftBook(prefix)))
    const flush = book.flush.bind(book)
    globalThis.addEventListener?.('pagehide', flush)
  }
  return book
}
