export { redisPubSub } from './realtime/redis.js'
export { redisRateLimiter } from './realtime/redis-rate-limit.js'
