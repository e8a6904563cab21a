import { html, nothing, type PropertyValues } from 'lit'
import { keyed } from 'lit/directives/keyed.js'
import type {
  ChatDetailView,
  ChatView,
  MessageView,
  MuteInput,
  PalaverClient,
  PalaverEvent,
} from '../../client/index.js'
import type { BlockRequest } from '../block-button.js'
import type { BlockList } from '../blocking.js'
import '../conversation/conversation.js'
import type { PalaverConversation } from '../conversation/conversation.js'
import { type DraftBook, draftsFor } from '../conversation/drafts.js'
import { icons } from '../icons.js'
import { MuteExpiry, withMute } from '../muting.js'
import { type OnlineList, onlineStyles, peerOf } from '../presence.js'
import { whenOpen } from '../runtime.js'
import { base, controls, toast, tokens } from '../theme.js'
import { PalaverWidget } from '../widgets/widget.js'
import type { PalaverChatHeader } from './chat-header.js'
import { ChatListStore } from './chat-list-store.js'
import { DesktopNotifications } from './desktop-notifications.js'
import { MessageSearch } from './search.js'
import { fillList, renderSidebar } from './sidebar.js'
import { avatarStyles, pageStyles } from './styles.js'
import { TabBadge } from './tab-badge.js'

type Tab = 'chats' | 'conversation'
type Dialog = 'members' | 'rooms' | 'leave' | 'delete'

/** Narrower than this, the list and the conversation become two tabs. */
const NARROW_PX = 720

/**
 * The full messages page: `<palaver-messages base-path="/messages">`. The viewer's chats (live,
 * searchable, with unread counts) beside the open conversation; new group chats, members, rooms to
 * browse, renaming, muting, blocking, leaving and deleting; message search that jumps to the message. On a
 * narrow screen the list and the conversation are two tabs. While it is on the page, the tab's title counts the
 * chats that wait for the viewer, and desktop notifications (opt-in) tell of messages the viewer is not looking at.
 */
export class PalaverMessages extends PalaverWidget {
  static override properties = {
    ...PalaverWidget.properties,
    selectedId: { state: true },
    current: { state: true },
    tab: { state: true },
    narrow: { state: true },
    dialog: { state: true },
    membersTab: { state: true },
    blockedIds: { state: true },
  }

  static override styles = [tokens, base, controls, toast, avatarStyles, onlineStyles, pageStyles]

  declare selectedId: number | null
  declare current: ChatDetailView | null
  declare tab: Tab
  declare narrow: boolean
  declare dialog: Dialog | null
  declare membersTab: 'add' | 'manage'
  /** The people the viewer blocked (the list hides what they wrote last in a group; the members dialog offers Block or Unblock). */
  declare blockedIds: ReadonlySet<string>

