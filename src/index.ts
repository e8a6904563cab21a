export { type AttachmentStore, diskAttachmentStore } from './attachments/store.js'
export { Embed, type EmbedOptions } from './embed.js'
export { type ErrorCode, PalaverError } from './errors.js'
export type { HookEvent, HookHandler } from './hooks.js'
export type { ConnectionTransport, PalaverMetrics, SendOutcome, SendRoute } from './metrics.js'
export type {
  AttachmentOptions,
  DatabaseOption,
  Limits,
  PageParts,
  PalaverOptions,
  Transport,
} from './options.js'
export { createPalaver, type Palaver } from './palaver.js'
export { inProcessPubSub, type PubSub } from './realtime/pubsub.js'
export type * from './schemas.js'
export type { AttachmentSweep } from './services/attachment-sweep.js'
export type { EventType } from './services/context.js'
export type { ChatSummary, EventPayloads } from './services/events.js'
export type { MessageModerator, MessageToModerate, ModerationVerdict } from './services/moderation.js'
export type { RoomObject, RoomResolver } from './services/rooms.js'
export { postgresTypes } from './storage/postgres.js'
export { initialsAvatar } from './users/avatar.js'
export type { User, UserDirectory, UserProfile } from './users/types.js'
export { verifyWebhook, type WebhookOptions } from './webhooks.js'
