import { css, type ReactiveController, type ReactiveControllerHost } from 'lit'
import { Dismissal } from './dismiss.js'

/**
 * The menu of an ARIA menu button (the mute menu, a narrow chat header's actions): it opens with the
 * focus on its first item, or its last from the button's Up arrow; the arrows go round the items,
 * Home and End go to the ends; Escape closes it back on the button (or on the control elsewhere that
 * opened it), Tab, a press outside the host or the focus leaving it close it. The host renders the
 * menu while `open`, with `onKey` and `onFocusOut` on it; its items are native buttons, so Enter and
 * Space choose.
 */
export class MenuController implements ReactiveController {
  open = false
  /** Where the focus goes back when the menu closes, if not to the host's own button. */
  #returnTo: HTMLElement | null = null
  readonly #dismissal: Dismissal

  /** `button` finds the host's menu button in its render root, where the items are the `[role="menuitem"]`. */
  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement & { renderRoot: ParentNode },
    private readonly button: string,
  ) {
    host.addController(this)
    this.#dismissal = new Dismissal(host, () => this.close(false))
  }

  hostDisconnected(): void {
    this.close(false)
  }

  /** Opens the menu on its first or last item; `returnTo` has the focus back when it closes. */
  async show(at: 'first' | 'last' = 'first', returnTo: HTMLElement | null = null): Promise<void> {
    this.#returnTo = returnTo
    this.open = true
    this.#dismissal.start()
    this.host.requestUpdate()
    await this.host.updateComplete
    const items = this.#items()
    items[at === 'first' ? 0 : items.length - 1]?.focus()
  }

  close(refocus: boolean): void {
    this.#dismissal.stop()
    if (!this.open) return
    this.open = false
    this.host.requestUpdate()
    if (refocus) (this.#returnTo ?? this.host.renderRoot.querySelector<HTMLElement>(this.button))?.focus()
  }

  #items(): HTMLElement[] {
    return [...this.host.renderRoot.querySelectorAll<HTMLElement>('[role="menuitem"]')]
  }

  /** The button's click: opens the menu, or closes it back on the button. */
  toggle(): void {
    if (this.open) this.close(true)
    else void this.show()
  }

  /** For the button's `@keydown`: the Down and Up arrows open the menu on its first or last item. */
  readonly onButtonKey = (event: KeyboardEvent): void => {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return
    event.preventDefault()
    void this.show(event.key === 'ArrowUp' ? 'last' : 'first')
  }

  /** For the menu's `@focusout`: the focus went somewhere outside the host. */
  readonly onFocusOut = (event: FocusEvent): void => this.#dismissal.onFocusOut(event)

  /** For the menu's `@keydown`. */
  readonly onKey = (event: KeyboardEvent): void => {
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
    const items = this.#items()
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
}

/** A menu's box and items (inside a `.popup`): the items are buttons with role="menuitem". */
export const menuStyles = css`
  [role='menu'] {
    min-width: 14em;
    margin: 0;
    padding: 6px;
    list-style: none;
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
`