  list: ChatListStore | null = null
  #drafts: DraftBook | null = null
  #client: PalaverClient | null = null
  #blocks: BlockList | null = null
  #presence: OnlineList | null = null
  #release: (() => void) | null = null
  #offs: Array<() => void> = []
  #generation = 0
  #opens = 0
  readonly #search = new MessageSearch({
    search: (q, before) => this.#client!.api.searchMessages({ q, limit: 20, ...(before ? { before } : {}) }),
    onQuery: (q) => void this.list?.setQuery(q),
    onChange: () => this.requestUpdate(),
    onError: (error) => this.say(error.message),
  })
  #pendingJump: number | null = null
  /** The number of chats that wait for the viewer, in the tab's title. */
  readonly #badge = new TabBadge()
  /** Null where the browser has no Notification API. */
  #notifications: DesktopNotifications | null = null
  /** The chat the viewer is leaving or deleting themself (its removal is no surprise). */
  #dropping: number | null = null
  /** The list shows a mute that runs out as none at that moment, and counts its unread again (the title too). */
  protected readonly expiry = new MuteExpiry(this, () => this.list?.counted ?? [])
  readonly #resize = new ResizeObserver(([entry]) => {
    if (entry) this.narrow = entry.contentRect.width < NARROW_PX
  })

  constructor() {
    super()
    this.selectedId = null
    this.current = null
    this.tab = 'chats'
    this.narrow = false
    this.dialog = null
    this.membersTab = 'manage'
    this.blockedIds = new Set()
  }

  override connectedCallback(): void {
    super.connectedCallback()
    // A first guess before the element is measured, so a phone does not see the wide layout flash by.
    if (!this.hasUpdated) this.narrow = window.innerWidth < NARROW_PX
    this.#resize.observe(this)
    if (this.config?.viewer && !this.list) void this.#start()
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    this.#resize.disconnect()
    this.#stop()
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed)
    if (changed.has('config') && this.config?.viewer && !this.list) void this.#start()
    // The DMs' other people, in the list and the open chat: whether they are online shows on their avatars.
    this.#presence?.show([...(this.list?.chats ?? []), this.current].map((chat) => this.#peer(chat)))
  }

  #peer(chat: ChatView | null): string | undefined {
    return peerOf(chat, this.config?.viewer?.id)
  }

  protected override updated(): void {
    this.#applyJump()
    if (this.list) this.#badge.update(this.#unreadChatCount(), this.i18n)
    fillList(this.renderRoot.querySelector<HTMLElement>('.scroll'), this.list)
  }

  // ---- starting and stopping ----

  async #start(): Promise<void> {
    const config = this.config!
    const generation = ++this.#generation
    try {
      const [client, blocks, presence, hold] = await Promise.all([
        this.runtime.client(),
        this.runtime.blocks(),
        this.runtime.presence(),
        this.runtime.retain(),
      ])
      if (generation !== this.#generation) return hold.release()
      this.#client = client
      this.#blocks = blocks
      this.blockedIds = blocks.snapshot()
      this.#presence = presence
      this.#release = hold.release
      const list = new ChatListStore(client, hold.connection, config, blocks)
      this.list = list
      const drafts = draftsFor(this.runtime.basePath, config.viewer!.id)
      this.#drafts = drafts
      this.#badge.start()
      if (DesktopNotifications.supported)
        this.#notifications = new DesktopNotifications({
          basePath: this.runtime.basePath,
          viewerId: config.viewer!.id,
          blocked: (userId) => blocks.has(userId),
          onScreen: (chatId) => this.#onScreen(chatId),
          open: (chatId) => void this.openChat(chatId, { focus: true }),
        })
      const onVisibility = () => this.requestUpdate()
      document.addEventListener('visibilitychange', onVisibility)
      // A link to a chat or a message followed on this page (in a message, say) changes only the hash.
      const onHash = () => void this.#openLinked()
      window.addEventListener('hashchange', onHash)
      this.#offs.push(
        () => document.removeEventListener('visibilitychange', onVisibility),
        () => window.removeEventListener('hashchange', onHash),
        list.on('change', () => this.requestUpdate()),
        presence.on('change', () => this.requestUpdate()),
        // Other tabs' drafts show in the list too; a reply to a message deleted drops from its draft.
        drafts.follow(hold.connection),
        // The open chat's draft is not in the list while its conversation is on screen.
        drafts.on('change', ({ chatId }) => {
          if (chatId !== this.selectedId || (this.narrow && this.tab === 'chats')) this.requestUpdate()
        }),
        blocks.on('change', ({ userId }) => this.#onBlockChange(userId)),
        list.on('removed', ({ chatId }) => this.#onRemoved(chatId)),
        hold.connection.on('event', (event) => this.#onEvent(event)),
      )
      await whenOpen(hold.connection)
      if (generation !== this.#generation) return
      await list.start(config.viewer!.id)
      if (this.selectedId === null) void this.#openLinked()
    } catch (error) {
      if (generation === this.#generation) this.failure = (error as Error).message
    }
  }

  #stop(): void {
    this.#generation++
    for (const off of this.#offs.splice(0)) off()
    this.list?.stop()
    this.list = null
    this.#badge.stop()
    this.#notifications = null
    this.#release?.()
    this.#release = null
  }

  // ---- opening chats ----

  /** Opens what the address links to: `#chat=12` a chat, `#chat=12&message=345` a message in it (highlighted). */
  async #openLinked(): Promise<void> {
    const linked = /^#chat=(\d{1,15})(?:&message=([^&]*))?$/.exec(location.hash)
    if (!linked || !this.list) return
    const [, chatId, messageId] = linked
    // A message part that is no id names no message of the chat: jumping to an id no message has, the
    // chat opens as for any message not in it, at its end, saying the message could not be found.
    const jump = /^\d{1,15}$/.test(messageId!) ? Number(messageId) : Number.MAX_SAFE_INTEGER
    await this.openChat(Number(chatId), messageId === undefined ? {} : { jump })
    // The address names the open chat again, so that following the same link once more jumps once more.
    if (messageId !== undefined && this.selectedId === Number(chatId))
      history.replaceState(history.state, '', `#chat=${chatId}`)
  }

  /** Opens a chat (with its detail when the caller has it), optionally at a message. */
  async openChat(chatId: number, options: { chat?: ChatDetailView; jump?: number; focus?: boolean } = {}) {
    if (this.narrow) this.tab = 'conversation'
    if (options.jump !== undefined) this.#pendingJump = options.jump
    if (this.selectedId !== chatId || !this.current) {
      const open = ++this.#opens
      this.selectedId = chatId
      this.current = options.chat ?? null
      history.replaceState(history.state, '', `#chat=${chatId}`)
      if (!this.current) {
        try {
          const chat = await this.#client!.api.getChat(chatId)
          if (open !== this.#opens) return
          this.current = chat
        } catch {
          if (open !== this.#opens) return
          this.#closeChat()
          this.say(this.i18n.t('notAvailable'))
          return
        }
      }
    }
    await this.updateComplete
    this.#applyJump()
    if (options.focus && this.narrow) this.#header()?.focusTitle()
  }

  /** A search result's message, once its conversation is on the page. */
  #applyJump(): void {
    const conversation = this.#conversation()
    if (!conversation || this.#pendingJump === null) return
    void conversation.jumpTo(this.#pendingJump)
    this.#pendingJump = null
  }

  #closeChat(): void {
    this.#opens++
    this.selectedId = null
    this.current = null
    this.#pendingJump = null
    this.tab = 'chats'
    if (location.hash.startsWith('#chat='))
      history.replaceState(history.state, '', location.pathname + location.search)
  }

  /** The open chat's members, title or permissions changed: fetch it again; a mute changes it here. */
  #onEvent(event: PalaverEvent): void {
    if (event.type === 'message.created') void this.#notify(event.data.message)
    const chat = this.current
    if (event.type === 'chat.muted' && chat?.id === event.data.chatId) {
      this.current = withMute(chat, event.data)
      return
    }
    if (!chat || event.chatId !== chat.id) return
    if (event.type !== 'member.added' && event.type !== 'member.removed' && event.type !== 'chat.updated')
      return
    if (event.type === 'member.removed' && event.data.userId === this.config?.viewer?.id) return
    const open = this.#opens
    this.#client!.api.getChat(chat.id).then(
      (fresh) => {
        if (open === this.#opens) this.current = fresh
      },
      () => {},
    )
  }

  /** A block or an unblock, here or on another device: the open DM with that person changes its permissions. */
  #onBlockChange(userId: string): void {
    this.blockedIds = this.#blocks?.snapshot() ?? new Set()
    const chat = this.current
    if (chat?.kind !== 'dm' || chat.peer?.id !== userId) return
    const open = this.#opens
    this.#blocks!.fetchDm(chat.id).then(
      (fresh) => {
        if (open === this.#opens) this.current = fresh
      },
      () => {},
    )
  }

  /** Whether the viewer is looking at this chat's conversation now (the page visible, the conversation on screen). */
  #onScreen(chatId: number | null): boolean {
    return (
      document.visibilityState === 'visible' &&
      chatId === this.selectedId &&
      (!this.narrow || this.tab === 'conversation')
    )
  }

  /** The chats that wait for the viewer, the one on screen aside: the tab's title and the Chats tab show this figure. */
  #unreadChatCount(): number {
    return this.list?.unreadChatCount(this.#onScreen(this.selectedId) ? this.selectedId : null) ?? 0
  }

  /** A desktop notification of a new message, when the viewer turned them on (a chat beyond the list's pages is fetched). */
  async #notify(message: MessageView): Promise<void> {
    const notifications = this.#notifications
    if (!notifications?.on) return
    const chat =
      this.list?.find(message.chatId) ?? (await this.#client!.api.getChat(message.chatId).catch(() => null))
    if (chat) notifications.notify(message, chat, this.i18n)
  }

  #onRemoved(chatId: number): void {
    // Left, deleted or removed from it: what was written there can no longer go.
    this.#drafts?.forget(chatId)
    if (chatId !== this.selectedId) return
    // Removed by someone else (or deleted): say why the conversation closed.
    if (this.#dropping === chatId) this.#closeChat()
    else this.#closeGone()
  }

  #onGone(): void {
    if (this.selectedId === null || this.#dropping === this.selectedId) return
    this.list?.remove(this.selectedId)
    this.#closeGone()
  }

  /** The chat on screen went under the viewer: say so, and a focus in it goes to the list instead of the page's body. */
  #closeGone(): void {
    const inChat = this.renderRoot.querySelector('.main')?.contains(this.shadowRoot?.activeElement ?? null)
    this.#closeChat()
    this.say(this.i18n.t('notAvailable'))
    if (inChat) void this.updateComplete.then(() => this.#focusList())
  }

  // ---- actions ----

  async #newChat(): Promise<void> {
    try {
      const chat = await this.#client!.api.createChat({ kind: 'group' })
      this.list?.upsert(chat)
      // On a narrow screen "New chat" hides with the list: the dialog gives the focus back to the chat's title.
      await this.openChat(chat.id, { chat, focus: true })
      this.membersTab = 'add'
      this.dialog = 'members'
    } catch (error) {
      this.say((error as Error).message)
    }
  }

  async #rename(event: CustomEvent<{ title: string }>): Promise<void> {
    const chat = this.current
    if (!chat) return
    try {
      const renamed = await this.#client!.api.renameChat(chat.id, event.detail.title)
      if (this.current?.id === renamed.id) this.current = renamed
      this.list?.upsert(renamed)
    } catch (error) {
      this.say((error as Error).message)
    }
  }

  async #mute(event: CustomEvent<MuteInput>): Promise<void> {
    const view = this.current && (await this.sendMute(this.current.id, event.detail))
    if (!view) return
    if (this.current?.id === view.id) this.current = withMute(this.current, view)
    this.list?.upsert(view)
  }

  /** Mark as unread: the chat closes, as reading it would take the mark off, and the list has the focus on it. */
  async #markUnread(): Promise<void> {
    const chat = this.current
    if (!chat) return
    try {
      this.list?.upsert(await this.#client!.api.markAsUnread(chat.id))
      if (this.selectedId !== chat.id) return
      this.#closeChat()
      await this.updateComplete
      this.renderRoot.querySelector<HTMLElement>(`button.chat[data-chat-id="${chat.id}"]`)?.focus()
    } catch (error) {
      this.say((error as Error).message)
    }
  }

  /** Block (confirmed by the button) or Unblock, from the header or the members dialog; the notice says it was done. */
  async #block(event: CustomEvent<BlockRequest>): Promise<void> {
    const { user, blocked } = event.detail
    if (await this.sendBlock(user, blocked))
      this.say(this.i18n.t(blocked ? 'youBlocked' : 'youUnblocked', { name: user.displayName }))
  }

  /** Leave or Delete, once confirmed. */
  async #drop(kind: 'leave' | 'delete'): Promise<void> {
    const chat = this.current
    if (!chat) return
    this.#dropping = chat.id
    try {
      if (kind === 'leave') await this.#client!.api.leave(chat.id)
      else await this.#client!.api.deleteChat(chat.id)
      this.dialog = null
      this.list?.remove(chat.id)
      this.#closeChat()
      this.say(this.i18n.t(kind === 'leave' ? 'leftChat' : 'chatDeleted'))
      await this.updateComplete
      this.#focusList()
    } catch (error) {
      this.dialog = null
      this.say((error as Error).message)
    } finally {
      this.#dropping = null
    }
  }

  #onMembersChanged(event: CustomEvent<ChatDetailView>): void {
    if (this.current?.id === event.detail.id) this.current = event.detail
    this.list?.upsert(event.detail)
  }

  #onJoined(event: CustomEvent<ChatDetailView>): void {
    this.list?.upsert(event.detail)
  }

  #onOpenRoom(event: CustomEvent<number>): void {
    this.dialog = null
    void this.openChat(event.detail, { focus: true })
  }

  // ---- focus ----

  #conversation(): PalaverConversation | null {
    return this.renderRoot.querySelector<PalaverConversation>('palaver-conversation')
  }

  #header(): PalaverChatHeader | null {
    return this.renderRoot.querySelector<PalaverChatHeader>('palaver-chat-header')
  }

  /** The list's focus stop: the open chat, else the first. */
  #focusList(): void {
    const target =
      this.renderRoot.querySelector<HTMLElement>('button.chat[tabindex="0"]') ??
      this.renderRoot.querySelector<HTMLElement>('.new-chat')
    target?.focus()
  }

  #selectTab(tab: Tab): void {
    this.tab = tab
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(`#tab-${tab}`)?.focus())
  }

  // ---- rendering ----

  override render() {
    const t = this.i18n
    if (this.failure)
      return html`<div class="page"><p class="quiet" role="alert">${t.t('loadFailed')}</p></div>`
    const config = this.config
    if (!config) return nothing
    if (!config.viewer) {
      return html`<div class="page narrow" dir=${t.dir}>
        <div class="empty">
          <span class="art">${icons.chat}</span>
          <p>${t.t('signInToSee')}</p>
          ${this.loginLink(t.t('signIn'))}
        </div>
      </div>`
    }
    const narrow = this.narrow
    const showList = !narrow || this.tab === 'chats'
    const showChat = !narrow || this.tab === 'conversation'
    return html`<div class="page ${narrow ? 'narrow' : ''}" part="page" dir=${t.dir}>
      ${narrow ? this.#renderTabs() : nothing}
      <section class="sidebar" id="panel-chats" part="sidebar" ?hidden=${!showList}
        role=${narrow ? 'tabpanel' : nothing} aria-labelledby=${narrow ? 'tab-chats' : 'chats-heading'}>
        ${renderSidebar({
          i18n: t,
          config,
          list: this.list,
          search: this.#search,
          selectedId: this.selectedId,
          reading: showChat,
          blockedIds: this.blockedIds,
          drafts: this.#drafts,
          online: (chat) => this.#presence?.has(this.#peer(chat)) ?? false,
          notifications: this.#notifications,
          toggleNotifications: async () => {
            await this.#notifications?.toggle()
            this.requestUpdate()
          },
          newChat: () => void this.#newChat(),
          browseRooms: () => (this.dialog = 'rooms'),
          choose: (chat) => void this.openChat(chat.id, { focus: true }),
          openResult: (result) =>
            void this.openChat(result.chat.id, { jump: result.message.id, focus: true }),
        })}
      </section>
      <section class="main" id="panel-conversation" part="main" ?hidden=${!showChat}
        role=${narrow ? 'tabpanel' : nothing} aria-labelledby=${narrow ? 'tab-conversation' : nothing}
        aria-label=${narrow ? nothing : t.t('conversation')}>
        ${this.#renderMain()}
      </section>
      ${this.#renderDialog()}
      ${this.renderNotice()}
    </div>`
  }

  #renderTabs() {
    const t = this.i18n
    const unread = this.#unreadChatCount()
    const tab = (id: Tab, label: string, extra: unknown = nothing) =>
      html`<button type="button" role="tab" id="tab-${id}" aria-controls="panel-${id}"
        aria-selected=${this.tab === id ? 'true' : 'false'} tabindex=${this.tab === id ? 0 : -1}
        @click=${() => this.#selectTab(id)}>${label}${extra}</button>`
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return
      event.preventDefault()
      this.#selectTab(this.tab === 'chats' ? 'conversation' : 'chats')
    }
    return html`<div class="tabs" role="tablist" aria-label=${t.t('messages')} @keydown=${onKey}>
      ${tab(
        'chats',
        t.t('chats'),
        unread && this.tab !== 'chats'
          ? html`<span class="badge" aria-hidden="true">${t.number(unread)}</span><span class="visually-hidden">${t.plural('unreadChats', unread)}</span>`
          : nothing,
      )}
      ${tab('conversation', t.t('conversation'))}
    </div>`
  }

  #renderMain() {
    const t = this.i18n
    const chat = this.current
    if (this.selectedId === null || !chat) {
      return html`<div class="empty">
        <span class="art">${icons.chat}</span>
        <p>${this.selectedId === null ? t.t('chooseChat') : t.t('loading')}</p>
      </div>`
    }
    return html`<palaver-chat-header .chat=${chat} .i18n=${t} .viewerId=${this.config?.viewer?.id ?? null}
        ?online=${this.#presence?.has(this.#peer(chat))}
        title-length=${this.config?.limits.titleLength ?? 200} ?narrow=${this.narrow}
        @palaver-back=${() => {
          this.tab = 'chats'
          void this.updateComplete.then(() => this.#focusList())
        }}
        @palaver-rename=${this.#rename}
        @palaver-mute=${this.#mute}
        @palaver-block=${this.#block}
        @palaver-members=${() => {
          this.membersTab = 'manage'
          this.dialog = 'members'
        }}
        @palaver-mark-unread=${this.#markUnread}
        @palaver-leave=${() => (this.dialog = 'leave')}
        @palaver-delete=${() => (this.dialog = 'delete')}></palaver-chat-header>
      ${keyed(
        chat.id,
        html`<palaver-conversation part="conversation" chat-id=${chat.id} base-path=${this.runtime.basePath} locale=${t.locale}
          .chat=${chat} .i18n=${t} @palaver-gone=${this.#onGone}></palaver-conversation>`,
      )}`
  }

  #renderDialog() {
    const t = this.i18n
    const close = () => (this.dialog = null)
    switch (this.dialog) {
      case 'members':
        return html`<palaver-members-dialog label=${t.t('members')} .i18n=${t} .chat=${this.current}
          .client=${this.#client} .viewerId=${this.config?.viewer?.id ?? null} tab=${this.membersTab}
          .blockedIds=${this.blockedIds} .presence=${this.#presence} @palaver-block=${this.#block}
          @palaver-chat=${this.#onMembersChanged} @palaver-close=${close}></palaver-members-dialog>`
      case 'rooms':
        return html`<palaver-rooms-dialog label=${t.t('browseRooms')} .i18n=${t} .client=${this.#client}
          @palaver-joined=${this.#onJoined} @palaver-open=${this.#onOpenRoom} @palaver-close=${close}></palaver-rooms-dialog>`
      case 'leave':
      case 'delete': {
        const leave = this.dialog === 'leave'
        const kind = this.dialog
        return html`<palaver-confirm-dialog label=${leave ? t.t('leaveChat') : t.t('deleteChat')} .i18n=${t}
          message=${leave ? t.t('leaveConfirm') : t.t('deleteChatConfirm')} action=${leave ? t.t('leave') : t.t('delete')}
          ?danger=${!leave} @palaver-confirm=${() => this.#drop(kind)} @palaver-close=${close}></palaver-confirm-dialog>`
      }
      default:
        return nothing
    }
  }
}
