/**
 * The realtime scenarios. Each drives one running system with the load-generator workers and returns
 * plain numbers; the report takes medians over runs. Nothing here asserts anything about time.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type InsideWindow, insideWindow } from './inside.js'
import { type PostgresWindow, watchPostgres } from './postgres-window.js'
import { Worker } from './procs.js'
import type { ClientSpec, ProcessStats, Transport, WorkerCollect, WorkerCounts } from './shared.js'
import {
  createGroups,
  createRoom,
  POSTGRES_URL,
  type RedisInstance,
  type RunningSystem,
  registerUsers,
} from './systems.js'

export interface Sizes {
  /** Scenario 1/2: clients in groups of `groupSize`, fixed rate, measured seconds. */
  clients: number
  groupSize: number
  rate: number
  seconds: number
  warmupSeconds: number
  /** Scenario 2: the ramp. */
  rampStart: number
  rampFactor: number
  rampSeconds: number
  rampMax: number
  /** When the first step misses, the ramp steps down until this rate. */
  rampMin: number
  /** Waiting for the last receipts: give up after this long without progress, or this long in all. */
  stallMs: number
  maxDrainMs: number
  rampStallMs: number
  rampMaxDrainMs: number
  /** After a missed ramp step: the longest wait for the server to work off its backlog. */
  settleMs: number
  /** Scenario 3. */
  roomMembers: number
  roomRate: number
  roomSeconds: number
  /** Scenario 4. */
  idleClients: number
  /** Pause before measuring memory (and twice that after connecting). */
  idleSettleMs: number
  /** Quick runs reuse servers: scenario 4 on the server of 1–3, scenario 5 on SQLite only, on that server too. */
  reuseServers: boolean
  /** Databases for scenario 5. */
  waitingDatabases: Array<'sqlite' | 'postgres'>
  /** Scenario 5. */
  waitingClients: number
  waitingRate: number
  waitingSeconds: number
  /** Scenario 6. */
  scaleProcesses: number
  /**
   * Separate deployments of 1 and of `scaleProcesses` processes, each with a ramp; otherwise (quick)
   * one deployment of `scaleProcesses`, all clients on its first process and then spread, no ramp.
   */
  scaleSeparate: boolean
  /** Load-generator processes. */
  workers: number
}

export const FULL: Sizes = {
  clients: 1000,
  groupSize: 10,
  rate: 500,
  seconds: 10,
  warmupSeconds: 3,
  rampStart: 250,
  rampFactor: Math.SQRT2,
  rampSeconds: 5,
  rampMax: 32_000,
  rampMin: 20,
  stallMs: 3000,
  maxDrainMs: 30_000,
  rampStallMs: 1500,
  rampMaxDrainMs: 5000,
  settleMs: 30_000,
  roomMembers: 2000,
  roomRate: 20,
  roomSeconds: 10,
  idleClients: 10_000,
  idleSettleMs: 1000,
  reuseServers: false,
  waitingDatabases: ['sqlite', 'postgres'],
  waitingClients: 2000,
  waitingRate: 100,
  waitingSeconds: 10,
  scaleProcesses: 3,
  scaleSeparate: true,
  workers: 2,
}

export const QUICK: Sizes = {
  clients: 100,
  groupSize: 10,
  rate: 100,
  seconds: 1,
  warmupSeconds: 0.5,
  rampStart: 200,
  rampFactor: 4,
  rampSeconds: 0.75,
  rampMax: 3200,
  rampMin: 12,
  stallMs: 1000,
  maxDrainMs: 5000,
  rampStallMs: 500,
  rampMaxDrainMs: 2000,
  settleMs: 3000,
  roomMembers: 100,
  roomRate: 20,
  roomSeconds: 1,
  idleClients: 300,
  idleSettleMs: 200,
  reuseServers: true,
  waitingDatabases: ['sqlite'],
  waitingClients: 100,
  waitingRate: 50,
  waitingSeconds: 1,
  scaleProcesses: 3,
  scaleSeparate: false,
  workers: 2,
}

/** The p99 a rate must keep to count as sustained (scenario 2). */
export const SUSTAINED_P99_MS = 100

