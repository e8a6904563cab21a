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

  // The publishes of one turn of the event loop (a batch's events, forwarded sends, their answers) go
  // to Redis as one pipeline: one socket write instead of one each. Not ioredis's auto-pipelining,
  // which holds a turn's commands back while the last turn's pipeline waits for its replies.
  let turn: Array<{ channel: string; message: string; done: () => void }> | null = null
  const writeTurn = () => {
    const publishes = turn!
    turn = null
    const done = () => {
      for (const publish of publishes) publish.done()
    }
    publisher
      .pipeline(publishes.map(({ channel, message }) => ['publish', channel, message]))
      .exec()
      // Redis is down: the log poll delivers these events a little later.
      .then(done, done)
  }

  return {
    publish(channel, message) {
      return new Promise<void>((done) => {
        if (!turn) {
          turn = []
          setImmediate(writeTurn)
        }
        turn.push({ channel, message, done })
      })
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
