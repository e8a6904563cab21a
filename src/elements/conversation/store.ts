import {
  type AttachmentView,
  type ChatDetailView,
  type Connection,
  Emitter,
  type HistoryQuery,
  type MessageView,
  type Outbox,
  type OutboxItem,
  type PalaverClient,
  PalaverClientError,
  type PalaverEvent,
  type QuoteView,
  quoteOf,
  type TypingFrame,
  type UserView,
} from '../../client/index.js'
import { EVERYONE } from '../../client/mentions.js'
import type { BlockList } from '../blocking.js'
import type { PalaverConfig } from '../config.js'
import { isPicture } from './attachments.js'
import { asksForEveryone, type MemberSearch, type Named } from './mentions.js'
import { ReceiptMarks } from './receipts.js'
import { type Uploader, uploadedFile } from './uploads.js'

export interface StoreEvents {
  /** Anything shown changed. */
  change: undefined
  /** Someone else's message arrived live (for the screen-reader announcement). */
  incoming: MessageView
  /** The viewer joined or left (permissions changed). */
  membership: { isMember: boolean }
  /** The chat was deleted or may no longer be seen. */
  gone: undefined
}

export type LoadState = 'starting' | 'idle' | 'latest' | 'around' | 'older' | 'newer'

export interface TypingPerson {
  userId: string
  name: string
}

export interface StoreOptions {
  /** The chat when the caller already has it (a widget that just got it from POST /api/rooms/). */
  chat?: ChatDetailView | null
  /** The people the viewer blocked: their messages in a group or room are hidden, their typing too. */
  blocks?: BlockList | null
  /** At most this many messages are kept (and rendered); pages further away are dropped and fetched again. */
  maxMessages?: number
}

const TYPING_SHOWN_MS = 6000
const TYPING_RESEND_MS = 3000

/**
 * The files of my pending sends, by clientId, for every conversation of one outbox: a chat opened again shows them as
 * before, and after a reload they come from the item (`attachments`). A picture whose bytes the page holds (given, or
 * kept by the outbox across the reload) shows from them (an object URL), as its upload may be swept while the send
 * waits; the URL is freed once the item is sent or discarded, shown or not.
 */
const filesOfSends = new WeakMap<Outbox, Map<string, AttachmentView[]>>()

/** Files as a pending send shows them: a picture from the bytes held of it, where there are any. */
function shownFrom(files: readonly AttachmentView[], bytesOf: (file: AttachmentView) => Blob | undefined) {
  return files.map((file) => {
    const bytes = isPicture(file) && bytesOf(file)
    return bytes ? { ...file, url: URL.createObjectURL(bytes) } : file
  })
}

function sentFilesOf(outbox: Outbox): Map<string, AttachmentView[]> {
  let sent = filesOfSends.get(outbox)
  if (!sent) {
    const files = (sent = new Map<string, AttachmentView[]>())
    filesOfSends.set(outbox, files)
    outbox.on('change', ({ item }) => {
      if (item.state !== 'sent' && outbox.get(item.clientId)) return
      for (const file of files.get(item.clientId) ?? []) URL.revokeObjectURL(file.url)
      files.delete(item.clientId)
    })
  }
  return sent
}

/**
 * One conversation's state, without any UI: a window of its history (the newest page first, older
 * and newer pages on demand, never more than `maxMessages`), kept current by the live connection,
 * with the viewer's pending sends from the outbox, typing people and read receipts.
 */
export class ConversationStore extends Emitter<StoreEvents> {
  readonly chatId: number
  readonly viewerId: string | null
  chat: ChatDetailView | null
  messages: MessageView[] = []
  hasOlder = false
  hasNewer = false
  state: LoadState = 'starting'
  /** The last load that failed (cleared by the next that works). */
  error: PalaverClientError | null = null
  /** Live messages that arrived while the window was away from the newest ones. */
  unseen = 0
  /** The chat's pinned messages, the most recently pinned first: loaded with the chat, kept live. */
  pins: MessageView[] = []
  readonly receipts: ReceiptMarks
  readonly #maxMessages: number
  readonly #blocks: BlockList | null
  readonly #typingPeople = new Map<string, { name: string; until: number }>()
  readonly #names = new Map<string, string>()
  /** Quotes of the messages answered by my pending replies (for a reply whose original left the window). */
  readonly #quotes = new Map<number, QuoteView>()
  readonly #sentFiles: Map<string, AttachmentView[]>
  /** Members an @query found, by query (until someone joins or leaves). */
  readonly #found = new Map<string, Promise<UserView[]>>()
  /** Queries that found nobody: what extends one finds nobody either. */
  readonly #nobody = new Set<string>()
  #buffer: PalaverEvent[] | null = []
  #loads = 0
  #offs: Array<() => void> = []
  #typingTimer: ReturnType<typeof setTimeout> | undefined
  #typingSentAt = 0
  #readRequested = 0
  /** Answers with the chat on their way (fetches, joins, leaves), and how many of them are joins and leaves of mine. */
  #asking = 0
  #moving = 0
  #stopped = false
  #startAround: number | null = null

