import { css, html, LitElement, nothing } from 'lit'
import type { ChatView } from '../../client/index.js'
import { type Translator, translator } from '../i18n/index.js'
import { icons } from '../icons.js'
import { isMuted, MuteExpiry } from '../muting.js'
import { onlineStyles } from '../presence.js'
import { base, controls } from '../theme.js'
import { chatAvatar, chatTitle } from './chat-list.js'
import { actionStyles, renderActions } from './header-actions.js'
import { pageIcons } from './icons.js'
import { avatarStyles } from './styles.js'

/**
 * The open chat's header: its avatar, title and who is in it (a DM: whether they are online), and its actions (Members, Mute,
 * Mark as unread, Block in a DM, Leave, Delete) as far as the viewer may; with `narrow`, the first of them and a menu of
 * the rest, so the title has room. Admins rename the chat by editing the title in place
 * (Enter saves, Escape cancels). Fires `palaver-rename` ({title}), `palaver-members`,
 * `palaver-mute` (a MuteInput), `palaver-mark-unread`, `palaver-block` (a BlockRequest for the DM's other person), `palaver-leave`,
 * `palaver-delete` and, with `narrow`, `palaver-back`.
 */
export class PalaverChatHeader extends LitElement {
  static override properties = {
    chat: { attribute: false },
    i18n: { attribute: false },
    viewerId: { attribute: false },
    online: { type: Boolean },
    titleLength: { type: Number, attribute: 'title-length' },
    narrow: { type: Boolean },
    renaming: { state: true },
  }

  declare chat: ChatView | null
  declare i18n: Translator
  declare viewerId: string | null
  /** A DM's other person is online: a dot on their avatar, and "Online" after their username. */
  declare online: boolean
  declare titleLength: number
  declare narrow: boolean
  declare renaming: boolean

  /** A mute that runs out while the chat is open shows as none at that moment. */
  protected readonly expiry = new MuteExpiry(this, () => [this.chat])

  constructor() {
    super()
    this.chat = null
    this.i18n = translator('en')
    this.viewerId = null
    this.online = false
    this.titleLength = 200
    this.narrow = false
    this.renaming = false
  }

  static override styles = [
    base,
    controls,
    avatarStyles,
    onlineStyles,
    actionStyles,
    css`
      :host {
        display: block;
      }
      header {
        display: flex;
        align-items: center;
        gap: 12px;
        min-height: 64px;
        padding: 10px 12px 10px 18px;
        border-bottom: 1px solid var(--palaver-border);
        background: var(--palaver-bg);
      }
      header.narrow {
        gap: 8px;
        padding-inline-start: 6px;
      }
      .back {
        width: 40px;
        height: 40px;
      }
      .back svg {
        width: 22px;
        height: 22px;
      }
      header[dir='rtl'] .back svg {
        transform: scaleX(-1);
      }
      .heading {
        flex: 1;
        min-width: 0;
        display: flex;
        flex-direction: column;
      }
      .title-line {
        display: flex;
        align-items: center;
        gap: 2px;
        min-width: 0;
      }
      h2 {
        min-width: 0;
        margin: 0;
        padding: 2px 0;
        font-size: 1.05em;
        font-weight: 680;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      h2 {
        unicode-bidi: plaintext;
      }
      h2.renamable {
        cursor: text;
      }
      h2:focus {
        outline: none;
      }
      .rename {
        width: 28px;
        height: 28px;
        opacity: 0.7;
      }
      .rename svg {
        width: 15px;
        height: 15px;
      }
      header:hover .rename,
      .rename:focus-visible {
        opacity: 1;
      }
      input {
        width: 100%;
        max-width: 28em;
        margin: -3px 0;
        padding: 4px 8px;
        border: 1px solid var(--palaver-accent);
        border-radius: 8px;
        background: var(--palaver-bg);
        color: var(--palaver-fg);
        font: inherit;
        font-size: 1.05em;
        font-weight: 650;
        box-shadow: 0 0 0 3px color-mix(in srgb, var(--palaver-accent) 22%, transparent);
      }
      input:focus {
        outline: none;
      }
      /* where it does not fit one line (a phone), "Muted until 15:30" goes whole to a second */
      .sub {
        color: var(--palaver-muted);
        font-size: 0.82em;
        overflow: hidden;
        text-overflow: ellipsis;
      }
      /* whole on the next line where it does not fit after the rest; wrapped within only where a line is too short (a date too) */
      .muted-until {
        display: inline-block;
        max-width: 100%;
      }
      .muted-until svg {
        width: 1.1em;
        height: 1.1em;
        margin-inline: 2px;
        vertical-align: -0.2em;
      }
      .narrow .avatar {
        width: 36px;
        height: 36px;
      }
    `,
  ]

