export interface BackoffOptions {
  /** The cap of the first retry's delay (ms); each later one doubles it. Default 500. */
  initialDelayMs?: number
  /** The largest cap (ms). Default 30 000. */
  maxDelayMs?: number
  /** A number in [0, 1); `Math.random` by default. */
  random?: () => number
}

/**
 * Exponential backoff with full jitter: a uniformly random delay between 0 and
 * min(max, initial × 2^attempt), so clients dropped together do not come back together.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const initial = options.initialDelayMs ?? 500
  const max = options.maxDelayMs ?? 30_000
  const cap = Math.min(max, initial * 2 ** Math.min(attempt, 30))
  return Math.floor((options.random ?? Math.random)() * cap)
}
