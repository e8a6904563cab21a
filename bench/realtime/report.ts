/** The realtime report: medians over runs, ratios to the floor and the rival, targets, machine. */
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import type { InsideWindow } from './inside.js'
import {
  type BigRoomResult,
  fmtMs,
  type GroupScenarioResult,
  type Measurement,
  type MemoryResult,
  type Sizes,
  SUSTAINED_P99_MS,
} from './scenarios.js'
import type { CpuTime } from './schedstat.js'
import type { Transport } from './shared.js'
import { LABELS, type SystemName } from './systems.js'

export interface ScaleResult {
  /** Processes the clients were spread over. */
  processes: number
  /** Processes running (quick runs measure "one process" with the clients on one of three). */
  deployment: number
  /** Each process stored its own sends (singleWriter: false): the baseline of one writer per deployment. */
  separateWriters?: boolean
  group: GroupScenarioResult
  redisPrivate: boolean
}

/** Everything one run measured; a missing entry means the scenario or system was not run (or failed). */
export interface RunResult {
  run: number
  s1: Partial<Record<SystemName, GroupScenarioResult>>
  s3: Partial<Record<SystemName, BigRoomResult>>
  s4: Partial<Record<SystemName, MemoryResult>>
  s5: Partial<Record<'sqlite' | 'postgres', Partial<Record<Transport, GroupScenarioResult>>>>
  s6: ScaleResult[]
  errors: string[]
}

export interface Machine {
  cpu: string
  cores: number
  memoryGiB: number
  os: string
  node: string
  postgres: string
  redis: string
  ulimitNofile: string
  commit: string
  loadBefore: number[]
  loadAfter: number[]
}

export interface Report {
  title: string
  date: string
  command: string
  quick: boolean
  runs: number
  sizes: Sizes
  scenarios: number[]
  systems: SystemName[]
  machine: Machine
  seconds: number
  notes: string[]
  results: RunResult[]
}

/** `commit`: as sourceCommit() told it when the servers were built. */
export function machineInfo(postgres: string, loadBefore: number[], commit: string): Machine {
  let redis = 'unknown'
  try {
    redis = execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).trim()
  } catch {}
  let ulimitNofile = 'unknown'
  try {
    ulimitNofile = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim()
  } catch {}
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    node: process.version,
    postgres,
    redis,
    ulimitNofile,
    commit,
    loadBefore,
    loadAfter: os.loadavg(),
  }
}

/** Median of the finite-or-infinite numbers given (undefined entries are runs that did not measure it). */
export function median(values: Array<number | undefined>): number {
  const v = values.filter((x): x is number => x !== undefined && !Number.isNaN(x)).sort((a, b) => a - b)
  if (v.length === 0) return Number.NaN
  const mid = Math.floor(v.length / 2)
  if (v.length % 2 === 1) return v[mid]!
  const [a, b] = [v[mid - 1]!, v[mid]!]
  return Number.isFinite(a) && Number.isFinite(b) ? (a + b) / 2 : b
}

const num = (v: number, digits = 0) =>
  Number.isFinite(v)
    ? v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '–'
const ms = (v: number) => (Number.isNaN(v) ? '–' : fmtMs(v))
/** `value / reference`, as a factor. */
const ratio = (value: number, reference: number) => {
  if (Number.isNaN(value) || Number.isNaN(reference)) return '–'
  if (!Number.isFinite(value)) return '∞'
  if (reference <= 0 || value < 0 || !Number.isFinite(reference)) return '–'
  return `×${(value / reference).toFixed(2)}`
}
const kb = (bytes: number) => (Number.isFinite(bytes) ? (bytes / 1024).toFixed(1) : '–')

