import { PalaverClientError } from '../errors.js'
import { errorOfResponse, type Http, networkError } from '../http.js'
import { SseParser } from './sse-parser.js'
import { parseFrame, type Transport, type TransportHandlers, type TransportParams } from './transport.js'

export interface SseTransportOptions {
  /** The server sends a comment every 15 s; a stream silent this long is dead. Default 45 000 ms. */
  idleTimeoutMs?: number
}

/**
 * The event stream as Server-Sent Events, read with fetch and a stream parser (not EventSource),
 * so it runs in browsers and Node alike, carries the client's headers and credentials, and
 * resumes from the connection's cursor.
 */
export class SseTransport implements Transport {
  readonly kind = 'sse' as const
  readonly #abort = new AbortController()
  #ended = false
  #idle: ReturnType<typeof setTimeout> | undefined

  constructor(
    private readonly http: Http,
    params: TransportParams,
    private readonly handlers: TransportHandlers,
    private readonly options: SseTransportOptions = {},
  ) {
    void this.#run(params)
  }

  #alive(): void {
    clearTimeout(this.#idle)
    this.#idle = setTimeout(
      () => this.#finish(new PalaverClientError('network', 'The event stream went silent')),
      this.options.idleTimeoutMs ?? 45_000,
    )
  }

  async #run(params: TransportParams): Promise<void> {
    const signal = this.#abort.signal
    try {
      this.#alive()
      const response = await this.http.fetch('/api/events/stream/', {
        query: { after: params.cursor(), watch: params.watch().length > 0 ? params.watch() : undefined },
        headers: { accept: 'text/event-stream' },
        signal,
      })
      if (!response.ok) throw await errorOfResponse(response)
      const type = response.headers.get('content-type') ?? ''
      if (!type.startsWith('text/event-stream') || !response.body) {
        throw new PalaverClientError('bad_response', `Expected an event stream, got ${type || 'no body'}`)
      }
      const parser = new SseParser((event) => {
        if (this.#ended || event.event !== 'message') return
        const frame = parseFrame(event.data)
        if (frame) this.handlers.frame(frame)
      })
      const reader = response.body.getReader()
      const decoder = new TextDecoder()
      for (;;) {
        const { value, done } = await reader.read()
        if (this.#ended) {
          void reader.cancel().catch(() => {})
          return
        }
        if (done) break
        this.#alive()
        parser.feed(decoder.decode(value, { stream: true }))
      }
      this.#finish(null)
    } catch (error) {
      this.#finish(error instanceof PalaverClientError ? error : networkError(error, signal))
    }
  }

  #finish(error: PalaverClientError | null): void {
    if (this.#ended) return
    this.#stop()
    this.handlers.closed(error)
  }

  #stop(): void {
    this.#ended = true
    clearTimeout(this.#idle)
    this.#abort.abort()
  }

  close(): void {
    if (!this.#ended) this.#stop()
  }
}
