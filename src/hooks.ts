import type { EventType, NewEvent } from './services/context.js'
import type { EventPayloads } from './services/events.js'

/** What a server-side hook receives: one committed change. */
export interface HookEvent<K extends EventType = EventType> {
  type: K
  cursor: number
  chatId: number | null
  data: EventPayloads[K]
}

export type HookHandler<K extends EventType> = (event: HookEvent<K>) => void | Promise<void>

/**
 * Server-side hooks: the host subscribes to committed changes (to send e-mail, push notifications,
 * webhooks…). They run after commit, once, in the process that committed the change (for a send, the
 * deployment's writer of sends: see SendForwarding); a failing hook is logged and never affects the
 * request or the other hooks.
 */
export class Hooks {
  private readonly handlers = new Map<EventType, Set<HookHandler<EventType>>>()

  on<K extends EventType>(type: K, handler: HookHandler<K>): () => void {
    let set = this.handlers.get(type)
    if (!set) this.handlers.set(type, (set = new Set()))
    set.add(handler as HookHandler<EventType>)
    return () => set.delete(handler as HookHandler<EventType>)
  }

  /** @internal called by the transaction runner with the events it committed and the first cursor. */
  dispatch(events: readonly NewEvent[], firstCursor: number): void {
    events.forEach((event, i) => {
      const handlers = this.handlers.get(event.type)
      if (!handlers) return
      const hookEvent = {
        type: event.type,
        cursor: firstCursor + i,
        chatId: event.chatId,
        data: event.data,
      } as HookEvent
      for (const handler of handlers) {
        Promise.resolve()
          .then(() => handler(hookEvent))
          .catch((error: unknown) => console.error(`[palaver] the ${event.type} hook failed:`, error))
      }
    })
  }
}
