import { PalaverError } from '../errors.js'

export type RateLimitedAction = 'send' | 'typing' | 'react' | 'createChat' | 'search' | 'upload' | 'guest'

export interface RateLimit {
  /** How many actions one user (for `guest`: one client address) may take per window. */
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
  // Every request of a visitor not signed in, per address: generous, for many readers behind one NAT.
  guest: { limit: 600, windowMs: 60_000 },
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

/**
 * The address a request came from: the connection's own, or behind `trustProxy` proxies the one the
 * farthest of them saw (each appends its peer to X-Forwarded-For; entries before that are the client's say).
 */
export function clientAddress(
  headers: Headers,
  remoteAddress: string | undefined,
  trustProxy: number,
): string | undefined {
  if (trustProxy === 0) return remoteAddress
  const forwarded = (headers.get('x-forwarded-for') ?? '')
    .split(',')
    .map((hop) => hop.trim())
    .filter(Boolean)
  return forwarded.at(-trustProxy) ?? forwarded[0] ?? remoteAddress
}

/** An IPv6 address's /64, which one subscriber holds whole; any other address as it is. */
function addressKey(address: string): string {
  const plain = address.replace(/^\[|\](:\d+)?$/g, '').toLowerCase()
  if (!plain.includes(':') || plain.startsWith('::ffff:')) return plain.replace(/^::ffff:/, '')
  const [head = '', tail = ''] = plain.split('::')
  const left = head ? head.split(':') : []
  const right = plain.includes('::') && tail ? tail.split(':') : []
  const groups = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right]
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16) || 0)
    .join(':')}::/64`
}

/**
 * Counts one request of a visitor not signed in against the `guest` limit of their address; 429 over it.
 * An address unknown (a host calling `fetch` without one, and no trusted proxy) is not counted: one count
 * for every such visitor would shut them all out together.
 */
export async function enforceGuestLimit(
  options: { rateLimiter: RateLimiter; rateLimits: Partial<RateLimits> | false; trustProxy: number },
  headers: Headers,
  remoteAddress: string | undefined,
): Promise<void> {
  const address = clientAddress(headers, remoteAddress, options.trustProxy)
  if (!address) return
  await enforceRateLimit(options.rateLimiter, options.rateLimits, 'guest', addressKey(address))
}
