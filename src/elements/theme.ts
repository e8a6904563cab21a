import { css, type ReactiveController, type ReactiveControllerHost } from 'lit'

export type ThemeMode = 'light' | 'dark'

/**
 * The design tokens, set on the outermost widget only (nested components inherit them). A host site overrides any of them on the element (`palaver-dm { --palaver-accent: … }`,
 * or per mode with `palaver-dm[data-palaver-mode="dark"]`); the widget sets `data-palaver-mode` itself.
 */
export const tokens = css`
  :host {
    --palaver-accent: #4f46e5;
    --palaver-accent-fg: #ffffff;
    --palaver-accent-soft: #eef2ff;
    --palaver-bg: #ffffff;
    --palaver-fg: #111827;
    --palaver-muted: #5b6472;
    --palaver-surface: #f4f5f7;
    --palaver-surface-2: #e9ebef;
    --palaver-border: #dfe2e7;
    --palaver-bubble-own: var(--palaver-accent);
    --palaver-bubble-own-fg: var(--palaver-accent-fg);
    --palaver-bubble: #eef0f3;
    --palaver-bubble-fg: var(--palaver-fg);
    --palaver-read: #a5f3fc;
    --palaver-quote-bar: var(--palaver-accent);
    --palaver-quote-name: var(--palaver-accent);
    --palaver-quote-bg: color-mix(in srgb, var(--palaver-accent) 8%, transparent);
    --palaver-quote-bg-hover: color-mix(in srgb, var(--palaver-accent) 15%, transparent);
    --palaver-danger: #c62828;
    --palaver-success: #15803d;
    --palaver-focus: #2563eb;
    --palaver-shadow: 0 12px 32px rgb(15 23 42 / 0.18), 0 2px 6px rgb(15 23 42 / 0.08);
    --palaver-radius: 14px;
    --palaver-radius-small: 8px;
    --palaver-font: system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif;
    --palaver-font-size: 15px;
    --palaver-top-offset: 0px;
    --palaver-bottom-offset: 0px;
    color-scheme: light;
    font-family: var(--palaver-font);
    font-size: var(--palaver-font-size);
    line-height: 1.4;
    color: var(--palaver-fg);
  }
  :host([data-palaver-mode='dark']) {
    --palaver-accent: #818cf8;
    --palaver-accent-fg: #0b1020;
    --palaver-accent-soft: #272a4a;
    --palaver-bg: #15171c;
    --palaver-fg: #e8eaef;
    --palaver-muted: #a3aab8;
    --palaver-surface: #1d2027;
    --palaver-surface-2: #282c35;
    --palaver-border: #30343e;
    --palaver-bubble: #262a33;
    --palaver-read: #064e3b;
    --palaver-quote-name: color-mix(in srgb, var(--palaver-accent) 65%, var(--palaver-fg));
    --palaver-danger: #f87171;
    --palaver-success: #4ade80;
    --palaver-focus: #93c5fd;
    --palaver-shadow: 0 12px 32px rgb(0 0 0 / 0.5), 0 2px 6px rgb(0 0 0 / 0.3);
    color-scheme: dark;
  }
`

/** What every component's shadow root needs (the tokens themselves come from the outermost widget). */
export const base = css`
  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }
  :focus-visible {
    outline: 2px solid var(--palaver-focus);
    outline-offset: 2px;
  }
  [hidden] {
    display: none !important;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    padding: 0;
    margin: -1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }
`

/** Buttons, shared by every component. */
export const controls = css`
  button {
    font: inherit;
    color: inherit;
    cursor: pointer;
  }
  button:disabled,
  [aria-disabled=true] {
    cursor: default;
    opacity: 0.55;
  }
  .button {
    display: inline-flex;
    align-items: center;
    justify-content: center;
    gap: 0.4em;
    min-height: 36px;
    padding: 0.45em 1em;
    border: 1px solid transparent;
    border-radius: 999px;
    background: var(--palaver-accent);
    color: var(--palaver-accent-fg);
    font-weight: 600;
    text-decoration: none;
    white-space: nowrap;
    transition: filter 120ms ease, background-color 120ms ease;
  }
  .button:hover:not(:disabled) {
    filter: brightness(1.08);
  }
  .button.secondary {
    background: transparent;
    color: var(--palaver-fg);
    border-color: var(--palaver-border);
  }
  .button.secondary:hover:not(:disabled) {
    background: var(--palaver-surface);
    filter: none;
  }
  /* One size for every component's small buttons (a message's Retry, the editor's Save, a dialog's Add). */
  .button.small {
    min-height: 32px;
    padding: 0.3em 0.9em;
    font-size: 0.9em;
  }
  .button.danger {
    background: var(--palaver-danger);
    /* The danger colour reads on the background, so the background reads on it (white did not on dark's light red). */
    color: var(--palaver-bg);
  }
  .icon-button {
    display: inline-grid;
    place-items: center;
    width: 34px;
    height: 34px;
    padding: 0;
    border: 0;
    border-radius: 999px;
    background: transparent;
    color: var(--palaver-muted);
  }
  .icon-button:hover:not(:disabled) {
    background: var(--palaver-surface-2);
    color: var(--palaver-fg);
  }
  .icon-button svg {
    width: 18px;
    height: 18px;
  }
  /* The size of a header's buttons. */
  .icon-button.wide {
    width: 38px;
    height: 38px;
  }
  .icon-button.wide svg {
    width: 20px;
    height: 20px;
  }
`