function table(header: string[], rows: string[][], align?: string[]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`
  return [
    line(header),
    line(align ?? header.map((_, i) => (i === 0 ? '---' : '---:'))),
    ...rows.map(line),
  ].join('\n')
}

type Pick = (m: Measurement) => number | undefined

/** The waits worth naming: enough of the samples, or long enough to be a stall by themselves. */
const NAMED_WAIT_SHARE = 0.02
const NAMED_WAIT_MS = 10

/**
 * What PostgreSQL did in one measurement's window, as a sentence: WAL written and flushed per message
 * sent, and what Palaver's statements waited on when they were sampled.
 */
function postgresWindow(label: string, m: Measurement | undefined): string | undefined {
  const db = m?.postgres
  if (!m || !db || m.sent === 0) return undefined
  const perMessage = (n: number) => num(n / m.sent, 2)
  const wal =
    `${kb(db.walBytes / m.sent)} KB of WAL (${perMessage(db.walFullPages)} whole pages) and ` +
    `${perMessage(db.walSyncs)} WAL flushes per message sent`
  if (!db.waits || !db.samples) return `${label}: ${wal}.`
  const named = db.waits
    .filter((w) => w.share >= NAMED_WAIT_SHARE || w.longestMs >= NAMED_WAIT_MS)
    .map((w) => `${w.event} ${(w.share * 100).toFixed(0)}% (longest ${ms(w.longestMs)} ms)`)
  return (
    `${label}: ${wal}; Palaver's active statements, sampled every 10 ms (${num(db.samples.active)} caught): ` +
    `${named.join(', ') || 'nothing sampled'}.`
  )
}

/** The runs' PostgreSQL sentences as one paragraph under a scenario's table; nothing without any. */
function postgresParagraph(sentences: Array<string | undefined>): string[] {
  const kept = sentences.filter((sentence) => sentence !== undefined)
  return kept.length > 0 ? [`PostgreSQL during the window. ${kept.join(' ')}`, ''] : []
}

/** Medians of one measurement's fields for one system in scenario 1 (fixed rate). */
function s1(report: Report, sys: SystemName, pick: Pick): number {
  return median(report.results.map((r) => (r.s1[sys] ? pick(r.s1[sys]!.fixed) : undefined)))
}
function s2(report: Report, sys: SystemName): number {
  return median(report.results.map((r) => r.s1[sys]?.ramp?.sustained))
}
function s2at(report: Report, sys: SystemName, pick: Pick): number {
  return median(report.results.map((r) => (r.s1[sys]?.ramp?.at ? pick(r.s1[sys]!.ramp!.at!) : undefined)))
}
function s3(report: Report, sys: SystemName, pick: Pick): number {
  return median(report.results.map((r) => (r.s3[sys] ? pick(r.s3[sys]!.m) : undefined)))
}
function s4(report: Report, sys: SystemName, pick: (m: MemoryResult) => number): number {
  return median(report.results.map((r) => (r.s4[sys] ? pick(r.s4[sys]!) : undefined)))
}
const palaverSystems = (report: Report) => report.systems.filter((s) => s.startsWith('palaver'))
const has = (report: Report, key: 's1' | 's3' | 's4', sys: SystemName) =>
  report.results.some((r) => r[key][sys])

/** Server CPU over the send window and the drain, in % of one core. */
const cpuPercent = (m: Measurement) => (m.serverCpuMs / (m.seconds * 1000 + m.drainMs)) * 100

/**
 * Scenario 1's p99 in each run, with the CPU time the hypervisor gave elsewhere meanwhile: a median of
 * three hides one disturbed run, not two, and a ratio to a disturbed floor says nothing.
 */
function runByRun(report: Report, systems: SystemName[]): string {
  const perRun = (s: SystemName) =>
    report.results
      .map((r) => r.s1[s]?.fixed)
      .filter((m) => m !== undefined)
      .map((m) =>
        m.stolenPercent === undefined ? ms(m.p99) : `${ms(m.p99)} (${m.stolenPercent.toFixed(1)}%)`,
      )
      .join(', ')
  return (
    'Run by run, p99 ms (and the share of CPU time stolen by the hypervisor during the window, from /proc/stat): ' +
    `${systems.map((s) => `${LABELS[s]} ${perRun(s)}`).join('; ')}.`
  )
}

