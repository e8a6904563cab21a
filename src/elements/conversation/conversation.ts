import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit'
import { repeat } from 'lit/directives/repeat.js'
import type {
  AttachmentView,
  ChatDetailView,
  ConnectionState,
  MessageView,
  OutboxItem,
  PalaverClientError,
  QuoteView,
  ReceiptStatus,
} from '../../client/index.js'
import { sendBlock } from '../blocking.js'
import { loadTranslator, resolveLocale, type Translator, translator } from '../i18n/index.js'
import { icons } from '../icons.js'
import { runtimeFor, whenOpen } from '../runtime.js'
import { formattingStyles } from '../text.js'
import { base, controls, spinner } from '../theme.js'
import { attachmentStyles, fileNameStyles } from './attachments.js'
import { blockedStyles, renderDmNotice, renderHidden } from './blocked.js'
import type { PalaverComposer } from './composer.js'
import './composer.js'
import { type Draft, draftsFor } from './drafts.js'
import './editor.js'
import { conversationStyles } from './conversation.styles.js'
import type { EditDetail } from './editor.js'
import { Lightbox, lightboxStyles } from './lightbox.js'
import type { MemberSearch, Named } from './mentions.js'
import { type MessageContext, type Placement, renderMessage, renderPending } from './message.js'
import { pinnedStyles, renderPinned } from './pins.js'
import { renderReplyBar, replyingToText, replyStyles } from './replies.js'
import { ConversationStore } from './store.js'

type Item =
  | { key: string; kind: 'message'; message: MessageView; senderId: string; at: Date }
  | { key: string; kind: 'pending'; item: OutboxItem; senderId: string; at: Date }

/** The parts a widget re-exports so that `palaver-dm::part(message)` reaches inside the conversation. */
export const CONVERSATION_PARTS =
  'pinned, list, unread-line, message, own-message, other-message, pending-message, bubble, body, mention, attachments, avatar, sender, status, reactions, reaction, picker, actions, quote, jump, footer, typing, reply-bar, blocked-notice, composer, composer-input, mention-list, attach, attachment-tray, attachment-notice, send, lightbox, dropzone'

const GROUP_GAP_MS = 5 * 60_000
const PREFETCH_PX = 600
const BOTTOM_PX = 48
/** A tap and a long press: they choose a message on a touch screen, or let it go (see onTap). */
const CHOOSING = ['click', 'contextmenu'] as const
/** Room above the new-messages line when a chat opens at it: the message before it shows a little. */
const LINE_MARGIN_PX = 24

/**
 * A whole conversation: its history as a log (newest first, older pages on scrolling up with the
 * reader's place kept, far-away pages dropped from the DOM), live updates, the composer, typing,
 * reactions, replies, editing and deleting. Used by the DM and room widgets and by the messages page:
 * `<palaver-conversation chat-id="42" base-path="/messages">`.
 * Without permission to post it shows its `readonly` slot instead of the composer (by default, in a DM a
 * block stands in, who blocked whom). Messages from people the viewer blocked are one line in a group or
 * room, each shown on demand.
 * Fires `palaver-gone` when the chat is deleted or no longer visible.
 */
export class PalaverConversation extends LitElement implements MessageContext {
  static override properties = {
    chatId: { type: Number, attribute: 'chat-id' },
    basePath: { attribute: 'base-path' },
    chat: { attribute: false },
    i18n: { attribute: false },
    editingId: { state: true },
    confirmingId: { state: true },
    pickerId: { state: true },
    highlightId: { state: true },
    chosenId: { state: true },
    replyingTo: { state: true },
    notice: { state: true },
    announcement: { state: true },
    connectionState: { state: true },
    dragging: { state: true },
  }

  static override styles = [
    base,
    controls,
    spinner,
    conversationStyles,
    formattingStyles,
    replyStyles,
    blockedStyles,
    fileNameStyles,
    attachmentStyles,
    lightboxStyles,
    pinnedStyles,
  ]

  declare chatId: number | null
  declare basePath: string | null
  /** The chat, when the parent already loaded it (saves a request). */
  declare chat: ChatDetailView | null
  declare i18n: Translator
  declare editingId: number | null
  /** The message whose edit the Up arrow began in the message box, where the focus goes back to. */
  #editingFromComposer: number | null = null
  declare confirmingId: number | null
  declare pickerId: number | null
  declare highlightId: number | null
  declare chosenId: number | null
  /** The message the composer's text will answer. */
  declare replyingTo: MessageView | null
  declare notice: string | null
  declare announcement: string
  declare connectionState: ConnectionState
  /** Files are being dragged over the conversation (the drop zone shows). */
  declare dragging: boolean

