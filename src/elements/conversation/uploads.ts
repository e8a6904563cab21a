import { css, html, nothing } from 'lit'
import { typeAccepted } from '../../attachments/types.js'
import {
  type AttachmentView,
  Emitter,
  type PalaverClientError,
  type UploadProgress,
} from '../../client/index.js'
import type { PalaverConfig } from '../config.js'
import { type Translator, translator } from '../i18n/index.js'
import { icons } from '../icons.js'
import { fileName } from './attachments.js'

/** What files a message may carry (GET /api/config/); null where attachments are off. */
export type FileLimits = NonNullable<PalaverConfig['attachments']>

/** Sends one file to the chat (`api.uploadAttachment`), to go with the next message, telling how much has gone. */
export type Uploader = (
  file: File,
  signal: AbortSignal,
  onProgress: UploadProgress,
) => Promise<AttachmentView>

export interface Upload {
  key: number
  name: string
  size: number
  /** What is sent; null for a file uploaded before a reload (a draft's), which is done already. */
  file: File | null
  /** A picture's thumbnail: an object URL (revoked when the upload leaves the tray), or the uploaded file's address. */
  preview: string | null
  state: 'uploading' | 'done' | 'failed'
  /** How much of the file has gone, in whole percent; null until the browser tells (a spinner meanwhile). */
  percent: number | null
  attachment: AttachmentView | null
  /** When the upload finished (the server keeps a file no message took for a day). */
  uploadedAt: number | null
  /** Why it failed, for the person (the server's words when it refused). */
  error: string | null
  /** Whether trying again may help (the network, not a refusal of the file itself). */
  retryable: boolean
  abort: AbortController | null
}

/** Whether a file's type is among the accepted patterns, as the server decides (it stores types in lower case; a file without one goes as application/octet-stream). */
export function accepts(types: readonly string[], type: string): boolean {
  return typeAccepted(type.toLowerCase() || 'application/octet-stream', types)
}

/** What the tray asks of the composer that shows it. */
export interface TraySource {
  /** What files a message may carry now; null: none. */
  limits(): FileLimits | null
  uploader(): Uploader | null
  i18n(): Translator
}

const nowhere: TraySource = { limits: () => null, uploader: () => null, i18n: () => translator('en') }

let keys = 0

/**
 * The file this page uploaded as an attachment, while the attachment is held (the tray's, then its pending
 * send's): a send whose upload the server swept meanwhile uploads it again. Keyed by the attachment object,
 * so nothing is shared between widgets and nothing outlives what holds it.
 */
export const uploadedFile = new WeakMap<AttachmentView, File>()

/**
 * The files waiting to go with the next message: each uploads as soon as it is added (after a
 * check of its size and type against the site's limits), and can be retried or removed. It belongs
 * to a draft, not to an element: uploads go on while no composer shows it, and `change` tells the
 * one that does.
 */
export class UploadTray extends Emitter<{ change: undefined }> {
  items: Upload[] = []
  /** Said when some files were left out (more than a message may carry). */
  notice = ''
  /** The composer showing the tray; the last one stays for the uploads that end while none does. */
  source: TraySource = nowhere

  /** Whether an upload is still on its way (the message waits for it). */
  get busy(): boolean {
    return this.items.some((item) => item.state === 'uploading')
  }

  /** The uploaded files, in the order added. */
  get ready(): AttachmentView[] {
    return this.items.flatMap((item) => (item.attachment ? [item.attachment] : []))
  }

  add(files: Iterable<File>): void {
    const limits = this.source.limits()
    if (!limits) return
    const given = [...files]
    const room = Math.max(0, limits.perMessage - this.items.length)
    this.notice = given.length > room ? this.source.i18n().plural('tooManyFiles', limits.perMessage) : ''
    for (const file of given.slice(0, room)) {
      const item: Upload = {
        key: ++keys,
        name: file.name,
        size: file.size,
        file,
        preview: file.type.startsWith('image/') ? URL.createObjectURL(file) : null,
        state: 'failed',
        percent: null,
        attachment: null,
        uploadedAt: null,
        error: this.#refusal(file, limits),
        retryable: false,
        abort: null,
      }
      this.items = [...this.items, item]
      if (!item.error) this.#start(item)
    }
    this.#changed()
  }

