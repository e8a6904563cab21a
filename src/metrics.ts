import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import { PalaverError } from './errors.js'

/** How a client is connected; a long-poll counts as a connection while it waits. */
export type ConnectionTransport = 'websocket' | 'sse' | 'long-polling'
export const TRANSPORTS: readonly ConnectionTransport[] = ['websocket', 'sse', 'long-polling']

/**
 * Where a process had an event it routed from: its own commit; another process's, by pub/sub; or the
 * log, read back when pub/sub lost or delayed one (or had none to give).
 */
export type RouteSource = 'commit' | 'pubsub' | 'log'
const ROUTE_SOURCES: readonly RouteSource[] = ['commit', 'pubsub', 'log']

/** How a send arrived: over the WebSocket, or as a REST request. */
export type SendRoute = 'websocket' | 'http'

/**
 * What became of a send: stored; repeated (its clientId was used before, so the first one is the
 * answer); refused (a rule said no: 4xx); failed (the server could not: 5xx).
 */
export type SendOutcome = 'stored' | 'repeated' | 'refused' | 'failed'

/** What became of a send that threw: a rule's refusal, or the server's failure. */
const outcomeOf = (error: unknown): SendOutcome =>
  error instanceof PalaverError && error.status < 500 ? 'refused' : 'failed'

/** An instance's metrics as the host sees them (`palaver.metrics`). */
export interface PalaverMetrics {
  /** prom-client's registry: merge it with the host's own (`Registry.merge`) to serve one page. */
  readonly registry: Registry
  /** Every metric in the Prometheus text format. */
  text(): Promise<string>
  /** The Content-Type of `text()`. */
  readonly contentType: string
}

/** What the real-time layer counts, read when the metrics are scraped (see Hub.tallies). */
export interface RealtimeTallies {
  connections: Record<ConnectionTransport, number>
  /** Events handed to clients since the process started. */
  eventsSent: Record<ConnectionTransport, number>
  /** Events routed to this process's connections since it started, by where it had them from. */
  routed: Record<RouteSource, number>
  /** The newest event cursor this process has routed. */
  head: number
}

/** From half a millisecond to ten seconds: a send on an idle server, and one on a server far behind. */
const SECONDS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10]
/** Up to GroupCommit's largest batch. */
const BATCH_SIZES = [1, 2, 4, 8, 16, 32, 64, 100]

/**
 * A counter the real-time layer keeps as plain numbers, one per value of its label, copied in when the
 * metrics are read (a counter may only go up, so it is rebuilt from the totals each time).
 */
function keptCounter<V extends string>(
  registers: Registry[],
  counter: { name: string; help: string; label: string; values: readonly V[]; read(): Record<V, number> },
): void {
  const { label, values, read } = counter
  new Counter({
    name: counter.name,
    help: counter.help,
    labelNames: [label],
    registers,
    collect() {
      const totals = read()
      this.reset()
      for (const value of values) this.inc({ [label]: value }, totals[value])
    },
  })
}

/**
 * One Palaver instance's metrics, in a registry of their own (two instances share nothing). Counts on
 * the delivery path are plain numbers that the real-time layer keeps; they are read when scraped, so a
 * frame sent to ten thousand sockets costs no metric call each.
 */
export class Metrics implements PalaverMetrics {
  readonly registry = new Registry()
  private readonly sends: Histogram<'route' | 'outcome'>
  private readonly commitSeconds: Histogram
  private readonly batchSizes: Histogram
  private readonly webhookDeliveries: Counter<'webhook' | 'outcome'>
  private readonly webhookBacklog: Gauge<'webhook'>
  private readonly attachmentsLeft: Gauge

