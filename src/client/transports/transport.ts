import type { PalaverClientError } from '../errors.js'
import type { ServerFrame } from '../types.js'

export type TransportKind = 'websocket' | 'sse' | 'polling'

/** Where a transport starts and what it asks for; read when it (re)connects, and by polling before each request. */
export interface TransportParams {
  /** The cursor of the last event the connection applied; null to start from now. */
  cursor(): number | null
  /** Public rooms watched without being a member. */
  watch(): readonly number[]
}

export interface TransportHandlers {
  /** Every frame, in the order the server sent it. */
  frame(frame: ServerFrame): void
  /** The transport stopped by itself (an error, or the server ended it); never called after `close()`. */
  closed(error: PalaverClientError | null): void
}

/** One attempt at a live stream of events; the connection makes a new one to reconnect. */
export interface Transport {
  readonly kind: TransportKind
  /** Stops it for good, without calling `closed`. */
  close(): void
}

/** A transport that can also carry actions (send, typing, watch) and answer them. */
export interface ActionTransport extends Transport {
  request(action: Record<string, unknown>): Promise<unknown>
}

export const canRequest = (transport: Transport | null): transport is ActionTransport =>
  typeof (transport as Partial<ActionTransport> | null)?.request === 'function'

/** Parses one frame's JSON; anything that is not an object with a `type` is ignored. */
export function parseFrame(text: string): ServerFrame | null {
  try {
    const value = JSON.parse(text) as unknown
    if (value && typeof value === 'object' && typeof (value as { type?: unknown }).type === 'string')
      return value as ServerFrame
  } catch {}
  return null
}
