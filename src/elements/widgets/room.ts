import { css, html, nothing, type PropertyValues } from 'lit'
import type { ChatDetailView, Connection, MuteInput, PalaverClientError } from '../../client/index.js'
import { CONVERSATION_PARTS, type PalaverConversation } from '../conversation/conversation.js'
import type { ConversationStore } from '../conversation/store.js'
import { icons } from '../icons.js'
import { isMuted, MuteExpiry, withMute } from '../muting.js'
import { base, controls, toast, tokens } from '../theme.js'
import { PalaverWidget } from './widget.js'

/**
 * The room of a content object: `<palaver-room content-type="video" object-id="42">`. A public
 * room can be read before joining (no posting or reacting until then); Join/Leave, a live
 * member count and, for members, the mute button sit in its header. Anonymous visitors get a sign-in link that comes back here.
 */
export class PalaverRoom extends PalaverWidget {
  static override properties = {
    ...PalaverWidget.properties,
    contentType: { attribute: 'content-type' },
    objectId: { attribute: 'object-id' },
    roomTitle: { attribute: 'room-title' },
    chat: { state: true },
    memberCount: { state: true },
    error: { state: true },
    busy: { state: true },
  }

  declare contentType: string | null
  declare objectId: string | null
  /** The room's title before the room is loaded, and for a visitor who cannot load it (else "Chat room"). */
  declare roomTitle: string | null
  declare chat: ChatDetailView | null
  declare memberCount: number
  declare error: PalaverClientError | null
  declare busy: boolean

  #connection: Connection | null = null
  #release: (() => void) | null = null
  #offs: Array<() => void> = []
  #watching: number | null = null
  /** The conversation's store whose chat this follows (it fetches the chat on hearing the viewer joined or left). */
  #followed: ConversationStore | null = null
  #generation = 0
  protected readonly expiry = new MuteExpiry(this, () => [this.chat])

  constructor() {
    super()
    this.contentType = null
    this.objectId = null
    this.roomTitle = null
    this.chat = null
    this.memberCount = 0
    this.error = null
    this.busy = false
  }

