import { css, html, LitElement, nothing } from 'lit'
import type { UserView } from '../../client/index.js'
import { type Translator, translator } from '../i18n/index.js'
import { icons } from '../icons.js'
import { base, controls, popup, spinner } from '../theme.js'
import { palaverUrl } from '../urls.js'
import { fileNameStyles } from './attachments.js'
import { type MemberSearch, MentionSuggestions } from './mentions.js'
import { type FileLimits, renderTray, trayStyles, type Uploader, UploadTray } from './uploads.js'

/**
 * The message box: Enter sends, Shift+Enter starts a new line; it grows with its text up to a few
 * lines, counts characters near the limit, and fires `palaver-send` ({body, mentionIds, attachments})
 * and `palaver-typing`. With `members`, an `@` opens a list of the members to mention (a listbox the
 * text box drives, as in the ARIA combobox pattern): the arrows move, Enter or Tab picks, Escape closes.
 * With `files` and `upload`, files come from the paperclip, a paste or `addFiles` (a drop): each
 * uploads at once into the tray above the box, and the message waits until they are all there.
 */
export class PalaverComposer extends LitElement {
  static override properties = {
    i18n: { attribute: false },
    maxLength: { type: Number, attribute: 'max-length' },
    disabled: { type: Boolean },
    members: { attribute: false },
    files: { attribute: false },
    upload: { attribute: false },
    value: { state: true },
  }

  declare i18n: Translator
  declare maxLength: number
  declare disabled: boolean
  /** Who an @query suggests; null: no suggestions. */
  declare members: MemberSearch | null
  /** What files a message may carry; null: none (no paperclip). */
  declare files: FileLimits | null
  declare upload: Uploader | null
  declare value: string

  private readonly tray = new UploadTray(
    this,
    () => (this.disabled ? null : this.files),
    () => this.upload,
    () => this.i18n,
  )

  private readonly mentions = new MentionSuggestions(
    this,
    () => (this.disabled ? null : this.members),
    (user) => this.choose(user),
  )

  constructor() {
    super()
    this.i18n = translator('en')
    this.maxLength = 4000
    this.disabled = false
    this.members = null
    this.files = null
    this.upload = null
    this.value = ''
  }

  static override styles = [
    base,
    controls,
    popup,
    spinner,
    fileNameStyles,
    trayStyles,
    css`
      :host {
        display: block;
      }
      .popup {
        top: auto;
        bottom: calc(100% - 4px);
        inset-inline: 12px;
        max-height: min(18em, 40vh);
        margin: 0;
        padding: 4px;
        overflow-y: auto;
        list-style: none;
      }
      [role='option'] {
        display: flex;
        align-items: center;
        gap: 10px;
        padding: 6px 8px;
        border-radius: 8px;
        cursor: pointer;
      }
      [role='option']:hover {
        background: var(--palaver-surface);
      }
      [aria-selected='true'] {
        background: var(--palaver-accent-soft);
      }
      [role='option'] img {
        flex: none;
        border-radius: 50%;
      }
      .who {
        min-width: 0;
        overflow: hidden;
        white-space: nowrap;
        text-overflow: ellipsis;
      }
      .who small {
        margin-inline-start: 2px;
        color: var(--palaver-muted);
        font-size: 0.85em;
      }
      form {
        display: flex;
        flex-wrap: wrap;
        align-items: flex-end;
        gap: 8px;
        padding: 10px 12px 12px;
      }
      .tray,
      .tray-notice {
        flex: 1 0 100%;
        min-width: 0;
      }
      .attach {
        flex: none;
        width: 40px;
        height: 40px;
      }
      .attach svg {
        width: 22px;
        height: 22px;
      }
      .field {
        flex: 1;
        min-width: 0;
        display: flex;
        flex-direction: column;
        background: var(--palaver-surface);
        border: 1px solid var(--palaver-border);
        border-radius: 20px;
        transition: border-color 120ms ease, box-shadow 120ms ease;
      }
      .field:focus-within {
        border-color: var(--palaver-accent);
        box-shadow: 0 0 0 3px color-mix(in srgb, var(--palaver-accent) 22%, transparent);
      }
      textarea {
        display: block;
        width: 100%;
        min-height: 40px;
        max-height: 160px;
        margin: 0;
        padding: 9px 14px;
        border: 0;
        background: transparent;
        color: var(--palaver-fg);
        font: inherit;
        line-height: 1.4;
        resize: none;
        overflow-y: auto;
      }
      textarea:focus {
        outline: none;
      }
      textarea::placeholder {
        color: var(--palaver-muted);
        opacity: 1;
      }
      .counter {
        align-self: flex-end;
        padding: 0 14px 6px;
        font-size: 0.78em;
        color: var(--palaver-muted);
      }
      .counter.over {
        color: var(--palaver-danger);
        font-weight: 600;
      }
      .send {
        flex: none;
        width: 40px;
        height: 40px;
        padding: 0;
        border-radius: 999px;
      }
      .send svg {
        width: 20px;
        height: 20px;
      }
      :host(:dir(rtl)) .send svg {
        transform: scaleX(-1);
      }
    `,
  ]