/**
 * Scenario 1's waits for a core, per message sent (medians of the runs): each server's event loop, and
 * PostgreSQL's processes beside their time on a CPU. On two shared cores a turn waited for is latency
 * that no change to the server removes; nothing when the machine has no schedstat.
 */
function coreWaits(report: Report, systems: SystemName[]): string[] {
  /** The median over the runs of `micros(m) / m.sent`, for `sys`; NaN where no run measured it. */
  const perSent = (sys: SystemName, micros: (m: Measurement) => number | undefined) =>
    s1(report, sys, (m) => {
      const us = micros(m)
      return us === undefined || m.sent === 0 ? undefined : us / m.sent
    })
  const loops = systems
    .map((s) => ({
      s,
      us: perSent(s, (m) => (m.serverWaitMs === undefined ? undefined : m.serverWaitMs * 1000)),
    }))
    .filter(({ us }) => !Number.isNaN(us))
    .map(({ s, us }) => `${LABELS[s]} ${num(us)} µs`)
  if (loops.length === 0) return []
  const database = (pick: (p: CpuTime) => number) =>
    perSent('palaver-postgres', (m) => (m.postgres?.processes ? pick(m.postgres.processes) : undefined))
  const onCore = database((p) => p.runMicros)
  const postgres = Number.isNaN(onCore)
    ? ''
    : ` PostgreSQL's processes, for Palaver on PostgreSQL: ${num(onCore)} µs on a core and ${num(database((p) => p.waitMicros))} µs waiting for one.`
  return [
    `Waiting for a core, per message sent (Linux schedstat, median of the runs). The server's event loop: ${loops.join('; ')}.${postgres}`,
    '',
  ]
}

/**
 * Scenario 1's garbage-collection pauses in each server over the window (medians of the runs): a stall
 * that slows every receipt due meanwhile, however little work the server does per message. Nothing for
 * reports from before they were measured.
 */
function collectorPauses(report: Report, systems: SystemName[]): string[] {
  const pauses = systems
    .map((s) => ({
      s,
      count: s1(report, s, (m) => m.gcPauses),
      total: s1(report, s, (m) => m.gcPauseMs),
      longest: s1(report, s, (m) => m.gcLongestMs),
    }))
    .filter(({ count }) => !Number.isNaN(count))
    .map(
      ({ s, count, total, longest }) =>
        `${LABELS[s]} ${num(count)} pauses, ${ms(total)} ms in all, the longest ${ms(longest)} ms`,
    )
  if (pauses.length === 0) return []
  return [
    `The garbage collector's pauses in the server during the window (median of the runs): ${pauses.join('; ')}.`,
    '',
  ]
}

/**
 * What Palaver's own metrics saw of one system or deployment (medians of the runs): the time inside its
 * send handler, from a WebSocket frame read (or a REST body validated) to the answer, beside the
 * acknowledgement's p99 at the client; and its commits. The difference is the part outside the handler:
 * the send waiting to be read, the answer on its way back. Nothing when no run has them (reports from before the metrics).
 */
function insideSentence(label: string, seconds: number, pick: (f: Pick) => number): string[] {
  // A window without sends answered (a report from before REST sends were counted) says nothing.
  const inside = (f: (i: InsideWindow) => number) =>
    pick((m) => (m.inside && m.inside.sends > 0 ? f(m.inside) : undefined))
  const sendMean = inside((i) => i.sendMeanMs)
  if (Number.isNaN(sendMean)) return []
  return [
    `${label}: a send was answered ${ms(sendMean)} ms after it reached Palaver's handler on average, 99% within ` +
      `${ms(inside((i) => i.sendP99AtMostMs))} ms (against an ack p99 of ${ms(pick((m) => m.ackP99))} ms at the client); ` +
      `${num(inside((i) => i.commits / seconds))} commits a second of ${num(
        inside((i) => i.batchMean),
        1,
      )} changes each, ` +
      `holding the database ${ms(inside((i) => i.commitMeanMs))} ms each on average and 99% within ${ms(inside((i) => i.commitP99AtMostMs))} ms.`,
  ]
}

