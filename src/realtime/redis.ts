import { Redis, type RedisOptions } from 'ioredis'
import type { PubSub } from './pubsub.js'

/**
 * Pub/sub over Redis, for several Palaver processes over one database. While Redis is away,
 * publishes are dropped at once (never queued) and each process finds new events by polling the
 * log; ioredis reconnects and resubscribes by itself, and immediate delivery comes back.
 */
export function redisPubSub(url: string, options: RedisOptions = {}): PubSub {
  const settings: RedisOptions = {
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(200 * attempt, 2000),
    ...options,
  }
  const publisher = new Redis(url, { ...settings, enableOfflineQueue: false })
  const subscriber = new Redis(url, settings)
  const listeners = new Map<string, Set<(message: string) => void>>()
  // Connection errors are expected during an outage; ioredis keeps retrying, so they are only noted.
  let warned = false
  const onError = (error: Error) => {
    if (!warned)
      console.warn(`[palaver] Redis unavailable (${error.message}); delivering from the event log meanwhile`)
    warned = true
  }
  publisher.on('error', onError)
  subscriber.on('error', onError)
  subscriber.on('ready', () => {
    warned = false
  })
  subscriber.on('message', (channel: string, message: string) => {
    for (const listener of listeners.get(channel) ?? []) listener(message)
  })

  return {
    async publish(channel, message) {
      try {
        await publisher.publish(channel, message)
      } catch {
        // Redis is down: the log poll delivers this event a little later.
      }
    },
    subscribe(channel, listener) {
      let set = listeners.get(channel)
      if (!set) {
        listeners.set(channel, (set = new Set()))
        subscriber.subscribe(channel).catch(() => {})
      }
      set.add(listener)
      return () => {
        set.delete(listener)
        if (set.size === 0) {
          listeners.delete(channel)
          subscriber.unsubscribe(channel).catch(() => {})
        }
      }
    },
    async close() {
      publisher.disconnect()
      subscriber.disconnect()
    },
  }
}
