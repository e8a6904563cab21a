import {
  type ChatDetailView,
  type ChatKind,
  type ChatView,
  type Connection,
  Emitter,
  type MessageView,
  mentionsUser,
  type PalaverClient,
  PalaverClientError,
  type PalaverEvent,
  type UnreadChatView,
} from '../../client/index.js'
import type { BlockList } from '../blocking.js'
import type { PalaverConfig } from '../config.js'
import { unreadThatCounts, withMute } from '../muting.js'

/** Which chats the list shows: all the page may show, or one kind. */
export type ListFilter = 'all' | ChatKind

export interface ChatListEvents {
  change: undefined
  /** The viewer may no longer see this chat (deleted, left, removed). */
  removed: { chatId: number }
}

/** A page mostly of kinds the page hides is followed by the next one at once (a few times at most). */
const MAX_ROUNDS = 5

/**
 * The viewer's chats for the messages page, without any UI: most recently active first, a page at
 * a time (`loadMore`), filtered by the server's `?search=` and by kind, and kept current by the live
 * connection (new messages move a chat to the top and count as unread; a chat the viewer is added to
 * appears; reading clears its count; renamed, muted, left and deleted chats follow; a message from
 * someone the viewer blocked is not unread in a group or room, and a block or unblock fetches the
 * chats whose count or permissions it changes). The chats a search or the kind filter hides are kept
 * current too, for the counts that speak of all of them (`counted`: the tab's title and the Chats tab);
 * those of the chats not loaded yet come from the server (`GET /api/unread/`), asked again when an event
 * changes one.
 */
export class ChatListStore extends Emitter<ChatListEvents> {
  /** The chats the list shows. */
  chats: ChatView[] = []
  nextCursor: string | null = null
  loading = false
  error: PalaverClientError | null = null
  search = ''
  filter: ListFilter = 'all'
  /** Kinds the site lets this page show (showDmsOnMessagesPage / showRoomsOnMessagesPage). */
  readonly kinds: ChatKind[]
  #generation = 0
  #offs: Array<() => void> = []
  #refreshing = new Map<number, Promise<void>>()
  #viewer: string | null = null
  /**
   * Every chat of a kind the page shows that the store has heard of, shown or hidden by the filters,
   * by id; the events keep each current (`chats` holds the same objects).
   */
  readonly #known = new Map<number, ChatView>()
  /** Chats of kinds the site hides on this page: their messages need no request. */
  readonly #skipped = new Set<number>()
  /** Bumped by stop() and by each resync: an answer to an older one is dropped. */
  #epoch = 0
  /** How often events changed each chat (a refresh they overtook is repeated). */
  #changes = new Map<number, number>()
  /** The server's unread of each chat with any: it counts for the chats the store does not know. */
  #unread: UnreadChatView[] = []
  /** Its request on the way; `unreadAgain`: an event since may have changed what it answers. */
  #unreadAsked: Promise<void> | null = null
  #unreadAgain = false

  constructor(
    private readonly client: PalaverClient,
    private readonly connection: Connection,
    config: PalaverConfig,
    private readonly blocks: BlockList | null = null,
  ) {
    super()
    this.kinds = ['group']
    if (config.enableDms && config.showDmsOnMessagesPage) this.kinds.unshift('dm')
    if (config.enableRooms && config.showRoomsOnMessagesPage) this.kinds.push('room')
  }

