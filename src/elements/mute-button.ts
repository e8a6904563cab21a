import { css, html, LitElement, nothing } from 'lit'
import { type Translator, translator } from './i18n/index.js'
import { icons } from './icons.js'
import { MenuController, menuStyles } from './menu.js'
import { MUTE_HOURS, muteFor } from './muting.js'
import { base, controls, popup } from './theme.js'

/**
 * A chat header's mute control: unmuted, a bell that opens a menu of durations (1 hour, 8 hours,
 * 1 week, until unmuted); muted, a crossed-out bell that unmutes. The menu follows the ARIA menu
 * button: Enter, Space or the arrows open it on an item, the arrows, Home and End move, Escape
 * closes it back on the button, Tab leaves it. Fires `palaver-mute` with the MuteInput to send.
 */
export class PalaverMuteButton extends LitElement {
  static override properties = {
    muted: { type: Boolean },
    until: { attribute: false },
    i18n: { attribute: false },
  }

  declare muted: boolean
  /** When the mute ends (an ISO time), for the tooltip; null while it lasts until unmuted. */
  declare until: string | null
  declare i18n: Translator

  readonly #menu = new MenuController(this, '#mute')

  constructor() {
    super()
    this.muted = false
    this.until = null
    this.i18n = translator('en')
  }

  static override styles = [
    base,
    controls,
    popup,
    menuStyles,
    css`
      .mute.muted {
        color: var(--palaver-fg);
      }
      .heading {
        padding: 6px 10px 4px;
        color: var(--palaver-muted);
        font-size: 0.78em;
        font-weight: 700;
      }
    `,
  ]

  override render() {
    const t = this.i18n
    const label = this.muted ? t.t('unmuteNotifications') : t.t('muteNotifications')
    const until = this.until ? t.t('mutedUntil', { time: t.fullDate(new Date(this.until)) }) : t.t('muted')
    const choices = MUTE_HOURS.map((hours) => ({
      hours,
      label:
        hours === null
          ? t.t('muteUntilUnmuted')
          : hours % 168 === 0
            ? t.plural('muteForWeeks', hours / 168)
            : t.plural('muteForHours', hours),
    }))
    return html`<button type="button" id="mute" class="icon-button wide mute ${this.muted ? 'muted' : ''}" part="mute"
        aria-label=${label} title=${this.muted ? `${until}\n${label}` : label} aria-haspopup=${this.muted ? nothing : 'menu'}
        aria-expanded=${this.muted ? nothing : this.#menu.open ? 'true' : 'false'} aria-controls=${this.#menu.open ? 'menu' : nothing}
        @click=${this.#onToggle} @keydown=${this.#onToggleKey}>${this.muted ? icons.bellOff : icons.bell}</button>
      ${
        this.#menu.open && !this.muted
          ? html`<div id="menu" class="popup" role="menu" aria-labelledby="mute" part="mute-menu" @keydown=${this.#menu.onKey}
              @focusout=${this.#menu.onFocusOut}>
              <div class="heading" aria-hidden="true">${label}</div>
              ${choices.map(
                (choice) => html`<button type="button" role="menuitem" tabindex="-1"
                  @click=${() => this.#choose(choice.hours)}>${choice.label}</button>`,
              )}
            </div>`
          : nothing
      }`
  }

  /**
   * What a click on the button does, for a control elsewhere that stands in for it (a narrow chat
   * header's menu item): the menu of durations gives `opener` the focus back when it closes.
   */
  activate(opener: HTMLElement): void {
    if (this.muted) this.#emit({ muted: false })
    else void this.#menu.show('first', opener)
  }

  #onToggle(): void {
    if (this.muted) this.#emit({ muted: false })
    else this.#menu.toggle()
  }

  #onToggleKey(event: KeyboardEvent): void {
    if (!this.muted) this.#menu.onButtonKey(event)
  }

  #choose(hours: number | null): void {
    this.#menu.close(true)
    this.#emit(muteFor(hours))
  }

  #emit(detail: unknown): void {
    this.dispatchEvent(new CustomEvent('palaver-mute', { detail, bubbles: true, composed: true }))
  }
}
