/**
 * palaver/client: typed REST calls, one real-time connection (WebSocket, then Server-Sent
 * Events, then long-polling) that resumes from its cursor and applies each event once, and an
 * offline outbox. Runs in browsers and in Node 20+ (pass `WebSocket` from the "ws" package there).
 */
export { type BackoffOptions, backoffDelay } from './backoff.js'
export { createClient, PalaverClient, type PalaverClientOptions } from './client.js'
export {
  Connection,
  type ConnectionEvents,
  type ConnectionOptions,
  type ConnectionState,
  type TransportKind,
  type TransportPreference,
} from './connection.js'
export { Emitter } from './emitter.js'
export { type ClientErrorCode, PalaverClientError } from './errors.js'
export { indexedDbFiles, type OutboxFileStorage } from './held-files.js'
export { type FetchLike, type HeadersOption, Http, type HttpOptions } from './http.js'
export { randomId } from './ids.js'
export { mentionsUser, writesEveryone } from './mentions.js'
export {
  type Deliver,
  localStorageOutbox,
  Outbox,
  type OutboxError,
  type OutboxEvents,
  type OutboxItem,
  type OutboxOptions,
  type OutboxState,
  type OutboxStorage,
  type SendOptions,
  type UploadAgain,
} from './outbox.js'
export { excerptOf, quoteOf } from './quotes.js'
export { type CallOptions, type EventsQuery, PalaverApi } from './rest.js'
export { PollingTransport, type PollingTransportOptions } from './transports/polling.js'
export { SseTransport, type SseTransportOptions } from './transports/sse.js'
export { type SseEvent, SseParser } from './transports/sse-parser.js'
export type {
  ActionTransport,
  Transport,
  TransportHandlers,
  TransportParams,
} from './transports/transport.js'
export {
  type WebSocketConstructor,
  type WebSocketEventLike,
  type WebSocketFactory,
  type WebSocketLike,
  WebSocketTransport,
  type WebSocketTransportOptions,
} from './transports/websocket.js'
export type * from './types.js'
export { isMuted, unreadThatCounts } from './unread.js'
export type { UploadProgress } from './upload-progress.js'
