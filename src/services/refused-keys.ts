const MINUTE = 60_000
const HOUR = 60 * MINUTE

/** How long the sweep leaves a key alone after the store first failed for it; twice as long each next time. */
const FIRST_WAIT = 15 * MINUTE
/** The longest it leaves one alone: a key the store always refuses costs a call and a log line a day. */
const LONGEST_WAIT = 24 * HOUR
/** How many keys it remembers at the most. */
const MAX_KEYS = 10_000

/** What the store's latest failure for a key means for the sweep. */
export interface KeyFailure {
  /** Failures in a row for this key. */
  failures: number
  /** How long the sweep now leaves it alone, in milliseconds. */
  wait: number
}

/**
 * Keys the attachment store failed to delete, and until when the sweep leaves each alone. Kept in memory, by
 * each Palaver instance, rather than in a table: forgetting a key (a restart, or the bound) costs one more
 * try and one more log line, never a file, whose row stays doomed until its bytes are gone; so a migration
 * would buy little. Bounded by MAX_KEYS, the key that failed longest ago forgotten first, so a store refusing
 * everything for days cannot grow it without end; a key whose file another process deleted stays until then.
 */
export class RefusedKeys {
  /** In the order of their latest failure. */
  readonly #keys = new Map<string, { failures: number; retryAt: number }>()

  /** Whether the sweep leaves `key` alone at `now`. */
  waiting(key: string, now: number): boolean {
    const refused = this.#keys.get(key)
    return refused !== undefined && now < refused.retryAt
  }

  /** Notes that the store failed for `key` once more, at `now`. */
  failed(key: string, now: number): KeyFailure {
    const failures = (this.#keys.get(key)?.failures ?? 0) + 1
    const wait = Math.min(FIRST_WAIT * 2 ** (failures - 1), LONGEST_WAIT)
    this.#keys.delete(key)
    this.#keys.set(key, { failures, retryAt: now + wait })
    if (this.#keys.size > MAX_KEYS) this.#keys.delete(this.#keys.keys().next().value!)
    return { failures, wait }
  }

  /** The store deleted these keys. */
  deleted(keys: readonly string[]): void {
    for (const key of keys) this.#keys.delete(key)
  }
}

/** A wait as a person reads it: "15 minutes", "1 hour", "24 hours". */
export function waitText(ms: number): string {
  if (ms < HOUR) return `${Math.round(ms / MINUTE)} minutes`
  const hours = Math.round(ms / HOUR)
  return hours === 1 ? '1 hour' : `${hours} hours`
}