export interface Measurement {
  rate: number
  seconds: number
  sent: number
  expected: number
  received: number
  /** Rate the load generator actually sent at. */
  sentRate: number
  /** Receipts per second over the send window. */
  deliveriesPerSecond: number
  /** Send → receipt, ms; Infinity when more than (100 − p)% of the expected receipts never came. */
  p50: number
  p99: number
  max: number
  /** Receipts on another server than the sender's (scale-out). */
  crossP50?: number
  crossP99?: number
  crossCount?: number
  /** Send → acknowledgement (Palaver). */
  ackP50?: number
  ackP99?: number
  failed: number
  bytesPerDelivery: number
  /** CPU time of the server process(es), ms, over the send window and the drain. */
  serverCpuMs: number
  /**
   * Time the servers' main threads were runnable but waited for a core, ms, over the same span (Linux):
   * the share of the tail that the other processes on the machine's cores caused.
   */
  serverWaitMs?: number
  /** Server CPU per delivered message, µs (scale-out adds Redis's share in `redisCpuMs`). */
  cpuPerDeliveryUs: number
  redisCpuMs?: number
  serverEldP99: number
  serverEldMax: number
  /**
   * The servers' garbage-collection pauses over the same span: how many, ms in all, and the longest (older
   * reports lack them).
   */
  gcPauses?: number
  gcPauseMs?: number
  gcLongestMs?: number
  loadgenEldP99: number
  /** Load-generator CPU, % of one core, averaged over its processes. */
  loadgenCpuPercent: number
  /** How late the load generator ran behind its schedule, at worst. */
  loadgenMaxLagMs: number
  drainMs: number
  /**
   * Share of the machine's CPU time the hypervisor gave to other guests while this ran (Linux: steal in
   * /proc/stat), %. Everything here shares the cores, so a few percent show in every tail.
   */
  stolenPercent?: number
  /** Palaver on PostgreSQL: the WAL it wrote and flushed, and (with `--pg-waits`) what it waited on. */
  postgres?: PostgresWindow
  /** Palaver: what its own metrics saw over the window (sends inside its handler, commits). */
  inside?: InsideWindow
}

export interface RampStep {
  rate: number
  pass: boolean
  reason: string
  m: Measurement
}

export interface RampResult {
  sustained: number
  /** The measurement at the sustained rate. */
  at: Measurement | null
  firstFail: { rate: number; reason: string } | null
  steps: RampStep[]
}

export interface MemoryResult {
  target: number
  open: number
  failed: number
  connectSeconds: number
  rssBefore: number
  rssAfter: number
  rssPerConnection: number
  heapPerConnection: number
  errors: Record<string, number>
}

export type Log = (message: string) => void

let phaseCounter = 0

/** The machine's CPU time so far, and how much of it was stolen, in clock ticks (Linux only). */
function cpuTicks(): { total: number; steal: number } | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
    // user nice system idle iowait irq softirq steal (guest time is already counted in user and nice).
    return { total: fields.slice(0, 8).reduce((a, b) => a + b, 0), steal: fields[7] ?? 0 }
  } catch {
    return undefined
  }
}

/** The load-generator processes with the clients they hold. */
export class Load {
  private constructor(
    readonly workers: Worker[],
    readonly log: Log,
  ) {}
  /** Clients opened per worker, for splitting the send rate. */
  private share: number[] = []
  servers = 1
  /** Drain limits for a measurement (the sizes' stallMs and maxDrainMs). */
  timing = { stallMs: 3000, maxDrainMs: 30_000 }
  /** With a directory: every measurement writes each receipt's send time and latency there (--trace). */
  traceDir: string | undefined
  /** Samples what Palaver's PostgreSQL statements wait on during each measurement (--pg-waits). */
  sampleWaits = false

  static async start(count: number, log: Log): Promise<Load> {
    return new Load(await Promise.all(Array.from({ length: count }, (_, i) => Worker.start(i))), log)
  }

