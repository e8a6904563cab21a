import { css, html, LitElement, nothing, type TemplateResult } from 'lit'
import { type Translator, translator } from '../i18n/index.js'
import { icons } from '../icons.js'
import { base, controls } from '../theme.js'
import { avatarStyles } from './styles.js'

const FOCUSABLE =
  'button:not(:disabled), input:not(:disabled), select:not(:disabled), textarea:not(:disabled), a[href], [tabindex]'

/**
 * The Tab stops under `root` in the order Tab visits them, the controls in the open shadow roots of
 * custom elements included where the element stands (its popups' buttons too).
 */
function tabStops(root: ParentNode): HTMLElement[] {
  const stops: HTMLElement[] = []
  for (const element of root.querySelectorAll<HTMLElement>('*')) {
    if (element.matches(FOCUSABLE) && element.tabIndex >= 0 && element.getClientRects().length > 0)
      stops.push(element)
    if (element.shadowRoot) stops.push(...tabStops(element.shadowRoot))
  }
  return stops
}

/** The element that has focus, looking through open shadow roots. */
export function deepActiveElement(): HTMLElement | null {
  let element = document.activeElement
  while (element?.shadowRoot?.activeElement) element = element.shadowRoot.activeElement
  return element as HTMLElement | null
}

export const dialogStyles = css`
  dialog {
    width: min(460px, calc(100vw - 24px));
    max-height: min(640px, calc(100dvh - 48px));
    padding: 0;
    border: 1px solid var(--palaver-border);
    border-radius: var(--palaver-radius);
    background: var(--palaver-bg);
    color: var(--palaver-fg);
    box-shadow: var(--palaver-shadow);
    overflow: hidden;
  }
  dialog[open] {
    display: flex;
    flex-direction: column;
    animation: pop 140ms ease-out;
  }
  dialog::backdrop {
    background: rgb(10 12 20 / 0.5);
  }
  @keyframes pop {
    from {
      opacity: 0;
      transform: translateY(8px) scale(0.98);
    }
  }
  @media (prefers-reduced-motion: reduce) {
    dialog[open] {
      animation: none;
    }
  }
  .dialog-head {
    display: flex;
    align-items: center;
    gap: 8px;
    padding: 14px 10px 10px 20px;
  }
  h2 {
    flex: 1;
    margin: 0;
    font-size: 1.1em;
    font-weight: 650;
  }
  .dialog-body {
    display: flex;
    flex-direction: column;
    gap: 12px;
    min-height: 0;
    padding: 4px 20px 20px;
    overflow-y: auto;
  }
  p {
    margin: 0;
    color: var(--palaver-muted);
  }
  .dialog-actions {
    display: flex;
    justify-content: flex-end;
    gap: 8px;
    margin-top: 8px;
  }
  .field {
    display: flex;
    align-items: center;
    gap: 8px;
    padding: 0 12px;
    border: 1px solid var(--palaver-border);
    border-radius: 10px;
    background: var(--palaver-surface);
    color: var(--palaver-muted);
  }
  .field:focus-within {
    border-color: var(--palaver-accent);
    box-shadow: 0 0 0 3px color-mix(in srgb, var(--palaver-accent) 22%, transparent);
  }
  .field svg {
    flex: none;
    width: 18px;
    height: 18px;
  }
  .field input {
    flex: 1;
    min-width: 0;
    height: 40px;
    border: 0;
    background: transparent;
    color: var(--palaver-fg);
    font: inherit;
  }
  .field input:focus {
    outline: none;
  }
  .rows {
    display: flex;
    flex-direction: column;
    gap: 2px;
    margin: 0 -8px;
    padding: 0;
    list-style: none;
  }
  .row {
    display: flex;
    /* where the name and the buttons do not fit side by side (a phone), the buttons go under the name */
    flex-flow: wrap;
    justify-content: end;
    align-items: center;
    gap: 12px;
    min-height: 56px;
    padding: 6px 8px;
    border-radius: 10px;
  }
  .row:hover {
    background: var(--palaver-surface);
  }
  .row img,
  .row .avatar {
    flex: none;
    width: 40px;
    height: 40px;
    border-radius: 50%;
  }
  /* its name whole where it fits beside the avatar (the row's tag and buttons then go under it, together), else cut */
  .who {
    flex: 1 1 auto;
    min-width: 0;
    max-width: calc(100% - 52px);
    display: flex;
    flex-direction: column;
  }
  .who strong {
    font-weight: 600;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .who span {
    font-size: 0.85em;
    color: var(--palaver-muted);
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .row-end {
    display: flex;
    align-items: center;
    gap: 12px;
  }
  .tag {
    flex: none;
    padding: 2px 10px;
    border-radius: 999px;
    background: var(--palaver-surface-2);
    color: var(--palaver-muted);
    font-size: 0.8em;
    font-weight: 600;
  }
  .tag.admin {
    background: var(--palaver-accent-soft);
    color: var(--palaver-fg);
  }
  .error {
    color: var(--palaver-danger);
  }
`

