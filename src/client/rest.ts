import { errorOfResponse, Http, type HttpOptions } from './http.js'
import type {
  AttachmentView,
  BlockedUsers,
  BlockResult,
  ChatDetailView,
  ChatListQuery,
  ChatListView,
  ChatView,
  CreateChatInput,
  EditMessageInput,
  EventsPage,
  HistoryQuery,
  HistoryView,
  MarkReadResult,
  MemberSearchView,
  MessageSearchQuery,
  MessageSearchResult,
  MessageView,
  MuteInput,
  PinsView,
  PresenceResult,
  RoomInput,
  RoomList,
  SendMessageInput,
  ToggleReactionResult,
  UnreadQuery,
  UnreadView,
  UserSearchResult,
} from './types.js'
import type { UploadProgress } from './upload-progress.js'

export interface CallOptions {
  signal?: AbortSignal
}

export interface EventsQuery {
  /** The cursor of the last event applied; omit to start from now. */
  after?: number | null
  /** Long-poll: wait up to this many seconds (at most 60) for an event. */
  wait?: number
  /** Public rooms to receive events of without being a member. */
  watch?: readonly number[]
}

const chatPath = (chatId: number) => `/api/chats/${encodeURIComponent(chatId)}/`
const messagePath = (messageId: number) => `/api/messages/${encodeURIComponent(messageId)}/`
const userPath = (userId: string) => `/api/users/${encodeURIComponent(userId)}/`

/**
 * Typed calls for every route of the REST API. Each resolves with the answer's body and throws a
 * PalaverClientError (code, status, message) for anything but success.
 */
export class PalaverApi {
  readonly http: Http

  constructor(options: HttpOptions | Http = {}) {
    this.http = options instanceof Http ? options : new Http(options)
  }

  // ---- chats ----

  /** My chats, most recently active first; `nextCursor` pages on. */
  listChats(query: ChatListQuery = {}, options: CallOptions = {}): Promise<ChatListView> {
    return this.http.request('GET', '/api/chats/', { query: { ...query }, ...options })
  }

  /**
   * My unread total over all my chats, loaded or not (of a muted chat only the messages that mention me),
   * how many chats it is in, and each chat with unread messages (muted ones too); `kind` narrows it.
   */
  unread(query: UnreadQuery = {}, options: CallOptions = {}): Promise<UnreadView> {
    return this.http.request('GET', '/api/unread/', { query: { ...query }, ...options })
  }

  /** Creates a group chat with me as its admin. */
  createChat(input: CreateChatInput = {}, options: CallOptions = {}): Promise<ChatDetailView> {
    return this.http.request('POST', '/api/chats/', { body: input, ...options })
  }

  getChat(chatId: number, options: CallOptions = {}): Promise<ChatDetailView> {
    return this.http.request('GET', chatPath(chatId), options)
  }

  renameChat(chatId: number, title: string, options: CallOptions = {}): Promise<ChatDetailView> {
    return this.http.request('PATCH', chatPath(chatId), { body: { title }, ...options })
  }

  /** Deletes a chat (admins). */
  deleteChat(chatId: number, options: CallOptions = {}): Promise<void> {
    return this.http.request('DELETE', chatPath(chatId), options)
  }

  // ---- messages ----

  /** A page of history: the newest first page without a query, then `before`/`after`/`around` a message id. */
  history(chatId: number, query: HistoryQuery = {}, options: CallOptions = {}): Promise<HistoryView> {
    return this.http.request('GET', `${chatPath(chatId)}messages/`, { query: { ...query }, ...options })
  }

  /**
   * Sends a message. With a `clientId`, sending again (after a lost answer) returns the message the
   * first attempt stored instead of storing it twice.
   */
  sendMessage(chatId: number, input: SendMessageInput, options: CallOptions = {}): Promise<MessageView> {
    return this.http.request('POST', `${chatPath(chatId)}messages/`, { body: input, ...options })
  }

  getMessage(messageId: number, options: CallOptions = {}): Promise<MessageView> {
    return this.http.request('GET', messagePath(messageId), options)
  }

  /**
   * Edits my message: its new text, or `{ body, mentionIds, mentionsEveryone }` to say whom the new text
   * mentions (with a text alone it keeps the mentions it had, and @everyone while the text writes it).
   */
  editMessage(
    messageId: number,
    edit: string | EditMessageInput,
    options: CallOptions = {},
  ): Promise<MessageView> {
    const body = typeof edit === 'string' ? { body: edit } : edit
    return this.http.request('PATCH', messagePath(messageId), { body, ...options })
  }