function insideParagraph(sentences: string[]): string[] {
  if (sentences.length === 0) return []
  return [
    `Inside Palaver, from its own metrics (\`palaver.metrics\`; a 99% figure is the bound of the histogram bucket that holds it). ${sentences.join(' ')}`,
    '',
  ]
}

export function scenarioTables(report: Report): string {
  const out: string[] = []
  const z = report.sizes
  const systems = report.systems
  const runsNote = `median of ${report.runs} run${report.runs === 1 ? '' : 's'}`

  if (report.scenarios.includes(1)) {
    out.push(
      `### 1. Group fan-out — ${num(z.clients)} clients in groups of ${z.groupSize}, ${num(z.rate)} msg/s for ${z.seconds} s (${runsNote})`,
      '',
      'Latency from send to receipt by every other member of the group.',
      '',
      table(
        [
          'System',
          'Delivered',
          'p50 ms',
          'p99 ms',
          'p99 vs floor',
          'p99 vs rival',
          'Ack p99 ms',
          'Server CPU',
          'Server CPU µs / delivery',
          'Server loop delay p99 ms',
          'Bytes / delivery',
        ],
        systems
          .filter((s) => has(report, 's1', s))
          .map((s) => [
            LABELS[s],
            `${num(s1(report, s, (m) => m.received))} / ${num(s1(report, s, (m) => m.expected))}`,
            ms(s1(report, s, (m) => m.p50)),
            ms(s1(report, s, (m) => m.p99)),
            ratio(
              s1(report, s, (m) => m.p99),
              s1(report, 'floor', (m) => m.p99),
            ),
            ratio(
              s1(report, s, (m) => m.p99),
              s1(report, 'rival', (m) => m.p99),
            ),
            ms(s1(report, s, (m) => m.ackP99)),
            `${num(s1(report, s, cpuPercent))}%`,
            num(s1(report, s, (m) => m.cpuPerDeliveryUs)),
            ms(s1(report, s, (m) => m.serverEldP99)),
            num(s1(report, s, (m) => m.bytesPerDelivery)),
          ]),
      ),
      '',
    )
    if (report.runs > 1)
      out.push(
        runByRun(
          report,
          systems.filter((s) => has(report, 's1', s)),
        ),
        '',
      )
    out.push(
      ...coreWaits(
        report,
        systems.filter((s) => has(report, 's1', s)),
      ),
      ...collectorPauses(
        report,
        systems.filter((s) => has(report, 's1', s)),
      ),
      ...insideParagraph(
        systems
          .filter((s) => has(report, 's1', s))
          .flatMap((s) => insideSentence(LABELS[s], z.seconds, (f) => s1(report, s, f))),
      ),
      ...postgresParagraph(
        report.results.map((r, i) => postgresWindow(`Run ${i + 1}`, r.s1['palaver-postgres']?.fixed)),
      ),
    )
  }

  if (report.scenarios.includes(2)) {
    const firstFails = (s: SystemName) =>
      report.results
        .map((r) => r.s1[s]?.ramp?.firstFail)
        .filter((f) => f)
        .map((f) => `${num(f!.rate)}: ${f!.reason}`)
        .join('; ')
    out.push(
      `### 2. Saturation — same clients, rate raised ×${z.rampFactor.toFixed(2)} per ${z.rampSeconds} s step from ${num(z.rampStart)} msg/s (${runsNote})`,
      '',
      `Sustained: the highest step with p99 ≤ ${SUSTAINED_P99_MS} ms, ≥ 99.9% delivered, no send refused and the load generator on schedule; one extra step between the last good and the first bad rate. When the first step misses, the ramp steps down (÷${z.rampFactor.toFixed(2)}) to ${z.rampMin} msg/s; 0 means even that missed.`,
      '',
      table(
        [
          'System',
          'Sustained msg/s',
          'Deliveries/s there',
          'vs floor',
          'vs rival',
          'p99 there ms',
          'First step missed (each run)',
        ],
        systems
          .filter((s) => report.results.some((r) => r.s1[s]?.ramp))
          .map((s) => [
            LABELS[s],
            num(s2(report, s)),
            num(s2at(report, s, (m) => m.deliveriesPerSecond)),
            ratio(s2(report, s), s2(report, 'floor')),
            ratio(s2(report, s), s2(report, 'rival')),
            ms(s2at(report, s, (m) => m.p99)),
            firstFails(s) || '– (reached the top of the ramp)',
          ]),
      ),
      '',
    )
  }

  if (report.scenarios.includes(3)) {
    out.push(
      `### 3. Big room — one room of ${num(z.roomMembers)} members, ${z.roomRate} msg/s for ${z.roomSeconds} s (${runsNote})`,
      '',
      table(
        [
          'System',
          'Deliveries/s',
          'Delivered',
          'p50 ms',
          'p99 ms',
          'p99 vs floor',
          'p99 vs rival',
          'Server CPU',
          'Server CPU µs / delivery',
          'Server loop delay p99 ms',
          'Connect s',
        ],
        systems
          .filter((s) => has(report, 's3', s))
          .map((s) => [
            LABELS[s],
            num(s3(report, s, (m) => m.deliveriesPerSecond)),
            `${num(s3(report, s, (m) => m.received))} / ${num(s3(report, s, (m) => m.expected))}`,
            ms(s3(report, s, (m) => m.p50)),
            ms(s3(report, s, (m) => m.p99)),
            ratio(
              s3(report, s, (m) => m.p99),
              s3(report, 'floor', (m) => m.p99),
            ),
            ratio(
              s3(report, s, (m) => m.p99),
              s3(report, 'rival', (m) => m.p99),
            ),
            `${num(s3(report, s, cpuPercent))}%`,
            num(s3(report, s, (m) => m.cpuPerDeliveryUs)),
            ms(s3(report, s, (m) => m.serverEldP99)),
            num(median(report.results.map((r) => r.s3[s]?.connect.seconds)), 1),
          ]),
      ),
      '',
    )
  }

  if (report.scenarios.includes(4)) {
    const per = (s: SystemName) => s4(report, s, (m) => m.rssPerConnection)
    out.push(
      `### 4. Connections — ${num(z.idleClients)} idle WebSocket clients on ${z.reuseServers ? 'the server of scenarios 1–3' : 'a fresh server'} (${runsNote})`,
      '',
      'Memory per connection: server RSS after the clients connected minus before, over the count (both after a full GC).',
      '',
      table(
        [
          'System',
          'Connected',
          'Connect s',
          'RSS before MB',
          'RSS / connection KB',
          'Heap + external / connection KB',
          'vs floor',
          'vs rival',
        ],
        systems
          .filter((s) => has(report, 's4', s))
          .map((s) => [
            LABELS[s],
            `${num(s4(report, s, (m) => m.open))} / ${num(z.idleClients)}`,
            num(
              s4(report, s, (m) => m.connectSeconds),
              1,
            ),
            num(s4(report, s, (m) => m.rssBefore / 2 ** 20)),
            kb(per(s)),
            kb(s4(report, s, (m) => m.heapPerConnection)),
            ratio(per(s), per('floor')),
            ratio(per(s), per('rival')),
          ]),
      ),
      '',
    )
  }

  if (report.scenarios.includes(5)) {
    const s5 = (db: 'sqlite' | 'postgres', t: Transport, f: Pick) =>
      median(report.results.map((r) => (r.s5[db]?.[t] ? f(r.s5[db]![t]!.fixed) : undefined)))
    const rows: string[][] = []
    for (const db of ['sqlite', 'postgres'] as const) {
      const pick = (t: Transport, f: Pick) => s5(db, t, f)
      for (const t of ['ws', 'sse', 'poll'] as const) {
        if (!report.results.some((r) => r.s5[db]?.[t])) continue
        rows.push([
          db === 'sqlite' ? 'SQLite' : 'PostgreSQL',
          { ws: 'WebSocket', sse: 'SSE', poll: 'Long-polling' }[t],
          `${num(pick(t, (m) => m.received))} / ${num(pick(t, (m) => m.expected))}`,
          ms(pick(t, (m) => m.p50)),
          ms(pick(t, (m) => m.p99)),
          ratio(
            pick(t, (m) => m.p99),
            pick('ws', (m) => m.p99),
          ),
          ms(pick(t, (m) => m.ackP99)),
          `${num(pick(t, cpuPercent))}%`,
        ])
      }
    }
    if (rows.length > 0)
      out.push(
        `### 5. Long-polling and SSE — Palaver, ${num(z.waitingClients)} waiting clients in groups of ${z.groupSize}, ${z.waitingRate} msg/s for ${z.waitingSeconds} s (${runsNote})`,
        '',
        'WebSocket clients send over the socket; SSE and long-polling clients send with REST POST, as palaver/client does without a WebSocket.',
        '',
        table(
          [
            'Database',
            'Transport',
            'Delivered',
            'p50 ms',
            'p99 ms',
            'p99 vs WebSocket',
            'Send ack p99 ms',
            'Server CPU',
          ],
          rows,
          ['---', '---', '---:', '---:', '---:', '---:', '---:', '---:'],
        ),
        '',
      )
    out.push(
      ...insideParagraph(
        (['sqlite', 'postgres'] as const).flatMap((db) =>
          (['ws', 'sse', 'poll'] as const).flatMap((t) =>
            insideSentence(
              `${db === 'sqlite' ? 'SQLite' : 'PostgreSQL'}, ${{ ws: 'WebSocket', sse: 'SSE', poll: 'long-polling' }[t]}`,
              z.waitingSeconds,
              (f) => s5(db, t, f),
            ),
          ),
        ),
      ),
    )
  }

  if (report.scenarios.includes(6)) {
    // One row per number of processes, then the baseline of processes each storing their own sends.
    const kinds = report.results.flatMap((r) =>
      r.s6.map((x) => ({ n: x.processes, each: !!x.separateWriters })),
    )
    const rows = kinds
      .filter((k, i) => kinds.findIndex((o) => o.n === k.n && o.each === k.each) === i)
      .sort((a, b) => Number(a.each) - Number(b.each) || a.n - b.n)
    const pick = (n: number, f: Pick, each = false) => scalePick(report, n, each, f)
    const sustained = (n: number, each: boolean) =>
      median(report.results.map((r) => findScale(r, n, each)?.group.ramp?.sustained))
    const single = pick(1, (m) => m.p99)
    if (rows.length > 0)
      out.push(
        `### 6. Scale-out — Palaver on PostgreSQL + Redis pub/sub, ${num(z.clients)} clients in groups of ${z.groupSize} spread round-robin over the processes, ${num(z.rate)} msg/s (${runsNote})`,
        '',
        'CPU per delivered message: CPU time of every Palaver process plus Redis (INFO cpu), over the fixed-rate window, divided by the receipts.',
        '',
        table(
          [
            'Processes',
            'p50 ms',
            'p99 ms',
            'Cross-process p99 ms',
            'Cross p99 vs 1 process p99',
            'Sustained msg/s',
            'CPU µs / delivery',
            'of which Redis µs',
          ],
          rows.map(({ n, each }) => [
            each
              ? `${n}, each storing its own sends (baseline)`
              : report.sizes.scaleSeparate
                ? String(n)
                : `${n} of ${report.sizes.scaleProcesses} (clients on ${n})`,
            ms(pick(n, (m) => m.p50, each)),
            ms(pick(n, (m) => m.p99, each)),
            n > 1 ? ms(pick(n, (m) => m.crossP99, each)) : '–',
            n > 1
              ? ratio(
                  pick(n, (m) => m.crossP99, each),
                  single,
                )
              : '–',
            num(sustained(n, each)),
            num(
              pick(n, (m) => m.cpuPerDeliveryUs, each),
              1,
            ),
            num(
              pick(n, (m) => ((m.redisCpuMs ?? 0) * 1000) / Math.max(1, m.received), each),
              1,
            ),
          ]),
        ),
        '',
      )
    out.push(
      ...insideParagraph(
        rows.flatMap(({ n, each }) =>
          insideSentence(
            `${n} process${n === 1 ? '' : 'es'}${each ? ' each storing its own sends' : ''}`,
            z.seconds,
            (f) => pick(n, f, each),
          ),
        ),
      ),
      ...postgresParagraph(
        report.results.flatMap((r, i) =>
          r.s6.map((x) =>
            postgresWindow(
              `Run ${i + 1}, ${x.processes} process${x.processes === 1 ? '' : 'es'}${x.separateWriters ? ' each storing its own sends' : ''}`,
              x.group.fixed,
            ),
          ),
        ),
      ),
    )
  }
  return out.join('\n')
}

