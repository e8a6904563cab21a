import { css, html, nothing, type PropertyValues } from 'lit'
import type { ChatDetailView, MuteInput, PalaverClientError } from '../../client/index.js'
import '../block-button.js'
import type { BlockList } from '../blocking.js'
import { CONVERSATION_PARTS } from '../conversation/conversation.js'
import { icons } from '../icons.js'
import { isMuted, MuteExpiry, withMute } from '../muting.js'
import { type OnlineList, onlineStyles, peerOf, withDot } from '../presence.js'
import { base, controls, toast, tokens } from '../theme.js'
import { palaverUrl } from '../urls.js'
import { PalaverWidget } from './widget.js'

/**
 * The DM widget for a profile page: `<palaver-dm user-id="bob">`. A toggle button opens a panel of
 * about three quarters of the viewport with the conversation (created on first open); closing it
 * (the close button or Escape) releases the live connection and returns focus to the toggle. The
 * panel's header shows whether the DM's other person is online, mutes and unmutes the DM, and blocks or
 * unblocks its other person.
 * An anonymous visitor gets a sign-in link that comes back here.
 */
export class PalaverDm extends PalaverWidget {
  static override properties = {
    ...PalaverWidget.properties,
    userId: { attribute: 'user-id' },
    userName: { attribute: 'user-name' },
    open: { type: Boolean, reflect: true },
    chat: { state: true },
    error: { state: true },
  }

  declare userId: string | null
  /** The person's name for the toggle before the chat is loaded (else "Message"). */
  declare userName: string | null
  declare open: boolean
  declare chat: ChatDetailView | null
  declare error: PalaverClientError | null

  protected readonly expiry = new MuteExpiry(this, () => [this.chat])
  #offMuted: (() => void) | null = null
  #offBlocks: (() => void) | null = null
  #presence: OnlineList | null = null
  #offPresence: (() => void) | null = null

  constructor() {
    super()
    this.userId = null
    this.userName = null
    this.open = false
    this.chat = null
    this.error = null
  }

  static override styles = [
    tokens,
    base,
    controls,
    toast,
    onlineStyles,
    css`
      :host {
        display: inline-block;
        max-width: 100%;
      }
      /* A long name is cut on screen (the button's name stays whole), not pushed past the page's edge. */
      .toggle {
        gap: 0.5em;
        max-width: 100%;
        min-height: 40px;
        padding-inline: 1.1em;
      }
      .toggle span {
        overflow: hidden;
        text-overflow: ellipsis;
      }
      .toggle svg {
        flex: none;
        width: 18px;
        height: 18px;
      }
      /* Unread messages in the DM before it is opened: the toggle's colours, swapped. */
      .badge {
        flex: none;
        min-width: 20px;
        padding: 0 6px;
        border-radius: 10px;
        background: var(--palaver-accent-fg);
        color: var(--palaver-accent);
        font-size: 0.75em;
        font-weight: 700;
        line-height: 20px;
      }
      .badge.muted {
        opacity: 0.7;
      }
      .panel {
        position: fixed;
        z-index: 2147483000;
        inset-inline-end: 16px;
        bottom: calc(var(--palaver-bottom-offset) + 16px);
        width: min(420px, calc(100vw - 32px));
        height: min(75vh, calc(100vh - var(--palaver-top-offset) - var(--palaver-bottom-offset) - 32px));
        display: flex;
        flex-direction: column;
        overflow: hidden;
        border: 1px solid var(--palaver-border);
        border-radius: var(--palaver-radius);
        background: var(--palaver-bg);
        color: var(--palaver-fg);
        box-shadow: var(--palaver-shadow);
        animation: rise 160ms ease-out;
      }
      @keyframes rise {
        from {
          opacity: 0;
          transform: translateY(12px);
        }
      }
      @media (prefers-reduced-motion: reduce) {
        .panel {
          animation: none;
        }
      }
      @media (max-width: 520px) {
        .panel {
          inset-inline: 0;
          bottom: var(--palaver-bottom-offset);
          width: 100%;
          height: min(75vh, calc(100vh - var(--palaver-top-offset) - var(--palaver-bottom-offset)));
          border-radius: var(--palaver-radius) var(--palaver-radius) 0 0;
          border-bottom: 0;
        }
      }
      header {
        display: flex;
        align-items: center;
        gap: 10px;
        padding: 10px 8px 10px 14px;
        border-bottom: 1px solid var(--palaver-border);
        background: var(--palaver-bg);
      }
      header img {
        width: 36px;
        height: 36px;
        border-radius: 50%;
      }
      .who {
        flex: 1;
        min-width: 0;
      }
      h2 {
        margin: 0;
        font-size: 1em;
        font-weight: 650;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .sub {
        display: block;
        font-size: 0.8em;
        color: var(--palaver-muted);
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      palaver-conversation {
        flex: 1;
        min-height: 0;
      }
      .state {
        margin: auto;
        padding: 24px;
        text-align: center;
        color: var(--palaver-muted);
      }
      .signin {
        display: inline-flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 10px;
        color: var(--palaver-muted);
      }
    `,
  ]