  override render() {
    const chat = this.chat
    if (!chat) return nothing
    const t = this.i18n
    const title = chatTitle(chat, t, this.viewerId)
    const canRename = chat.permissions.rename
    const sub =
      chat.kind === 'dm'
        ? chat.peer
          ? `@${chat.peer.username}`
          : ''
        : t.plural('memberCount', chat.memberCount)
    return html`<header part="header" class=${this.narrow ? 'narrow' : ''} dir=${t.dir}>
      ${
        this.narrow
          ? html`<button type="button" class="icon-button back" aria-label=${t.t('back')} title=${t.t('back')}
              @click=${() => this.#emit('palaver-back')}>${pageIcons.back}</button>`
          : nothing
      }
      ${chatAvatar(chat, title, 'large', this.online)}
      <div class="heading">
        <div class="title-line">
          ${
            this.renaming
              ? html`<input aria-label=${t.t('renameChat')} title=${t.t('editHint')} .value=${title}
                  maxlength=${this.titleLength} @keydown=${this.#onKey} @blur=${this.#onBlur} />`
              : html`<h2 id="chat-title" tabindex="-1" class=${canRename ? 'renamable' : ''}
                  @click=${canRename ? this.#startRename : nothing}>${title}</h2>
                ${
                  canRename
                    ? html`<button type="button" class="icon-button rename" aria-label=${t.t('renameChat')}
                        title=${t.t('renameChat')} @click=${this.#startRename}>${icons.edit}</button>`
                    : nothing
                }`
          }
        </div>
        <span class="sub" part="subtitle"><bdi>${sub}</bdi>${this.online ? ` · ${t.t('online')}` : nothing}${this.#renderMute(sub !== '')}</span>
      </div>
      <div class="actions" role="group" aria-label=${t.t('chatActions')}>
        ${renderActions({ chat, i18n: t, viewerId: this.viewerId, narrow: this.narrow, header: this })}
      </div>
    </header>`
  }

  /** "Muted until 15:30" after who is in the chat, while the viewer's mute lasts. */
  #renderMute(afterSub: boolean) {
    const chat = this.chat
    if (!chat || !isMuted(chat)) return nothing
    const t = this.i18n
    const until = chat.mutedUntil === null ? null : new Date(chat.mutedUntil)
    const text = until ? t.t('mutedUntil', { time: t.stamp(until) }) : t.t('muted')
    return html`${afterSub ? ' · ' : nothing}<span class="muted-until" part="muted-until"
      title=${until ? t.t('mutedUntil', { time: t.fullDate(until) }) : nothing}>${icons.bellOff}${text}</span>`
  }

  /** Moves the focus to the title (a chat just opened on a narrow screen). */
  focusTitle(): void {
    this.renderRoot.querySelector<HTMLElement>('h2')?.focus()
  }

  async #startRename(): Promise<void> {
    this.renaming = true
    await this.updateComplete
    const input = this.renderRoot.querySelector('input')
    input?.focus()
    input?.select()
  }

  #onKey(event: KeyboardEvent): void {
    if (event.key === 'Enter') {
      event.preventDefault()
      this.#finish(true)
    } else if (event.key === 'Escape') {
      event.preventDefault()
      event.stopPropagation()
      this.#finish(false)
    }
  }

  #onBlur(): void {
    if (this.renaming) this.#finish(true, false)
  }

  async #finish(save: boolean, refocus = true): Promise<void> {
    const input = this.renderRoot.querySelector('input')
    const chat = this.chat
    if (!this.renaming || !input || !chat) return
    this.renaming = false
    const title = input.value.trim()
    const current = chatTitle(chat, this.i18n, this.viewerId)
    // A group needs a title; an empty one gives a DM or a room its own back.
    if (save && title !== current && (title || chat.kind !== 'group')) this.#emit('palaver-rename', { title })
    if (!refocus) return
    await this.updateComplete
    this.renderRoot.querySelector<HTMLElement>('.rename')?.focus()
  }

  #emit(type: string, detail?: unknown): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }))
  }
}