  async connect(
    sys: RunningSystem,
    transport: Transport,
    specs: ClientSpec[],
    options: { idle?: boolean; concurrency?: number } = {},
  ): Promise<{ open: number; failed: number; seconds: number; errors: Record<string, number> }> {
    this.servers = specs.reduce((n, s) => Math.max(n, s.server + 1), 1)
    const started = performance.now()
    const parts = this.workers.map((_, w) => specs.filter((_, i) => i % this.workers.length === w))
    const results = await Promise.all(
      this.workers.map((worker, w) =>
        worker.run<{ open: number; failed: number; errors: Record<string, number> }>({
          cmd: 'connect',
          system: sys.kind,
          transport,
          origins: sys.origins,
          clients: parts[w]!,
          concurrency: options.concurrency ?? 50,
          ...(options.idle ? { idle: true } : {}),
        }),
      ),
    )
    this.share = results.map((r) => r.open)
    const errors: Record<string, number> = {}
    for (const r of results) for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v
    const open = results.reduce((s, r) => s + r.open, 0)
    const failed = results.reduce((s, r) => s + r.failed, 0)
    if (failed > 0)
      this.log(`    ${failed} of ${specs.length} clients failed to connect: ${JSON.stringify(errors)}`)
    return { open, failed, seconds: (performance.now() - started) / 1000, errors }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.run({ cmd: 'close' })))
    this.share = []
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.proc.stop(2000)))
  }

  /** One measurement's receipts as [sent at, latency] pairs, sorted by send time (see trace-summary.ts). */
  private writeTrace(
    dir: string,
    phase: number,
    sys: RunningSystem,
    options: { rate: number; seconds: number },
    parts: WorkerCollect[],
  ): void {
    const receipts: Array<[number, number]> = []
    for (const part of parts)
      for (let i = 0; i < part.latencies.length; i++) receipts.push([part.sendTimes![i]!, part.latencies[i]!])
    receipts.sort((a, b) => a[0] - b[0])
    const trace = { system: sys.name, processes: sys.origins.length, rate: options.rate, receipts }
    const file = join(dir, `${String(phase).padStart(3, '0')}-${sys.name}-${options.rate}.json`)
    writeFileSync(file, JSON.stringify(trace))
  }

  private async counts(): Promise<WorkerCounts> {
    const all = await Promise.all(this.workers.map((w) => w.run<WorkerCounts>({ cmd: 'counts' })))
    return all.reduce((a, b) => ({
      sent: a.sent + b.sent,
      received: a.received + b.received,
      acked: a.acked + b.acked,
      failed: a.failed + b.failed,
      open: a.open + b.open,
    }))
  }

  /**
   * Sends at `rate` for `seconds` from every open client in turn, then waits until every expected
   * receipt (and, for Palaver, every acknowledgement) is in, or nothing has moved for `stallMs`.
   */
  async measure(
    sys: RunningSystem,
    options: {
      rate: number
      seconds: number
      /** Receipts expected per message sent. */
      fanout: number
      stallMs?: number
      maxDrainMs?: number
      redis?: RedisInstance
    },
  ): Promise<Measurement> {
    const phase = ++phaseCounter
    const totalShare = this.share.reduce((s, n) => s + n, 0)
    const before = await sys.stats()
    const loadBefore = process.hrtime.bigint()
    const workerCpuBefore = await Promise.all(this.workers.map((w) => w.run<ProcessStats>({ cmd: 'stats' })))
    const redisBefore = options.redis ? await options.redis.cpuMicros() : 0
    const ticksBefore = cpuTicks()
    const postgres =
      sys.name === 'palaver-postgres'
        ? await watchPostgres(POSTGRES_URL, { sampleWaits: this.sampleWaits })
        : undefined
    // A failed window still closes the watch's connections, or they would keep the bench alive.
    const { sendMs, drainMs } = await this.sendAndDrain(sys, phase, totalShare, options).catch(
      async (error: unknown) => {
        await postgres?.end().catch(() => {})
        throw error
      },
    )
    const ticksAfter = cpuTicks()
    const database = await postgres?.end()
    const after = await sys.stats()
    const redisAfter = options.redis ? await options.redis.cpuMicros() : 0
    const workerStats = await Promise.all(this.workers.map((w) => w.run<ProcessStats>({ cmd: 'stats' })))
    const elapsedUs = Number(process.hrtime.bigint() - loadBefore) / 1000
    const parts = await Promise.all(this.workers.map((w) => w.run<WorkerCollect>({ cmd: 'collect' })))
    const sent = parts.reduce((s, p) => s + p.sent, 0)
    const received = parts.reduce((s, p) => s + p.received, 0)
    const expected = sent * options.fanout
    if (this.traceDir) this.writeTrace(this.traceDir, phase, sys, options, parts)
    const latencies = concat(parts.map((p) => p.latencies))
    const cross = concat(parts.map((p) => p.cross))
    const acks = concat(parts.map((p) => p.acks))
    const serverCpuMs = after.reduce((s, a, i) => s + (a.cpuMicros - before[i]!.cpuMicros), 0) / 1000
    const redisCpuMs = (redisAfter - redisBefore) / 1000
    const bytes = parts.reduce((s, p) => s + p.bytes, 0)
    const m: Measurement = {
      rate: options.rate,
      seconds: options.seconds,
      sent,
      expected,
      received,
      sentRate: (sent / sendMs) * 1000,
      deliveriesPerSecond: (received / sendMs) * 1000,
      p50: percentile(latencies, 0.5, expected),
      p99: percentile(latencies, 0.99, expected),
      max:
        received < expected
          ? Number.POSITIVE_INFINITY
          : latencies.length
            ? latencies[latencies.length - 1]!
            : Number.NaN,
      failed: parts.reduce((s, p) => s + p.failed, 0),
      bytesPerDelivery: received ? bytes / received : 0,
      serverCpuMs,
      cpuPerDeliveryUs: received ? ((serverCpuMs + (options.redis ? redisCpuMs : 0)) * 1000) / received : 0,
      serverEldP99: Math.max(...after.map((a) => a.eldP99)),
      serverEldMax: Math.max(...after.map((a) => a.eldMax)),
      gcPauses: after.reduce((s, a, i) => s + a.gcPauses - before[i]!.gcPauses, 0),
      gcPauseMs: after.reduce((s, a, i) => s + a.gcPauseMs - before[i]!.gcPauseMs, 0),
      gcLongestMs: Math.max(...after.map((a) => a.gcLongestMs)),
      loadgenEldP99: Math.max(...workerStats.map((s) => s.eldP99)),
      loadgenCpuPercent:
        (workerStats.reduce((s, a, i) => s + (a.cpuMicros - workerCpuBefore[i]!.cpuMicros), 0) /
          this.workers.length /
          elapsedUs) *
        100,
      loadgenMaxLagMs: Math.max(...parts.map((p) => p.maxLagMs)),
      drainMs,
    }
    if (ticksBefore && ticksAfter && ticksAfter.total > ticksBefore.total)
      m.stolenPercent =
        (100 * (ticksAfter.steal - ticksBefore.steal)) / (ticksAfter.total - ticksBefore.total)
    if (sys.kind === 'palaver') {
      m.ackP50 = percentile(acks, 0.5, acks.length)
      m.ackP99 = percentile(acks, 0.99, acks.length)
    }
    if (this.servers > 1) {
      m.crossCount = cross.length
      // Cross-process receipts expected: a receiver on another server than the sender.
      m.crossP50 = percentile(cross, 0.5, cross.length)
      m.crossP99 = percentile(cross, 0.99, cross.length)
    }
    if (options.redis) m.redisCpuMs = redisCpuMs
    if (after.every((a, i) => a.mainWaitMicros !== undefined && before[i]!.mainWaitMicros !== undefined))
      m.serverWaitMs = after.reduce((s, a, i) => s + a.mainWaitMicros! - before[i]!.mainWaitMicros!, 0) / 1000
    if (database) m.postgres = database
    if (after.every((a, i) => a.inside && before[i]!.inside))
      m.inside = insideWindow(
        before.map((b) => b.inside!),
        after.map((a) => a.inside!),
      )
    return m
  }

  /** Sends at the measurement's rate, then waits for its receipts and acks (see `measure`). */
  private async sendAndDrain(
    sys: RunningSystem,
    phase: number,
    totalShare: number,
    options: { rate: number; seconds: number; fanout: number; stallMs?: number; maxDrainMs?: number },
  ): Promise<{ sendMs: number; drainMs: number }> {
    const trace = this.traceDir !== undefined
    await Promise.all(this.workers.map((w) => w.run({ cmd: 'begin', phase, servers: this.servers, trace })))
    const sendResults = await Promise.all(
      this.workers.map((w, i) =>
        w.run<{ sent: number; ms: number }>({
          cmd: 'send',
          rate: (options.rate * (this.share[i] ?? 0)) / Math.max(1, totalShare),
          seconds: options.seconds,
        }),
      ),
    )
    const sendMs = Math.max(...sendResults.map((r) => r.ms), 1)
    const drainStart = performance.now()
    const stallMs = options.stallMs ?? this.timing.stallMs
    const maxDrainMs = options.maxDrainMs ?? this.timing.maxDrainMs
    let last = -1
    let lastMoved = performance.now()
    for (;;) {
      const c = await this.counts()
      const expected = c.sent * options.fanout
      const done = c.received >= expected && (sys.kind !== 'palaver' || c.acked + c.failed >= c.sent)
      if (done) break
      const progress = c.received + c.acked
      if (progress !== last) {
        last = progress
        lastMoved = performance.now()
      }
      if (performance.now() - lastMoved > stallMs || performance.now() - drainStart > maxDrainMs) break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const drainMs = performance.now() - drainStart
    return { sendMs, drainMs }
  }

  /** Waits until the server has answered every send and delivered what it will (after an overload). */
  async settle(maxMs = 30_000): Promise<void> {
    const started = performance.now()
    let last = ''
    let still = 0
    while (performance.now() - started < maxMs) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(250, maxMs / 12)))
      const c = await this.counts()
      const key = `${c.received}/${c.acked}/${c.failed}`
      still = key === last ? still + 1 : 0
      last = key
      if (still >= 4) return
    }
  }
}

