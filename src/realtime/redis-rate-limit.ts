import { Redis, type RedisOptions } from 'ioredis'
import { memoryRateLimiter, type RateLimiter } from '../http/rate-limit.js'

// Counts in a fixed window; the first hit of a window starts its expiry. Returns [count, ms left].
const script = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('PTTL', KEYS[1])}`

/**
 * Limits shared by every process through Redis. While Redis is unreachable each process
 * limits on its own, so an outage neither blocks users nor lifts the limits.
 */
export function redisRateLimiter(url: string, options: RedisOptions = {}): RateLimiter {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, ...options })
  redis.on('error', () => {})
  const local = memoryRateLimiter()
  // Only the first connection is waited for (briefly); during an outage the local limiter answers at once.
  const firstConnection = new Promise<void>((resolve) => {
    redis.once('ready', resolve)
    setTimeout(resolve, 2000).unref()
  })
  return {
    async hit(key, limit) {
      if (redis.status === 'connecting' || redis.status === 'connect' || redis.status === 'wait')
        await firstConnection
      try {
        const [count, ttl] = (await redis.eval(script, 1, `palaver:rate:${key}`, limit.windowMs)) as [
          number,
          number,
        ]
        return count > limit.limit ? Math.max(ttl, 1) : 0
      } catch {
        return local.hit(key, limit)
      }
    },
    close: () => redis.disconnect(),
  }
}
