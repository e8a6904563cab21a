import { Connection, type ConnectionOptions } from './connection.js'
import type { HttpOptions } from './http.js'
import { Outbox, type OutboxItem, type OutboxOptions, type SendOptions } from './outbox.js'
import { PalaverApi } from './rest.js'
import type { MessageView } from './types.js'

export interface PalaverClientOptions extends HttpOptions, ConnectionOptions {
  outbox?: OutboxOptions
}

/**
 * Everything a page needs: `api` (typed REST calls), `connection` (real-time events, started by
 * `connect()`), and `outbox` (sends that survive a lost connection and land once).
 */
export class PalaverClient {
  readonly api: PalaverApi
  readonly connection: Connection
  readonly outbox: Outbox
  readonly #offReady: () => void

  constructor(options: PalaverClientOptions = {}) {
    this.api = new PalaverApi(options)
    this.connection = new Connection(this.api, options)
    this.outbox = new Outbox(
      (item) => this.#deliver(item),
      options.outbox,
      (chatId, file, name) => this.api.uploadAttachment(chatId, file, { name }),
    )
    // A connection that comes back means the server is reachable: send what waited.
    this.#offReady = this.connection.on('ready', () => void this.outbox.flush())
  }

  /** Starts the real-time connection. */
  connect(): Connection {
    return this.connection.connect()
  }

  /**
   * Sends through the outbox (a reply with `replyToId`, mentions with `mentionIds` and
   * `mentionsEveryone`): the item is
   * returned at once, in state 'pending'.
   */
  send(chatId: number, body: string, options: SendOptions = {}): OutboxItem {
    return this.outbox.send(chatId, body, options)
  }

  /** An address Palaver handed out (a user's avatarUrl) as one this page can load: see Http.resolve. */
  resolveUrl(address: string): string {
    return this.api.http.resolve(address)
  }

  /** Stops the connection and the outbox's retries. */
  close(): void {
    this.#offReady()
    this.connection.close()
    this.outbox.close()
  }

  /** Over the WebSocket when one is open (no extra request), else over REST; the clientId makes either idempotent. */
  #deliver(item: OutboxItem): Promise<MessageView> {
    const input = {
      body: item.body,
      clientId: item.clientId,
      replyToId: item.replyToId ?? undefined,
      mentionIds: item.mentionIds.length > 0 ? item.mentionIds : undefined,
      mentionsEveryone: item.mentionsEveryone || undefined,
      attachmentIds: item.attachmentIds.length > 0 ? item.attachmentIds : undefined,
    }
    if (this.connection.canRequest) return this.connection.sendMessage(item.chatId, input)
    return this.api.sendMessage(item.chatId, input)
  }
}

export function createClient(options: PalaverClientOptions = {}): PalaverClient {
  return new PalaverClient(options)
}