function concat(arrays: Float64Array[]): Float64Array {
  const out = new Float64Array(arrays.reduce((s, a) => s + a.length, 0))
  let at = 0
  for (const a of arrays) {
    out.set(a, at)
    at += a.length
  }
  return out.sort()
}

/**
 * The p-quantile of `count` expected values of which `sorted` arrived: those that never arrived count
 * as infinitely late, so a p99 is Infinity when more than 1% were lost.
 */
export function percentile(sorted: Float64Array, p: number, count: number): number {
  const n = Math.max(count, sorted.length)
  if (n === 0) return Number.NaN
  const index = Math.max(0, Math.ceil(p * n) - 1)
  return index < sorted.length ? sorted[index]! : Number.POSITIVE_INFINITY
}

/** Clients in groups: client i is in group ⌊i / size⌋, on server i mod servers. */
export function groupSpecs(prefix: string, clients: number, size: number, servers = 1): ClientSpec[] {
  return Array.from({ length: clients }, (_, index) => ({
    index,
    user: `${prefix}-u${index}`,
    room: `${prefix}-g${Math.floor(index / size)}`,
    chatId: 0,
    server: index % servers,
  }))
}

/** For Palaver: registers the users, creates the groups, and fills in each client's chat id. */
export async function setUpGroups(sys: RunningSystem, specs: ClientSpec[], size: number): Promise<void> {
  if (sys.kind !== 'palaver') return
  const origin = sys.origins[0]!
  await registerUsers(
    origin,
    specs.map((s) => s.user),
  )
  const groups: string[][] = []
  for (let i = 0; i < specs.length; i += size) groups.push(specs.slice(i, i + size).map((s) => s.user))
  const ids = await createGroups(origin, groups)
  for (const spec of specs) spec.chatId = ids[Math.floor(spec.index / size)]!
}