  /** Starts following the connection and loads the first page. */
  start(viewerId: string): Promise<void> {
    this.#viewer = viewerId
    this.#offs.push(
      this.connection.on('event', (event) => this.#apply(event)),
      this.connection.on('resync', () => void this.#resync()),
      this.blocks?.on('change', ({ userId, blocked }) => this.#onBlock(userId, blocked)) ?? (() => {}),
    )
    void this.#loadUnread()
    return this.reload()
  }

  stop(): void {
    this.#generation++
    this.#epoch++
    for (const off of this.#offs.splice(0)) off()
  }

  /** A chat as the store has it, shown or hidden by the filters. */
  find(chatId: number): ChatView | undefined {
    return this.#known.get(chatId)
  }

  /**
   * The chats the unread counts speak of: every one the store knows, as it has it, and the server's
   * figure of those it has not loaded (older than the pages loaded), each once.
   */
  get counted(): Array<ChatView | UnreadChatView> {
    return [
      ...this.#known.values(),
      ...this.#unread.filter((chat) => !this.#known.has(chat.id) && this.kinds.includes(chat.kind)),
    ]
  }

  /**
   * The chats that wait for the viewer, loaded or not: those with unread messages, a muted one only while
   * they mention the viewer, and not `reading`, the chat on screen (what it gets is being read).
   */
  unreadChatCount(reading: number | null = null): number {
    const now = Date.now()
    return this.counted.filter((chat) => chat.id !== reading && unreadThatCounts(chat, now) > 0).length
  }

  /** Whether the list, as filtered now, has a place for this chat. */
  shows(chat: Pick<ChatView, 'kind' | 'title'>): boolean {
    if (!this.kinds.includes(chat.kind)) return false
    if (this.filter !== 'all' && chat.kind !== this.filter) return false
    return !this.search || fold(chat.title).includes(fold(this.search))
  }

  setQuery(search: string, filter: ListFilter = this.filter): Promise<void> {
    if (search === this.search && filter === this.filter) return Promise.resolve()
    this.search = search
    this.filter = filter
    return this.reload()
  }

  /** The first page again (after a filter change); the chats it hides stay known. */
  reload(): Promise<void> {
    this.chats = []
    this.nextCursor = null
    return this.#fetch(null)
  }

  /**
   * Events were missed: what the store knew may be stale. The list starts again, and while it is
   * filtered the first page of all the chats is fetched too, for the counts (as a page opened now has them).
   */
  async #resync(): Promise<void> {
    const epoch = ++this.#epoch
    this.#known.clear()
    void this.#loadUnread()
    void this.reload()
    if (!this.search && this.filter === 'all') return
    const page = await this.client.api.listChats({}).catch(() => null)
    if (epoch === this.#epoch)
      for (const chat of page?.chats ?? []) if (!this.#known.has(chat.id)) this.upsert(chat)
  }

  /** Whether the list holds this chat now. */
  #listed(chatId: number): boolean {
    return this.chats.some((chat) => chat.id === chatId)
  }

  loadMore(): Promise<void> {
    if (this.loading || !this.nextCursor || this.error) return Promise.resolve()
    return this.#fetch(this.nextCursor)
  }

  async #fetch(cursor: string | null): Promise<void> {
    const generation = ++this.#generation
    this.loading = true
    this.error = null
    this.#changed()
    try {
      let next: string | null = cursor
      let added = 0
      let wanted = 0
      // Pages of hidden kinds (only when the filter is "all" and the site hides some) are skipped over.
      for (let round = 0; round < MAX_ROUNDS && (round === 0 || (added < wanted && next)); round++) {
        const page = await this.client.api.listChats({
          ...(next ? { cursor: next } : {}),
          ...(this.search ? { search: this.search } : {}),
          ...(this.filter !== 'all' ? { kind: this.filter } : {}),
        })
        // The first paint counts the chats beyond the page too.
        await this.#unreadAsked
        if (generation !== this.#generation) return
        const fresh = page.chats.filter((chat) => this.kinds.includes(chat.kind) && !this.#listed(chat.id))
        for (const chat of fresh) this.#known.set(chat.id, chat)
        this.chats = [...this.chats, ...fresh]
        added += fresh.length
        wanted ||= Math.ceil(page.chats.length / 2)
        next = page.nextCursor
      }
      this.nextCursor = next
    } catch (error) {
      if (generation !== this.#generation) return
      this.error = asClientError(error)
    } finally {
      if (generation === this.#generation) {
        this.loading = false
        this.#changed()
      }
    }
  }

  /** Puts a chat the viewer now has (created, joined), or a fresher view of one, into the list (or among the hidden ones). */
  upsert(chat: ChatView): void {
    if (!this.kinds.includes(chat.kind)) {
      this.#skipped.add(chat.id)
      return
    }
    this.#known.set(chat.id, chat)
    // One the filters hide is kept for the counts only.
    if (this.shows(chat) || this.#listed(chat.id)) {
      const others = this.chats.filter((c) => c.id !== chat.id)
      const at = others.findIndex((c) => newerFirst(chat, c) < 0)
      this.chats = at === -1 ? [...others, chat] : [...others.slice(0, at), chat, ...others.slice(at)]
    }
    this.#changed()
  }

  remove(chatId: number): void {
    this.#unread = this.#unread.filter((chat) => chat.id !== chatId)
    const known = this.#known.delete(chatId)
    this.#touched(chatId)
    this.chats = this.chats.filter((chat) => chat.id !== chatId)
    this.#changed()
    if (known) this.emit('removed', { chatId })
  }

  /**
   * Fetches one chat again (its title, unread count, role…), one request at a time per chat, with
   * `fetch` when another fetches it too. An answer that events overtook (the chat changed while it was
   * on its way) is fetched again, a few times at most (a busy chat would otherwise never settle).
   */
  refresh(
    chatId: number,
    fetch: () => Promise<ChatDetailView> = () => this.client.api.getChat(chatId),
    attempt = 0,
  ): Promise<void> {
    const running = this.#refreshing.get(chatId)
    if (running) return running
    const seen = this.#changes.get(chatId) ?? 0
    const request = fetch()
      .then(
        (chat) => {
          if ((this.#changes.get(chatId) ?? 0) !== seen && attempt < 3) return 'again'
          if (chat.role === null) this.remove(chatId)
          else this.upsert(chat)
        },
        (error: unknown) => {
          if (asClientError(error).code === 'not_found') this.remove(chatId)
        },
      )
      .then((outcome) => {
        this.#refreshing.delete(chatId)
        if (outcome === 'again') return this.refresh(chatId, undefined, attempt + 1)
      })
    this.#refreshing.set(chatId, request)
    return request
  }

  #apply(event: PalaverEvent): void {
    switch (event.type) {
      case 'message.created':
        this.#onMessage(event.data.message)
        return
      case 'message.updated':
      case 'message.deleted':
        this.#touched(event.data.message.chatId)
        this.#recountMentions(event.data.message)
        this.#patch(event.data.message.chatId, (chat) =>
          chat.lastMessage?.id === event.data.message.id
            ? { ...chat, lastMessage: preview(event.data.message) }
            : chat,
        )
        return
      case 'receipt.updated': {
        const { chatId, marks } = event.data
        const lastReadMessageId = marks.find((m) => m.userId === this.#viewer)?.lastReadMessageId
        if (lastReadMessageId === undefined) return
        this.#touched(chatId)
        const chat = this.find(chatId)
        if (!chat) return
        // Delivered, not read further: nothing changes here.
        if (lastReadMessageId <= chat.lastReadMessageId) return
        // Read to the end: nothing is unread. Read part of the way: only the server knows how much is left.
        if (lastReadMessageId >= (chat.lastMessage?.id ?? 0))
          this.#patch(chatId, (c) => ({ ...c, unreadCount: 0, unreadMentionCount: 0, lastReadMessageId }))
        else if (chat.unreadCount > 0 || chat.unreadMentionCount > 0) void this.refresh(chatId)
        return
      }
      case 'member.added':
        if (event.data.user.id === this.#viewer) void this.refresh(event.data.chatId)
        else this.#patch(event.data.chatId, (chat) => ({ ...chat, memberCount: event.data.chat.memberCount }))
        return
      case 'member.removed':
        if (event.data.userId === this.#viewer) this.remove(event.data.chatId)
        else if (event.data.promotedIds.includes(this.#viewer ?? '')) void this.refresh(event.data.chatId)
        else this.#patch(event.data.chatId, (chat) => ({ ...chat, memberCount: event.data.chat.memberCount }))
        return
      case 'chat.created':
      case 'chat.updated':
        // The title a viewer sees depends on the viewer (a DM shows the partner): ask for it.
        void this.refresh(event.data.chat.id)
        return
      case 'chat.deleted':
        this.remove(event.data.chatId)
        return
      case 'chat.muted':
        this.#touched(event.data.chatId)
        this.#patch(event.data.chatId, (chat) => withMute(chat, event.data))
        return
      case 'chat.marked':
        this.#touched(event.data.chatId)
        this.#patch(event.data.chatId, (chat) => ({ ...chat, markedUnread: event.data.markedUnread }))
    }
  }

  #onMessage(message: MessageView): void {
    const chat = this.find(message.chatId)
    if (!chat) {
      if (this.#skipped.has(message.chatId)) return
      // A chat beyond the pages loaded so far (or new to the viewer) comes to the top. Counted as a
      // change: a fetch of it already on its way (it was just created) may have been answered before
      // this message, and is made again.
      this.#changes.set(message.chatId, (this.#changes.get(message.chatId) ?? 0) + 1)
      void this.refresh(message.chatId)
      return
    }
    if (chat.lastMessage && chat.lastMessage.id >= message.id) return
    const own = message.senderId === this.#viewer
    const counts = own || (chat.kind !== 'dm' && this.blocks?.has(message.senderId) === true) ? 0 : 1
    this.#changes.set(chat.id, (this.#changes.get(chat.id) ?? 0) + 1)
    this.upsert({
      ...chat,
      lastMessage: preview(message),
      lastActivityAt: later(message.createdAt, chat.lastActivityAt),
      // Sending means having read the chat up to one's own message.
      ...(own
        ? { unreadCount: 0, unreadMentionCount: 0, lastReadMessageId: message.id }
        : {
            unreadCount: chat.unreadCount + counts,
            unreadMentionCount: chat.unreadMentionCount + (mentionsUser(message, this.#viewer) ? counts : 0),
          }),
    })
  }

  /** An unread message edited or deleted may mention the viewer now, or no longer: the server counts again. */
  #recountMentions(message: MessageView): void {
    const chat = this.find(message.chatId)
    if (!chat || message.senderId === this.#viewer || message.id <= chat.lastReadMessageId) return
    if (chat.unreadMentionCount > 0 || mentionsUser(message, this.#viewer)) void this.refresh(chat.id)
  }

  /**
   * A block or an unblock changes the DM with them (with the page's other widgets: one request), and
   * the unread counts of the groups and rooms where they may have written what the viewer has not read:
   * a block lowers a count above zero, an unblock raises one where anything is past the read mark.
   */
  #onBlock(userId: string, blocked: boolean): void {
    void this.#loadUnread()
    for (const chat of this.#known.values()) {
      if (chat.kind === 'dm') {
        if (chat.peer?.id === userId) void this.refresh(chat.id, () => this.blocks!.fetchDm(chat.id))
      } else if (blocked ? chat.unreadCount > 0 : (chat.lastMessage?.id ?? 0) > chat.lastReadMessageId)
        void this.refresh(chat.id)
    }
  }

  /**
   * The server's unread figure, one request at a time. An answer that an event may have overtaken (one
   * that changed a chat the store does not know, a block, a resync) is dropped and asked for again.
   */
  #loadUnread(): Promise<void> {
    if (this.#unreadAsked) {
      this.#unreadAgain = true
      return this.#unreadAsked
    }
    return (this.#unreadAsked = this.client.api
      .unread()
      .then(
        ({ chats }) => {
          if (!this.#unreadAgain) this.#unread = chats
        },
        () => {},
      )
      .finally(() => {
        this.#unreadAsked = null
        if (this.#unreadAgain) {
          this.#unreadAgain = false
          void this.#loadUnread()
        }
        this.#changed()
      }))
  }

  /** An event changed a chat: if the store counts it by the server's figure (or may soon), that is asked for again. */
  #touched(chatId: number): void {
    if (!this.#known.has(chatId) && (this.#unreadAsked || this.#unread.some((chat) => chat.id === chatId)))
      void this.#loadUnread()
  }

  #patch(chatId: number, change: (chat: ChatView) => ChatView): void {
    this.#changes.set(chatId, (this.#changes.get(chatId) ?? 0) + 1)
    const chat = this.#known.get(chatId)
    const next = chat && change(chat)
    if (!next || next === chat) return
    this.#known.set(chatId, next)
    this.chats = this.chats.map((c) => (c.id === chatId ? next : c))
    this.#changed()
  }

  #changed(): void {
    this.emit('change', undefined)
  }
}

/** Most recent activity first; the newer chat first on a tie (the server's order). */
function newerFirst(a: ChatView, b: ChatView): number {
  if (a.lastActivityAt !== b.lastActivityAt) return a.lastActivityAt > b.lastActivityAt ? -1 : 1
  return b.id - a.id
}

/** The later of two ISO times (they sort as text). */
function later(a: string, b: string): string {
  if (a > b) return a
  return b
}

function preview(message: MessageView): ChatView['lastMessage'] {
  const {
    reactions: _reactions,
    receipt: _receipt,
    replyTo: _replyTo,
    mentions: _mentions,
    ...rest
  } = message
  return rest
}

const fold = (text: string) => text.normalize('NFC').toLocaleLowerCase()

function asClientError(error: unknown): PalaverClientError {
  return error instanceof PalaverClientError
    ? error
    : new PalaverClientError('network', String((error as Error)?.message ?? error))
}