  static override styles = [
    tokens,
    base,
    controls,
    toast,
    css`
      :host {
        display: block;
      }
      .room {
        position: relative;
        display: flex;
        flex-direction: column;
        height: var(--palaver-room-height, 540px);
        max-height: calc(100vh - var(--palaver-top-offset) - var(--palaver-bottom-offset));
        overflow: hidden;
        border: 1px solid var(--palaver-border);
        border-radius: var(--palaver-radius);
        background: var(--palaver-bg);
        color: var(--palaver-fg);
      }
      header {
        display: flex;
        align-items: center;
        gap: 12px;
        padding: 12px 14px;
        border-bottom: 1px solid var(--palaver-border);
      }
      .title {
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
      .count {
        display: inline-flex;
        align-items: center;
        gap: 5px;
        margin-top: 2px;
        font-size: 0.82em;
        color: var(--palaver-muted);
      }
      .count svg {
        width: 15px;
        height: 15px;
      }
      palaver-conversation {
        flex: 1;
        min-height: 0;
      }
      .readonly {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        justify-content: space-between;
        gap: 10px;
        padding: 12px 14px 14px;
        color: var(--palaver-muted);
        font-size: 0.92em;
      }
      .state {
        margin: auto;
        padding: 24px;
        text-align: center;
        color: var(--palaver-muted);
      }
      .closed {
        display: flex;
        flex-direction: column;
        align-items: center;
        gap: 12px;
        margin: auto;
        padding: 24px;
        text-align: center;
        color: var(--palaver-muted);
      }
      .closed svg {
        width: 28px;
        height: 28px;
      }
    `,
  ]

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    this.#stop()
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed)
    const target = changed.has('contentType') || changed.has('objectId')
    // Signed out too: a room its host opens to guests is read as anyone reads it; any other says to sign in.
    if ((target || changed.has('config')) && this.config?.enableRooms) {
      if (target || !this.chat) void this.#start()
    }
  }

  override connectedCallback(): void {
    super.connectedCallback()
    if (this.config && !this.#release) void this.#start()
  }

  async #start(): Promise<void> {
    this.#stop()
    if (!this.contentType || !this.objectId) return
    const generation = ++this.#generation
    try {
      const chat = await this.#room()
      if (!this.config?.viewer) {
        // A guest's stream opens with the room it reads (one for nothing is refused): watched before it opens.
        await (await this.runtime.client()).connection.watch(chat.id)
        this.#watching = chat.id
      }
      const hold = await this.runtime.retain()
      if (generation !== this.#generation) return hold.release()
      this.#release = hold.release
      this.#connection = hold.connection
      this.#offs.push(
        hold.connection.on('member.added', ({ data }) =>
          this.#heard(data.chatId, data.chat.memberCount, data.user.id, true),
        ),
        hold.connection.on('member.removed', ({ data }) =>
          this.#heard(data.chatId, data.chat.memberCount, data.userId, false),
        ),
        // The room closed while she read it (told on a reconnect, or by the server's check every minute): as a new visit shows it.
        hold.connection.on('unwatched', ({ chatId }) => {
          if (chatId === this.#watching) {
            this.#watching = null
            void this.#reload()
          }
        }),
        // Muted or unmuted on another device of the viewer's.
        hold.connection.on('chat.muted', (event) => {
          if (event.data.chatId === this.chat?.id) this.chat = withMute(this.chat, event.data)
        }),
      )
      await this.#follow(chat)
      this.error = null
    } catch (error) {
      if (generation === this.#generation) this.error = error as PalaverClientError
    }
  }

  #stop(): void {
    this.#generation++
    for (const off of this.#offs.splice(0)) off()
    if (this.#watching !== null) void this.#connection?.unwatch(this.#watching).catch(() => {})
    this.#watching = null
    this.#followed = null
    this.#release?.()
    this.#release = null
    this.#connection = null
  }

  /** The room as the viewer finds it now (after leaving: as a reader, or a members-only one to join again). */
  async #room(): Promise<ChatDetailView> {
    return (await this.runtime.client()).api.room({
      contentType: this.contentType!,
      objectId: this.objectId!,
    })
  }

  /** Shows the chat, and receives its events without being a member while it is public. */
  async #follow(chat: ChatDetailView): Promise<void> {
    const watched = this.#watching
    const watch = chat.role === null && chat.room?.access === 'public' ? chat.id : null
    // Set first: a second follow on the way (a join's answer, and the conversation's copy of it) asks nothing again.
    this.#watching = watch
    if (watched !== null && watched !== watch) await this.#connection?.unwatch(watched).catch(() => {})
    if (watch !== null && watch !== watched)
      await this.#connection?.watch(watch).catch((error: unknown) => {
        this.#watching = null
        throw error
      })
    this.chat = chat
    this.memberCount = chat.memberCount
  }

  /**
   * The member count changed. Where the viewer joined or left elsewhere (another tab, an admin), the chat follows
   * the conversation's, which it fetches on hearing of that; where none shows (a members-only room), it is asked for.
   */
  #heard(chatId: number, count: number, userId: string, added: boolean): void {
    const chat = this.chat
    if (chatId !== chat?.id) return
    this.memberCount = count
    if (userId !== this.config?.viewer?.id) return
    const store = this.#conversation()?.store
    if (store && store !== this.#followed) {
      this.#followed = store
      // A watch refused meanwhile (the room closed or gone): shown as a new visit shows it.
      this.#offs.push(
        store.on(
          'membership',
          () => void this.#follow(structuredClone(store.chat!)).catch(() => this.#reload()),
        ),
      )
    }
    // A join or leave of the viewer's own on its way shows its answer; one shown already needs nothing.
    if (!store && !this.busy && (chat.role !== null) !== added) void this.#reload()
  }

  /** Shows the room as the viewer finds it now; where it may no longer be read, as a new visit would. */
  async #reload(): Promise<void> {
    try {
      await this.#follow(await this.#room())
    } catch (error) {
      this.chat = null
      this.error = error as PalaverClientError
    }
  }

  /** Joins or leaves, through the conversation where it shows: it takes the answer as the chat, fetching nothing on hearing of it. */
  async #move(join: boolean): Promise<void> {
    const chat = this.chat
    // Busy, the buttons are aria-disabled, not disabled: a disabled button would drop the focus it has.
    if (!chat || this.busy) return
    this.busy = true
    try {
      const client = await this.runtime.client()
      const store = this.#conversation()?.store
      const room = () => this.#room()
      await this.#follow(
        await (join
          ? (store?.join() ?? client.api.join(chat.id))
          : (store?.leave(room) ?? client.api.leave(chat.id).then(room))),
      )
      await this.updateComplete
      if (join) await this.#conversation()?.focusComposer()
      else this.renderRoot.querySelector<HTMLElement>('.join')?.focus()
    } catch (error) {
      this.error = error as PalaverClientError
      // The room went or closed meanwhile (refused, or its watch after leaving was): as a new visit shows it.
      if (['not_found', 'forbidden'].includes(this.error.code)) await this.#reload()
      else this.say(this.error.message)
    } finally {
      this.busy = false
    }
  }

  async #mute(event: CustomEvent<MuteInput>): Promise<void> {
    const view = this.chat && (await this.sendMute(this.chat.id, event.detail))
    if (view && view.id === this.chat?.id) this.chat = withMute(this.chat, view)
  }

  #conversation(): PalaverConversation | null {
    return this.renderRoot.querySelector<PalaverConversation>('palaver-conversation')
  }

  override render() {
    const t = this.i18n
    if (this.failure) return html`<p class="state" role="alert">${t.t('loadFailed')}</p>`
    const config = this.config
    if (!config?.enableRooms) return nothing
    const chat = this.chat
    return html`<section class="room" part="panel" dir=${t.dir} aria-labelledby="title">
      <header part="header">
        <div class="title">
          <h2 id="title">${chat?.title ?? this.roomTitle ?? t.t('room')}</h2>
          ${
            chat
              ? html`<span class="count" part="member-count">${icons.users}<span aria-live="polite">${t.plural('memberCount', this.memberCount)}</span></span>`
              : nothing
          }
        </div>
        ${this.#renderMembership()}
      </header>
      ${this.#renderBody()}
      ${this.renderNotice()}
    </section>`
  }

  #renderMembership() {
    const chat = this.chat
    const t = this.i18n
    if (!chat || !this.config?.viewer) return nothing
    if (chat.role !== null) {
      const mute = html`<palaver-mute-button .i18n=${t} ?muted=${isMuted(chat)} .until=${chat.mutedUntil}
        @palaver-mute=${this.#mute}></palaver-mute-button>`
      const page = this.pageLink(chat)
      if (!chat.permissions.leave) return html`${mute}${page}`
      return html`${mute}${page}<button type="button" class="button secondary leave" part="leave" aria-disabled=${this.busy} @click=${() => this.#move(false)}>
        ${t.t('leave')}
      </button>`
    }
    if (chat.permissions.join) {
      return html`<button type="button" class="button join" part="join" aria-disabled=${this.busy} @click=${() => this.#move(true)}>
        ${t.t('join')}
      </button>`
    }
    return nothing
  }

  #renderBody() {
    const t = this.i18n
    const config = this.config!
    if (!config.viewer && !this.chat) {
      return html`<div class="closed">${icons.chat}<span>${t.t('signInToJoin')}</span>${this.loginLink(t.t('signIn'))}</div>`
    }
    if (this.error && !this.chat) {
      const gone = this.error.code === 'not_found' || this.error.code === 'forbidden'
      return html`<p class="state" role="alert">${gone ? t.t('notAvailable') : t.t('loadFailed')}</p>`
    }
    const chat = this.chat
    if (!chat) return html`<p class="state">${t.t('loading')}</p>`
    const readable = chat.role !== null || chat.room?.access === 'public'
    if (!readable) {
      return html`<div class="closed">${icons.lock}<span>${t.t('joinToPost')}</span></div>`
    }
    return html`<palaver-conversation part="conversation" exportparts=${CONVERSATION_PARTS} chat-id=${chat.id} base-path=${this.runtime.basePath} @palaver-gone=${this.#reload}
        locale=${t.locale} .chat=${chat} .i18n=${t}>
        ${
          chat.role === null
            ? html`<div slot="readonly" class="readonly">
                <span>${config.viewer ? t.t('joinToPost') : t.t('signInToJoin')}</span>
                ${
                  !config.viewer
                    ? this.loginLink(t.t('signIn'))
                    : chat.permissions.join
                      ? html`<button type="button" class="button" aria-disabled=${this.busy} @click=${() => this.#move(true)}>${t.t('join')}</button>`
                      : nothing
                }
              </div>`
            : nothing
        }
      </palaver-conversation>`
  }
}
