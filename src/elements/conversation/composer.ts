import { css, html, LitElement, nothing } from 'lit'
import { type Translator, translator } from '../i18n/index.js'
import { icons } from '../icons.js'
import { base, controls } from '../theme.js'

/**
 * The message box: Enter sends, Shift+Enter starts a new line; it grows with its text up to a few
 * lines, counts characters near the limit, and fires `palaver-send` ({body}) and `palaver-typing`.
 */
export class PalaverComposer extends LitElement {
  static override properties = {
    i18n: { attribute: false },
    maxLength: { type: Number, attribute: 'max-length' },
    disabled: { type: Boolean },
    value: { state: true },
  }

  declare i18n: Translator
  declare maxLength: number
  declare disabled: boolean
  declare value: string

  constructor() {
    super()
    this.i18n = translator('en')
    this.maxLength = 4000
    this.disabled = false
    this.value = ''
  }

  static override styles = [
    base,
    controls,
    css`
      :host {
        display: block;
      }
      form {
        display: flex;
        align-items: flex-end;
        gap: 8px;
        padding: 10px 12px 12px;
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
    return !this.disabled && this.value.trim().length > 0 && this.length <= this.maxLength
  }

  override render() {
    const t = this.i18n
    const left = this.maxLength - this.length
    const showCounter = left < Math.min(200, this.maxLength * 0.1)
    return html`<form part="composer" @submit=${this.onSubmit}>
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
          @input=${this.onInput}
          @keydown=${this.onKey}
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

  override updated(): void {
    this.fit()
  }

  private fit(): void {
    const area = this.textarea
    if (!area) return
    area.style.height = 'auto'
    area.style.height = `${Math.min(area.scrollHeight, 160)}px`
  }

  private onInput(event: InputEvent): void {
    this.value = (event.target as HTMLTextAreaElement).value
    if (this.value.trim()) this.dispatchEvent(new CustomEvent('palaver-typing', { bubbles: false }))
  }

  private onKey(event: KeyboardEvent): void {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault()
      this.submit()
    }
  }

  private onSubmit(event: Event): void {
    event.preventDefault()
    this.submit()
  }

  private submit(): void {
    if (!this.sendable) return
    const body = this.value
    this.value = ''
    this.dispatchEvent(new CustomEvent('palaver-send', { detail: { body } }))
    this.focus()
  }
}
