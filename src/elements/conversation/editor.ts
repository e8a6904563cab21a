import { css, html, LitElement, nothing, type PropertyValues } from 'lit'
import { type Translator, translator } from '../i18n/index.js'
import type { Mentionable } from '../text.js'
import { base, controls, popup } from '../theme.js'
import {
  type MemberSearch,
  MentionSuggestions,
  mentionListStyles,
  type Named,
  renderMentionList,
} from './mentions.js'

/** What an edit saves: the new text, and whom it mentions. */
export interface EditDetail extends Named {
  body: string
}

/**
 * The box that edits a message in place: Enter saves, Shift+Enter starts a new line, Escape cancels.
 * With `members`, an `@` suggests members as in the composer (Escape then closes the list only).
 * Fires `palaver-save` ({body, mentionIds, mentionsEveryone}: the members picked here and those already
 * mentioned whose names the text still holds, and everyone likewise) and `palaver-cancel`.
 */
export class PalaverMessageEditor extends LitElement {
  static override properties = {
    i18n: { attribute: false },
    text: { attribute: false },
    mentioned: { attribute: false },
    members: { attribute: false },
    value: { state: true },
  }

  declare i18n: Translator
  /** The message's text before the edit. */
  declare text: string
  /** Whom the message mentions before the edit, with the names it wrote them with (EVERYONE too). */
  declare mentioned: readonly Mentionable[]
  /** Who an @query suggests; null: no suggestions. */
  declare members: MemberSearch | null
  declare value: string

  readonly #mentions = new MentionSuggestions(this, () => this.members)

  constructor() {
    super()
    this.i18n = translator('en')
    this.text = ''
    this.mentioned = []
    this.members = null
    this.value = ''
  }

  static override styles = [
    base,
    controls,
    popup,
    mentionListStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
        gap: 6px;
      }
      .field {
        position: relative;
      }
      .popup {
        top: auto;
        bottom: calc(100% + 4px);
        inset-inline: 0;
      }
      .popup.below {
        top: calc(100% + 4px);
        bottom: auto;
      }
      textarea {
        display: block;
        width: 100%;
        min-height: 3.2em;
        padding: 6px 8px;
        border: 0;
        border-radius: 10px;
        background: var(--palaver-surface);
        color: var(--palaver-fg);
        font: inherit;
        resize: vertical;
      }
      .hint {
        font-size: 0.75em;
        color: var(--palaver-muted);
      }
      .buttons {
        display: flex;
        justify-content: flex-end;
        gap: 6px;
      }
    `,
  ]

  /** The focus goes in the box, the caret after the text, once it is drawn. */
  override focus(): void {
    void this.updateComplete.then(() => {
      const area = this.#area
      // It is in view already (updated).
      area?.focus({ preventScroll: true })
      area?.setSelectionRange(area.value.length, area.value.length)
    })
  }

  /** How tall the box was drawn last. */
  #height = 0

  get #area(): HTMLTextAreaElement | null {
    return this.renderRoot.querySelector('textarea')
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!this.hasUpdated) this.value = this.text
    super.willUpdate(changed)
  }

  override render() {
    const t = this.i18n
    const mentions = this.#mentions
    return html`<div class="field">
        ${renderMentionList(mentions, t)}
        <textarea
          class="edit-input"
          dir="auto"
          rows="2"
          aria-label=${t.t('editMessage')}
          aria-describedby="edit-hint"
          .value=${this.value}
          aria-autocomplete=${this.members ? 'list' : nothing}
          aria-controls=${mentions.listId ?? nothing}
          aria-activedescendant=${mentions.activeId ?? nothing}
          @input=${this.#onInput}
          @keydown=${this.#onKey}
          @keyup=${mentions.onCaret}
          @click=${mentions.onCaret}
          @blur=${mentions.onBlur}
        ></textarea>
      </div>
      <span class="hint" id="edit-hint">${t.t('editHint')}</span>
      <span class="buttons">
        <button type="button" class="button secondary small" @click=${this.#cancel}>${t.t('cancel')}</button>
        <button type="button" class="button small" @click=${this.#save}>${t.t('save')}</button>
      </span>`
  }

  /** The box is as tall as its text (up to 160 px, as the composer's); the list opens above it, or below where the conversation has no room above. */
  override updated(): void {
    const area = this.#area
    if (area) {
      // Measured at its full height: shorter for a moment (at the end of the list), it would scroll the list up with it.
      this.style.minHeight = `${this.offsetHeight}px`
      area.style.height = 'auto'
      area.style.height = `${Math.min(area.scrollHeight, 160)}px`
      this.style.minHeight = ''
      // Opened, or a line longer: the whole box shows, its buttons too.
      if (this.offsetHeight > this.#height) this.scrollIntoView({ block: 'nearest' })
      this.#height = this.offsetHeight
    }
    const list = this.renderRoot.querySelector<HTMLElement>('.mention-list')
    const field = this.renderRoot.querySelector('.field')
    if (!list || !field) return
    const edge = Math.max(0, this.closest('[role="log"]')?.getBoundingClientRect().top ?? 0)
    list.classList.toggle('below', field.getBoundingClientRect().top - edge < list.offsetHeight + 4)
  }

  #onInput(event: Event): void {
    this.value = (event.target as HTMLTextAreaElement).value
    this.#mentions.onInput(event)
  }

  #onKey(event: KeyboardEvent): void {
    if (this.#mentions.key(event)) return
    if (event.key === 'Escape') {
      // Only the edit is cancelled: a panel around stays open.
      event.preventDefault()
      event.stopPropagation()
      this.#cancel()
    } else if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault()
      this.#save()
    }
  }

  readonly #save = () => {
    const detail: EditDetail = { body: this.value, ...this.#mentions.named(this.value, this.mentioned) }
    this.dispatchEvent(new CustomEvent('palaver-save', { detail }))
  }

  readonly #cancel = () => this.dispatchEvent(new CustomEvent('palaver-cancel'))
}