  override focus(): void {
    this.textarea?.focus()
  }

  private get textarea(): HTMLTextAreaElement | null {
    return this.renderRoot.querySelector('textarea')
  }

  private get length(): number {
    return [...this.value].length
  }

  private get sendable(): boolean {
    const something = this.value.trim().length > 0 || this.tray.ready.length > 0
    return !this.disabled && something && !this.tray.busy && this.length <= this.maxLength
  }

  /** Files dropped on the conversation (or chosen anyhow): they upload into the tray. */
  addFiles(files: Iterable<File>): void {
    this.tray.add(files)
  }

  override render() {
    const t = this.i18n
    const left = this.maxLength - this.length
    const showCounter = left < Math.min(200, this.maxLength * 0.1)
    const mentions = this.mentions
    const files = this.disabled ? null : this.files
    return html`<form part="composer" @submit=${this.onSubmit}>
      ${mentions.open ? this.renderMentions() : nothing}
      <span class="visually-hidden" role="status">${mentions.open ? t.plural('mentionsFound', mentions.options.length) : ''}</span>
      ${files ? renderTray(this.tray, t, (key) => void this.removeFile(key)) : nothing}
      ${
        files
          ? html`<button type="button" class="icon-button attach" part="attach" aria-label=${t.t('attachFiles')}
              title=${t.t('attachFiles')} @click=${this.pickFiles}>${icons.paperclip}</button>
            <input type="file" multiple hidden accept=${files.types.join(',')} @change=${this.onChosen} />`
          : nothing
      }
      <div class="field">
        <textarea
          part="composer-input"
          rows="1"
          dir=${this.value ? 'auto' : this.i18n.dir}
          aria-label=${t.t('composerLabel')}
          aria-describedby="hint counter"
          placeholder=${t.t('composerPlaceholder')}
          .value=${this.value}
          ?disabled=${this.disabled}
          aria-invalid=${left < 0 ? 'true' : 'false'}
          aria-autocomplete=${this.members ? 'list' : nothing}
          aria-controls=${mentions.open ? 'mentions' : nothing}
          aria-activedescendant=${mentions.open ? `mention-${mentions.active}` : nothing}
          @input=${this.onInput}
          @paste=${this.onPaste}
          @keydown=${this.onKey}
          @keyup=${this.onCaret}
          @click=${this.onCaret}
          @blur=${() => mentions.close()}
        ></textarea>
        <span id="hint" class="visually-hidden">${t.t('composerHint')}</span>
        <span id="counter" class="counter ${left < 0 ? 'over' : ''}" aria-live="polite" ?hidden=${!showCounter}>
          ${showCounter ? (left < 0 ? t.plural('tooLong', -left) : t.plural('charactersLeft', left)) : nothing}
        </span>
      </div>
      <button type="submit" class="button send" part="send" aria-label=${t.t('send')} title=${t.t('send')} ?disabled=${!this.sendable}>
        ${icons.send}
      </button>
    </form>`
  }

