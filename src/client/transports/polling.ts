import { PalaverClientError } from '../errors.js'
import { networkError } from '../http.js'
import type { PalaverApi } from '../rest.js'
import type { Transport, TransportHandlers, TransportParams } from './transport.js'

export interface PollingTransportOptions {
  /** Seconds each long-poll may wait on the server (at most 60). Default 25; 0 polls. */
  waitSeconds?: number
  /** With `waitSeconds: 0`, the pause between polls. Default 2000 ms. */
  intervalMs?: number
}

/**
 * The event stream by long-polling `GET <base>/api/events/?after=&wait=`. Each answer's events
 * are handed on in order, then a `ready` with the answer's cursor, from which the next poll asks.
 */
export class PollingTransport implements Transport {
  readonly kind = 'polling' as const
  readonly #abort = new AbortController()
  #ended = false
  #pause: ReturnType<typeof setTimeout> | undefined
  #wake: () => void = () => {}

  constructor(
    private readonly api: PalaverApi,
    private readonly params: TransportParams,
    private readonly handlers: TransportHandlers,
    private readonly options: PollingTransportOptions = {},
  ) {
    void this.#run()
  }

  async #run(): Promise<void> {
    const wait = Math.min(60, Math.max(0, this.options.waitSeconds ?? 25))
    let first = true
    try {
      while (!this.#ended) {
        // The first poll answers at once, so the connection knows it works.
        const waitNow = first ? 0 : wait
        const page = await this.#poll(waitNow)
        if (this.#ended) return
        const ephemeral = page.ephemeral ?? []
        // A resync comes before anything else the answer holds.
        for (const frame of ephemeral) if (frame.type === 'resync') this.handlers.frame(frame)
        for (const frame of page.events ?? []) {
          if (this.#ended) return
          this.handlers.frame(frame)
        }
        for (const frame of ephemeral) if (frame.type !== 'resync') this.handlers.frame(frame)
        if (this.#ended) return
        this.handlers.frame({ type: 'ready', cursor: page.cursor })
        first = false
        if (wait === 0) await this.#sleep(this.options.intervalMs ?? 2000)
      }
    } catch (error) {
      this.#finish(error instanceof PalaverClientError ? error : networkError(error, this.#abort.signal))
    }
  }

  async #poll(waitSeconds: number) {
    const signal = this.#abort.signal
    // A long-poll the server should have answered long ago is stuck somewhere on the way.
    const timeout = new AbortController()
    const guard = setTimeout(() => timeout.abort(), (waitSeconds + 15) * 1000)
    const either = anySignal([signal, timeout.signal])
    try {
      const watch = this.params.watch()
      return await this.api.events(
        { after: this.params.cursor(), wait: waitSeconds > 0 ? waitSeconds : undefined, watch },
        { signal: either },
      )
    } catch (error) {
      if (timeout.signal.aborted && !signal.aborted) {
        throw new PalaverClientError('network', 'The long-poll got no answer in time', { cause: error })
      }
      throw error
    } finally {
      clearTimeout(guard)
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve
      this.#pause = setTimeout(resolve, ms)
    })
  }

  #finish(error: PalaverClientError | null): void {
    if (this.#ended) return
    this.#stop()
    this.handlers.closed(error)
  }

  #stop(): void {
    this.#ended = true
    clearTimeout(this.#pause)
    this.#wake()
    this.#abort.abort()
  }

  close(): void {
    if (!this.#ended) this.#stop()
  }
}

/** AbortSignal.any where it exists (Node 20.3+, current browsers), else a small stand-in. */
function anySignal(signals: AbortSignal[]): AbortSignal {
  const any = (AbortSignal as { any?: (signals: AbortSignal[]) => AbortSignal }).any
  if (typeof any === 'function') return any.call(AbortSignal, signals)
  const controller = new AbortController()
  for (const signal of signals) {
    if (signal.aborted) {
      controller.abort(signal.reason)
      break
    }
    signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true })
  }
  return controller.signal
}