const passes = (m: Measurement) => {
  if (m.sentRate < m.rate * 0.95) return `load generator sent only ${Math.round(m.sentRate)}/s`
  if (m.received < m.expected * 0.999)
    return `${(((m.expected - m.received) / m.expected) * 100).toFixed(1)}% not delivered within the drain`
  if (m.failed > 0) return `${m.failed} sends refused`
  if (!(m.p99 <= SUSTAINED_P99_MS)) return `p99 ${fmtMs(m.p99)} ms`
  return ''
}

export const fmtMs = (ms: number) => (Number.isFinite(ms) ? ms.toFixed(ms < 10 ? 2 : 1) : '∞')

/**
 * Scenario 2: raises the rate step by step until a step misses (p99 over 100 ms, losses, or the
 * load generator falling behind), then tries once between the last good and the first bad rate.
 */
export async function ramp(
  load: Load,
  sys: RunningSystem,
  sizes: Sizes,
  fanout: number,
  log: Log,
  redis?: RedisInstance,
): Promise<RampResult> {
  const steps: RampStep[] = []
  const step = async (rate: number) => {
    const m = await load.measure(sys, {
      rate,
      seconds: sizes.rampSeconds,
      fanout,
      stallMs: sizes.rampStallMs,
      maxDrainMs: sizes.rampMaxDrainMs,
      ...(redis ? { redis } : {}),
    })
    const reason = passes(m)
    steps.push({ rate, pass: reason === '', reason, m })
    log(
      `    ${rate} msg/s: p50 ${fmtMs(m.p50)} p99 ${fmtMs(m.p99)} ms, ${m.received}/${m.expected}` +
        `${reason ? ` — ${reason}` : ''}`,
    )
    if (reason) await load.settle(sizes.settleMs)
    return reason === ''
  }
  let good = 0
  let bad = 0
  if (await step(sizes.rampStart)) {
    good = sizes.rampStart
    for (
      let rate = Math.round(good * sizes.rampFactor);
      rate <= sizes.rampMax;
      rate = Math.round(rate * sizes.rampFactor)
    ) {
      if (!(await step(rate))) {
        bad = rate
        break
      }
      good = rate
    }
  } else {
    // Missed at the start: step down until a rate holds (or the bottom of the ramp).
    bad = sizes.rampStart
    for (
      let rate = Math.round(bad / sizes.rampFactor);
      rate >= sizes.rampMin;
      rate = Math.round(rate / sizes.rampFactor)
    ) {
      if (await step(rate)) {
        good = rate
        break
      }
      bad = rate
    }
  }
  if (bad > 0 && good > 0) {
    const middle = Math.round(Math.sqrt(good * bad))
    if (middle > good && middle < bad && (await step(middle))) good = middle
  }
  const at = steps.find((s) => s.rate === good && s.pass)?.m ?? null
  const fail = steps.filter((s) => !s.pass && s.rate > good).sort((a, b) => a.rate - b.rate)[0]
  return {
    sustained: good,
    at,
    firstFail: fail ? { rate: fail.rate, reason: fail.reason } : null,
    steps,
  }
}

