import { css, html, nothing, type ReactiveController, type ReactiveControllerHost } from 'lit'
import type { AttachmentView } from '../../client/index.js'
import type { Translator } from '../i18n/index.js'
import { icons } from '../icons.js'
import { downloadUrl } from '../urls.js'

type Host = ReactiveControllerHost & HTMLElement

/**
 * A message's pictures, one at a time, in a modal `<dialog>`: the arrows move between them, Escape
 * or Close shut it, and the focus goes back to the thumbnail of the picture last shown.
 */
export class Lightbox implements ReactiveController {
  #pictures: AttachmentView[] = []
  #index = 0

  constructor(
    private readonly host: Host,
    private readonly i18n: () => Translator,
    private readonly url: (file: AttachmentView) => string,
  ) {
    host.addController(this)
  }

  show(pictures: AttachmentView[], index: number): void {
    this.#pictures = pictures
    this.#index = index
    this.host.requestUpdate()
  }

  close(): void {
    const shown = this.#pictures[this.#index]
    this.#pictures = []
    this.host.requestUpdate()
    void this.host.updateComplete.then(() =>
      this.host.shadowRoot?.querySelector<HTMLElement>(`[data-picture="${shown?.id}"]`)?.focus(),
    )
  }

  hostUpdated(): void {
    const dialog = this.host.shadowRoot?.querySelector<HTMLDialogElement>('dialog.lightbox')
    if (dialog && !dialog.open) {
      dialog.showModal()
      dialog.querySelector<HTMLElement>('.lightbox-close')?.focus()
    }
  }

  #move(step: number): void {
    const count = this.#pictures.length
    this.#index = (this.#index + step + count) % count
    this.host.requestUpdate()
  }

  readonly #onKey = (event: KeyboardEvent) => {
    const rtl = this.i18n().dir === 'rtl'
    const step = { ArrowRight: rtl ? -1 : 1, ArrowLeft: rtl ? 1 : -1 }[event.key]
    if (event.key === 'Escape') {
      // The viewer closes alone: not the panel around the conversation.
      event.preventDefault()
      event.stopPropagation()
      this.close()
    } else if (step && this.#pictures.length > 1) {
      event.preventDefault()
      this.#move(step)
    }
  }

  readonly #onCancel = (event: Event) => {
    event.preventDefault()
    this.close()
  }

  render() {
    const file = this.#pictures[this.#index]
    if (!file) return nothing
    const t = this.i18n()
    const count = this.#pictures.length
    const arrow = (step: number, label: string, side: string) =>
      html`<button type="button" class="icon-button lightbox-${side}" aria-label=${label}
        @click=${() => this.#move(step)}>${icons.chevron}</button>`
    return html`<dialog class="lightbox" part="lightbox" dir=${t.dir} aria-label=${file.name}
      @keydown=${this.#onKey} @cancel=${this.#onCancel}>
      <div class="lightbox-bar">
        <span class="lightbox-name" dir="auto">${file.name}</span>
        ${count > 1 ? html`<span class="lightbox-count">${t.number(this.#index + 1)} / ${t.number(count)}</span>` : nothing}
        <a class="icon-button" href=${downloadUrl(this.url(file))} download=${file.name}
          aria-label=${t.t('downloadFile', { name: file.name })}>${icons.download}</a>
        <button type="button" class="icon-button lightbox-close" aria-label=${t.t('close')} title=${t.t('close')}
          @click=${() => this.close()}>${icons.close}</button>
      </div>
      <div class="lightbox-stage">
        ${count > 1 ? arrow(-1, t.t('previousPicture'), 'previous') : nothing}
        <img src=${this.url(file)} alt=${file.name} width=${file.width ?? nothing} height=${file.height ?? nothing} />
        ${count > 1 ? arrow(1, t.t('nextPicture'), 'next') : nothing}
      </div>
    </dialog>`
  }
}

export const lightboxStyles = css`
  .lightbox {
    width: 100vw;
    height: 100vh;
    max-width: none;
    max-height: none;
    margin: 0;
    padding: 0;
    border: 0;
    flex-direction: column;
    background: rgb(8 10 14 / 0.94);
    color: #f3f4f6;
  }
  .lightbox[open] {
    display: flex;
  }
  .lightbox .icon-button {
    width: 44px;
    height: 44px;
    color: inherit;
  }
  .lightbox .icon-button:hover {
    background: rgb(255 255 255 / 0.14);
    color: inherit;
  }
  .lightbox .icon-button svg {
    width: 22px;
    height: 22px;
  }
  .lightbox-bar {
    display: flex;
    align-items: center;
    gap: 8px;
    padding: 8px;
    padding-inline-start: 16px;
  }
  .lightbox-name {
    flex: 1;
    min-width: 0;
    overflow: hidden;
    white-space: nowrap;
    text-overflow: ellipsis;
    font-weight: 600;
  }
  .lightbox-count {
    flex: none;
    font-size: 0.85em;
  }
  .lightbox-stage {
    position: relative;
    flex: 1;
    min-height: 0;
    display: flex;
    align-items: center;
    justify-content: center;
    padding: 8px 56px 24px;
  }
  .lightbox-stage img {
    min-width: 0;
    min-height: 0;
    max-width: 100%;
    max-height: 100%;
    width: auto;
    height: auto;
    object-fit: contain;
  }
  .lightbox-previous,
  .lightbox-next {
    position: absolute;
    top: 50%;
    translate: 0 -50%;
    background: rgb(255 255 255 / 0.1);
  }
  .lightbox-previous {
    inset-inline-start: 6px;
  }
  .lightbox-next {
    inset-inline-end: 6px;
  }
  /* The chevron points to the end: backwards for Previous, and the other way round from right to left. */
  .lightbox-previous svg,
  .lightbox[dir='rtl'] .lightbox-next svg {
    scale: -1 1;
  }
  .lightbox[dir='rtl'] .lightbox-previous svg {
    scale: 1;
  }
`
