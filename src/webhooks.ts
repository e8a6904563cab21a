import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Metrics } from './metrics.js'
import type { EventType } from './services/context.js'
import type { DatabaseSchema } from './storage/schema.js'

/** Every type of event the log keeps, which a webhook may choose among. */
export const persistedEventTypes = [
  'message.created',
  'message.updated',
  'message.deleted',
  'reaction.updated',
  'receipt.updated',
  'chat.created',
  'chat.updated',
  'chat.deleted',
  'chat.muted',
  'chat.marked',
  'member.added',
  'member.removed',
  'user.blocked',
] as const satisfies readonly EventType[]

// A new event type fails to compile here until it is listed above.
const everyTypeListed: [Exclude<EventType, (typeof persistedEventTypes)[number]>] extends [never]
  ? true
  : never = true
void everyTypeListed

/** An endpoint of the host's that gets every persisted event (or those of `events`), signed. */
export interface WebhookOptions {
  url: string
  /** Signs each delivery (HMAC-SHA256); the receiver checks it with `verifyWebhook`. */
  secret: string
  /** Only these event types; every persisted one when absent. */
  events?: readonly EventType[]
  /** Names the endpoint's place in the log; the URL when absent. Renaming it starts from the log's end. */
  name?: string
}

/** A delivery that took longer than this failed (and is tried again). */
const TIMEOUT_MS = 10_000
/** How long a process holds an endpoint's deliveries after it last acted on them. */
const LEASE_MS = 30_000
/** Retries wait 1 s, 2 s, 4 s… up to this long, for as long as the endpoint fails. */
const MAX_BACKOFF_MS = 60_000
/** Events read from the log at a time. */
const PAGE = 100

export const SIGNATURE_HEADER = 'palaver-signature'

