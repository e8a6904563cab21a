/**
 * Fan-out between the parts of one deployment. It only makes delivery immediate:
 * the event log in the database stays the truth, so a lost message delays an event, never loses it.
 */
export interface PubSub {
  publish(channel: string, message: string): void | Promise<void>
  subscribe(channel: string, listener: (message: string) => void): () => void
  close?(): Promise<void>
}

/**
 * The pub/sub of one deployment (the processes that share one database): its channels carry the
 * deployment's id, so that sites sharing a Redis never hear each other's events, typing or presence.
 */
export function scopedPubSub(pubsub: PubSub, deployment: number): PubSub {
  const scoped = (channel: string) => `${channel}:${deployment}`
  return {
    publish: (channel, message) => pubsub.publish(scoped(channel), message),
    subscribe: (channel, listener) => pubsub.subscribe(scoped(channel), listener),
  }
}

/** The default: one process, no Redis. */
export function inProcessPubSub(): PubSub {
  const listeners = new Map<string, Set<(message: string) => void>>()
  return {
    publish(channel, message) {
      for (const listener of listeners.get(channel) ?? []) listener(message)
    },
    subscribe(channel, listener) {
      let set = listeners.get(channel)
      if (!set) listeners.set(channel, (set = new Set()))
      set.add(listener)
      return () => set.delete(listener)
    },
  }
}
