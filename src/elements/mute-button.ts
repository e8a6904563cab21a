import { css, html, LitElement, nothing } from 'lit'
import { Dismissal } from './dismiss.js'
import { type Translator, translator } from './i18n/index.js'
import { icons } from './icons.js'
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
    open: { state: true },
  }

  declare muted: boolean
  /** When the mute ends (an ISO time), for the tooltip; null while it lasts until unmuted. */
  declare until: string | null
  declare i18n: Translator
  declare open: boolean

  private readonly dismissal = new Dismissal(this, () => this.close(false))

  constructor() {
    super()
    this.muted = false
    this.until = null
    this.i18n = translator('en')
    this.open = false
  }

  static override styles = [
    base,
    controls,
    popup,
    css`
      .mute {
        width: 38px;
        height: 38px;
      }
      .mute svg {
        width: 20px;
        height: 20px;
      }
      .mute.muted {
        color: var(--palaver-fg);
      }
      [role='menu'] {
        min-width: 14em;
        margin: 0;
        padding: 6px;
        list-style: none;
      }
      .heading {
        padding: 6px 10px 4px;
        color: var(--palaver-muted);
        font-size: 0.78em;
        font-weight: 700;
      }
      [role='menuitem'] {
        display: block;
        width: 100%;
        padding: 8px 10px;
        border: 0;
        border-radius: 8px;
        background: transparent;
        text-align: start;
        white-space: nowrap;
      }
      [role='menuitem']:hover,
      [role='menuitem']:focus-visible {
        background: var(--palaver-surface-2);
      }
      [role='menuitem']:focus-visible {
        outline-offset: -2px;
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
    return html`<button type="button" id="mute" class="icon-button mute ${this.muted ? 'muted' : ''}" part="mute"
        aria-label=${label} title=${this.muted ? `${until}\n${label}` : label} aria-haspopup=${this.muted ? nothing : 'menu'}
        aria-expanded=${this.muted ? nothing : this.open ? 'true' : 'false'} aria-controls=${this.open ? 'menu' : nothing}
        @click=${this.onToggle} @keydown=${this.onToggleKey}>${this.muted ? icons.bellOff : icons.bell}</button>
      ${
        this.open && !this.muted
          ? html`<div id="menu" class="popup" role="menu" aria-labelledby="mute" part="mute-menu" @keydown=${this.onMenuKey}
              @focusout=${this.dismissal.onFocusOut}>
              <div class="heading" aria-hidden="true">${label}</div>
              ${choices.map(
                (choice) => html`<button type="button" role="menuitem" tabindex="-1"
                  @click=${() => this.choose(choice.hours)}>${choice.label}</button>`,
              )}
            </div>`
          : nothing
      }`
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    this.close(false)
  }

  private onToggle(): void {
    if (this.muted) this.emit({ muted: false })
    else if (this.open) this.close(true)
    else void this.show('first')
  }

  private onToggleKey(event: KeyboardEvent): void {
    if (this.muted || (event.key !== 'ArrowDown' && event.key !== 'ArrowUp')) return
    event.preventDefault()
    void this.show(event.key === 'ArrowUp' ? 'last' : 'first')
  }

  private async show(at: 'first' | 'last'): Promise<void> {
    this.open = true
    this.dismissal.start()
    await this.updateComplete
    const items = this.items()
    items[at === 'first' ? 0 : items.length - 1]?.focus()
  }

  private close(refocus: boolean): void {
    this.dismissal.stop()
    if (!this.open) return
    this.open = false
    if (refocus) this.renderRoot.querySelector<HTMLElement>('#mute')?.focus()
  }

  private choose(hours: number | null): void {
    this.close(true)
    this.emit(muteFor(hours))
  }

  private items(): HTMLElement[] {
    return [...this.renderRoot.querySelectorAll<HTMLElement>('[role="menuitem"]')]
  }

  /** The arrows go round the items, Home and End to the ends; Escape closes back on the button. */
  private onMenuKey(event: KeyboardEvent): void {
    if (event.key === 'Escape') {
      event.preventDefault()
      // The menu closes, not the panel or page around it.
      event.stopPropagation()
      this.close(true)
      return
    }
    if (event.key === 'Tab') {
      this.close(false)
      return
    }
    const items = this.items()
    const index = items.indexOf(event.target as HTMLElement)
    const next: Record<string, number> = {
      ArrowDown: (index + 1) % items.length,
      ArrowUp: (index - 1 + items.length) % items.length,
      Home: 0,
      End: items.length - 1,
    }
    const to = next[event.key]
    if (to === undefined) return
    event.preventDefault()
    items[to]?.focus()
  }

  private emit(detail: unknown): void {
    this.dispatchEvent(new CustomEvent('palaver-mute', { detail, bubbles: true, composed: true }))
  }
}
