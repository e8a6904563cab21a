import type { ReactiveController, ReactiveControllerHost } from 'lit'

/**
 * How a small popup of an element (a menu, a question) goes away by itself: a press outside the
 * element, or the focus moving elsewhere, calls `dismiss`; nothing is listened to while it is shut.
 */
export class Dismissal implements ReactiveController {
  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement,
    private readonly dismiss: () => void,
  ) {
    host.addController(this)
  }

  /** The popup opened: listen for a press outside. */
  start(): void {
    document.addEventListener('pointerdown', this.#onOutside, true)
  }

  stop(): void {
    document.removeEventListener('pointerdown', this.#onOutside, true)
  }

  hostDisconnected(): void {
    this.stop()
  }

  /** For the popup's `@focusout` (a click that focuses nothing is the pointer's business). */
  readonly onFocusOut = (event: FocusEvent) => {
    const to = event.relatedTarget as Node | null
    if (to && !this.host.shadowRoot?.contains(to)) this.dismiss()
  }

  readonly #onOutside = (event: PointerEvent) => {
    if (!event.composedPath().includes(this.host)) this.dismiss()
  }
}