  /**
   * Uploads a file to a chat, to send with a message (`attachmentIds`): a Blob (a File from an input, a
   * drop or a paste), or bytes with their `type`. An upload no message takes within a day is deleted.
   *
   * `onProgress` is told how many bytes have gone as they go, in browsers (unless the client was given a
   * `fetch` of its own), and once with all of them when the file is stored, everywhere.
   */
  async uploadAttachment(
    chatId: number,
    file: Blob | Uint8Array<ArrayBuffer>,
    options: CallOptions & { name?: string; type?: string; onProgress?: UploadProgress } = {},
  ): Promise<AttachmentView> {
    const { name, type, onProgress, ...call } = options
    const fileName = name ?? (file as { name?: unknown }).name
    const headers = new Headers()
    headers.set('content-type', type || (file instanceof Blob ? file.type : '') || 'application/octet-stream')
    const stored = await this.http.request<AttachmentView>('POST', `${chatPath(chatId)}attachments/`, {
      ...call,
      body: file,
      headers,
      query: { name: typeof fileName === 'string' ? fileName : undefined },
      ...(onProgress ? { onUploadProgress: onProgress } : {}),
    })
    const size = file instanceof Blob ? file.size : file.byteLength
    onProgress?.(size, size)
    return stored
  }

  /**
   * The bytes of an attachment, fetched with this client's headers and credentials: for pages whose
   * sign-in is a header (an `<img src>` could not send it). With cookies, `attachment.url` loads as it is.
   */
  async downloadAttachment(attachment: { id: number }, options: CallOptions = {}): Promise<Blob> {
    const response = await this.http.fetch(`/api/attachments/${attachment.id}/`, options)
    if (!response.ok) throw await errorOfResponse(response)
    return response.blob()
  }

  /** Deletes my message. */
  deleteMessage(messageId: number, options: CallOptions = {}): Promise<void> {
    return this.http.request('DELETE', messagePath(messageId), options)
  }

  /** Adds my reaction, or removes it when I had already reacted with that emoji. */
  toggleReaction(messageId: number, emoji: string, options: CallOptions = {}): Promise<ToggleReactionResult> {
    return this.http.request('POST', `${messagePath(messageId)}reactions/`, { body: { emoji }, ...options })
  }

  /** Pins the message to its chat (`pinned: false` unpins it); every member hears of it by `message.updated`. */
  pinMessage(messageId: number, pinned: boolean, options: CallOptions = {}): Promise<MessageView> {
    return this.http.request('POST', `${messagePath(messageId)}pin/`, { body: { pinned }, ...options })
  }

  /** The chat's pinned messages, the most recently pinned first. */
  pinnedMessages(chatId: number, options: CallOptions = {}): Promise<PinsView> {
    return this.http.request('GET', `${chatPath(chatId)}pins/`, options)
  }

  /** Read receipts up to the newest message, or up to `messageId`. */
  markAsRead(chatId: number, messageId?: number, options: CallOptions = {}): Promise<MarkReadResult> {
    const body = messageId === undefined ? {} : { messageId }
    return this.http.request('POST', `${chatPath(chatId)}mark-as-read/`, { body, ...options })
  }

  /**
   * Marks the chat unread for me, to come back to it: it counts as one unread message until I next read
   * it (`markAsRead`). My other connections hear of either (`chat.marked`).
   */
  markAsUnread(chatId: number, options: CallOptions = {}): Promise<ChatView> {
    return this.http.request('POST', `${chatPath(chatId)}mark-as-unread/`, options)
  }

  // ---- members ----

  /**
   * Members whose name, username or e-mail matches `q` (what an @mention suggests); without `q`, those
   * who read the chat most recently.
   */
  searchMembers(
    chatId: number,
    query: { q?: string; limit?: number } = {},
    options: CallOptions = {},
  ): Promise<MemberSearchView> {
    return this.http.request('GET', `${chatPath(chatId)}members/`, { query: { ...query }, ...options })
  }

  /** Adds members (admins). */
  addMembers(chatId: number, userIds: string[], options: CallOptions = {}): Promise<ChatDetailView> {
    return this.http.request('POST', `${chatPath(chatId)}members/add/`, { body: { userIds }, ...options })
  }

  /** Removes a member (admins). */
  removeMember(chatId: number, userId: string, options: CallOptions = {}): Promise<void> {
    return this.http.request(
      'DELETE',
      `${chatPath(chatId)}members/${encodeURIComponent(userId)}/remove/`,
      options,
    )
  }

  /** Joins a room (or a group the host lets me join). */
  join(chatId: number, options: CallOptions = {}): Promise<ChatDetailView> {
    return this.http.request('POST', `${chatPath(chatId)}join/`, options)
  }

