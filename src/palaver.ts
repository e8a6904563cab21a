import type { Kysely } from 'kysely'
import { databaseAttachmentStore } from './attachments/store.js'
import { Embed } from './embed.js'
import { type HookHandler, Hooks } from './hooks.js'
import { createApi } from './http/app.js'
import type { ConnectionInfo } from './http/env.js'
import { loadStaticAssets } from './http/static.js'
import { Metrics, type PalaverMetrics } from './metrics.js'
import { type PalaverOptions, type ResolvedOptions, resolveOptions } from './options.js'
import { Hub } from './realtime/hub.js'
import { deploymentId, pruneEvents } from './realtime/log.js'
import { inProcessPubSub, type PubSub, scopedPubSub } from './realtime/pubsub.js'
import { type AttachmentSweep, sweepAttachments } from './services/attachment-sweep.js'
import { ChatKinds } from './services/chat-kinds.js'
import { type Context, EVENTS_CHANNEL, type EventType, eventCommits } from './services/context.js'
import { sendRefusals, storeSends, storeSendsAlone } from './services/messages.js'
import { RefusedKeys } from './services/refused-keys.js'
import { roomChanged } from './services/rooms.js'
import { indexSearchInBackground } from './services/search-index.js'
import { SendForwarding } from './services/send-forwarding.js'
import { UserService } from './services/users.js'
import { muteOf } from './services/views.js'
import { assertMigrated, migrateToLatest } from './storage/migrate.js'
import { openStorage } from './storage/open.js'
import type { DatabaseSchema } from './storage/schema.js'
import { builtinDirectory } from './users/builtin-directory.js'
import type { UserProfile } from './users/types.js'
import { placeWebhooks, WebhookDelivery } from './webhooks.js'

export interface Palaver {
  /**
   * The web-standard handler: give it a Request under the base path, get a Response. `connection` says
   * where it came from (`toNodeHandler` fills it in): the guest limit counts by that address.
   */
  fetch(request: Request, connection?: ConnectionInfo): Promise<Response>
  readonly options: ResolvedOptions
  readonly db: Kysely<DatabaseSchema>
  readonly pubsub: PubSub
  /** Palaver's own user directory (when the host did not bring one). */
  readonly users: { upsert(profile: UserProfile): Promise<void> }
  /** Runs `handler` after each committed change of that type (e-mail, push, webhooks…); returns an unsubscribe. */
  on<K extends EventType>(type: K, handler: HookHandler<K>): () => void
  /** Whether the user has a live connection to any process right now (presence). */
  isOnline(userId: string): boolean
  /**
   * The ids of a chat's members (for hooks that notify them). `{ muted: false }` leaves out those who
   * muted the chat now: what a notification should skip.
   */
  memberIds(chatId: number, filter?: { muted?: boolean }): Promise<string[]>
  /**
   * Tells Palaver that the `rooms` resolver may answer differently for this object now (it was made
   * members-only, hidden or deleted): every process asks again at once about the readers watching its
   * room without being members, and stops sending it to those who may no longer read it, instead of at
   * its next minute's round. Resolves once told; a room nobody opened does nothing. An unknown content
   * type is refused.
   */
  roomChanged(contentType: string, objectId: string): Promise<void>
  /** HTML snippets that embed the widgets in any template engine. */
  readonly embed: Embed
  /** Connections, events sent, sends and commits, for Prometheus (see also the `metricsToken` option). */
  readonly metrics: PalaverMetrics
  /** Applies pending migrations (done on start unless `migrate: false`). */
  migrate(): Promise<void>
  /** Closes what Palaver opened: the database connection and the pub/sub. */
  close(): Promise<void>
  /** Removes events older than the retention window (done hourly); returns how many went. */
  pruneEvents(olderThan?: number): Promise<number>
  /**
   * Deletes attachments no one can reach (uploads never sent within a day, files of deleted chats and
   * messages whose bytes a failing store or a crash left), done every 10 minutes. Returns how many went, and
   * how many it left to the next sweep because the store failed (each key it would not delete logged with
   * its error, then left alone for a while; where the store is down, one line and every file not reached);
   * rejects only when the database fails.
   */
  sweepAttachments(): Promise<AttachmentSweep>
  /** @internal the service context, for the adapters and the real-time layer. */
  readonly context: Context
  /** @internal the process-wide real-time fan-out. */
  readonly hub: Hub
}