  override render() {
    const t = this.i18n
    if (this.failure) return html`<p class="state" role="alert">${t.t('loadFailed')}</p>`
    const config = this.config
    if (!config) return nothing
    if (!config.enableDms) return nothing
    if (!config.viewer) {
      const name = this.#peerName
      const text = name ? t.t('signInToMessage', { name }) : t.t('signInToSend')
      return html`<div class="signin" part="signin" dir=${t.dir}>${this.loginLink(text)}</div>`
    }
    const name = this.#peerName
    const label = name ? t.t('messageUser', { name }) : t.t('message')
    const unread = this.open ? 0 : (this.chat?.unreadCount ?? 0)
    return html`<div dir=${t.dir} @keydown=${this.#onKey}>
      <button type="button" class="button toggle" part="toggle" aria-expanded=${this.open ? 'true' : 'false'}
        aria-controls="panel" aria-label=${unread > 0 ? `${label}, ${t.plural('unreadCount', unread)}` : nothing}
        @click=${this.#toggle}>
        ${icons.chat}<span>${label}</span>
        ${
          unread > 0
            ? html`<span class="badge ${isMuted(this.chat!) ? 'muted' : ''}" part="unread">${t.number(unread)}</span>`
            : nothing
        }
      </button>
      ${this.open ? this.#renderPanel() : nothing}
    </div>`
  }