  constructor(realtime: () => RealtimeTallies) {
    const registers = [this.registry]
    new Gauge({
      name: 'palaver_connections',
      help: 'Live client connections, by transport (a long-poll while it waits).',
      labelNames: ['transport'],
      registers,
      collect() {
        const { connections } = realtime()
        for (const transport of TRANSPORTS) this.set({ transport }, connections[transport])
      },
    })
    keptCounter(registers, {
      name: 'palaver_events_sent_total',
      help: 'Events handed to clients, by transport (one per recipient).',
      label: 'transport',
      values: TRANSPORTS,
      read: () => realtime().eventsSent,
    })
    keptCounter(registers, {
      name: 'palaver_events_routed_total',
      help:
        'Events this process routed, by where it had them from: its own commits, another process by pub/sub, or ' +
        'read back from the log. With several processes, a steady rise of "log" means pub/sub loses messages.',
      label: 'source',
      values: ROUTE_SOURCES,
      read: () => realtime().routed,
    })
    new Gauge({
      name: 'palaver_event_cursor',
      help: 'The newest event this process has routed; processes that lag behind the others show here.',
      registers,
      collect() {
        this.set(realtime().head)
      },
    })
    this.sends = new Histogram({
      name: 'palaver_send_duration_seconds',
      help: 'From a send reaching Palaver (its frame read, or its request validated) to its answer, by route and outcome.',
      labelNames: ['route', 'outcome'],
      buckets: SECONDS,
      registers,
    })
    this.commitSeconds = new Histogram({
      name: 'palaver_commit_duration_seconds',
      help: 'How long each batch of changes held the database, from its transaction’s start to its commit.',
      buckets: SECONDS,
      registers,
    })
    this.batchSizes = new Histogram({
      name: 'palaver_commit_batch_size',
      help: 'Changes (sends, edits, receipts…) committed together in one batch.',
      buckets: BATCH_SIZES,
      registers,
    })
    this.webhookDeliveries = new Counter({
      name: 'palaver_webhook_deliveries_total',
      help: 'POSTs to each webhook endpoint from this process, by outcome: delivered (2xx) or failed (tried again).',
      labelNames: ['webhook', 'outcome'],
      registers,
    })
    this.webhookBacklog = new Gauge({
      name: 'palaver_webhook_backlog_events',
      help: 'Events in the log after each webhook endpoint’s place, as this process last looked (any type).',
      labelNames: ['webhook'],
      registers,
    })
    this.attachmentsLeft = new Gauge({
      name: 'palaver_attachments_left_by_sweep',
      help:
        'Files this process’s last attachment sweep left for the next because the store failed (hidden): the ' +
        'keys it would not delete or left alone after earlier failures, or, where it was down, every file not ' +
        'reached. One that stays above 0 is a key the store keeps refusing: the log names it when it is tried.',
      registers,
    })
  }

  webhookPosted(webhook: string, delivered: boolean): void {
    this.webhookDeliveries.inc({ webhook, outcome: delivered ? 'delivered' : 'failed' })
  }

  webhookBehind(webhook: string, events: number): void {
    this.webhookBacklog.set({ webhook }, events)
  }

  attachmentsSwept(swept: { failed: number }): void {
    this.attachmentsLeft.set(swept.failed)
  }

  /**
   * Runs a send (the send service, whichever route it came by) and observes what became of it, timed from
   * `startedAt` (performance.now() when the send arrived).
   */
  async timeSend<T extends { created: boolean }>(
    route: SendRoute,
    startedAt: number,
    send: () => Promise<T>,
  ): Promise<T> {
    const observe = (outcome: SendOutcome) =>
      this.sends.observe({ route, outcome }, (performance.now() - startedAt) / 1000)
    try {
      const sent = await send()
      observe(sent.created ? 'stored' : 'repeated')
      return sent
    } catch (error) {
      observe(outcomeOf(error))
      throw error
    }
  }

  batchCommitted(size: number, seconds: number): void {
    this.commitSeconds.observe(seconds)
    this.batchSizes.observe(size)
  }

  /** The Prometheus text exposition of every metric. */
  text(): Promise<string> {
    return this.registry.metrics()
  }

  get contentType(): string {
    return this.registry.contentType
  }
}
