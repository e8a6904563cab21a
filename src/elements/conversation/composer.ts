import { css, html, LitElement, nothing, type PropertyValues } from 'lit'
import { type Translator, translator } from '../i18n/index.js'
import { icons } from '../icons.js'
import { base, controls, popup, spinner } from '../theme.js'
import { fileNameStyles } from './attachments.js'
import { Draft } from './drafts.js'
import { type MemberSearch, MentionSuggestions, mentionListStyles, renderMentionList } from './mentions.js'
import { type FileLimits, renderTray, trayStyles, type Uploader, type UploadTray } from './uploads.js'

/** The markers Ctrl or ⌘ with a key puts around the selection (see renderBody's emphasis). */
const WRAP_MARKERS: Record<string, string | undefined> = { b: '*', i: '_' }

/**
 * The message box: Enter sends, Shift+Enter starts a new line, Ctrl or ⌘ with B or I wraps the selection
 * in * or _; it grows with its text up to a few
 * lines, counts characters near the limit, and fires `palaver-send` ({body, mentionIds, mentionsEveryone,
 * attachments})
 * and `palaver-typing`. With `members`, an `@` opens a list of the members to mention (a listbox the
 * text box drives, as in the ARIA combobox pattern): the arrows move, Enter or Tab picks, Escape closes.
 * With `files` and `upload`, files come from the paperclip, a paste or `addFiles` (a drop): each
 * uploads at once into the tray above the box, and the message waits until they are all there.
 * What it holds is its `draft` (the chat's, kept while the composer comes and goes; else one of its own):
 * the text, the members picked, the tray. `palaver-send` is cancelable: a refused send keeps it all.
 */