  get #peerName(): string | null {
    return this.chat?.peer?.displayName ?? this.userName ?? null
  }

  #renderPanel() {
    const t = this.i18n
    const chat = this.chat
    const online = !!this.#presence?.has(peerOf(chat, this.config?.viewer?.id))
    return html`<section id="panel" class="panel" part="panel" role="dialog" aria-modal="false"
      aria-labelledby="title">
      <header part="header">
        ${chat?.peer ? withDot(html`<img src=${palaverUrl(chat.peer.avatarUrl)} alt="" width="36" height="36" />`, online) : nothing}
        <div class="who">
          <h2 id="title">${chat?.title ?? t.t('message')}</h2>
          ${chat?.peer ? html`<span class="sub"><bdi>@${chat.peer.username}</bdi>${online ? ` · ${t.t('online')}` : nothing}</span>` : nothing}
        </div>
        ${
          chat
            ? html`<palaver-mute-button .i18n=${t} ?muted=${isMuted(chat)} .until=${chat.mutedUntil}
                @palaver-mute=${this.#mute}></palaver-mute-button>`
            : nothing
        }
        ${
          chat?.peer && chat.peer.id !== this.config?.viewer?.id
            ? html`<palaver-block-button .i18n=${t} name=${chat.peer.displayName} ?blocked=${chat.peerBlocked}
                @palaver-block=${this.#block}></palaver-block-button>`
            : nothing
        }
        ${this.pageLink(chat)}
        <button type="button" class="icon-button" part="close" aria-label=${t.t('closeChat')} title=${t.t('close')}
          @click=${this.close}>${icons.close}</button>
      </header>
      ${
        this.error
          ? html`<p class="state" role="alert">${this.error.code === 'not_found' || this.error.code === 'forbidden' ? t.t('notAvailable') : t.t('loadFailed')}</p>`
          : chat
            ? html`<palaver-conversation part="conversation" exportparts=${CONVERSATION_PARTS} chat-id=${chat.id} base-path=${this.runtime.basePath}
                locale=${t.locale} .chat=${chat} .i18n=${t} .autofocusComposer=${true} @palaver-gone=${this.#onGone}></palaver-conversation>`
            : html`<p class="state">${t.t('loading')}</p>`
      }
      ${this.renderNotice()}
    </section>`
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed)
    if (changed.has('userId')) {
      this.chat = null
      this.error = null
    }
    if ((changed.has('userId') || changed.has('config')) && this.config?.viewer && this.config.enableDms)
      void this.#peek()
    // The other person, once known: whether they are online shows in the panel's header.
    this.#presence?.show([peerOf(this.chat, this.config?.viewer?.id)])
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    this.#offMuted?.()
    this.#offMuted = null
    this.#offBlocks?.()
    this.#offBlocks = null
    this.#offPresence?.()
    this.#offPresence = null
  }

  /**
   * The DM as it stands, if there is one, before the panel is opened: its other person's name and its
   * unread messages show on the toggle. Nothing is created and no live connection opens; a DM opened or
   * looked up meanwhile wins.
   */
  async #peek(): Promise<void> {
    const userId = this.userId
    if (!userId) return
    try {
      const client = await this.runtime.client()
      const found = await client.api.findDm(userId)
      if (found && userId === this.userId && !this.chat && !this.open) this.chat = found
    } catch {
      // The server could not say: the toggle stays as it is.
    }
  }

  async #loadChat(): Promise<void> {
    if (!this.userId) return
    try {
      const client = await this.runtime.client()
      this.chat = await client.api.dm(this.userId)
      this.error = null
    } catch (error) {
      this.error = error as PalaverClientError
    }
  }

  /** Hears of the DM muted or unmuted on another of the viewer's devices (while the panel holds the connection). */
  async #followMutes(): Promise<void> {
    const client = await this.runtime.client()
    this.#offMuted ??= client.connection.on('chat.muted', (event) => {
      if (event.data.chatId === this.chat?.id) this.chat = withMute(this.chat, event.data)
    })
  }

  /** Hears of the DM's other person blocked or unblocked (here, or on another device): who may write changes. */
  async #followBlocks(): Promise<void> {
    const blocks = await this.runtime.blocks()
    this.#offBlocks ??= blocks.on('change', ({ userId }) => {
      if (userId === this.chat?.peer?.id) void this.#reloadChat(blocks)
    })
  }

  /** Whether the DM's other person is online, kept current while the panel shows them. */
  async #followPresence(): Promise<void> {
    this.#presence = await this.runtime.presence()
    this.#offPresence ??= this.#presence.on('change', () => this.requestUpdate())
    this.requestUpdate()
  }

  /** The DM as the server sees it now (its permissions after a block); it stays as it was when that fails. */
  async #reloadChat(blocks: BlockList): Promise<void> {
    const chat = this.chat
    if (!chat) return
    try {
      const fresh = await blocks.fetchDm(chat.id)
      if (fresh.id === this.chat?.id) this.chat = fresh
    } catch {
      // The conversation says so if the DM is gone.
    }
  }

  async #block(event: CustomEvent<{ blocked: boolean }>): Promise<void> {
    const peer = this.chat?.peer
    if (peer) await this.sendBlock(peer, event.detail.blocked)
  }

  async #mute(event: CustomEvent<MuteInput>): Promise<void> {
    const view = this.chat && (await this.sendMute(this.chat.id, event.detail))
    if (view && view.id === this.chat?.id) this.chat = withMute(this.chat, view)
  }

  async #toggle(): Promise<void> {
    if (this.open) return this.close()
    this.open = true
    void this.#followMutes()
    void this.#followBlocks()
    void this.#followPresence()
    if (!this.chat) await this.#loadChat()
    // The conversation puts the focus in its message box once it has one (autofocusComposer).
  }

  /** Opens the panel (the DM is created on first open, not on page load). */
  show(): Promise<void> {
    return this.open ? Promise.resolve() : this.#toggle()
  }

  /** Closes the panel: its conversation leaves the DOM and gives the live connection back. */
  close(): void {
    if (!this.open) return
    this.open = false
    // What the panel showed was read there: the toggle has no unread messages to count.
    if (this.chat) this.chat = { ...this.chat, unreadCount: 0, unreadMentionCount: 0 }
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('.toggle')?.focus())
  }

  /** Escape in the panel, or on the toggle while the panel is open (it keeps the focus while the DM loads or fails to). */
  #onKey(event: KeyboardEvent): void {
    if (event.key !== 'Escape' || !this.open) return
    event.preventDefault()
    this.close()
  }

  #onGone(): void {
    this.chat = null
    this.error = null
    void this.#loadChat()
  }
}