  constructor(
    private readonly client: PalaverClient,
    private readonly connection: Connection,
    readonly config: PalaverConfig,
    chatId: number,
    options: StoreOptions = {},
  ) {
    super()
    this.chatId = chatId
    this.viewerId = config.viewer?.id ?? null
    this.chat = options.chat ? structuredClone(options.chat) : null
    this.#maxMessages = Math.max(options.maxMessages ?? 200, config.messagesPerPage * 3)
    this.#blocks = options.blocks ?? null
    this.receipts = new ReceiptMarks(this.viewerId)
    this.#sentFiles = sentFilesOf(client.outbox)
    if (config.viewer) this.#names.set(config.viewer.id, config.viewer.displayName)
  }

  get isMember(): boolean {
    return this.chat?.role != null
  }

  get canPost(): boolean {
    return this.chat?.permissions.post === true
  }

  get canReact(): boolean {
    return this.config.allowReactions && this.chat?.permissions.react === true
  }

  get canPin(): boolean {
    return this.chat?.permissions.pin === true
  }

  /** Pins the message to the chat, or unpins it; the answer shows at once (the event only confirms it). */
  async pin(message: MessageView, pinned: boolean): Promise<void> {
    const view = await this.client.api.pinMessage(message.id, pinned)
    this.#replace(view)
    this.#notePin(view)
    this.#changed()
  }

  canEdit(message: MessageView): boolean {
    return this.config.allowEditingMessages && this.isOwn(message) && !message.deleted && this.isMember
  }

  canDelete(message: MessageView): boolean {
    return this.config.allowDeletingMessages && this.isOwn(message) && !message.deleted && this.isMember
  }

  isOwn(message: MessageView): boolean {
    return message.senderId === this.viewerId
  }

  /** Whether a message is from someone the viewer blocked, in a group or a room (a DM shows the blocked person's messages). */
  hides(message: MessageView): boolean {
    return this.chat?.kind !== 'dm' && !this.isOwn(message) && this.#blocks?.has(message.senderId) === true
  }

  /** Outbox items of this chat still on their way (or refused), in the order written. */
  get pending(): OutboxItem[] {
    if (this.hasNewer) return []
    const shown = new Set(this.messages.map((m) => m.clientId).filter(Boolean))
    return this.client.outbox.items.filter(
      (item) => item.chatId === this.chatId && item.state !== 'sent' && !shown.has(item.clientId),
    )
  }

