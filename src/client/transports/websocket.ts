import { errorFromBody, PalaverClientError } from '../errors.js'
import type { Http } from '../http.js'
import {
  type ActionTransport,
  parseFrame,
  type TransportHandlers,
  type TransportParams,
} from './transport.js'

/** What the client needs of a WebSocket: the browser's, Node 22's, and the `ws` package's all fit. */
export interface WebSocketLike {
  readonly readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  addEventListener(
    type: 'open' | 'message' | 'close' | 'error',
    listener: (event: WebSocketEventLike) => void,
  ): void
}

/** The parts of the socket's events the client reads. */
export interface WebSocketEventLike {
  type?: string
  /** A message's text. */
  data?: unknown
  /** A close event's code and reason. */
  code?: number
  reason?: string
}

export type WebSocketConstructor = new (
  url: string,
  protocols?: string | string[],
  options?: { headers?: Record<string, string> },
) => WebSocketLike

/**
 * Makes the socket. `headers` are the client's headers: a browser cannot send them (cookies go
 * anyway), Node's `ws` can: `(url, headers) => new WebSocket(url, { headers })`.
 */
export type WebSocketFactory = (url: string, headers: Record<string, string>) => WebSocketLike

export interface WebSocketTransportOptions {
  WebSocket?: WebSocketConstructor
  createWebSocket?: WebSocketFactory
  /** Sends a ping this often and gives up on a socket silent for two periods. Default 25 000 ms. */
  heartbeatMs?: number
  /** How long an action waits for its acknowledgement. Default 15 000 ms. */
  requestTimeoutMs?: number
}

const OPEN = 1

function defaultFactory(options: WebSocketTransportOptions): WebSocketFactory {
  return (url, headers) => {
    const Ctor =
      options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket ?? undefined
    if (!Ctor) {
      throw new PalaverClientError('network', 'No WebSocket here: pass the WebSocket option (e.g. from "ws")')
    }
    // The `ws` package takes headers as a third argument; browsers ignore it (their cookies travel anyway).
    return Object.keys(headers).length > 0 ? new Ctor(url, undefined, { headers }) : new Ctor(url)
  }
}

function textOf(data: unknown): string | null {
  if (typeof data === 'string') return data
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
    return new TextDecoder().decode(data as ArrayBuffer | ArrayBufferView)
  }
  return null
}

interface Waiting {
  resolve(result: unknown): void
  reject(error: PalaverClientError): void
  timer: ReturnType<typeof setTimeout>
}

/** The event stream over `GET <base>/ws`, plus actions acknowledged by id. */
export class WebSocketTransport implements ActionTransport {
  readonly kind = 'websocket' as const
  #socket: WebSocketLike | null = null
  #ended = false
  #heard = true
  #heartbeat: ReturnType<typeof setInterval> | undefined
  #nextId = 0
  readonly #waiting = new Map<string, Waiting>()

  constructor(
    private readonly http: Http,
    params: TransportParams,
    private readonly handlers: TransportHandlers,
    private readonly options: WebSocketTransportOptions = {},
  ) {
    void this.#open(params)
  }

  async #open(params: TransportParams): Promise<void> {
    try {
      const url = this.http.absoluteUrl('/ws', { after: params.cursor(), watch: params.watch() })
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
      const headers: Record<string, string> = {}
      ;(await this.http.headers()).forEach((value, name) => {
        headers[name] = value
      })
      if (this.#ended) return
      const socket = (this.options.createWebSocket ?? defaultFactory(this.options))(url.toString(), headers)
      this.#socket = socket
      socket.addEventListener('message', (event) => this.#receive(event.data))
      socket.addEventListener('close', (event) => {
        const code = event.code ?? 1006
        this.#finish(
          code === 1000
            ? null
            : new PalaverClientError(
                'network',
                `The WebSocket closed (${code}${event.reason ? ` ${event.reason}` : ''})`,
              ),
        )
      })
      socket.addEventListener('error', () => {
        // A close event follows in every implementation; closing makes sure of it.
        this.#finish(new PalaverClientError('network', 'The WebSocket failed'))
      })
      socket.addEventListener('open', () => this.#startHeartbeat())
    } catch (error) {
      this.#finish(
        error instanceof PalaverClientError
          ? error
          : new PalaverClientError('network', `The WebSocket could not be opened: ${String(error)}`, {
              cause: error,
            }),
      )
    }
  }

  #startHeartbeat(): void {
    const every = this.options.heartbeatMs ?? 25_000
    this.#heartbeat = setInterval(() => {
      if (!this.#heard) {
        this.#finish(new PalaverClientError('network', 'The WebSocket went silent'))
        return
      }
      this.#heard = false
      this.request({ action: 'ping' }).catch(() => {})
    }, every)
  }

  #receive(data: unknown): void {
    if (this.#ended) return
    this.#heard = true
    const text = textOf(data)
    const frame = text === null ? null : parseFrame(text)
    if (!frame) return
    if (frame.type === 'ack') {
      const ack = frame as { id?: unknown; ok?: unknown; result?: unknown }
      const waiting = typeof ack.id === 'string' ? this.#waiting.get(ack.id) : undefined
      if (!waiting) return
      this.#waiting.delete(ack.id as string)
      clearTimeout(waiting.timer)
      if (ack.ok === true) waiting.resolve(ack.result)
      else
        waiting.reject(
          errorFromBody(frame, undefined) ??
            new PalaverClientError('bad_response', 'A refusal without an error'),
        )
      return
    }
    this.handlers.frame(frame)
  }

  /** Performs an action over the socket; resolves with the acknowledgement's result, throws its error. */
  request(action: Record<string, unknown>): Promise<unknown> {
    const socket = this.#socket
    if (this.#ended || !socket || socket.readyState !== OPEN) {
      return Promise.reject(new PalaverClientError('network', 'The WebSocket is not open'))
    }
    const id = `c${++this.#nextId}`
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id)
        reject(new PalaverClientError('network', 'No acknowledgement in time'))
      }, this.options.requestTimeoutMs ?? 15_000)
      this.#waiting.set(id, { resolve, reject, timer })
      try {
        socket.send(JSON.stringify({ ...action, id }))
      } catch (error) {
        clearTimeout(timer)
        this.#waiting.delete(id)
        reject(new PalaverClientError('network', 'The WebSocket could not send', { cause: error }))
      }
    })
  }

  #finish(error: PalaverClientError | null): void {
    if (this.#ended) return
    this.#shutdown(error ?? new PalaverClientError('network', 'The WebSocket closed'))
    this.handlers.closed(error)
  }

  #shutdown(reason: PalaverClientError): void {
    this.#ended = true
    clearInterval(this.#heartbeat)
    for (const waiting of this.#waiting.values()) {
      clearTimeout(waiting.timer)
      waiting.reject(reason)
    }
    this.#waiting.clear()
    try {
      this.#socket?.close()
    } catch {}
  }

  close(): void {
    if (this.#ended) return
    this.#shutdown(new PalaverClientError('aborted', 'The connection was closed'))
  }
}