  remove(key: number): void {
    const item = this.items.find((i) => i.key === key)
    if (!item) return
    this.#release(item)
    this.items = this.items.filter((i) => i !== item)
    this.notice = ''
    this.#changed()
  }

  /** Puts back files uploaded before a reload (a draft's): done, with no File behind them. */
  restore(files: ReadonlyArray<{ attachment: AttachmentView; uploadedAt: number }>): void {
    const restored = files.map(
      ({ attachment, uploadedAt }): Upload => ({
        key: ++keys,
        name: attachment.name,
        size: attachment.size,
        file: null,
        preview: null,
        state: 'done',
        percent: null,
        attachment,
        uploadedAt,
        error: null,
        retryable: false,
        abort: null,
      }),
    )
    this.items = [...this.items, ...restored]
    this.#changed()
  }

  retry(key: number): void {
    const item = this.items.find((i) => i.key === key)
    if (item?.state === 'failed' && item.retryable) this.#start(item)
  }

  /** Empties the tray (the message went, or the chat changed). */
  clear(): void {
    for (const item of this.items) this.#release(item)
    this.items = []
    this.notice = ''
    this.#changed()
  }

  #changed(): void {
    this.emit('change', undefined)
  }

  /** Why the site would refuse a file, checked before it is sent. */
  #refusal(file: File, limits: FileLimits): string | null {
    const t = this.source.i18n()
    if (file.size > limits.maxSize) return t.t('fileTooBig', { size: t.fileSize(limits.maxSize) })
    if (!accepts(limits.types, file.type)) return t.t('fileTypeRefused')
    return null
  }

  #start(item: Upload): void {
    const upload = this.source.uploader()
    const file = item.file
    if (!upload || !file) return
    const abort = new AbortController()
    Object.assign(item, { state: 'uploading', percent: null, error: null, retryable: false, abort })
    this.#changed()
    upload(file, abort.signal, (loaded, total) => this.#progress(item, abort, loaded, total)).then(
      (attachment) => {
        uploadedFile.set(attachment, file)
        this.#settle(item, abort, { state: 'done', attachment, uploadedAt: Date.now() })
      },
      (error: PalaverClientError) => {
        const t = this.source.i18n()
        const refused = error.status === 400 || error.status === 413
        this.#settle(item, abort, {
          state: 'failed',
          error:
            error.status === 413
              ? t.t('fileTooBig', { size: t.fileSize(this.source.limits()?.maxSize ?? 0) })
              : error.message,
          retryable: !refused && error.status !== 403,
        })
      },
    )
  }

  /** Draws the tray again only when the whole percent changed: a fast upload tells of every few kilobytes. */
  #progress(item: Upload, abort: AbortController, loaded: number, total: number): void {
    const percent = total > 0 ? Math.floor((loaded / total) * 100) : null
    if (item.abort !== abort || percent === item.percent) return
    item.percent = percent
    this.#changed()
  }

  #settle(item: Upload, abort: AbortController, result: Partial<Upload>): void {
    // Removed meanwhile (or started again): nothing to show.
    if (item.abort !== abort || abort.signal.aborted) return
    Object.assign(item, result, { abort: null })
    this.items = [...this.items]
    this.#changed()
  }

  #release(item: Upload): void {
    item.abort?.abort()
    if (item.preview?.startsWith('blob:')) URL.revokeObjectURL(item.preview)
  }
}

/** The tray above the message box: a chip per file with its thumbnail or icon, its state, Retry and Remove. */
export function renderTray(tray: UploadTray, t: Translator, remove: (key: number) => void) {
  const items = tray.items
  const errors = items.filter((item) => item.error).map((item) => `${item.name}: ${item.error}`)
  return html`<span class="visually-hidden" role="status">${[tray.notice, ...errors].join('. ')}</span>
    ${tray.notice ? html`<p class="tray-notice" part="attachment-notice">${tray.notice}</p>` : nothing}
    ${
      items.length
        ? html`<ul class="tray" part="attachment-tray">
            ${items.map(
              (item) => html`<li class="chip ${item.state}" data-key=${item.key}>
                <span class="chip-thumb">
                  ${item.preview && item.state !== 'failed' ? html`<img src=${item.preview} alt="" />` : icons.file}
                  ${item.state === 'uploading' ? renderProgress(item, t) : nothing}
                </span>
                <span class="chip-text">
                  ${fileName(item.name)}
                  <span class="chip-status" title=${item.error ?? nothing}>${item.error ?? t.fileSize(item.size)}</span>
                </span>
                ${
                  item.retryable
                    ? html`<button type="button" class="chip-retry" @click=${() => tray.retry(item.key)}>${t.t('retry')}</button>`
                    : nothing
                }
                <button type="button" class="icon-button chip-remove" aria-label=${t.t('removeFile', { name: item.name })}
                  title=${t.t('remove')} @click=${() => remove(item.key)}>${icons.close}</button>
              </li>`,
            )}
          </ul>`
        : nothing
    }`
}