  /** Put the focus in the message box once it is there (a panel that just opened). */
  autofocusComposer = false
  /** The state behind the view (null until started). */
  store: ConversationStore | null = null
  /** What the viewer is writing here (kept while the conversation comes and goes). */
  #draft: Draft | null = null
  #release: (() => void) | null = null
  #offs: Array<() => void> = []
  #generation = 0
  #stick = true
  /** Which pin the pinned bar shows: each choice moves it on to the next. */
  #pinIndex = 0
  #atBottom = true
  #anchor: { key: string; top: number } | null = null
  #visible = false
  #observer: IntersectionObserver | null = null
  #noticeTimer: ReturnType<typeof setTimeout> | undefined
  /** Messages that arrived below while the reader was scrolled up. */
  #newBelow = 0
  #pendingScroll: 'bottom' | 'highlight' | null = null
  #startAround: number | null = null
  /**
   * The newest message the reader had read when the chat opened: a line marks where the new ones begin.
   * Undefined until the chat is known; null once there is no line (the reader wrote since).
   */
  #readUpTo: number | null | undefined = undefined
  /** The first page opens at that line, where the end would put it out of view, instead of at the end. */
  #openAtLine = false
  readonly #onVisibility = () => this.#maybeMarkRead()
  /** Messages from blocked people the reader chose to see (for as long as the conversation is open). */
  readonly #revealed = new Set<number>()
  /** The reader unblocked the DM's other person here: the message box gets the focus once it is back. */
  #focusOnPost = false
  readonly #lightbox = new Lightbox(
    this,
    () => this.i18n,
    (file) => this.fileUrl(file),
  )
  /** Drag enters minus leaves, over the conversation and everything in it. */
  #dragDepth = 0
  /** The list got shorter (the composer grew: files in its tray, more lines): the end stays in view. */
  readonly #resized = new ResizeObserver(() => {
    if (this.#stick && this.#log && !this.store?.hasNewer) this.#log.scrollTop = this.#log.scrollHeight
  })

  constructor() {
    super()
    this.chatId = null
    this.basePath = null
    this.chat = null
    this.i18n = translator('en')
    this.editingId = null
    this.confirmingId = null
    this.pickerId = null
    this.highlightId = null
    this.chosenId = null
    this.replyingTo = null
    this.notice = null
    this.announcement = ''
    this.connectionState = 'connecting'
    this.dragging = false
    for (const type of ['dragenter', 'dragover', 'dragleave', 'drop'] as const)
      this.addEventListener(type, (event) => this.#onDrag(event))
    // Escape lets go of the message a tap chose; the panel around stays open.
    this.addEventListener('keydown', (event) => {
      if (event.key !== 'Escape' || this.chosenId === null) return
      event.stopPropagation()
      this.chosenId = null
    })
  }

  // ---- MessageContext ----

  get viewerId(): string | null {
    return this.store?.viewerId ?? null
  }

  get canReact(): boolean {
    return this.store?.canReact ?? false
  }

  get canPin(): boolean {
    return this.store?.canPin ?? false
  }

  /** Pins or unpins a message from its toolbar; a refusal says why. */
  togglePin(message: MessageView): void {
    this.store?.pin(message, !message.pinned).catch((error: unknown) => {
      this.notice = (error as Error).message
    })
  }

  get canReply(): boolean {
    return this.store?.canPost ?? false
  }

  get showNames(): boolean {
    return this.store?.chat?.kind !== 'dm'
  }

  nameOf(userId: string): string {
    return this.store?.nameOf(userId) ?? userId
  }

  get memberSearch(): MemberSearch | null {
    return this.store?.suggestMembers ?? null
  }

  canEdit(message: MessageView): boolean {
    return this.store?.canEdit(message) ?? false
  }

  canDelete(message: MessageView): boolean {
    return this.store?.canDelete(message) ?? false
  }

  statusOf(message: MessageView): ReceiptStatus | null {
    return this.store?.receipts.status(message) ?? null
  }

  quoteFor(item: OutboxItem): QuoteView | null {
    return this.store?.quoteFor(item) ?? null
  }

  filesFor(item: OutboxItem): AttachmentView[] {
    return this.store?.filesFor(item) ?? []
  }

  fileUrl(file: AttachmentView): string {
    return this.store?.fileUrl(file) ?? file.url
  }

  openPicture(pictures: AttachmentView[], index: number): void {
    this.#lightbox.show(pictures, index)
  }

  startReply(message: MessageView): void {
    this.#answer(message)
    this.confirmingId = null
    this.pickerId = null
    this.chosenId = null
    this.#announce(replyingToText(message, this))
    void this.focusComposer()
  }

  cancelReply(): void {
    this.#answer(null)
    void this.focusComposer()
  }

  /** A quote was chosen: its original is highlighted where it is, or the history around it is loaded. */
  async showOriginal(quote: Pick<QuoteView, 'id'>): Promise<void> {
    if (this.store?.messages.some((m) => m.id === quote.id)) {
      // Chosen again: the highlight goes off for one render, so that it flashes once more.
      if (this.highlightId === quote.id) {
        this.highlightId = null
        await this.updateComplete
      }
      this.#stick = false
      this.highlightId = quote.id
      this.#pendingScroll = 'highlight'
      return
    }
    const hadFocus = this.shadowRoot?.activeElement != null
    await this.jumpTo(quote.id)
    await this.updateComplete
    // The reply may be outside the new page: the focus stays in the conversation.
    if (hadFocus && this.shadowRoot?.activeElement == null) this.#log?.focus({ preventScroll: true })
  }

  startEdit(message: MessageView): void {
    if (this.#editingFromComposer !== message.id) this.#editingFromComposer = null
    this.editingId = message.id
    this.confirmingId = null
    this.pickerId = null
    void this.#focusLater(message.id, 'palaver-message-editor')
  }

  /** Saves an edit; the message mentions whom it names now (the edit box knows whose names the text still holds). */
  saveEdit(message: MessageView, { body, ...named }: EditDetail): void {
    const text = body.replace(/\s+$/, '')
    if (!text.trim() || text === message.body) {
      this.cancelEdit(message)
      return
    }
    this.store?.edit(message.id, text, named).then(
      () => this.#endEdit(message),
      (error: PalaverClientError) => this.#showNotice(error.message),
    )
  }

  cancelEdit(message: MessageView): void {
    this.#endEdit(message)
  }

  /** The edit box closes: the focus goes back where the edit began (the message's Edit button, or the message box). */
  #endEdit(message: MessageView): void {
    this.editingId = null
    if (this.#editingFromComposer === message.id) void this.focusComposer()
    else void this.#focusLater(message.id, '[data-action="edit"]')
    this.#editingFromComposer = null
  }

  askDelete(message: MessageView): void {
    this.confirmingId = message.id
    this.pickerId = null
    void this.#focusLater(message.id, '[data-action="cancel-delete"]')
  }

  confirmDelete(message: MessageView): void {
    this.store?.remove(message.id).then(
      () => {
        this.confirmingId = null
        void this.focusComposer()
      },
      (error: PalaverClientError) => this.#showNotice(error.message),
    )
  }

  cancelDelete(message: MessageView): void {
    this.confirmingId = null
    void this.#focusLater(message.id, '[data-action="delete"]')
  }

  openPicker(message: MessageView): void {
    if (this.pickerId === message.id) {
      this.closePicker(message)
      return
    }
    this.pickerId = message.id
    this.confirmingId = null
    void this.#focusLater(message.id, '.picker-emoji')
  }

  closePicker(message: MessageView): void {
    this.pickerId = null
    void this.#focusLater(message.id, '[data-action="react"]')
  }

  react(message: MessageView, emoji: string): void {
    const fromPicker = this.pickerId === message.id
    this.pickerId = null
    if (fromPicker) void this.#focusLater(message.id, '[data-action="react"]')
    this.store?.react(message.id, emoji).catch((error: PalaverClientError) => this.#showNotice(error.message))
  }

  retry(item: OutboxItem): void {
    this.store?.retry(item.clientId)
  }

  discard(item: OutboxItem): void {
    this.store?.discard(item.clientId)
  }

  restore(item: OutboxItem): void {
    const store = this.store
    if (!store || !this.#draft) return
    const written = this.#draft.text.trim()
    const mentions = item.mentionIds.map((id) => ({ id, displayName: store.nameOf(id) }))
    this.#draft.write(written ? `${item.body}\n${written}` : item.body, [
      ...mentions,
      ...this.#draft.mentions,
    ])
    const answered = store.messages.find((message) => message.id === item.replyToId)
    if (answered && !this.replyingTo) this.#answer(answered)
    store.discard(item.clientId)
    void this.focusComposer()
  }

  /** The pinned bar was chosen: its message shows in the list, and the bar moves on to the next pin. */
  #showPin(pin: MessageView): void {
    this.#pinIndex++
    this.requestUpdate()
    void this.showOriginal(pin)
  }

  // ---- public ----

  /** Shows a message in its context (loads the page around it), e.g. a search result. */
  async jumpTo(messageId: number): Promise<void> {
    this.#stick = false
    this.highlightId = messageId
    this.#pendingScroll = 'highlight'
    // Not started yet (just opened): the first page loaded is the one around the message.
    if (!this.store) this.#startAround = messageId
    else await this.store.jumpTo(messageId)
  }

  /** Moves the focus to the message box (or to the list when there is none), once they are rendered. */
  async focusComposer(): Promise<void> {
    await this.updateComplete
    const composer = this.renderRoot.querySelector<PalaverComposer>('palaver-composer')
    if (composer) {
      await composer.updateComplete
      composer.focus()
    } else this.renderRoot.querySelector<HTMLElement>('.log')?.focus()
  }

  // ---- lifecycle ----

  override connectedCallback(): void {
    super.connectedCallback()
    if (!this.hasUpdated || this.i18n === translator('en')) this.#useLocale(resolveLocale(this))
    this.#observer = new IntersectionObserver((entries) => {
      this.#visible = entries.some((e) => e.isIntersecting)
      this.#maybeMarkRead()
    })
    this.#observer.observe(this)
    document.addEventListener('visibilitychange', this.#onVisibility)
    for (const type of CHOOSING) document.addEventListener(type, this.#onTap, true)
    void this.#start()
  }

  /** The translator of `locale`; a conversation on its own in another language speaks English until that catalog arrives. */
  #useLocale(locale: string): void {
    const now = translator(locale)
    this.i18n = now
    void loadTranslator(locale).then((loaded) => {
      if (this.i18n === now) this.i18n = loaded
    })
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    this.#observer?.disconnect()
    this.#resized.disconnect()
    document.removeEventListener('visibilitychange', this.#onVisibility)
    for (const type of CHOOSING) document.removeEventListener(type, this.#onTap, true)
    this.#stop()
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if ((changed.has('chatId') || changed.has('basePath')) && this.isConnected && this.hasUpdated) {
      this.#stop()
      void this.#start()
    }
    this.#followReplyingTo()
    this.#anchor = this.#captureAnchor(changed.has('chosenId'))
  }

  protected override updated(): void {
    const log = this.#log
    if (log) this.#resized.observe(log)
    this.#restoreScroll()
    this.#checkEdges()
    if (this.#focusOnPost && this.store?.canPost) {
      this.#focusOnPost = false
      void this.focusComposer()
    }
  }

  async #start(): Promise<void> {
    const chatId = this.chatId
    if (!chatId) return
    const generation = ++this.#generation
    const runtime = runtimeFor(this.basePath)
    try {
      const [config, client, blocks, hold] = await Promise.all([
        runtime.config(),
        runtime.client(),
        runtime.blocks(),
        runtime.retain(),
      ])
      if (generation !== this.#generation) return hold.release()
      this.#release = hold.release
      const connection = hold.connection
      const store = new ConversationStore(client, connection, config, chatId, {
        chat: this.chat?.id === chatId ? this.chat : null,
        blocks,
      })
      this.store = store
      const drafts = config.viewer ? draftsFor(runtime.basePath, config.viewer.id) : null
      if (drafts) this.#offs.push(drafts.follow(connection))
      const draft = drafts?.draft(chatId) ?? null
      this.#draft = draft
      this.replyingTo = draft?.replyTo ?? null
      if (draft) {
        // Another tab answered another message (or sent it), or the answered one was deleted.
        this.#offs.push(draft.on('change', () => void (this.replyingTo = draft.replyTo)))
        void draft.check(
          (file) => store.keeps(file),
          (file) => store.fileUrl(file),
        )
      }
      this.requestUpdate()
      this.#stick = this.#startAround === null
      this.#pendingScroll = this.#startAround === null ? 'bottom' : 'highlight'
      this.#openAtLine = this.#startAround === null
      this.#noteReadUpTo(store)
      if (this.#startAround !== null) void store.jumpTo(this.#startAround)
      // More new messages than a page: the newest page would hold none of what was read, and no line; the
      // first page is the one around the last message read instead, and the line in it.
      else if (this.#readUpTo && (store.chat?.unreadCount ?? 0) >= config.messagesPerPage)
        void store.jumpTo(this.#readUpTo)
      this.#startAround = null
      this.connectionState = connection.state
      this.#offs.push(
        store.on('change', () => {
          this.#noteReadUpTo(store)
          this.requestUpdate()
        }),
        store.on('incoming', (message) => this.#onIncoming(message)),
        store.on('gone', () =>
          this.dispatchEvent(new CustomEvent('palaver-gone', { bubbles: true, composed: true })),
        ),
        store.on('membership', () => this.requestUpdate()),
        connection.on('state', ({ state }) => {
          this.connectionState = state
        }),
      )
      if (this.autofocusComposer) await this.focusComposer()
      await whenOpen(connection)
      if (generation !== this.#generation) return
      await store.start()
      // Once the first page is in: it mostly holds the answered message, and then nothing is asked.
      if (draft) void this.#recheckReply(draft, store)
      this.#maybeMarkRead()
    } catch (error) {
      if (generation === this.#generation) this.#showNotice((error as Error).message, false)
    }
  }

  #stop(): void {
    this.#generation++
    // The draft keeps the reply for the next time the chat is shown.
    this.#draft = null
    this.replyingTo = null
    this.#revealed.clear()
    this.#readUpTo = undefined
    this.#openAtLine = false
    for (const off of this.#offs.splice(0)) off()
    this.store?.stop()
    this.store = null
    this.#release?.()
    this.#release = null
  }

  // ---- events from inside ----

  #onSend(event: CustomEvent<Named & { body: string; attachments: AttachmentView[] }>): void {
    if (!this.store) return
    this.#stick = true
    this.#pendingScroll = 'bottom'
    // Writing answers what was new: the line has done its work.
    this.#readUpTo = null
    const { body, attachments, ...named } = event.detail
    // Refused: the composer keeps the draft.
    if (this.store.send(body, this.replyingTo, named, attachments)) this.#answer(null)
    else event.preventDefault()
  }

  /** The message the composer's text answers, kept in the draft. */
  #answer(message: MessageView | null): void {
    this.replyingTo = message
    this.#draft?.answer(message)
  }

  /** Files dragged over the conversation: a drop zone shows, and a drop puts them in the composer's tray. */
  #onDrag(event: DragEvent): void {
    const composer = this.renderRoot.querySelector<PalaverComposer>('palaver-composer')
    if (!composer || !this.store?.config.attachments || !event.dataTransfer?.types.includes('Files')) return
    event.preventDefault()
    if (event.type === 'dragover') event.dataTransfer.dropEffect = 'copy'
    else if (event.type === 'dragenter') this.#dragDepth++
    else if (event.type === 'dragleave') this.#dragDepth--
    else {
      this.#dragDepth = 0
      composer.addFiles(event.dataTransfer.files)
      composer.focus()
    }
    this.dragging = this.#dragDepth > 0
  }

  /**
   * On a touch screen a tap on a message's bubble, or a long press, chooses it: its toolbar shows until another
   * is chosen, the same is tapped again, Escape, or a tap anywhere else on the page. A tap on what has an action
   * of its own (a link, a picture, a quote, a reaction) only does that.
   */
  readonly #onTap = (event: Event) => {
    if (!matchMedia('(hover: none)').matches) return
    const path = event.composedPath() as HTMLElement[]
    // The first of these the tap hit: a link, a picture, a quote, a reaction and a mention keep their own action.
    const hit = path.find((element) => element.matches?.('a, button, .mention, .bubble'))
    const row = hit?.matches('.bubble') && hit.closest<HTMLElement>('[data-id]')
    if (row && this.renderRoot.contains(row) && row.querySelector('.actions')) {
      const id = Number(row.dataset.id)
      this.chosenId = id === this.chosenId && event.type === 'click' ? null : id
    } else if (!path.some((element) => element.dataset?.id === `${this.chosenId}`)) this.chosenId = null
  }

  #onComposerKey(event: KeyboardEvent): void {
    if (event.key === 'ArrowUp') this.#editLast(event)
    if (event.key !== 'Escape' || event.isComposing || !this.replyingTo) return
    // Only the reply is cancelled: the panel around stays open.
    event.preventDefault()
    event.stopPropagation()
    this.cancelReply()
  }

  /**
   * The Up arrow in an empty message box edits the viewer's newest message that may be edited (as Slack and
   * Discord do); saving or cancelling gives the focus back to the box. Elsewhere the arrow moves the caret.
   */
  #editLast(event: KeyboardEvent): void {
    const composer = event.currentTarget as PalaverComposer
    if (
      event.isComposing ||
      event.shiftKey ||
      event.altKey ||
      event.ctrlKey ||
      event.metaKey ||
      !composer.empty
    )
      return
    const store = this.store
    const last = store?.messages.findLast((message) => store.canEdit(message))
    if (!last) return
    event.preventDefault()
    this.#editingFromComposer = last.id
    this.startEdit(last)
  }

  #onIncoming(message: MessageView): void {
    const t = this.i18n
    const name = message.sender?.displayName ?? t.t('unknownUser')
    const text =
      message.body || (message.attachments?.length ? t.t('attachmentPreview') : t.t('deletedMessage'))
    this.#announce(
      this.store?.hides(message) ? t.t('blockedMessage') : t.t('announceMessage', { name, text }),
    )
    if (!this.#atBottom) this.#newBelow++
    this.#maybeMarkRead()
  }

  #announce(text: string): void {
    // A zero-width space toggles so the same text twice is still announced.
    const mark = this.announcement.endsWith('\u200b') ? '' : '\u200b'
    this.announcement = text + mark
  }

  #onScroll(): void {
    const log = this.#log
    if (!log) return
    this.#atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < BOTTOM_PX
    this.#stick = this.#atBottom && !this.store?.hasNewer
    // The first page was placed by now, or the reader scrolled before it was (then where they are counts).
    if (this.store?.state === 'idle') this.#openAtLine = false
    if (this.#stick) this.#newBelow = 0
    this.#checkEdges()
    this.#maybeMarkRead()
    this.requestUpdate()
  }

  /** Shows one hidden message from a blocked person; the focus goes to its first action, else to the log. */
  async #reveal(message: MessageView): Promise<void> {
    this.#revealed.add(message.id)
    this.requestUpdate()
    await this.updateComplete
    const action = this.renderRoot.querySelector<HTMLElement>(`[data-id="${message.id}"] [data-action]`)
    ;(action ?? this.#log)?.focus({ preventScroll: true })
  }

  /** Unblock, from the notice in a DM: the store hears of it and brings the composer back. */
  async #unblock(): Promise<void> {
    const peer = this.store?.chat?.peer
    if (!peer) return
    this.#focusOnPost = true
    const done = await sendBlock(runtimeFor(this.basePath), peer, false, this.i18n, (text) =>
      this.#showNotice(text),
    )
    if (!done) this.#focusOnPost = false
  }

  // ---- scrolling ----

  get #log(): HTMLElement | null {
    return this.renderRoot.querySelector<HTMLElement>('.log')
  }

  /** Before the DOM changes: which message is at the top of the view (or was just chosen: it stays under the finger), and where. */
  #captureAnchor(choosing: boolean): { key: string; top: number } | null {
    const log = this.#log
    if (!log || this.#stick) return null
    const top = log.getBoundingClientRect().top
    const chosen = choosing && log.querySelector<HTMLElement>(`[data-id="${this.chosenId}"]`)
    for (const element of chosen ? [chosen] : log.querySelectorAll<HTMLElement>('[data-key]')) {
      const rect = element.getBoundingClientRect()
      if (rect.bottom > top + 1) return { key: element.dataset.key!, top: rect.top - top }
    }
    return null
  }

  /** After it changed: the end stays in view when the reader was there, else the anchor stays where it was. */
  #restoreScroll(): void {
    const log = this.#log
    if (!log || !this.store) return
    if (this.#pendingScroll === 'highlight' && this.store.state === 'idle' && this.highlightId !== null) {
      this.#pendingScroll = null
      const target = log.querySelector(`[data-id="${this.highlightId}"]`)
      if (target) target.scrollIntoView({ block: 'center' })
      else this.#missedJump(this.store)
      return
    }
    const opening = this.store.state === 'idle' && this.#openAtLine
    if (opening && this.#scrollToLine(log)) return
    if (this.#stick && !this.store.hasNewer) {
      log.scrollTop = log.scrollHeight
      if (this.store.state === 'idle') this.#pendingScroll = null
      // Held back until the first page was placed (see maybeMarkRead): at its end, it is read now.
      if (opening) this.#maybeMarkRead()
      return
    }
    const anchor = this.#anchor
    if (!anchor) return
    const element = log.querySelector<HTMLElement>(`[data-key="${CSS.escape(anchor.key)}"]`)
    if (!element) return
    const moved = element.getBoundingClientRect().top - log.getBoundingClientRect().top - anchor.top
    if (Math.abs(moved) >= 1) log.scrollTop += moved
  }

  /**
   * Once the first page is in: where the end would leave the line above the view (more new messages than fit),
   * the line goes to the top of the view instead, and the chat is read as the reader scrolls down to its end.
   */
  #scrollToLine(log: HTMLElement): boolean {
    this.#openAtLine = false
    const line = log.querySelector<HTMLElement>('.unread-line')
    if (!line) return false
    const top =
      line.getBoundingClientRect().top - log.getBoundingClientRect().top + log.scrollTop - LINE_MARGIN_PX
    if (top >= log.scrollHeight - log.clientHeight) return false
    log.scrollTop = top
    this.#stick = false
    this.#atBottom = false
    this.#pendingScroll = null
    return true
  }

  /** Near the top: the previous page; near the bottom of a window that is not the newest: the next page. */
  #checkEdges(): void {
    const store = this.store
    const log = this.#log
    if (!store || !log || store.busy || store.error) return
    if (log.scrollTop < PREFETCH_PX && store.hasOlder && !this.#stickyEmpty(log)) void store.loadOlder()
    else if (store.hasNewer && log.scrollHeight - log.scrollTop - log.clientHeight < PREFETCH_PX)
      void store.loadNewer()
  }

  /** A freshly opened conversation whose first page fits the view does not need the previous page yet. */
  #stickyEmpty(log: HTMLElement): boolean {
    return this.#pendingScroll === 'bottom' && log.scrollHeight <= log.clientHeight
  }

  #jumpToLatest(): void {
    const store = this.store
    if (!store) return
    this.#stick = true
    this.#newBelow = 0
    this.#pendingScroll = 'bottom'
    if (store.hasNewer) void store.loadLatest()
    else this.requestUpdate()
    void this.focusComposer()
  }

  // ---- read receipts ----

  #maybeMarkRead(): void {
    if (!this.store || !this.#visible || document.visibilityState !== 'visible') return
    // The first page may yet open at the new-messages line, away from the end (scrollToLine).
    if (this.#openAtLine || !this.#atBottom || this.store.hasNewer) return
    this.store.markRead()
  }

  // ---- helpers ----

  async #focusLater(messageId: number, selector: string): Promise<void> {
    await this.updateComplete
    this.renderRoot.querySelector<HTMLElement>(`[data-id="${messageId}"] ${selector}`)?.focus()
  }

  /** The bar above the composer shows the answered message as edited; a reply to one deleted, or where I may no longer post, is dropped. */
  #followReplyingTo(): void {
    const replyingTo = this.replyingTo
    if (!replyingTo || !this.store) return
    const current = this.store.messages.find((m) => m.id === replyingTo.id) ?? replyingTo
    if (current.deleted) this.#answer(null)
    // Not every new copy: two tabs showing the chat would write theirs back and forth.
    else if (current.editedAt !== replyingTo.editedAt) this.#answer(current)
    // Where I may no longer post the bar goes, and the draft keeps the reply for when I may again.
    if (this.store.chat && !this.store.canPost) this.replyingTo = null
  }

  /** A kept reply's message may have been deleted (or edited) while nobody here heard: asked now (if the first page lacks it), not once it loads. */
  async #recheckReply(draft: Draft, store: ConversationStore): Promise<void> {
    const kept = draft.replyTo
    const now = kept && (await store.current(kept))
    if (kept && draft.replyTo === kept && now?.editedAt !== kept.editedAt) draft.answer(now)
  }

  /** A linked message that is not in the chat (gone for good, or never in it): the chat opens as it would without it, and says so. */
  #missedJump(store: ConversationStore): void {
    this.highlightId = null
    this.#showNotice(this.i18n.t('messageNotFound'))
    this.#stick = true
    this.#openAtLine = true
    this.#pendingScroll = 'bottom'
    if (store.hasNewer) void store.loadLatest()
    else this.requestUpdate()
  }

  #showNotice(text: string, expires = true): void {
    this.notice = text
    clearTimeout(this.#noticeTimer)
    if (expires) this.#noticeTimer = setTimeout(() => (this.notice = null), 6000)
  }

  // ---- rendering ----

  /**
   * Where the line goes: from the chat as the store first knows it, before anything here marks it read. None
   * for someone not in the chat then (a room read before joining): joining here, they read along from there.
   */
  #noteReadUpTo(store: ConversationStore): void {
    if (this.#readUpTo === undefined && store.chat)
      this.#readUpTo = store.isMember ? store.chat.lastReadMessageId : null
  }

  /**
   * The item the line goes before: the first message of someone else newer than what the reader had read.
   * None where that is the first one shown and older ones are still to load: the line may be among those.
   */
  #unreadLineKey(store: ConversationStore, items: Item[]): string | null {
    const readUpTo = this.#readUpTo
    if (readUpTo == null || !store.isMember) return null
    const index = items.findIndex(
      (item) =>
        item.kind === 'message' && item.message.id > readUpTo && item.message.senderId !== this.viewerId,
    )
    if (index < 0 || (index === 0 && store.hasOlder)) return null
    return items[index]!.key
  }

  #items(store: ConversationStore): Item[] {
    const items: Item[] = store.messages.map((message) => ({
      key: `m:${message.id}`,
      kind: 'message',
      message,
      // A hidden message is a run of its own: the one shown after it keeps its avatar and name.
      senderId: this.#isHidden(message) ? `hidden:${message.id}` : message.senderId,
      at: new Date(message.createdAt),
    }))
    for (const item of store.pending) {
      items.push({
        key: `p:${item.clientId}`,
        kind: 'pending',
        item,
        senderId: store.viewerId ?? '',
        at: new Date(item.createdAt),
      })
    }
    return items
  }

  override render() {
    const store = this.store
    const t = this.i18n
    if (!store)
      return html`<div class="log" role="log" aria-label=${t.t('messages')} tabindex="0">${this.#renderCenter()}</div>`
    const items = this.#items(store)
    const lineKey = this.#unreadLineKey(store, items)
    const typing = store.typing
    const unseen = store.unseen + this.#newBelow
    return html`
      ${store.pins.length ? renderPinned(store.pins, this.#pinIndex, t, (pin) => this.#showPin(pin)) : nothing}
      <div class="log" part="list" role="log" aria-live="off" aria-label=${store.chat?.title ?? t.t('messages')}
        tabindex="0" aria-busy=${store.busy ? 'true' : 'false'} @scroll=${this.#onScroll}>
        <div class="spacer"></div>
        ${this.#renderTop(store, items.length)}
        ${items.length === 0 ? this.#renderCenter() : nothing}
        ${repeat(
          items,
          (item) => item.key,
          (item, index) => this.#renderItem(item, items[index - 1], items[index + 1], item.key === lineKey),
        )}
        ${store.state === 'newer' ? html`<div class="edge"><span class="spinner" role="img" aria-label=${t.t('loadingNewer')}></span></div>` : nothing}
      </div>
      ${
        !this.#atBottom || store.hasNewer
          ? html`<button type="button" class="jump" part="jump" @click=${this.#jumpToLatest}>
              ${icons.arrowDown}
              <span>${unseen > 0 ? t.plural('newMessages', unseen) : t.t('jumpToLatest')}</span>
            </button>`
          : nothing
      }
      <div class="footer" part="footer">
        ${this.notice ? html`<div class="notice error" role="alert">${this.notice}</div>` : nothing}
        ${
          this.connectionState === 'reconnecting' ||
          (this.connectionState === 'connecting' && store.pending.length)
            ? html`<div class="notice" role="status">${store.pending.length ? t.t('offline') : t.t('reconnecting')}</div>`
            : nothing
        }
        <div class="typing" part="typing" aria-live="polite">${this.#renderTyping(typing.map((p) => p.name))}</div>
        ${store.canPost && this.replyingTo ? renderReplyBar(this.replyingTo, this, () => this.cancelReply()) : nothing}
        ${
          store.canPost
            ? html`<palaver-composer
                exportparts="composer, composer-input, mention-list, attach, attachment-tray, attachment-notice, send"
                .i18n=${t}
                .members=${store.suggestMembers}
                .files=${store.config.attachments}
                .upload=${store.upload}
                .draft=${this.#draft}
                max-length=${store.config.limits.messageLength}
                @palaver-send=${this.#onSend}
                @palaver-typing=${() => store.typed()}
                @focusout=${() => store.stopTyping()}
                @keydown=${this.#onComposerKey}
              ></palaver-composer>`
            : store.chat
              ? html`<slot name="readonly">${this.#renderReadonly(store.chat)}</slot>`
              : nothing
        }
      </div>
      <div class="visually-hidden" role="status" aria-live="polite" aria-atomic="true">${this.announcement}</div>
      ${this.dragging ? html`<div class="dropzone" part="dropzone"><span>${icons.paperclip}${t.t('dropFiles')}</span></div>` : nothing}
      ${this.#lightbox.render()}
    `
  }

  #isHidden(message: MessageView): boolean {
    return this.store?.hides(message) === true && !this.#revealed.has(message.id)
  }

  /** Where one may not post and the page says nothing else: in a DM, the block that stands in it. */
  #renderReadonly(chat: ChatDetailView) {
    if (chat.kind !== 'dm' || chat.role === null) return nothing
    return renderDmNotice(chat, this.i18n, () => void this.#unblock())
  }

  #renderCenter(): TemplateResult {
    const t = this.i18n
    const store = this.store
    if (store?.error) {
      return html`<div class="center" role="alert">
        <p class="error">${store.error.code === 'not_found' ? t.t('notAvailable') : t.t('loadFailed')}</p>
        ${store.error.code === 'not_found' ? nothing : html`<button type="button" class="button secondary" @click=${() => void store.loadLatest()}>${t.t('tryAgain')}</button>`}
      </div>`
    }
    if (!store || store.busy) {
      return html`<div class="center"><span class="spinner" role="img" aria-label=${t.t('loading')}></span></div>`
    }
    // "Say hello!" only to someone who can.
    return html`<div class="center">${store.canPost ? t.t('empty') : t.t('noMessages')}</div>`
  }

  #renderTop(store: ConversationStore, count: number) {
    const t = this.i18n
    if (store.state === 'older') {
      return html`<div class="edge"><span class="spinner" role="img" aria-label=${t.t('loadingOlder')}></span></div>`
    }
    if (!store.hasOlder && count > 0 && store.state === 'idle') {
      return html`<div class="edge start">${icons.chat}<span>${t.t('beginning')}</span></div>`
    }
    return nothing
  }

  #renderItem(item: Item, previous: Item | undefined, next: Item | undefined, line: boolean) {
    const newDay = !previous || previous.at.toDateString() !== item.at.toDateString()
    const placement: Placement = {
      first: line || startsRun(previous, item),
      last: !next || startsRun(item, next),
    }
    const separators = html`${
      newDay
        ? html`<div class="day" role="separator" aria-label=${this.i18n.dayLabel(item.at)}><span aria-hidden="true">${this.i18n.dayLabel(item.at)}</span></div>`
        : nothing
    }${
      line
        ? html`<div class="unread-line" part="unread-line" role="separator" aria-label=${this.i18n.t('newMessagesLine')}><span aria-hidden="true">${this.i18n.t('newMessagesLine')}</span></div>`
        : nothing
    }`
    const own = item.senderId === this.viewerId
    if (item.kind === 'pending') return html`${separators}${renderPending(item.item, placement, this)}`
    const message = item.message
    if (this.#isHidden(message))
      return html`${separators}${renderHidden(message, this.i18n, () => void this.#reveal(message))}`
    return html`${separators}${renderMessage(message, placement, own, this)}`
  }

  #renderTyping(names: string[]) {
    if (names.length === 0) return nothing
    const t = this.i18n
    const text =
      names.length === 1
        ? t.t('typingOne', { name: names[0]! })
        : names.length === 2
          ? t.t('typingTwo', { first: names[0]!, second: names[1]! })
          : t.t('typingMany')
    return html`<span class="dots" aria-hidden="true"><span></span><span></span><span></span></span>${text}`
  }
}

function startsRun(previous: Item | undefined, item: Item): boolean {
  if (!previous) return true
  if (previous.senderId !== item.senderId) return true
  if (previous.at.toDateString() !== item.at.toDateString()) return true
  return item.at.getTime() - previous.at.getTime() > GROUP_GAP_MS
}