export class PalaverComposer extends LitElement {
  static override properties = {
    i18n: { attribute: false },
    maxLength: { type: Number, attribute: 'max-length' },
    disabled: { type: Boolean },
    members: { attribute: false },
    files: { attribute: false },
    upload: { attribute: false },
    draft: { attribute: false },
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
  /** The chat's draft; null: the composer keeps one of its own. */
  declare draft: Draft | null
  declare value: string

  readonly #own = new Draft()
  #offDraft: (() => void) | null = null
  /** Its text box has the focus (another composer may show the same draft). */
  #focused = false

  readonly #mentions = new MentionSuggestions(this, () => (this.disabled ? null : this.members))

  constructor() {
    super()
    this.i18n = translator('en')
    this.maxLength = 4000
    this.disabled = false
    this.members = null
    this.files = null
    this.upload = null
    this.draft = null
    this.value = ''
  }

  static override styles = [
    base,
    controls,
    popup,
    spinner,
    fileNameStyles,
    trayStyles,
    mentionListStyles,
    css`
      :host {
        display: block;
      }
      .popup {
        top: auto;
        bottom: calc(100% - 4px);
        inset-inline: 12px;
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
    this.#textarea?.focus()
  }

  override connectedCallback(): void {
    super.connectedCallback()
    this.#follow()
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    this.#offDraft?.()
    this.#offDraft = null
    this.#focused = false
  }

  get #current(): Draft {
    return this.draft ?? this.#own
  }

  get #tray(): UploadTray {
    return this.#current.tray
  }

  /** Shows the draft's text and tray, and draws again as its uploads go on (they went on without us), or another tab writes it. */
  #follow(): void {
    const draft = this.#current
    this.#offDraft?.()
    // The box kept the focus as it got another chat's draft.
    draft.editing ||= this.#focused
    const off = draft.on('change', () => this.requestUpdate())
    // Off screen, its text is under no cursor, unless another composer's box has the focus there.
    this.#offDraft = () => {
      off()
      if (this.#focused || !draft.editing) draft.leave(true)
    }
    draft.tray.source = {
      limits: () => (this.disabled ? null : this.files),
      uploader: () => this.upload,
      i18n: () => this.i18n,
    }
  }

  get #textarea(): HTMLTextAreaElement | null {
    return this.renderRoot.querySelector('textarea')
  }

  get #length(): number {
    return [...this.value].length
  }

  get #sendable(): boolean {
    const something = this.value.trim().length > 0 || this.#tray.ready.length > 0
    return !this.disabled && something && !this.#tray.busy && this.#length <= this.maxLength
  }

  /** Files dropped on the conversation (or chosen anyhow): they upload into the tray. */
  addFiles(files: Iterable<File>): void {
    this.#tray.add(files)
  }

  override render() {
    const t = this.i18n
    const left = this.maxLength - this.#length
    const showCounter = left < Math.min(200, this.maxLength * 0.1)
    const mentions = this.#mentions
    const files = this.disabled ? null : this.files
    return html`<form part="composer" @submit=${this.#onSubmit}>
      ${renderMentionList(mentions, t)}
      ${files ? renderTray(this.#tray, t, (key) => void this.#removeFile(key)) : nothing}
      ${
        files
          ? html`<button type="button" class="icon-button attach" part="attach" aria-label=${t.t('attachFiles')}
              title=${t.t('attachFiles')} @click=${this.#pickFiles}>${icons.paperclip}</button>
            <input type="file" multiple hidden accept=${files.types.join(',')} @change=${this.#onChosen} />`
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
          aria-controls=${mentions.listId ?? nothing}
          aria-activedescendant=${mentions.activeId ?? nothing}
          @input=${this.#onInput}
          @paste=${this.#onPaste}
          @keydown=${this.#onKey}
          @keyup=${mentions.onCaret}
          @click=${mentions.onCaret}
          @focus=${() => (this.#current.editing = this.#focused = true)}
          @blur=${this.#onBlur}
        ></textarea>
        <span id="hint" class="visually-hidden">${t.t('composerHint')}</span>
        <span id="counter" class="counter ${left < 0 ? 'over' : ''}" aria-live="polite" ?hidden=${!showCounter}>
          ${showCounter ? (left < 0 ? t.plural('tooLong', -left) : t.plural('charactersLeft', left)) : nothing}
        </span>
      </div>
      <button type="submit" class="button send" part="send" aria-label=${t.t('send')} title=${t.t('send')} ?disabled=${!this.#sendable}>
        ${icons.send}
      </button>
    </form>`
  }

  /** Another draft, or this one changed elsewhere (sent, cleared): the box shows what it holds. */
  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('draft') && this.isConnected) this.#follow()
    if (changed.has('value') && !changed.has('draft')) return
    this.value = this.#current.text
    this.#mentions.picked = [...this.#current.mentions]
  }

  override updated(changed: PropertyValues<this>): void {
    if (changed.has('value')) this.#current.write(this.value, this.#mentions.picked)
    this.#fit()
  }

  #fit(): void {
    const area = this.#textarea
    if (!area) return
    area.style.height = 'auto'
    area.style.height = `${Math.min(area.scrollHeight, 160)}px`
  }

  #onInput(event: InputEvent): void {
    this.value = (event.target as HTMLTextAreaElement).value
    this.#mentions.onInput(event)
    if (this.value.trim()) this.dispatchEvent(new CustomEvent('palaver-typing', { bubbles: false }))
  }

  /** The focus went elsewhere on the page (kept text stays), or to another tab or window (see Draft.leave). */
  #onBlur(): void {
    this.#mentions.onBlur()
    this.#focused = false
    this.#current.leave(!document.hasFocus())
  }

  /** Nothing written and no file in the tray: the Up arrow may edit the last message instead of moving the caret. */
  get empty(): boolean {
    return this.value === '' && this.#tray.items.length === 0
  }

  #onKey(event: KeyboardEvent): void {
    if (this.#mentions.key(event) || this.#wrap(event)) return
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault()
      this.#submit()
    }
  }

  /**
   * Ctrl or ⌘ with B or I: the selection (or nothing, the caret left between) goes between * or _, which the
   * conversation shows bold or italic; the selection stays on the same text.
   */
  #wrap(event: KeyboardEvent): boolean {
    const plain = (event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey
    const marker = plain ? WRAP_MARKERS[event.key.toLowerCase()] : undefined
    const area = this.#textarea
    if (!marker || !area) return false
    event.preventDefault()
    const { selectionStart: start, selectionEnd: end } = area
    const wrapped = `${marker}${area.value.slice(start, end)}${marker}`
    // As typing would: the browser's undo takes it back, and the input event tells mentions and the draft.
    if (!document.execCommand('insertText', false, wrapped)) {
      area.setRangeText(wrapped, start, end)
      area.dispatchEvent(new InputEvent('input', { bubbles: true, composed: true }))
    }
    area.setSelectionRange(start + 1, end + 1)
    return true
  }

  readonly #pickFiles = () => this.renderRoot.querySelector<HTMLInputElement>('input[type=file]')?.click()

  #onChosen(event: Event): void {
    const input = event.target as HTMLInputElement
    this.#tray.add(input.files ?? [])
    // The same file chosen again is a change too.
    input.value = ''
  }

  /** A pasted picture or file goes to the tray; pasted text stays text. */
  #onPaste(event: ClipboardEvent): void {
    const files = event.clipboardData?.files
    if (!this.files || !files?.length) return
    event.preventDefault()
    this.#tray.add(files)
  }

  /** Removes a file from the tray; the focus goes to the next file's Remove, else to the text box. */
  async #removeFile(key: number): Promise<void> {
    const index = this.#tray.items.findIndex((item) => item.key === key)
    this.#tray.remove(key)
    await this.updateComplete
    ;(this.renderRoot.querySelectorAll<HTMLElement>('.chip-remove')[index] ?? this.#textarea)?.focus()
  }

  #onSubmit(event: Event): void {
    event.preventDefault()
    this.#submit()
  }

  /** Sends; the draft is cleared once the message is taken (a listener that refuses it cancels the event). */
  #submit(): void {
    if (!this.#sendable) return
    const body = this.value
    this.#mentions.close()
    const detail = { body, ...this.#mentions.named(body), attachments: this.#tray.ready }
    if (!this.dispatchEvent(new CustomEvent('palaver-send', { detail, cancelable: true }))) return
    this.value = ''
    this.#mentions.picked = []
    this.#current.clear()
    this.focus()
  }
}