/** How far a file's upload is: a ring filling up, or a spinner while the browser has not said. */
function renderProgress(item: Upload, t: Translator) {
  const name = t.t('uploadingFile', { name: item.name })
  if (item.percent === null) return html`<span class="spinner" role="img" aria-label=${name}></span>`
  return html`<span class="progress" role="progressbar" aria-label=${name} aria-valuemin="0" aria-valuemax="100"
    aria-valuenow=${item.percent} aria-valuetext=${t.percent(item.percent / 100)}>
    <svg viewBox="0 0 36 36" aria-hidden="true">
      <circle class="progress-track" cx="18" cy="18" r="15" />
      <circle class="progress-done" cx="18" cy="18" r="15" pathLength="100" stroke-dasharray="${item.percent} 100" />
    </svg>
  </span>`
}

/** The chips wrap into even columns (one on a phone), each shown whole with its Remove; past three rows the tray scrolls, the fourth peeking out. */
export const trayStyles = css`
  .tray {
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(min(12.5em, 100%), 1fr));
    gap: 6px;
    max-height: 13em;
    margin: 0;
    padding: 0;
    list-style: none;
    overflow-y: auto;
  }
  .chip {
    display: flex;
    align-items: center;
    gap: 8px;
    min-width: 0;
    padding: 5px;
    border: 1px solid var(--palaver-border);
    border-radius: 12px;
    background: var(--palaver-surface);
    font-size: 0.85em;
  }
  .chip.failed {
    border-color: var(--palaver-danger);
  }
  .chip-thumb {
    position: relative;
    flex: none;
    display: grid;
    place-items: center;
    width: 40px;
    height: 40px;
    border-radius: 8px;
    overflow: hidden;
    background: var(--palaver-surface-2);
    color: var(--palaver-muted);
  }
  .chip-thumb img {
    width: 100%;
    height: 100%;
    object-fit: cover;
  }
  .chip-thumb svg {
    width: 20px;
    height: 20px;
  }
  .chip-thumb .spinner {
    position: absolute;
  }
  .chip-thumb .progress {
    position: absolute;
    inset: 0;
    display: grid;
    place-items: center;
    background: color-mix(in srgb, var(--palaver-surface) 55%, transparent);
  }
  .chip-thumb .progress svg {
    width: 30px;
    height: 30px;
    transform: rotate(-90deg);
    fill: none;
    stroke-width: 4;
  }
  .progress-track {
    stroke: color-mix(in srgb, var(--palaver-muted) 35%, transparent);
  }
  .progress-done {
    stroke: var(--palaver-accent);
    stroke-linecap: round;
    transition: stroke-dasharray 120ms linear;
  }
  @media (prefers-reduced-motion: reduce) {
    .progress-done {
      transition: none;
    }
  }
  .chip-text {
    flex: 1;
    min-width: 0;
    display: flex;
    flex-direction: column;
  }
  .chip-status {
    color: var(--palaver-muted);
    font-size: 0.9em;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .failed .chip-status {
    display: -webkit-box;
    -webkit-box-orient: vertical;
    -webkit-line-clamp: 2;
    color: var(--palaver-danger);
    white-space: normal;
  }
  .chip-retry {
    flex: none;
    padding: 2px 4px;
    border: 0;
    background: none;
    color: var(--palaver-accent);
    font-weight: 600;
  }
  .chip-remove {
    flex: none;
    width: 28px;
    height: 28px;
  }
  .tray-notice {
    margin: 0;
    font-size: 0.8em;
    color: var(--palaver-danger);
  }
`
