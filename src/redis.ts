export { redisPubSub } from './realtime/redis.js'
