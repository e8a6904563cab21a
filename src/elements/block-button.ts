import { css, html, LitElement, nothing } from 'lit'
import type { UserView } from '../client/index.js'
import { Dismissal } from './dismiss.js'
import { type Translator, translator } from './i18n/index.js'
import { icons } from './icons.js'
import { base, controls, popup } from './theme.js'

/**
 * Blocks or unblocks one person: "Block Bob" asks first, in a small confirmation under the button
 * (Cancel has the focus; Escape or leaving it cancels); "Unblock Bob" acts at once. An icon button,
 * or with `text` a small button that says Block or Unblock. Fires `palaver-block` ({ blocked }).
 */
export class PalaverBlockButton extends LitElement {
  /** Focusing the element focuses its button. */
  static override shadowRootOptions = { ...LitElement.shadowRootOptions, delegatesFocus: true }

  static override properties = {
    name: {},
    blocked: { type: Boolean },
    text: { type: Boolean },
    i18n: { attribute: false },
    confirming: { state: true },
  }

  /** The person's name, for the button's name and the question. */
  declare name: string
  declare blocked: boolean
  declare text: boolean
  declare i18n: Translator
  declare confirming: boolean

  readonly #dismissal = new Dismissal(this, () => this.#close(false))
  /** Where the focus goes back when the question closes, if not to the button. */
  #returnTo: HTMLElement | null = null

  constructor() {
    super()
    this.name = ''
    this.blocked = false
    this.text = false
    this.i18n = translator('en')
    this.confirming = false
  }

  static override styles = [
    base,
    controls,
    popup,
    css`
      .icon-button.blocked {
        color: var(--palaver-danger);
      }
      .confirm .button.small {
        min-height: 30px;
        padding: 0.25em 0.85em;
        font-size: 0.95em;
      }
      .confirm {
        width: max-content;
        max-width: min(20em, calc(100vw - 32px));
        padding: 12px 14px;
        font-size: 0.9em;
        white-space: normal;
      }
      .confirm p {
        margin: 0 0 10px;
      }
      .buttons {
        display: flex;
        justify-content: flex-end;
        gap: 6px;
      }
    `,
  ]

  override render() {
    const t = this.i18n
    const label = t.t(this.blocked ? 'unblockUser' : 'blockUser', { name: this.name })
    const toggle = this.text
      ? html`<button type="button" class="button secondary small block" part="block" aria-label=${label}
          aria-expanded=${this.blocked ? nothing : this.confirming ? 'true' : 'false'} @click=${this.#onToggle}
          >${t.t(this.blocked ? 'unblock' : 'block')}</button>`
      : html`<button type="button" class="icon-button wide block ${this.blocked ? 'blocked' : ''}" part="block"
          aria-label=${label} title=${label} aria-expanded=${this.blocked ? nothing : this.confirming ? 'true' : 'false'}
          @click=${this.#onToggle}>${icons.ban}</button>`
    return html`${toggle}${this.confirming && !this.blocked ? this.#renderConfirm() : nothing}`
  }

  #renderConfirm() {
    const t = this.i18n
    return html`<div class="confirm popup" role="group" aria-labelledby="question" part="block-confirm"
      @keydown=${this.#onKey} @focusout=${this.#dismissal.onFocusOut}>
      <p id="question">${t.t('blockConfirm', { name: this.name })}</p>
      <div class="buttons">
        <button type="button" class="button secondary small cancel" @click=${() => this.#close(true)}>${t.t('cancel')}</button>
        <button type="button" class="button danger small confirm-block" @click=${this.#confirm}>${t.t('block')}</button>
      </div>
    </div>`
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    this.#close(false)
  }

  /**
   * What a click on the button does, for a control elsewhere that stands in for it (a narrow chat
   * header's menu item): the question gives `opener` the focus back when it closes.
   */
  activate(opener: HTMLElement): void {
    void this.#toggle(opener)
  }

  #onToggle(): void {
    void this.#toggle(null)
  }

  async #toggle(returnTo: HTMLElement | null): Promise<void> {
    if (this.blocked) return this.#emit(false)
    if (this.confirming) return this.#close(true)
    this.#returnTo = returnTo
    this.confirming = true
    this.#dismissal.start()
    await this.updateComplete
    this.renderRoot.querySelector<HTMLElement>('.cancel')?.focus()
  }

  #confirm(): void {
    this.#close(true)
    this.#emit(true)
  }

  #close(refocus: boolean): void {
    this.#dismissal.stop()
    if (!this.confirming) return
    this.confirming = false
    if (refocus) (this.#returnTo ?? this.renderRoot.querySelector<HTMLElement>('.block'))?.focus()
  }

  #onKey(event: KeyboardEvent): void {
    if (event.key !== 'Escape') return
    event.preventDefault()
    // The question closes, not the panel or dialog around it.
    event.stopPropagation()
    this.#close(true)
  }

  #emit(blocked: boolean): void {
    this.dispatchEvent(
      new CustomEvent('palaver-block', { detail: { blocked }, bubbles: true, composed: true }),
    )
  }
}

/** What a container fires for a block button inside it: whom to block, and whether. */
export interface BlockRequest {
  user: UserView
  blocked: boolean
}

/** Turns a block button's `palaver-block` into the container's own, saying whom it is about. */
export function forwardBlock(
  event: CustomEvent<{ blocked: boolean }>,
  user: UserView,
  from: HTMLElement,
): void {
  event.stopPropagation()
  const detail: BlockRequest = { user, blocked: event.detail.blocked }
  from.dispatchEvent(new CustomEvent('palaver-block', { detail, bubbles: true, composed: true }))
}