/** Creates a Palaver instance: validates options, opens storage, runs migrations. */
export async function createPalaver(input: PalaverOptions): Promise<Palaver> {
  const options = resolveOptions(input)
  const storage = await openStorage(options.database, options.searchLanguage)
  const directory = options.users ?? builtinDirectory(storage.db)
  const pubsub = options.pubsub ?? inProcessPubSub()
  const hooks = new Hooks()
  const migrate = async () => {
    await migrateToLatest(storage.db as unknown as Kysely<unknown>, storage.dialect)
  }
  let deployment: number
  try {
    if (options.migrate) await migrate()
    else await assertMigrated(storage.db as unknown as Kysely<unknown>, storage.dialect)
    deployment = await deploymentId(storage.db)
    await placeWebhooks(storage.db, options.webhooks)
  } catch (error) {
    if (storage.owned) await storage.db.destroy()
    throw error
  }
  const deploymentPubSub = scopedPubSub(pubsub, deployment)
  const committed: Context['committed'] = new Set()
  // Read only when scraped, by which time the hub exists.
  const metrics = new Metrics(() => hub.tallies())
  const appendAlone = storage.dialect.appendMessagesAlone
  const context: Context = {
    db: storage.db,
    dialect: storage.dialect,
    options,
    users: new UserService(options, directory),
    pubsub: deploymentPubSub,
    hooks,
    commits: eventCommits(
      storage.db,
      storage.dialect,
      options.pubsub ? deploymentPubSub : null,
      hooks,
      committed,
      metrics,
      (db, now, sends) => storeSends(db, now, sends, storage.dialect),
      appendAlone && ((db, now, sends) => storeSendsAlone(db, now, sends, appendAlone)),
    ),
    committed,
    chatKinds: new ChatKinds(),
    metrics,
    storeSend: (send, changeOptions) => context.commits.runBulk(send, changeOptions),
    attachmentStore:
      options.attachments === false
        ? null
        : (options.attachments.store ?? databaseAttachmentStore(storage.db)),
  }
  const hub = new Hub(context, options.logPollIntervalMs)
  await hub.start()
  const forwarding =
    options.pubsub && options.singleWriter
      ? new SendForwarding(
          deploymentPubSub,
          hub.presence.node,
          () => hub.presence.liveNodes(),
          context.commits,
          sendRefusals,
        )
      : null
  if (forwarding) {
    forwarding.start()
    context.storeSend = (send, changeOptions) => forwarding.store(send, changeOptions)
  }
  const retention = setInterval(
    () => void pruneEvents(storage.db, Date.now() - options.eventRetentionMs).catch(() => {}),
    3600_000,
  )
  retention.unref()
  const refusedKeys = new RefusedKeys()
  const sweep = setInterval(
    () =>
      void sweepAttachments(context, refusedKeys).catch((error: unknown) =>
        console.error('[palaver] attachment sweep failed', error),
      ),
    600_000,
  )
  sweep.unref()
  const stopIndexing = indexSearchInBackground(context)
  const webhooks =
    options.webhooks.length > 0
      ? new WebhookDelivery(storage.db, options.webhooks, options.logPollIntervalMs, metrics)
      : null
  let stopWakingWebhooks = () => {}
  if (webhooks) {
    webhooks.start()
    // This process's commits wake the deliveries at once, and so does pub/sub's word of another process's.
    const wake = () => webhooks.wake()
    committed.add(wake)
    stopWakingWebhooks = deploymentPubSub.subscribe(EVENTS_CHANNEL, wake)
  }
  const assets = loadStaticAssets()
  const embed = new Embed(options, () => assets.bundle)
  const api = createApi(context, hub, assets, embed)
  return {
    fetch: async (request, connection = {}) => api.fetch(request, connection),
    options,
    db: storage.db,
    pubsub,
    users: {
      upsert: async (profile) => {
        if (!directory.upsert)
          throw new Error('The configured user directory is the host’s own; update users there')
        await directory.upsert(profile)
      },
    },
    embed,
    metrics,
    on: (type, handler) => context.hooks.on(type, handler),
    isOnline: (userId) => hub.presence.isOnline(userId),
    roomChanged: (contentType, objectId) => roomChanged(context, contentType, objectId),
    memberIds: async (chatId, filter = {}) => {
      const members = await storage.db
        .selectFrom('palaver_members')
        .select(['user_id', 'muted_until'])
        .where('chat_id', '=', chatId)
        .execute()
      const now = Date.now()
      return members
        .filter((m) => filter.muted === undefined || muteOf(m.muted_until, now).muted === filter.muted)
        .map((m) => m.user_id)
    },
    migrate,
    pruneEvents: (olderThan = Date.now() - options.eventRetentionMs) => pruneEvents(storage.db, olderThan),
    sweepAttachments: () => sweepAttachments(context, refusedKeys),
    close: async () => {
      clearInterval(retention)
      clearInterval(sweep)
      stopWakingWebhooks()
      await webhooks?.stop()
      await stopIndexing()
      await forwarding?.stop()
      await hub.stop()
      await pubsub.close?.()
      options.rateLimiter.close?.()
      if (storage.owned) await storage.db.destroy()
    },
    context,
    hub,
  }
}