  get typing(): TypingPerson[] {
    const now = Date.now()
    return [...this.#typingPeople]
      .filter(([userId, person]) => person.until > now && !this.#blocks?.has(userId))
      .map(([userId, person]) => ({ userId, name: person.name }))
  }

  nameOf(userId: string): string {
    return this.#names.get(userId) ?? userId
  }

  /** What a pending reply shows of the message it answers (null when that is not known here). */
  quoteFor(item: OutboxItem): QuoteView | null {
    if (item.replyToId === null) return null
    const answered = this.messages.find((m) => m.id === item.replyToId)
    return answered ? quoteOf(answered) : (this.#quotes.get(item.replyToId) ?? null)
  }

  /** Loads the chat (unless given) and its newest page, and follows it live. */
  async start(): Promise<void> {
    this.#listen()
    try {
      if (!this.chat) this.chat = await this.client.api.getChat(this.chatId)
      this.#learnChat(this.chat)
    } catch (error) {
      this.state = 'idle'
      this.error = asClientError(error)
      this.#buffer = null
      this.#changed()
      if (this.error.code === 'not_found') this.emit('gone', undefined)
      return
    }
    const around = this.#startAround
    // Pins are a help, not the chat: one that fails to load leaves the bar away.
    void this.client.api.pinnedMessages(this.chatId).then(
      ({ messages }) => {
        this.pins = messages
        this.#changed()
      },
      () => {},
    )
    await (around === null ? this.loadLatest() : this.#load('around', { around }))
  }

  stop(): void {
    this.#stopped = true
    for (const off of this.#offs.splice(0)) off()
    clearTimeout(this.#typingTimer)
    this.stopTyping()
  }

  // ---- history ----

  loadLatest(): Promise<void> {
    return this.#load('latest', {})
  }

  /** Centres the window on a message (a search result); before the first page, that page is the one around it. */
  jumpTo(messageId: number): Promise<void> {
    if (this.state === 'starting') {
      this.#startAround = messageId
      return Promise.resolve()
    }
    return this.#load('around', { around: messageId })
  }

  loadOlder(): Promise<void> {
    const first = this.messages[0]
    if (!first || !this.hasOlder || this.busy) return Promise.resolve()
    return this.#load('older', { before: first.id })
  }

  loadNewer(): Promise<void> {
    const last = this.messages.at(-1)
    if (!last || !this.hasNewer || this.busy) return Promise.resolve()
    return this.#load('newer', { after: last.id })
  }

  get busy(): boolean {
    return this.state !== 'idle'
  }

  async #load(kind: Exclude<LoadState, 'idle' | 'starting'>, query: HistoryQuery): Promise<void> {
    const load = ++this.#loads
    this.#buffer ??= []
    this.state = kind
    this.#changed()
    try {
      const page = await this.client.api.history(this.chatId, {
        ...query,
        limit: this.config.messagesPerPage,
      })
      if (load !== this.#loads || this.#stopped) return
      this.#learnMessages(page.messages)
      this.#place(kind, page)
      this.error = null
    } catch (error) {
      if (load !== this.#loads || this.#stopped) return
      this.error = asClientError(error)
    } finally {
      if (load === this.#loads && !this.#stopped) {
        this.state = 'idle'
        // Events that came while the page was on its way, applied over it in order: the latest state wins.
        const held = this.#buffer ?? []
        this.#buffer = null
        for (const event of held) this.#apply(event)
        this.#changed()
      }
    }
  }

  #place(kind: LoadState, page: { messages: MessageView[]; hasOlder: boolean; hasNewer: boolean }): void {
    if (kind === 'latest' || kind === 'around') {
      this.messages = page.messages
      this.hasOlder = page.hasOlder
      this.hasNewer = kind === 'around' && page.hasNewer
      if (!this.hasNewer) this.unseen = 0
      return
    }
    if (kind === 'older') {
      const firstId = this.messages[0]?.id ?? Number.MAX_SAFE_INTEGER
      this.messages = [...page.messages.filter((m) => m.id < firstId), ...this.messages]
      this.hasOlder = page.hasOlder
      if (this.messages.length > this.#maxMessages) {
        this.messages = this.messages.slice(0, this.#maxMessages)
        this.hasNewer = true
      }
      return
    }
    const lastId = this.messages.at(-1)?.id ?? 0
    this.messages = [...this.messages, ...page.messages.filter((m) => m.id > lastId)]
    this.hasNewer = page.hasNewer
    if (!this.hasNewer) this.unseen = 0
    this.#trimOldest()
  }

  #trimOldest(): void {
    if (this.messages.length <= this.#maxMessages) return
    this.messages = this.messages.slice(this.messages.length - this.#maxMessages)
    this.hasOlder = true
  }

  // ---- actions ----

  /**
   * Sends through the outbox (a reply to `replyTo`, mentioning whom it `named`, carrying uploaded `files`):
   * shown at once as pending, kept until it lands (also across reloads). With files the text may be empty.
   */
  send(
    body: string,
    replyTo: MessageView | null = null,
    named: Named = { mentionIds: [], mentionsEveryone: false },
    files: AttachmentView[] = [],
  ): OutboxItem | null {
    const text = body.replace(/\s+$/, '')
    if ((!text.trim() && files.length === 0) || !this.canPost) return null
    if (this.hasNewer) void this.loadLatest()
    this.stopTyping()
    if (replyTo) this.#quotes.set(replyTo.id, quoteOf(replyTo))
    const item = this.client.send(this.chatId, text.trim() ? text : '', {
      replyToId: replyTo?.id,
      ...named,
      attachmentIds: files.map((file) => file.id),
      // The bytes this page holds: an upload swept while the send waits goes again.
      files: new Map(
        files.flatMap((file) => (uploadedFile.has(file) ? [[file.id, uploadedFile.get(file)!]] : [])),
      ),
      // The server's names: uploaded again, a file keeps it; lost after a reload, it is named.
      fileNames: Object.fromEntries(files.map((file) => [file.id, file.name])),
      // As they show: after a reload too.
      attachments: files,
    })
    this.#sentFiles.set(
      item.clientId,
      shownFrom(files, (file) => uploadedFile.get(file)),
    )
    this.#changed()
    return item
  }

  /** The files a pending send carries (after a reload from one stored before they were kept, only how many). */
  filesFor(item: OutboxItem): AttachmentView[] {
    let files = this.#sentFiles.get(item.clientId)
    if (!files && item.attachments) {
      const held = this.client.outbox.held(item.clientId)
      files = shownFrom(item.attachments, (file) => held?.get(file.id))
      this.#sentFiles.set(item.clientId, files)
    }
    files ??= []
    // Each by the id it was sent with: one uploaded again by the outbox has a new id; the gone ones are left out.
    return files.filter((file) =>
      item.attachmentIds.some((id) => (item.uploadedAgain?.[id] ?? id) === file.id),
    )
  }

  /** Uploads a file to this chat for the next message, telling how much has gone. */
  readonly upload: Uploader = (file, signal, onProgress) =>
    this.client.api.uploadAttachment(this.chatId, file, { signal, onProgress })

  /** Whether the server still keeps an upload of mine (a draft's, after a reload): false only when it says it has none. */
  async keeps(file: AttachmentView): Promise<boolean> {
    try {
      const response = await this.client.api.http.fetch(`/api/attachments/${file.id}/`, { method: 'HEAD' })
      return response.status !== 404
    } catch {
      return true
    }
  }

  /**
   * A message as the server has it now: null once deleted (or no longer to be seen); the one given when that is
   * not known. The window answers when it reaches the id (a page holds every message of its span), else the server.
   */
  async current(message: MessageView): Promise<MessageView | null> {
    const first = this.messages[0]?.id ?? 0
    const last = this.messages.at(-1)?.id ?? 0
    const reached = (!this.hasOlder || first <= message.id) && (!this.hasNewer || message.id <= last)
    if (this.state === 'idle' && !this.error && reached) {
      const shown = this.messages.find((m) => m.id === message.id)
      return shown && !shown.deleted ? shown : null
    }
    try {
      const now = await this.client.api.getMessage(message.id)
      return now.deleted ? null : now
    } catch (error) {
      return asClientError(error).code === 'not_found' ? null : message
    }
  }

  /** Where this page loads a file from. */
  fileUrl(file: AttachmentView): string {
    return this.client.resolveUrl(file.url)
  }

  /** Sends a failed item again (without the files the server no longer had), or a waiting one now. */
  retry(clientId: string): void {
    this.client.outbox.retry(clientId)
    void this.client.outbox.flush()
  }

  discard(clientId: string): void {
    this.client.outbox.discard(clientId)
    this.#changed()
  }

  /** Edits my message; it mentions whom it `named` now. */
  async edit(messageId: number, body: string, named: Named): Promise<void> {
    const message = await this.client.api.editMessage(messageId, { body, ...named })
    this.#replace(message)
    this.#requote(message)
    this.#changed()
  }

  async remove(messageId: number): Promise<void> {
    await this.client.api.deleteMessage(messageId)
    const message = this.messages.find((m) => m.id === messageId)
    this.#markDeleted(messageId)
    if (message) this.#requote({ ...message, deleted: true, body: null })
    this.#changed()
  }

  async react(messageId: number, emoji: string): Promise<void> {
    const result = await this.client.api.toggleReaction(messageId, emoji)
    this.#setReactions(messageId, result.reactions)
    this.#changed()
  }

  /** Marks the chat read up to its newest message (once per new message; the UI calls it when the end is in view). */
  markRead(): void {
    const chat = this.chat
    // A chat its member marked unread is read once it is seen, though nothing in it is new.
    const marked = chat?.markedUnread === true
    const newest = this.messages.at(-1)?.id ?? 0
    if (!this.isMember || this.hasNewer || this.state !== 'idle') return
    if (!marked && (newest <= (chat?.lastReadMessageId ?? 0) || newest <= this.#readRequested)) return
    const previous = this.#readRequested
    this.#readRequested = Math.max(previous, newest)
    if (chat) chat.markedUnread = false
    this.client.api.markAsRead(this.chatId, newest || undefined).then(
      (result) => {
        if (chat) chat.lastReadMessageId = Math.max(chat.lastReadMessageId, result.lastReadMessageId)
      },
      () => {
        this.#readRequested = previous
        if (chat) chat.markedUnread ||= marked
      },
    )
  }

  /** Who an @query suggests: the members it matches, everyone first where my messages may mention everyone. */
  readonly suggestMembers: MemberSearch = async (query) => {
    const users = await this.#membersMatching(query)
    return this.chat?.permissions.mentionEveryone && asksForEveryone(query) ? [EVERYONE, ...users] : users
  }

  /**
   * The members an @query suggests, the viewer left out: without a query those who read the chat last.
   * Each query is asked once; one that extends a query that found nobody finds nobody either.
   */
  #membersMatching(query: string): Promise<UserView[]> {
    const q = query.trim().toLocaleLowerCase()
    if ([...this.#nobody].some((none) => q.startsWith(none))) return Promise.resolve([])
    let found = this.#found.get(q)
    if (found) return found
    found = this.client.api
      .searchMembers(this.chatId, q ? { q, limit: 9 } : { limit: 9 })
      .then(({ members }) => {
        const users = members.map((m) => m.user).filter((user) => user.id !== this.viewerId)
        if (users.length === 0 && q) this.#nobody.add(q)
        return users.slice(0, 8)
      })
    found.catch(() => this.#found.delete(q))
    this.#found.set(q, found)
    return found
  }

  /** The viewer is typing: says so at most every few seconds. */
  typed(): void {
    if (!this.canPost) return
    const now = Date.now()
    if (now - this.#typingSentAt < TYPING_RESEND_MS) return
    this.#typingSentAt = now
    this.connection.setTyping(this.chatId, true).catch(() => {})
  }

  stopTyping(): void {
    if (this.#typingSentAt === 0) return
    this.#typingSentAt = 0
    this.connection.setTyping(this.chatId, false).catch(() => {})
  }

  /** Reloads the chat (after joining, leaving or a block, which change its permissions), with `fetch` when another fetches it too. */
  async refreshChat(fetch = () => this.client.api.getChat(this.chatId)): Promise<void> {
    try {
      await this.#takeChat(fetch())
    } catch (error) {
      if (asClientError(error).code === 'not_found') this.emit('gone', undefined)
    }
  }

  /** Joins the chat and shows it as the join answers: the member.added about me that the join brings fetches nothing. */
  join(): Promise<ChatDetailView> {
    return this.#move(this.client.api.join(this.chatId))
  }

  /** Leaves the chat and shows it as `after` then answers (a room as a reader sees it): the member.removed about me fetches nothing. */
  leave(after: () => Promise<ChatDetailView>): Promise<ChatDetailView> {
    return this.#move(this.client.api.leave(this.chatId).then(after))
  }

  async #move(answer: Promise<ChatDetailView>): Promise<ChatDetailView> {
    this.#moving++
    try {
      return structuredClone(await this.#takeChat(answer))
    } finally {
      this.#moving--
    }
  }

  async #takeChat(answer: Promise<ChatDetailView>): Promise<ChatDetailView> {
    this.#asking++
    try {
      this.chat = await answer
      this.#learnChat(this.chat)
      this.emit('membership', { isMember: this.isMember })
      this.#changed()
      return this.chat
    } finally {
      this.#asking--
    }
  }

  // ---- live events ----

  #listen(): void {
    const connection = this.connection
    const ours = (chatId: number | null | undefined) => chatId === this.chatId
    this.#offs.push(
      connection.on('event', (event) => {
        if (!ours(event.chatId) && !(event.type === 'chat.deleted' && ours(event.data.chatId))) return
        if (this.#buffer) this.#buffer.push(event)
        else {
          this.#apply(event)
          this.#changed()
        }
      }),
      connection.on('typing', (frame) => {
        if (ours(frame.chatId)) this.#onTyping(frame)
      }),
      connection.on('resync', () => void this.refreshChat().then(() => this.loadLatest())),
      this.#blocks?.on('change', ({ userId }) => this.#onBlock(userId)) ?? (() => {}),
      this.client.outbox.on('change', ({ item }) => {
        if (item.chatId !== this.chatId) return
        if (item.state === 'sent' && item.message && !this.hasNewer) this.#upsert(item.message)
        this.#changed()
      }),
    )
  }

  #apply(event: PalaverEvent): void {
    switch (event.type) {
      case 'message.created': {
        const message = event.data.message
        // A sender has read and received the chat up to their own message (no receipt.updated says it).
        this.receipts.update(message.senderId, message.id, message.id)
        if (this.isOwn(message) && this.chat) {
          this.chat.lastReadMessageId = Math.max(this.chat.lastReadMessageId, message.id)
        }
        this.#learnMessages([message])
        this.#typingPeople.delete(message.senderId)
        if (this.hasNewer) {
          if (!this.isOwn(message)) this.unseen++
          return
        }
        const isNew = !this.messages.some((m) => m.id === message.id)
        this.#upsert(message)
        this.#trimOldest()
        if (isNew && !this.isOwn(message)) this.emit('incoming', message)
        return
      }
      case 'message.updated':
        this.#replace(event.data.message)
        this.#requote(event.data.message)
        this.#notePin(event.data.message)
        return
      case 'message.deleted':
        this.#markDeleted(event.data.messageId)
        this.#requote(event.data.message)
        this.#notePin(event.data.message)
        return
      case 'reaction.updated':
        this.#setReactions(event.data.messageId, event.data.reactions)
        return
      case 'receipt.updated': {
        for (const { userId, lastReadMessageId, lastDeliveredMessageId } of event.data.marks) {
          if (userId === this.viewerId && this.chat) {
            this.chat.lastReadMessageId = Math.max(this.chat.lastReadMessageId, lastReadMessageId)
          }
          this.receipts.update(userId, lastReadMessageId, lastDeliveredMessageId)
        }
        return
      }
      case 'member.added': {
        this.#forgetFound()
        const { user, role, chat } = event.data
        this.#names.set(user.id, user.displayName)
        if (this.chat) {
          this.chat.memberCount = chat.memberCount
          if (!this.chat.members.some((m) => m.user.id === user.id)) {
            const joinedAt = new Date().toISOString()
            this.chat.members = [...this.chat.members, { user, role, joinedAt, lastReadMessageId: 0 }]
          }
        }
        this.receipts.add(user.id)
        if (user.id === this.viewerId) this.#moved(false)
        return
      }
      case 'member.removed': {
        this.#forgetFound()
        const { userId, chat } = event.data
        if (this.chat) {
          this.chat.memberCount = chat.memberCount
          this.chat.members = this.chat.members.filter((m) => m.user.id !== userId)
        }
        this.receipts.remove(userId)
        if (userId === this.viewerId) this.#moved(true)
        return
      }
      case 'chat.updated':
        if (this.chat && event.data.chat.customTitle) {
          this.chat.customTitle = event.data.chat.customTitle
          this.chat.title = event.data.chat.customTitle
        }
        return
      case 'chat.deleted':
        this.emit('gone', undefined)
        return
    }
  }

  /**
   * News that I joined (or left: `wasMember`). The chat is fetched again, unless a join or leave of mine answers
   * with it (as new as the news) or it shows me so already; but always while an older answer may overwrite it.
   */
  #moved(wasMember: boolean): void {
    // Out of a group or a DM, nothing is left to read: gone, without asking for it (a 404 in the console).
    // A room may still be read by whoever left it: it is asked for again.
    if (wasMember && !this.#moving && this.chat && this.chat.kind !== 'room') this.emit('gone', undefined)
    else if (this.#asking > this.#moving || (!this.#moving && this.isMember === wasMember))
      void this.refreshChat()
  }

  /** A block or an unblock: a DM with that person changes who may write in it; elsewhere, what is hidden. */
  #onBlock(userId: string): void {
    if (this.chat?.kind === 'dm' && this.chat.peer?.id === userId)
      void this.refreshChat(() => this.#blocks!.fetchDm(this.chatId))
    else this.#changed()
  }

  #onTyping(frame: TypingFrame): void {
    const { userId, displayName, isTyping } = frame.data
    if (userId === this.viewerId) return
    if (isTyping) this.#typingPeople.set(userId, { name: displayName, until: Date.now() + TYPING_SHOWN_MS })
    else this.#typingPeople.delete(userId)
    clearTimeout(this.#typingTimer)
    if (this.#typingPeople.size > 0) this.#typingTimer = setTimeout(() => this.#pruneTyping(), 1000)
    this.#changed()
  }

  #pruneTyping(): void {
    const now = Date.now()
    for (const [userId, person] of this.#typingPeople)
      if (person.until <= now) this.#typingPeople.delete(userId)
    if (this.#typingPeople.size > 0) this.#typingTimer = setTimeout(() => this.#pruneTyping(), 1000)
    this.#changed()
  }

  // ---- the window ----

  /** Adds a message at its place by id, or replaces the one with its id. */
  #upsert(message: MessageView): void {
    const index = this.messages.findIndex((m) => m.id === message.id)
    if (index >= 0) {
      this.messages[index] = merge(this.messages[index]!, message)
      this.messages = [...this.messages]
      return
    }
    const after = this.messages.findIndex((m) => m.id > message.id)
    if (after === -1) this.messages = [...this.messages, message]
    else this.messages = [...this.messages.slice(0, after), message, ...this.messages.slice(after)]
  }

  #replace(message: MessageView): void {
    const index = this.messages.findIndex((m) => m.id === message.id)
    if (index < 0) return
    const next = [...this.messages]
    next[index] = merge(next[index]!, message)
    this.messages = next
  }

  /** The pins follow a message pinned, unpinned, edited or deleted, most recently pinned first. */
  #notePin(message: MessageView): void {
    const others = this.pins.filter((m) => m.id !== message.id)
    if (!message.pinned || message.deleted) {
      if (others.length !== this.pins.length) this.pins = others
      return
    }
    this.pins = [message, ...others].sort(
      (a, b) => (b.pinned?.at ?? '').localeCompare(a.pinned?.at ?? '') || b.id - a.id,
    )
  }

  #markDeleted(messageId: number): void {
    if (!this.config.showDeletedMessageIndicators) {
      this.messages = this.messages.filter((m) => m.id !== messageId)
      return
    }
    const index = this.messages.findIndex((m) => m.id === messageId)
    if (index < 0) return
    const next = [...this.messages]
    next[index] = {
      ...next[index]!,
      deleted: true,
      body: null,
      reactions: [],
      receipt: null,
      attachments: [],
    }
    this.messages = next
  }

  /** The replies to `message` quote it as it is now (the server sends no event for them). */
  #requote(message: MessageView): void {
    const quote = quoteOf(message)
    if (this.#quotes.has(message.id)) this.#quotes.set(message.id, quote)
    if (!this.messages.some((m) => m.replyTo?.id === message.id)) return
    this.messages = this.messages.map((m) => (m.replyTo?.id === message.id ? { ...m, replyTo: quote } : m))
  }

  #setReactions(messageId: number, reactions: MessageView['reactions']): void {
    const index = this.messages.findIndex((m) => m.id === messageId)
    if (index < 0) return
    const next = [...this.messages]
    next[index] = { ...next[index]!, reactions }
    this.messages = next
  }

  #learnChat(chat: ChatDetailView): void {
    for (const member of chat.members) this.#names.set(member.user.id, member.user.displayName)
    if (chat.peer) this.#names.set(chat.peer.id, chat.peer.displayName)
    this.receipts.reset(chat)
  }

  #learnMessages(messages: readonly MessageView[]): void {
    for (const message of messages)
      if (message.sender) this.#names.set(message.senderId, message.sender.displayName)
  }

  #forgetFound(): void {
    this.#found.clear()
    this.#nobody.clear()
  }

  #changed(): void {
    if (!this.#stopped) this.emit('change', undefined)
  }
}

/** An event's copy of a message carries no reactions or receipt (they are the same for everyone): keep ours. */
function merge(old: MessageView, next: MessageView): MessageView {
  if (next.deleted) return { ...next, reactions: [], receipt: null }
  return {
    ...next,
    reactions: next.reactions.length ? next.reactions : old.reactions,
    receipt: next.receipt ?? old.receipt,
  }
}

function asClientError(error: unknown): PalaverClientError {
  return error instanceof PalaverClientError
    ? error
    : new PalaverClientError('network', String((error as Error)?.message ?? error))
}