const findScale = (r: RunResult, processes: number, separateWriters: boolean) =>
  r.s6.find((x) => x.processes === processes && !!x.separateWriters === separateWriters)

/** The median over the runs of one figure of scenario 6's fixed-rate window, for one kind of deployment. */
function scalePick(report: Report, processes: number, separateWriters: boolean, f: Pick): number {
  return median(
    report.results.map((r) => {
      const x = findScale(r, processes, separateWriters)
      return x ? f(x.group.fixed) : undefined
    }),
  )
}

/**
 * Ramp rates are rounded to whole messages a second at every step (scenario 2), so a rate one octave
 * below another (a factor 2 apart on the ramp: 4,009 and 8,019) can fall a message or two short of half
 * of it. Within that, it is half.
 */
const RAMP_ROUNDING = 2

/** The brief's targets, met or missed, with the factor. */
export function targets(report: Report): string[] {
  const lines: string[] = []
  const verdict = (ok: boolean) => (ok ? 'met' : '**missed**')
  const factor = (a: number, b: number) => (Number.isFinite(a) && b > 0 ? (a / b).toFixed(2) : '∞')
  for (const sys of palaverSystems(report)) {
    const label = LABELS[sys]
    if (report.scenarios.includes(1) && has(report, 's1', sys)) {
      const p = s1(report, sys, (m) => m.p99)
      const floor = s1(report, 'floor', (m) => m.p99)
      const rival = s1(report, 'rival', (m) => m.p99)
      if (!Number.isNaN(floor))
        lines.push(
          `S1 ${label}: p99 ${ms(p)} ms ≤ 2× floor (${ms(2 * floor)} ms): ${verdict(p <= 2 * floor)} (×${factor(p, floor)} the floor)`,
        )
      if (!Number.isNaN(rival))
        lines.push(
          `S1 ${label}: p99 ${ms(p)} ms ≤ rival (${ms(rival)} ms): ${verdict(p <= rival)} (×${factor(p, rival)} the rival)`,
        )
    }
    if (report.scenarios.includes(2) && report.results.some((r) => r.s1[sys]?.ramp)) {
      const p = s2(report, sys)
      const floor = s2(report, 'floor')
      const rival = s2(report, 'rival')
      if (!Number.isNaN(rival))
        lines.push(
          `S2 ${label}: sustained ${num(p)} msg/s ≥ rival (${num(rival)}): ${verdict(p >= rival)} (${factor(p, rival)} of the rival)`,
        )
      if (!Number.isNaN(floor))
        lines.push(
          `S2 ${label}: sustained ${num(p)} msg/s ≥ 50% of floor (${num(floor / 2)}, to the ramp's rounding): ${verdict(2 * p >= floor - RAMP_ROUNDING)} (${factor(p, floor)} of the floor)`,
        )
    }
    if (report.scenarios.includes(4) && has(report, 's4', sys)) {
      const p = s4(report, sys, (m) => m.rssPerConnection)
      const floor = s4(report, 'floor', (m) => m.rssPerConnection)
      if (!Number.isNaN(floor))
        lines.push(
          `S4 ${label}: ${kb(p)} KB per idle connection ≤ 1.5× floor (${kb(1.5 * floor)} KB): ${verdict(p <= 1.5 * floor)} (×${factor(p, floor)} the floor)`,
        )
    }
  }
  if (report.scenarios.includes(6)) {
    const n = report.sizes.scaleProcesses
    const single = scalePick(report, 1, false, (m) => m.p99)
    const cross = scalePick(report, n, false, (m) => m.crossP99)
    if (!Number.isNaN(single) && !Number.isNaN(cross))
      lines.push(
        `S6: cross-process p99 with ${n} processes ${ms(cross)} ms ≤ 2× single process (${ms(2 * single)} ms): ${verdict(cross <= 2 * single)} (×${factor(cross, single)})`,
      )
  }
  return lines
}

