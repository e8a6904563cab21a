/** A small typed event emitter: `on` returns the function that removes the listener. */
export class Emitter<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<(payload: never) => void>>()

  on<K extends keyof Events>(type: K, listener: (payload: Events[K]) => void): () => void {
    let set = this.#listeners.get(type)
    if (!set) this.#listeners.set(type, (set = new Set()))
    set.add(listener as (payload: never) => void)
    return () => this.off(type, listener)
  }

  once<K extends keyof Events>(type: K, listener: (payload: Events[K]) => void): () => void {
    const off = this.on(type, (payload) => {
      off()
      listener(payload)
    })
    return off
  }

  off<K extends keyof Events>(type: K, listener: (payload: Events[K]) => void): void {
    const set = this.#listeners.get(type)
    set?.delete(listener as (payload: never) => void)
    if (set?.size === 0) this.#listeners.delete(type)
  }

  /** Calls every listener; one that throws does not stop the others (its error is reported). */
  protected emit<K extends keyof Events>(type: K, payload: Events[K]): void {
    const set = this.#listeners.get(type)
    if (!set) return
    for (const listener of [...set]) {
      try {
        ;(listener as (payload: Events[K]) => void)(payload)
      } catch (error) {
        reportError(error)
      }
    }
  }

  protected removeAllListeners(): void {
    this.#listeners.clear()
  }
}

function reportError(error: unknown): void {
  const report = (globalThis as { reportError?: (error: unknown) => void }).reportError
  if (typeof report === 'function') report(error)
  else console.error('[palaver] a listener threw', error)
}
