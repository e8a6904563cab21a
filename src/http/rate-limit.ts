import { PalaverError } from '../errors.js'

export type RateLimitedAction = 'send' | 'typing' | 'react' | 'createChat' | 'search' | 'upload'

export interface RateLimit {
  /** How many actions one user may take per window. */
  limit: number
  windowMs: number
}

export type RateLimits = Record<RateLimitedAction, RateLimit>

export const defaultRateLimits: RateLimits = {
  send: { limit: 120, windowMs: 10_000 },
  typing: { limit: 60, windowMs: 10_000 },
  react: { limit: 120, windowMs: 10_000 },
  createChat: { limit: 30, windowMs: 60_000 },
  search: { limit: 60, windowMs: 10_000 },
  upload: { limit: 30, windowMs: 60_000 },
}

/** Counts one action; resolves to 0 when allowed, else the milliseconds until the user may try again. */
export interface RateLimiter {
  hit(key: string, limit: RateLimit): Promise<number> | number
  close?(): void
}

/** One process: fixed windows kept in memory, swept as they expire. */
export function memoryRateLimiter(): RateLimiter {
  const windows = new Map<string, { count: number; resetAt: number }>()
  let sweepAt = 0
  return {
    hit(key, { limit, windowMs }) {
      const now = Date.now()
      if (now > sweepAt) {
        for (const [k, w] of windows) if (w.resetAt <= now) windows.delete(k)
        sweepAt = now + 60_000
      }
      let window = windows.get(key)
      if (!window || window.resetAt <= now) windows.set(key, (window = { count: 0, resetAt: now + windowMs }))
      window.count++
      return window.count > limit ? window.resetAt - now : 0
    },
  }
}

/** Throws 429 (with the wait in details, for Retry-After) when the user is over the limit. */
export async function enforceRateLimit(
  limiter: RateLimiter,
  limits: Partial<RateLimits> | false,
  action: RateLimitedAction,
  userId: string,
): Promise<void> {
  if (limits === false) return
  const limit = limits[action]
  if (!limit) return
  const waitMs = await limiter.hit(`${action}:${userId}`, limit)
  if (waitMs > 0) {
    throw new PalaverError('rate_limited', `Too many requests; try again in ${Math.ceil(waitMs / 1000)} s`, {
      retryAfterSeconds: Math.ceil(waitMs / 1000),
    })
  }
}