/** The mode the host asked for, from strongest to weakest: the element's `theme`, `<html>`'s class or data-theme, the system. */
export function resolveMode(element: Element, system: MediaQueryList | null): ThemeMode {
  const own = element.getAttribute('theme')
  if (own === 'dark' || own === 'light') return own
  const root = element.ownerDocument.documentElement
  const attribute = root.getAttribute('data-theme')
  if (attribute === 'dark' || attribute === 'light') return attribute
  if (root.classList.contains('dark')) return 'dark'
  if (root.classList.contains('light')) return 'light'
  return system?.matches ? 'dark' : 'light'
}

/**
 * Keeps `data-palaver-mode` on the element in step with the host's choice: watches the element's
 * `theme` attribute, `<html>`'s class and data-theme, and the system's colour scheme.
 */
export class ThemeController implements ReactiveController {
  mode: ThemeMode = 'light'
  #observer: MutationObserver | null = null
  #system: MediaQueryList | null = null
  readonly #onChange = () => this.#sync()

  constructor(private readonly host: ReactiveControllerHost & HTMLElement) {
    host.addController(this)
  }

  hostConnected(): void {
    this.#system = window.matchMedia?.('(prefers-color-scheme: dark)') ?? null
    this.#system?.addEventListener('change', this.#onChange)
    this.#observer = new MutationObserver(this.#onChange)
    this.#observer.observe(this.host.ownerDocument.documentElement, {
      attributes: true,
      attributeFilter: ['class', 'data-theme'],
    })
    this.#observer.observe(this.host, { attributes: true, attributeFilter: ['theme'] })
    this.#sync()
  }

  hostDisconnected(): void {
    this.#system?.removeEventListener('change', this.#onChange)
    this.#observer?.disconnect()
    this.#observer = null
  }

  #sync(): void {
    const mode = resolveMode(this.host, this.#system)
    if (this.host.getAttribute('data-palaver-mode') !== mode)
      this.host.setAttribute('data-palaver-mode', mode)
    if (mode !== this.mode) {
      this.mode = mode
      this.host.requestUpdate()
    }
  }
}

/**
 * A small box that opens under the control it belongs to, at its inline end (the mute menu, the block
 * confirmation): the host is the positioned element it hangs from.
 */
export const popup = css`
  :host {
    position: relative;
    display: inline-block;
  }
  .popup {
    position: absolute;
    z-index: 10;
    inset-inline-end: 0;
    top: calc(100% + 4px);
    border: 1px solid var(--palaver-border);
    border-radius: 12px;
    background: var(--palaver-bg);
    color: var(--palaver-fg);
    box-shadow: var(--palaver-shadow);
  }
`

/** The host's layout offsets (config.layout) as custom properties on the element. */
export function applyLayout(element: HTMLElement, layout: { topOffset: string; bottomOffset: string }): void {
  element.style.setProperty('--palaver-top-offset', layout.topOffset)
  element.style.setProperty('--palaver-bottom-offset', layout.bottomOffset)
}

/** A widget's notice (PalaverWidget.say), over the bottom of its positioned box, above the message box. */
export const toast = css`
  .toast {
    position: absolute;
    z-index: 5;
    inset-inline: 0;
    bottom: 88px;
    width: fit-content;
    max-width: calc(100% - 32px);
    margin: 0 auto;
    padding: 10px 16px;
    border-radius: 12px;
    background: var(--palaver-fg);
    color: var(--palaver-bg);
    box-shadow: var(--palaver-shadow);
    font-size: 0.92em;
  }
`

/** Something is on its way (a page of messages, an upload). */
export const spinner = css`
  .spinner {
    /* a span: inline, it had no width where it is not a flex item (the first load's, alone in the list) */
    display: inline-block;
    width: 18px;
    height: 18px;
    border: 2px solid var(--palaver-border);
    border-top-color: var(--palaver-accent);
    border-radius: 50%;
    animation: spin 0.8s linear infinite;
  }
  @keyframes spin {
    to {
      transform: rotate(360deg);
    }
  }
  /* a turn is motion, however slow: it fades instead (its name still says what loads) */
  @media (prefers-reduced-motion: reduce) {
    .spinner {
      animation: fade 1.2s ease-in-out infinite alternate;
    }
  }
  @keyframes fade {
    to {
      opacity: 0.4;
    }
  }
`