  leave(chatId: number, options: CallOptions = {}): Promise<void> {
    return this.http.request('POST', `${chatPath(chatId)}leave/`, options)
  }

  /**
   * Mutes the chat for me (`until` an ISO date-time, or until I unmute it) or unmutes it; my other
   * connections hear of it (`chat.muted`). A muted chat still counts its unread messages.
   */
  muteChat(chatId: number, input: MuteInput, options: CallOptions = {}): Promise<ChatView> {
    return this.http.request('POST', `${chatPath(chatId)}mute/`, { body: input, ...options })
  }

  /** Says whether I am typing (the server stops it by itself a few seconds after the last `true`). */
  setTyping(chatId: number, isTyping: boolean, options: CallOptions = {}): Promise<void> {
    return this.http.request('POST', `${chatPath(chatId)}typing/`, { body: { isTyping }, ...options })
  }

  // ---- directory ----

  /**
   * People by name, username or e-mail, within my contact list. With an empty `q`: suggestions, the people I
   * share the most recently active DMs and groups with (given `chatId`, not its members).
   */
  searchUsers(
    q: string,
    query: { limit?: number; chatId?: number } = {},
    options: CallOptions = {},
  ): Promise<UserSearchResult> {
    return this.http.request('GET', '/api/users/search/', { query: { q, ...query }, ...options })
  }

  /**
   * Which of these people (at most 100) are online now: connected in some tab, over any transport. Only
   * people in my contact list without a block either way can be; `presence` frames then tell who comes and goes
   * among those I share a DM or a group with.
   */
  presence(userIds: readonly string[], options: CallOptions = {}): Promise<PresenceResult> {
    return this.http.request('GET', '/api/presence/', { query: { userIds }, ...options })
  }

  /**
   * Blocks a user: neither of us may write to the other any more (our DM stays readable), and my
   * other connections hear of it (`user.blocked`). Blocking again changes nothing.
   */
  blockUser(userId: string, options: CallOptions = {}): Promise<BlockResult> {
    return this.http.request('POST', `${userPath(userId)}block/`, options)
  }

  unblockUser(userId: string, options: CallOptions = {}): Promise<BlockResult> {
    return this.http.request('POST', `${userPath(userId)}unblock/`, options)
  }

  /** The people I blocked, in the order I blocked them. */
  blockedUsers(options: CallOptions = {}): Promise<BlockedUsers> {
    return this.http.request('GET', '/api/users/blocked/', options)
  }

  /** Public rooms to browse. */
  listRooms(query: { limit?: number } = {}, options: CallOptions = {}): Promise<RoomList> {
    return this.http.request('GET', '/api/rooms/', { query: { ...query }, ...options })
  }

  /** The room of a content object, created on first use. */
  room(input: RoomInput, options: CallOptions = {}): Promise<ChatDetailView> {
    return this.http.request('POST', '/api/rooms/', { body: input, ...options })
  }

  /** The DM with a user if I am in one, else null; never creates it. */
  async findDm(userId: string, options: CallOptions = {}): Promise<ChatDetailView | null> {
    const { chat } = await this.http.request<{ chat: ChatDetailView | null }>('GET', '/api/dms/', {
      query: { userId },
      ...options,
    })
    return chat
  }

  /** The DM with a user, created on first use (my own id gives the self-chat). */
  dm(userId: string, options: CallOptions = {}): Promise<ChatDetailView> {
    return this.http.request('POST', '/api/dms/', { body: { userId }, ...options })
  }

  /**
   * Message search across my chats; `snippet` is HTML with the matched words in `<mark>`. The next page:
   * the same query with `before: nextBefore`, until `nextBefore` is null.
   */
  searchMessages(query: MessageSearchQuery, options: CallOptions = {}): Promise<MessageSearchResult> {
    return this.http.request('GET', '/api/search/', { query: { ...query }, ...options })
  }

  // ---- events and documentation ----

  /** Events after a cursor (polling); with `wait`, a long-poll. */
  events(query: EventsQuery = {}, options: CallOptions = {}): Promise<EventsPage> {
    const watch = query.watch && query.watch.length > 0 ? query.watch : undefined
    return this.http.request('GET', '/api/events/', {
      query: { after: query.after, wait: query.wait, watch },
      ...options,
    })
  }

  /** The OpenAPI 3.1 document of this API. */
  openApiDocument(options: CallOptions = {}): Promise<Record<string, unknown>> {
    return this.http.request('GET', '/api/openapi.json', options)
  }
}