export interface GroupScenarioResult {
  connect: { open: number; failed: number; seconds: number }
  fixed: Measurement
  ramp?: RampResult
}

/** Scenarios 1 and 2 on one system (same clients): the fixed rate, then the ramp. */
export async function groupFanout(
  load: Load,
  sys: RunningSystem,
  sizes: Sizes,
  log: Log,
  options: {
    ramp: boolean
    prefix: string
    redis?: RedisInstance
    /** Servers the clients are spread over (all of the system's by default; 1 puts them all on the first). */
    servers?: number
  } = { ramp: true, prefix: 's1' },
): Promise<GroupScenarioResult> {
  const specs = groupSpecs(
    options.prefix,
    sizes.clients,
    sizes.groupSize,
    options.servers ?? sys.origins.length,
  )
  await setUpGroups(sys, specs, sizes.groupSize)
  const connect = await load.connect(sys, 'ws', specs)
  log(`    ${connect.open} clients connected in ${connect.seconds.toFixed(1)} s`)
  const fanout = sizes.groupSize - 1
  const redis = options.redis ? { redis: options.redis } : {}
  await load.measure(sys, { rate: sizes.rate, seconds: sizes.warmupSeconds, fanout, ...redis })
  const fixed = await sys.profiled(options.prefix, () =>
    load.measure(sys, { rate: sizes.rate, seconds: sizes.seconds, fanout, ...redis }),
  )
  log(
    `    ${sizes.rate} msg/s: p50 ${fmtMs(fixed.p50)} p99 ${fmtMs(fixed.p99)} ms, ` +
      `${fixed.received}/${fixed.expected} delivered, server CPU ${(fixed.serverCpuMs / fixed.seconds / 10).toFixed(0)}%, ` +
      `${((fixed.serverCpuMs * 1000) / Math.max(1, fixed.sent)).toFixed(0)} µs per message sent` +
      (fixed.ackP50 === undefined ? '' : `, ack p50 ${fmtMs(fixed.ackP50)} p99 ${fmtMs(fixed.ackP99!)} ms`),
  )
  const result: GroupScenarioResult = { connect, fixed }
  if (options.ramp) result.ramp = await ramp(load, sys, sizes, fanout, log, options.redis)
  await load.close()
  return result
}

export interface BigRoomResult {
  connect: { open: number; failed: number; seconds: number }
  m: Measurement
}

