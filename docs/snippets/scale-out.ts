// The README's scaling block, type-checked by `npm test` (test/scale-out.test.ts covers the behaviour).
import type { PalaverOptions } from 'palaver'

declare const getUser: PalaverOptions['getUser']

// #region readme
import { createPalaver } from 'palaver'
import { redisPubSub, redisRateLimiter } from 'palaver/redis'

const palaver = await createPalaver({
  database: { postgres: process.env.DATABASE_URL! },
  pubsub: redisPubSub(process.env.REDIS_URL!),
  rateLimiter: redisRateLimiter(process.env.REDIS_URL!),
  getUser,
})
// #endregion

export { palaver }