/** How metrics name an endpoint: its name, else its URL without the query (which may hold a token). */
const metricsLabel = (endpoint: WebhookOptions) => {
  if (endpoint.name) return endpoint.name
  const url = new URL(endpoint.url)
  return `${url.origin}${url.pathname}`
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the time is signed too, so a replay grows stale. */
export function signWebhook(secret: string, body: string, at = Date.now()): string {
  const t = Math.floor(at / 1000)
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`
}

/**
 * Whether a delivery came from Palaver: its `Palaver-Signature` header matches the raw body under the
 * secret, and was made within `toleranceSeconds` (default 5 minutes) of now. Check the body exactly as
 * it arrived, before parsing it.
 */
export function verifyWebhook(input: {
  secret: string
  body: string
  signature: string | null | undefined
  toleranceSeconds?: number
  now?: number
}): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(input.signature ?? '')
  if (!match) return false
  const t = Number(match[1])
  const now = input.now ?? Date.now()
  if (Math.abs(now / 1000 - t) > (input.toleranceSeconds ?? 300)) return false
  const expected = createHmac('sha256', input.secret).update(`${t}.${input.body}`).digest()
  return timingSafeEqual(expected, Buffer.from(match[2]!, 'hex'))
}

/**
 * Gives each new endpoint its place at the log's end: it gets what happens from now on, not the history.
 * Run at start, before anything can be committed, so that nothing committed after the start is missed.
 */
export async function placeWebhooks(
  db: Kysely<DatabaseSchema>,
  endpoints: readonly WebhookOptions[],
): Promise<void> {
  if (endpoints.length === 0) return
  const { value } = await db
    .selectFrom('palaver_counters')
    .select('value')
    .where('name', '=', 'event_cursor')
    .executeTakeFirstOrThrow()
  await db
    .insertInto('palaver_webhooks')
    .values(endpoints.map((e) => ({ name: e.name ?? e.url, cursor: value, holder: null, held_until: 0 })))
    .onConflict((oc) => oc.column('name').doNothing())
    .execute()
}

/**
 * Delivers the event log to the host's webhook endpoints: each endpoint gets every event once it is
 * committed, in cursor order, one POST each, signed, until it answers 2xx (at least once: a receiver
 * dedupes by `Palaver-Delivery`, the event's cursor).
 *
 * The log is the queue, so nothing committed is lost: an endpoint's place in it is a row of its own
 * (`palaver_webhooks`), moved only after a delivery succeeded, and a process that restarts goes on from
 * there. Among several processes one holds an endpoint's deliveries at a time, by a lease in that row
 * renewed before every POST; a process that stops holding it (it crashed, or hangs) is taken over once
 * the lease runs out. An endpoint that keeps failing is retried with growing pauses and holds up only
 * its own deliveries. Events the log's retention removed before they could be delivered are skipped,
 * with a warning: keep `eventRetentionMs` longer than an endpoint may be down.
 */
export class WebhookDelivery {
  private readonly holder = randomUUID()
  private readonly stopping = new AbortController()
  private readonly loops: Array<Promise<void>> = []
  private readonly wakers = new Set<() => void>()
  /** Until when this process holds each endpoint it holds, as far as it knows. */
  private readonly leaseEnds = new Map<string, number>()
  /** Until when another process holds each endpoint, as last read: until then a wake is theirs to act on. */
  private readonly heldElsewhere = new Map<string, number>()
  /** How many wakes came so far: one that came while a loop was busy still cuts its next pause short. */
  private wakes = 0

  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    private readonly endpoints: readonly WebhookOptions[],
    private readonly pollMs: number,
    private readonly metrics: Metrics,
  ) {}

  /** Starts delivering to every endpoint (whose places placeWebhooks took). */
  start(): void {
    for (const endpoint of this.endpoints) this.loops.push(this.run(endpoint, endpoint.name ?? endpoint.url))
  }

  /** Something was committed (here, or by another process): look at the log now rather than at the next poll. */
  wake(): void {
    this.wakes++
    for (const wake of this.wakers) wake()
  }

  async stop(): Promise<void> {
    this.stopping.abort()
    this.wake()
    await Promise.all(this.loops)
    await this.db
      .updateTable('palaver_webhooks')
      .set({ holder: null, held_until: 0 })
      .where('holder', '=', this.holder)
      .execute()
      .catch(() => {})
  }

  private get stopped(): boolean {
    return this.stopping.signal.aborted
  }

  /**
   * Waits `ms`, or less when stopped, or (`wakeable`) when something was committed, including since the
   * wake count `seen` (read before the work that came before this pause).
   */
  private pause(ms: number, wakeable: boolean, seen = this.wakes): Promise<void> {
    if (wakeable && this.wakes !== seen) return Promise.resolve()
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.wakers.delete(done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      if (wakeable) this.wakers.add(done)
      this.stopping.signal.addEventListener('abort', done, { once: true })
      if (this.stopped) done()
    })
  }

  private async run(endpoint: WebhookOptions, name: string): Promise<void> {
    let failures = 0
    while (!this.stopped) {
      const seen = this.wakes
      try {
        const delivered = await this.deliverSome(endpoint, name)
        failures = 0
        if (delivered) continue
      } catch (error) {
        if (this.stopped) return
        failures++
        if (failures === 1 || failures % 10 === 0)
          console.warn(`[palaver] webhook ${name}: ${(error as Error).message}; retrying (${failures})`)
        await this.pause(Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (failures - 1)), false)
        continue
      }
      // While another process holds the endpoint, wakes are for it; the poll still sees its lease run out.
      await this.pause(this.pollMs, (this.heldElsewhere.get(name) ?? 0) <= Date.now(), seen)
    }
  }

  /**
   * Delivers what waits, in order, while this process holds the endpoint; answers whether it did
   * anything (then it looks again at once). A failed delivery throws, and is retried after a pause.
   */
  private async deliverSome(endpoint: WebhookOptions, name: string): Promise<boolean> {
    const [place, counters] = await Promise.all([
      this.db.selectFrom('palaver_webhooks').selectAll().where('name', '=', name).executeTakeFirst(),
      this.db.selectFrom('palaver_counters').select(['name', 'value']).execute(),
    ])
    const last = counters.find((c) => c.name === 'event_cursor')?.value ?? 0
    const pruned = counters.find((c) => c.name === 'pruned_through')?.value ?? 0
    if (place) this.metrics.webhookBehind(metricsLabel(endpoint), Math.max(0, last - place.cursor))
    if (place && place.holder !== null && place.holder !== this.holder && place.held_until > Date.now()) {
      this.heldElsewhere.set(name, place.held_until)
      return false
    }
    this.heldElsewhere.delete(name)
    if (!place || place.cursor >= last) return false
    let cursor = await this.hold(name)
    if (cursor === null) return false
    if (cursor < pruned) {
      console.warn(`[palaver] webhook ${name}: events ${cursor + 1}–${pruned} were pruned before delivery`)
      cursor = await this.advance(name, pruned)
    }
    const events = await this.db
      .selectFrom('palaver_events')
      .select(['cursor', 'type', 'chat_id', 'user_id', 'payload', 'created_at'])
      .where('cursor', '>', cursor)
      .orderBy('cursor')
      .limit(PAGE)
      .execute()
    for (const event of events) {
      if (this.stopped) return false
      if (!endpoint.events || endpoint.events.includes(event.type as EventType)) {
        // A POST may take until its timeout: the lease must outlast it, or another process could
        // deliver the same event meanwhile.
        const left = (this.leaseEnds.get(name) ?? 0) - Date.now()
        if (left < TIMEOUT_MS * 2 && (await this.hold(name)) !== cursor) return false
        await this.post(endpoint, event)
      }
      cursor = await this.advance(name, event.cursor)
    }
    return events.length > 0
  }

  /** Takes or renews the lease on the endpoint; answers its place in the log, or null when another holds it. */
  private async hold(name: string): Promise<number | null> {
    const now = Date.now()
    const held = await this.db
      .updateTable('palaver_webhooks')
      .set({ holder: this.holder, held_until: now + LEASE_MS })
      .where('name', '=', name)
      .where((eb) => eb.or([eb('holder', '=', this.holder), eb('held_until', '<', now)]))
      .returning('cursor')
      .executeTakeFirst()
    if (!held) return null
    this.leaseEnds.set(name, now + LEASE_MS)
    return held.cursor
  }

  /** Moves the endpoint's place past a delivered (or skipped) event, renewing the lease. */
  private async advance(name: string, cursor: number): Promise<number> {
    const now = Date.now()
    const moved = await this.db
      .updateTable('palaver_webhooks')
      .set({ cursor, held_until: now + LEASE_MS })
      .where('name', '=', name)
      .where('holder', '=', this.holder)
      .executeTakeFirst()
    if (moved.numUpdatedRows === 0n) throw new Error('another process took the deliveries over')
    this.leaseEnds.set(name, now + LEASE_MS)
    return cursor
  }

  private async post(
    endpoint: WebhookOptions,
    event: {
      cursor: number
      type: string
      chat_id: number | null
      user_id: string | null
      payload: string
      created_at: number
    },
  ): Promise<void> {
    // The data as the log holds it, serialized once at write time.
    const body = `{"cursor":${event.cursor},"type":${JSON.stringify(event.type)},"chatId":${event.chat_id},"userId":${JSON.stringify(event.user_id)},"createdAt":"${new Date(event.created_at).toISOString()}","data":${event.payload}}`
    const posted = (delivered: boolean) => this.metrics.webhookPosted(metricsLabel(endpoint), delivered)
    const response = await fetch(endpoint.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Palaver-Webhooks',
        'palaver-event': event.type,
        'palaver-delivery': String(event.cursor),
        [SIGNATURE_HEADER]: signWebhook(endpoint.secret, body),
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.any([this.stopping.signal, AbortSignal.timeout(TIMEOUT_MS)]),
    }).catch((error: unknown) => {
      if (!this.stopped) posted(false)
      throw error
    })
    // The body is not read: only the status counts, and an unread body would hold the socket.
    await response.body?.cancel()
    const delivered = response.status >= 200 && response.status < 300
    posted(delivered)
    if (!delivered) throw new Error(`delivery ${event.cursor} (${event.type}) answered ${response.status}`)
  }
}