/** Scenario 3: one room of `roomMembers`, a slow steady rate. */
export async function bigRoom(
  load: Load,
  sys: RunningSystem,
  sizes: Sizes,
  log: Log,
): Promise<BigRoomResult> {
  const specs = groupSpecs('s3', sizes.roomMembers, sizes.roomMembers)
  if (sys.kind === 'palaver') {
    const origin = sys.origins[0]!
    const users = specs.map((s) => s.user)
    await registerUsers(origin, users)
    const chatId = await createRoom(origin, `big-${Date.now()}`, users)
    for (const spec of specs) spec.chatId = chatId
  }
  const connect = await load.connect(sys, 'ws', specs)
  log(`    ${connect.open} members connected in ${connect.seconds.toFixed(1)} s`)
  const fanout = sizes.roomMembers - 1
  await load.measure(sys, { rate: sizes.roomRate, seconds: Math.min(2, sizes.warmupSeconds), fanout })
  const m = await sys.profiled('s3', () =>
    load.measure(sys, { rate: sizes.roomRate, seconds: sizes.roomSeconds, fanout }),
  )
  log(
    `    ${sizes.roomRate} msg/s: ${Math.round(m.deliveriesPerSecond)} deliveries/s, p50 ${fmtMs(m.p50)} p99 ${fmtMs(m.p99)} ms`,
  )
  await load.close()
  return { connect, m }
}

/** Scenario 4: idle WebSocket connections on a fresh server; memory per connection from RSS. */
export async function idleConnections(
  load: Load,
  sys: RunningSystem,
  sizes: Sizes,
  log: Log,
): Promise<MemoryResult> {
  await new Promise((resolve) => setTimeout(resolve, sizes.idleSettleMs))
  const [before] = await sys.stats(true)
  const specs = groupSpecs('s4', sizes.idleClients, 1)
  for (const spec of specs) spec.room = `s4-r${spec.index % 100}`
  const connect = await sys.profiled('s4', () =>
    load.connect(sys, 'ws', specs, { idle: true, concurrency: 100 }),
  )
  await new Promise((resolve) => setTimeout(resolve, 2 * sizes.idleSettleMs))
  const [after] = await sys.stats(true)
  const open = connect.open
  log(
    `    ${open}/${sizes.idleClients} open in ${connect.seconds.toFixed(1)} s; server RSS ` +
      `${mb(before!.rss)} → ${mb(after!.rss)} MB, ${((after!.rss - before!.rss) / Math.max(1, open) / 1024).toFixed(1)} KB each`,
  )
  await load.close()
  return {
    target: sizes.idleClients,
    open,
    failed: connect.failed,
    connectSeconds: connect.seconds,
    rssBefore: before!.rss,
    rssAfter: after!.rss,
    rssPerConnection: (after!.rss - before!.rss) / Math.max(1, open),
    heapPerConnection:
      (after!.heapUsed + after!.external - before!.heapUsed - before!.external) / Math.max(1, open),
    errors: connect.errors,
  }
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0)

/** Scenario 5: Palaver with 2,000 waiting clients per transport, same groups and rate. */
export async function waitingClients(
  load: Load,
  sys: RunningSystem,
  transport: Transport,
  sizes: Sizes,
  log: Log,
): Promise<GroupScenarioResult> {
  const specs = groupSpecs(`s5${transport}`, sizes.waitingClients, sizes.groupSize)
  await setUpGroups(sys, specs, sizes.groupSize)
  const connect = await load.connect(sys, transport, specs)
  log(`    ${transport}: ${connect.open} clients waiting after ${connect.seconds.toFixed(1)} s`)
  const fanout = sizes.groupSize - 1
  await load.measure(sys, { rate: sizes.waitingRate, seconds: Math.min(2, sizes.warmupSeconds), fanout })
  const fixed = await sys.profiled(`s5${transport}`, () =>
    load.measure(sys, { rate: sizes.waitingRate, seconds: sizes.waitingSeconds, fanout }),
  )
  log(
    `    ${transport} ${sizes.waitingRate} msg/s: p50 ${fmtMs(fixed.p50)} p99 ${fmtMs(fixed.p99)} ms, ${fixed.received}/${fixed.expected}`,
  )
  await load.close()
  return { connect, fixed }
}
