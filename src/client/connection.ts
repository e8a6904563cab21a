import { type BackoffOptions, backoffDelay } from './backoff.js'
import { Emitter } from './emitter.js'
import { PalaverClientError } from './errors.js'
import type { PalaverApi } from './rest.js'
import { PollingTransport, type PollingTransportOptions } from './transports/polling.js'
import { SseTransport, type SseTransportOptions } from './transports/sse.js'
import {
  canRequest,
  type Transport,
  type TransportHandlers,
  type TransportKind,
  type TransportParams,
} from './transports/transport.js'
import { WebSocketTransport, type WebSocketTransportOptions } from './transports/websocket.js'
import type {
  EventFrame,
  EventPayloads,
  MessageView,
  PalaverEvent,
  PersistedEventType,
  PresenceFrame,
  SendMessageInput,
  ServerFrame,
  TypingFrame,
  UnwatchedFrame,
} from './types.js'

export type { TransportKind }
export type TransportPreference = TransportKind | 'auto'
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed'

export interface ConnectionOptions
  extends WebSocketTransportOptions,
    SseTransportOptions,
    PollingTransportOptions {
  /** `'auto'` (the default) tries WebSocket, then Server-Sent Events, then long-polling; or pin one. */
  transport?: TransportPreference
  /** Resume after this cursor (one the application kept); by default the stream starts from now. */
  cursor?: number | null
  /** Public rooms to receive events of without being a member. */
  watch?: readonly number[]
  /** Delays between reconnection attempts: exponential backoff with full jitter. */
  reconnect?: BackoffOptions
  /** An attempt that has not reached `ready` by then counts as failed. Default 15 000 ms. */
  connectTimeoutMs?: number
}

/** The events a connection emits; each persisted event type has its own, typed by its payload. */
export type ConnectionEvents = { [K in PersistedEventType]: EventFrame<K, EventPayloads[K]> } & {
  /** Every persisted event once, in cursor order (types this client version does not know included). */
  event: PalaverEvent
  typing: TypingFrame
  presence: PresenceFrame
  /** A watched chat is no longer sent (the viewer may no longer read it); a reconnect does not ask for it again. */
  unwatched: UnwatchedFrame
  /** Any other ephemeral frame the server sends. */
  ephemeral: { type: string; [key: string]: unknown }
  /** Caught up: the server has replayed everything missed up to `cursor`. */
  ready: { cursor: number; transport: TransportKind }
  /**
   * The cursor was too old (or unknown) for the server to replay what was missed: reload state
   * over REST (chats, open conversations); the stream goes on from `cursor`.
   */
  resync: { cursor: number; previous: number | null }
  state: { state: ConnectionState; previous: ConnectionState; transport: TransportKind | null }
  /** A transport failed or dropped; the connection is already retrying. */
  error: { error: PalaverClientError; transport: TransportKind }
}

const ORDER: readonly TransportKind[] = ['websocket', 'sse', 'polling']
/** Open this long, a transport counts as healthy again: the next drop retries after the shortest delay. */
const STABLE_MS = 10_000

/**
 * One real-time connection: picks a transport, reconnects with backoff, resumes from its cursor,
 * and applies every persisted event exactly once (anything at or below the cursor is dropped).
 */
export class Connection extends Emitter<ConnectionEvents> {
  #currentState: ConnectionState = 'closed'
  #lastCursor: number | null
  #transport: Transport | null = null
  #openKind: TransportKind | null = null
  readonly #order: readonly TransportKind[]
  #index = 0
  #failures = 0
  #openedAt = 0
  #generation = 0
  #retryTimer: ReturnType<typeof setTimeout> | undefined
  #connectTimer: ReturnType<typeof setTimeout> | undefined
  readonly #watching: Set<number>
  #stopListening: (() => void) | null = null

  constructor(
    private readonly api: PalaverApi,
    private readonly options: ConnectionOptions = {},
  ) {
    super()
    const preference = options.transport ?? 'auto'
    this.#order = preference === 'auto' ? ORDER : [preference]
    this.#lastCursor = options.cursor ?? null
    this.#watching = new Set(options.watch ?? [])
  }

  get state(): ConnectionState {
    return this.#currentState
  }