  private renderMentions() {
    const { options, active } = this.mentions
    // A press on an option keeps the focus in the text box.
    return html`<ul id="mentions" class="popup" role="listbox" part="mention-list" aria-label=${this.i18n.t('mentionPeople')}
      @pointerdown=${(event: Event) => event.preventDefault()}>
      ${options.map(
        (user, i) => html`<li id="mention-${i}" role="option" aria-selected=${i === active ? 'true' : 'false'}
          @click=${() => this.choose(user)}>
          <img src=${palaverUrl(user.avatarUrl)} alt="" width="28" height="28" />
          <span class="who" dir="auto">${user.displayName} <small>@${user.username}</small></span>
        </li>`,
      )}
    </ul>`
  }

  override updated(): void {
    this.fit()
    this.renderRoot.querySelector('[aria-selected="true"]')?.scrollIntoView({ block: 'nearest' })
  }

  /** Puts the picked member's name in place of the @query, the caret after it. */
  private async choose(user: UserView): Promise<void> {
    const area = this.textarea
    const picked = area && this.mentions.pick(area.value, user)
    if (!picked) return
    this.value = picked.text
    await this.updateComplete
    area.setSelectionRange(picked.caret, picked.caret)
    area.focus()
  }

  private onCaret(event: Event): void {
    const area = event.target as HTMLTextAreaElement
    if (event.type === 'click' || /^(Arrow(Left|Right)|Home|End)$/.test((event as KeyboardEvent).key))
      this.mentions.follow(area.value, area.selectionStart)
  }

  private fit(): void {
    const area = this.textarea
    if (!area) return
    area.style.height = 'auto'
    area.style.height = `${Math.min(area.scrollHeight, 160)}px`
  }

  private onInput(event: InputEvent): void {
    const area = event.target as HTMLTextAreaElement
    this.value = area.value
    this.mentions.follow(area.value, area.selectionStart)
    if (this.value.trim()) this.dispatchEvent(new CustomEvent('palaver-typing', { bubbles: false }))
  }

  private onKey(event: KeyboardEvent): void {
    if (this.mentions.key(event)) return
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault()
      this.submit()
    }
  }

  private readonly pickFiles = () =>
    this.renderRoot.querySelector<HTMLInputElement>('input[type=file]')?.click()

  private onChosen(event: Event): void {
    const input = event.target as HTMLInputElement
    this.tray.add(input.files ?? [])
    // The same file chosen again is a change too.
    input.value = ''
  }

  /** A pasted picture or file goes to the tray; pasted text stays text. */
  private onPaste(event: ClipboardEvent): void {
    const files = event.clipboardData?.files
    if (!this.files || !files?.length) return
    event.preventDefault()
    this.tray.add(files)
  }

  /** Removes a file from the tray; the focus goes to the next file's Remove, else to the text box. */
  private async removeFile(key: number): Promise<void> {
    const index = this.tray.items.findIndex((item) => item.key === key)
    this.tray.remove(key)
    await this.updateComplete
    ;(this.renderRoot.querySelectorAll<HTMLElement>('.chip-remove')[index] ?? this.textarea)?.focus()
  }

  private onSubmit(event: Event): void {
    event.preventDefault()
    this.submit()
  }

  private submit(): void {
    if (!this.sendable) return
    const body = this.value
    this.value = ''
    this.mentions.close()
    const mentionIds = this.mentions.take(body)
    const attachments = this.tray.ready
    this.tray.clear()
    this.dispatchEvent(new CustomEvent('palaver-send', { detail: { body, mentionIds, attachments } }))
    this.focus()
  }
}
