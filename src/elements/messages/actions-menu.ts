import { css, html, LitElement, nothing, type SVGTemplateResult } from 'lit'
import { MenuController, menuStyles } from '../menu.js'
import { base, controls, popup } from '../theme.js'
import { pageIcons } from './icons.js'

/** One item of an actions menu. */
export interface MenuAction {
  label: string
  icon: SVGTemplateResult
  danger?: boolean
  /** What the item opens, if anything: a menu of its own or a dialog (aria-haspopup). */
  opens?: 'menu' | 'dialog'
  run(): void
}

/**
 * A button (⋮) that opens a menu of actions: a narrow chat header's actions beyond the first. The ARIA
 * menu button (see MenuController). Choosing an item closes the menu back on the button and then runs
 * it, so a dialog or popup it opens gives the focus back to the button. Focusing the element focuses
 * its button.
 */
export class PalaverActionsMenu extends LitElement {
  static override shadowRootOptions = { ...LitElement.shadowRootOptions, delegatesFocus: true }

  static override properties = {
    label: {},
    actions: { attribute: false },
  }

  /** The button's name, which names the menu too. */
  declare label: string
  declare actions: MenuAction[]

  readonly #menu = new MenuController(this, '#more')

  constructor() {
    super()
    this.label = ''
    this.actions = []
  }

  static override styles = [
    base,
    controls,
    popup,
    menuStyles,
    css`
      [role='menu'] {
        min-width: 12em;
      }
      [role='menuitem'] {
        display: flex;
        align-items: center;
        gap: 10px;
      }
      [role='menuitem'] svg {
        flex: none;
        width: 18px;
        height: 18px;
        color: var(--palaver-muted);
      }
      [role='menuitem'].danger,
      [role='menuitem'].danger svg {
        color: var(--palaver-danger);
      }
    `,
  ]

  override render() {
    const open = this.#menu.open
    return html`<button type="button" id="more" class="icon-button wide more" part="more" aria-label=${this.label}
        title=${this.label} aria-haspopup="menu" aria-expanded=${open ? 'true' : 'false'}
        aria-controls=${open ? 'menu' : nothing} @click=${() => this.#menu.toggle()}
        @keydown=${this.#menu.onButtonKey}>${pageIcons.more}</button>
      ${
        open
          ? html`<div id="menu" class="popup" role="menu" aria-labelledby="more" part="menu" @keydown=${this.#menu.onKey}
              @focusout=${this.#menu.onFocusOut}>
              ${this.actions.map(
                (
                  action,
                ) => html`<button type="button" role="menuitem" tabindex="-1" class=${action.danger ? 'danger' : ''}
                  aria-haspopup=${action.opens ?? nothing} @click=${() => this.#choose(action)}>${action.icon}<span>${action.label}</span></button>`,
              )}
            </div>`
          : nothing
      }`
  }

  #choose(action: MenuAction): void {
    this.#menu.close(true)
    action.run()
  }
}