/**
 * A modal dialog (the native `<dialog>`, so the page behind is inert): a title, a close button, the
 * body a subclass renders. Tab cycles inside it, Escape and the backdrop close it, and on leaving the
 * page the focus goes back to where it was. It fires `palaver-close`; the page then removes it.
 */
export abstract class PalaverDialog extends LitElement {
  static override properties = { i18n: { attribute: false }, label: {} }
  static override styles = [base, controls, avatarStyles, dialogStyles]

  declare i18n: Translator
  declare label: string
  protected dialogRole: 'dialog' | 'alertdialog' = 'dialog'
  #returnTo: HTMLElement | null = null

  constructor() {
    super()
    this.i18n = translator('en')
    this.label = ''
  }

  protected abstract renderBody(): TemplateResult

  override connectedCallback(): void {
    super.connectedCallback()
    this.#returnTo = deepActiveElement()
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    // Gone or hidden meanwhile, it takes no focus.
    this.#returnTo?.focus()
  }

  protected override firstUpdated(): void {
    this.renderRoot.querySelector('dialog')?.showModal()
    const first =
      this.renderRoot.querySelector<HTMLElement>('[autofocus]') ??
      this.#focusables().find((e) => !e.matches('.close'))
    first?.focus()
  }

  /** Asks the page to close it. */
  close(): void {
    this.dispatchEvent(new CustomEvent('palaver-close', { bubbles: true, composed: true }))
  }

  override render() {
    return html`<dialog part="dialog" dir=${this.i18n.dir} role=${this.dialogRole === 'alertdialog' ? 'alertdialog' : nothing}
      aria-labelledby="dialog-title" aria-describedby=${this.dialogRole === 'alertdialog' ? 'dialog-text' : nothing}
      @cancel=${this.#onCancel} @keydown=${this.#trap} @click=${this.#onClick}>
      <div class="dialog-head">
        <h2 id="dialog-title">${this.label}</h2>
        <button type="button" class="icon-button close" aria-label=${this.i18n.t('close')} title=${this.i18n.t('close')}
          @click=${this.close}>${icons.close}</button>
      </div>
      <div class="dialog-body">${this.renderBody()}</div>
    </dialog>`
  }

  #focusables(): HTMLElement[] {
    return tabStops(this.renderRoot)
  }

  #onCancel(event: Event): void {
    event.preventDefault()
    this.close()
  }

  /** Tab from the last control goes to the first, Shift+Tab from the first to the last. */
  #trap(event: KeyboardEvent): void {
    if (event.key === 'Escape') {
      event.preventDefault()
      this.close()
      return
    }
    if (event.key !== 'Tab') return
    const all = this.#focusables()
    const active = deepActiveElement()
    const index = active ? all.indexOf(active) : -1
    const target = event.shiftKey
      ? index <= 0
        ? all.at(-1)
        : null
      : index === all.length - 1 || index === -1
        ? all[0]
        : null
    if (target) {
      event.preventDefault()
      target.focus()
    }
  }

  /** A click on the backdrop (the dialog element itself, outside its content) closes it. */
  #onClick(event: MouseEvent): void {
    const dialog = event.currentTarget as HTMLDialogElement
    if (event.target !== dialog) return
    const box = dialog.getBoundingClientRect()
    const inside =
      event.clientX >= box.left &&
      event.clientX <= box.right &&
      event.clientY >= box.top &&
      event.clientY <= box.bottom
    if (!inside) this.close()
  }
}

/** "Leave this chat?" / "Delete this chat…?": Cancel (focused first) or the action; fires `palaver-confirm`. */
export class PalaverConfirmDialog extends PalaverDialog {
  static override properties = {
    ...PalaverDialog.properties,
    message: {},
    action: {},
    danger: { type: Boolean },
  }

  declare message: string
  declare action: string
  declare danger: boolean
  protected override dialogRole = 'alertdialog' as const

  constructor() {
    super()
    this.message = ''
    this.action = ''
    this.danger = false
  }

  protected renderBody() {
    const t = this.i18n
    return html`<p id="dialog-text">${this.message}</p>
      <div class="dialog-actions">
        <button type="button" class="button secondary" data-action="cancel" autofocus @click=${this.close}>${t.t('cancel')}</button>
        <button type="button" class="button ${this.danger ? 'danger' : ''}" data-action="confirm"
          @click=${() => this.dispatchEvent(new CustomEvent('palaver-confirm', { bubbles: true, composed: true }))}>
          ${this.action}
        </button>
      </div>`
  }
}