export function markdown(report: Report): string {
  const m = report.machine
  return [
    `# ${report.title} — ${report.date.slice(0, 10)}`,
    '',
    'Palaver against the floor (a bare `ws` broadcast server: no storage, no auth) and the rival (Socket.IO with rooms), ' +
      'each server in its own process, driven by the same load-generator processes with the same clients, payloads and rates. ' +
      'Latency is from the send (taken on CLOCK_MONOTONIC, shared by every process of the machine) to the receipt. ' +
      'A receipt that never came counts as infinitely late, so a p99 is ∞ when more than 1% were lost. No assertions: this only measures.',
    '',
    scenarioTables(report),
    '## Targets',
    '',
    ...targets(report).map((l) => `- ${l}`),
    '',
    '## Machine and run',
    '',
    `- Command: \`${report.command}\``,
    `- Date: ${report.date} (${Math.round(report.seconds)} s)`,
    `- Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB RAM, ${m.os}; ulimit -n ${m.ulimitNofile}`,
    `- Node ${m.node}; ${m.postgres}; ${m.redis}`,
    `- Commit: ${m.commit}`,
    `- Load average (1/5/15 min) before: ${m.loadBefore.map((l) => l.toFixed(1)).join(' / ')}; after: ${m.loadAfter.map((l) => l.toFixed(1)).join(' / ')}`,
    ...report.notes.map((n) => `- ${n}`),
    '',
    ...(report.results.some((r) => r.errors.length > 0)
      ? ['## Errors', '', ...report.results.flatMap((r) => r.errors.map((e) => `- run ${r.run}: ${e}`)), '']
      : []),
  ].join('\n')
}

export function writeReport(dir: string, prefix: string, report: Report): string[] {
  mkdirSync(dir, { recursive: true })
  const day = report.date.slice(0, 10)
  const text = markdown(report)
  const files = [
    join(dir, `${prefix}-${day}.md`),
    join(dir, `${prefix}-${day}.json`),
    join(dir, `${prefix}-latest.md`),
  ]
  writeFileSync(files[0]!, text)
  // Infinity is not JSON: a p99 with more than 1% lost is written as the string "Infinity".
  writeFileSync(
    files[1]!,
    `${JSON.stringify(report, (_k, v) => (v === Number.POSITIVE_INFINITY ? 'Infinity' : v), 2)}\n`,
  )
  writeFileSync(files[2]!, text)
  return files
}