  /** The cursor of the last event applied (null before the first, when started from now). */
  get cursor(): number | null {
    return this.#lastCursor
  }

  /** The transport in use while open. */
  get transportKind(): TransportKind | null {
    return this.#currentState === 'open' ? this.#openKind : null
  }

  get watched(): number[] {
    return [...this.#watching]
  }

  /** Whether actions (send, typing) can go over the open WebSocket right now. */
  get canRequest(): boolean {
    return this.#currentState === 'open' && canRequest(this.#transport)
  }

  /** Starts connecting (no-op when already started). */
  connect(): this {
    if (this.#currentState !== 'closed') return this
    this.#index = 0
    this.#failures = 0
    this.#setState('connecting')
    this.#listenForNetwork()
    this.#open()
    return this
  }

  /** Stops for good (until `connect()` again); listeners stay registered. */
  close(): void {
    if (this.#currentState === 'closed') return
    this.#generation++
    clearTimeout(this.#retryTimer)
    clearTimeout(this.#connectTimer)
    this.#transport?.close()
    this.#transport = null
    this.#stopListening?.()
    this.#stopListening = null
    this.#setState('closed')
  }

  /** While waiting to reconnect, tries at once (the browser says it is online again, the user clicked retry). */
  retryNow(): void {
    if (this.#currentState === 'closed' || this.#transport) return
    this.#open()
  }

  /** Receives a public room's events without joining it. Throws (and watches nothing) when the room may not be read. */
  async watch(chatId: number): Promise<void> {
    await this.#opened()
    if (this.#watching.has(chatId)) return
    if (this.canRequest) {
      await this.request({ action: 'watch', chatId })
      this.#watching.add(chatId)
      return
    }
    // Checked first as the stream checks it (a room one may join but not read shows), so no reconnect carries a refused watch.
    const chat = await this.api.getChat(chatId)
    if (chat.role === null && chat.room?.access !== 'public')
      throw new PalaverClientError('not_found', 'Chat not found')
    this.#watching.add(chatId)
    this.#restart()
  }

  async unwatch(chatId: number): Promise<void> {
    if (!this.#watching.delete(chatId)) return
    await this.#opened()
    if (this.canRequest) {
      await this.request({ action: 'unwatch', chatId }).catch(() => this.#restart())
      return
    }
    this.#restart()
  }

  /** An action over the open WebSocket, resolving with its acknowledgement's result. */
  request(action: Record<string, unknown>): Promise<unknown> {
    const transport = this.#transport
    if (this.#currentState !== 'open' || !canRequest(transport)) {
      return Promise.reject(new PalaverClientError('network', 'No WebSocket is open'))
    }
    return transport.request(action)
  }

  /** Sends a message (a reply with `replyToId`) over the open WebSocket. */
  async sendMessage(chatId: number, input: SendMessageInput): Promise<MessageView> {
    return (await this.request({ action: 'send', chatId, ...input })) as MessageView
  }

  /** Says whether I am typing: over the WebSocket when open, else over REST. */
  async setTyping(chatId: number, isTyping: boolean): Promise<void> {
    if (this.canRequest) await this.request({ action: 'typing', chatId, isTyping })
    else await this.api.setTyping(chatId, isTyping)
  }

  // ---- internals ----

  /** While connecting, waits for the connection being opened (its next state is open, or closed): a watch rides it instead of replacing it. */
  #opened(): Promise<unknown> | false {
    const state = this.#currentState
    return state !== 'open' && state !== 'closed' && new Promise((resolve) => this.once('state', resolve))
  }

  #setState(state: ConnectionState): void {
    const previous = this.#currentState
    if (previous === state) return
    this.#currentState = state
    this.emit('state', { state, previous, transport: this.transportKind })
  }

  #create(kind: TransportKind, handlers: TransportHandlers): Transport {
    const params: TransportParams = {
      cursor: () => this.#lastCursor,
      watch: () => [...this.#watching],
    }
    switch (kind) {
      case 'websocket':
        return new WebSocketTransport(this.api.http, params, handlers, this.options)
      case 'sse':
        return new SseTransport(this.api.http, params, handlers, this.options)
      case 'polling':
        return new PollingTransport(this.api, params, handlers, this.options)
    }
  }

  #open(): void {
    clearTimeout(this.#retryTimer)
    this.#retryTimer = undefined
    const kind = this.#order[this.#index]!
    const generation = ++this.#generation
    const current = () => generation === this.#generation
    let ready = false
    const handlers: TransportHandlers = {
      frame: (frame) => {
        if (!current()) return
        if (frame.type === 'ready') {
          this.#advance((frame as { cursor: number }).cursor)
          if (ready) return
          ready = true
          clearTimeout(this.#connectTimer)
          this.#openKind = kind
          this.#openedAt = Date.now()
          this.#setState('open')
          this.emit('ready', { cursor: this.#lastCursor ?? 0, transport: kind })
          return
        }
        this.#apply(frame)
      },
      closed: (error) => {
        if (current()) this.#ended(kind, ready, error)
      },
    }
    clearTimeout(this.#connectTimer)
    this.#connectTimer = setTimeout(() => {
      if (current() && !ready) {
        this.#ended(kind, false, new PalaverClientError('network', `${kind}: not connected in time`))
      }
    }, this.options.connectTimeoutMs ?? 15_000)
    this.#transport = this.#create(kind, handlers)
  }

  /** A transport stopped: fall back to the next one when it never worked, else try again after a delay. */
  #ended(kind: TransportKind, wasReady: boolean, error: PalaverClientError | null): void {
    clearTimeout(this.#connectTimer)
    this.#generation++
    this.#transport?.close()
    this.#transport = null
    if (this.#currentState === 'open') this.#setState('reconnecting')
    if (error) this.emit('error', { error, transport: kind })
    if (this.#currentState === 'closed') return
    if (wasReady) {
      if (Date.now() - this.#openedAt >= STABLE_MS) this.#failures = 0
    } else if (this.#index < this.#order.length - 1) {
      this.#index++
      this.#open()
      return
    } else {
      // Every transport failed (the server is down, or the network): start over from the best one.
      this.#index = 0
    }
    const delay = backoffDelay(this.#failures++, this.options.reconnect)
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined
      if (this.#currentState !== 'closed' && !this.#transport) this.#open()
    }, delay)
  }

  /** Drops the running transport and opens the same one again at once, resuming from the cursor. */
  #restart(): void {
    if (this.#currentState === 'closed' || !this.#transport) return
    this.#generation++
    clearTimeout(this.#connectTimer)
    this.#transport.close()
    this.#transport = null
    if (this.#currentState === 'open') this.#setState('reconnecting')
    this.#open()
  }

  #advance(cursor: number): void {
    if (typeof cursor === 'number') this.#lastCursor = Math.max(this.#lastCursor ?? 0, cursor)
  }

  #apply(frame: ServerFrame): void {
    if (frame.type === 'resync') {
      const previous = this.#lastCursor
      this.#lastCursor = (frame as { cursor: number }).cursor
      this.emit('resync', { cursor: this.#lastCursor, previous })
      return
    }
    const cursor = (frame as { cursor?: unknown }).cursor
    if (typeof cursor === 'number') {
      // Already applied (a replay overlapping what arrived live before a drop): drop it.
      if (this.#lastCursor !== null && cursor <= this.#lastCursor) return
      this.#lastCursor = cursor
      const event = frame as PalaverEvent
      this.emit(event.type, event as never)
      this.emit('event', event)
      return
    }
    if (frame.type === 'typing') this.emit('typing', frame as TypingFrame)
    else if (frame.type === 'presence') this.emit('presence', frame as PresenceFrame)
    else if (frame.type === 'unwatched') {
      this.#watching.delete((frame as UnwatchedFrame).chatId)
      this.emit('unwatched', frame as UnwatchedFrame)
    } else this.emit('ephemeral', frame as ConnectionEvents['ephemeral'])
  }

  /** In a browser, going back online retries at once instead of waiting out the backoff. */
  #listenForNetwork(): void {
    const target = globalThis as {
      addEventListener?: (type: string, listener: () => void) => void
      removeEventListener?: (type: string, listener: () => void) => void
    }
    if (typeof target.addEventListener !== 'function') return
    const onOnline = () => this.retryNow()
    target.addEventListener('online', onOnline)
    this.#stopListening = () => target.removeEventListener?.('online', onOnline)
  }
}
