import WebSocket from 'ws'
import {
  type ConnectionEvents,
  createClient,
  type PalaverClient,
  type PalaverClientOptions,
  type WebSocketLike,
} from '../../src/client/index.js'
import type { LiveServer } from './live.js'

/**
 * The network between a test client and the live server: requests can be dropped mid-flight
 * (as when a connection breaks) and the whole network switched off and on again.
 */
export class Network {
  online = true
  /** While set, a request reaches the server but its answer is lost on the way back. */
  loseAnswers = false
  /** The next request's answer is lost after the server handled it (set by `drop()`). */
  private resetNext = false
  /** Extra failures: a request whose URL this matches fails like a refused connection. */
  blocked: RegExp | null = null
  readonly sockets: WebSocket[] = []
  /** Every request's controller (aborting a finished one does nothing). */
  private readonly inFlight = new Set<AbortController>()

  readonly fetch = async (input: string, init: RequestInit = {}): Promise<Response> => {
    if (!this.online || this.blocked?.test(input)) throw new TypeError('fetch failed: network is down')
    const controller = new AbortController()
    this.inFlight.add(controller)
    const signal = init.signal ? AbortSignal.any([init.signal, controller.signal]) : controller.signal
    // Aborting the request also breaks its body mid-stream (an SSE stream, a long-poll's answer).
    const response = await fetch(input, { ...init, signal })
    if (this.resetNext) {
      this.resetNext = false
      controller.abort()
      throw new TypeError('fetch failed: connection reset')
    }
    if (this.loseAnswers) {
      await response.arrayBuffer().catch(() => {})
      throw new TypeError('fetch failed: the answer was lost')
    }
    return response
  }

  readonly createWebSocket = (url: string, headers: Record<string, string>): WebSocketLike => {
    if (!this.online || this.blocked?.test(url)) throw new Error('WebSocket: network is down')
    const socket = new WebSocket(url, { headers })
    this.sockets.push(socket)
    return socket
  }

  /**
   * Breaks every connection abruptly: sockets are destroyed, requests and streams aborted, and
   * the answer to the next request is lost after the server handled it (a long-poll between two
   * requests is broken that way).
   */
  drop(): void {
    for (const socket of this.sockets.splice(0)) socket.terminate()
    for (const controller of [...this.inFlight]) controller.abort(new TypeError('connection reset'))
    this.inFlight.clear()
    this.resetNext = true
  }

  goOffline(): void {
    this.online = false
    this.drop()
    this.resetNext = false
  }

  goOnline(): void {
    this.online = true
  }
}

/** A client of the live server as `user`, with fast reconnects, on its own switchable network. */
export function clientFor(
  live: LiveServer,
  user: string,
  options: PalaverClientOptions = {},
  network = new Network(),
): { client: PalaverClient; network: Network } {
  const client = createClient({
    baseUrl: `${live.origin}/messages`,
    headers: { 'x-test-user': user },
    fetch: network.fetch,
    createWebSocket: network.createWebSocket,
    reconnect: { initialDelayMs: 50, maxDelayMs: 400 },
    outbox: { retry: { initialDelayMs: 50, maxDelayMs: 400 } },
    ...options,
  })
  return { client, network }
}

/** Waits until `check` holds; fails with `what` after a generous time (no timing is asserted). */
export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  ms = 15_000,
): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Everything a connection emits, by kind, for assertions. */
export class Recorder {
  readonly events: ConnectionEvents['event'][] = []
  readonly states: string[] = []
  readonly resyncs: ConnectionEvents['resync'][] = []
  readonly errors: ConnectionEvents['error'][] = []
  readonly readies: ConnectionEvents['ready'][] = []

  constructor(client: PalaverClient) {
    const c = client.connection
    c.on('event', (e) => this.events.push(e))
    c.on('state', (s) => this.states.push(s.state))
    c.on('resync', (r) => this.resyncs.push(r))
    c.on('error', (e) => this.errors.push(e))
    c.on('ready', (r) => this.readies.push(r))
  }

  /** The ids of the messages created in `chatId`, in the order they were applied. */
  messageIds(chatId: number): number[] {
    return this.events.flatMap((e) =>
      e.type === 'message.created' && e.chatId === chatId ? [e.data.message.id] : [],
    )
  }
}
