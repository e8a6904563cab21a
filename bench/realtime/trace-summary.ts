/**
 * Where a measurement's tail comes from, from the traces of `--trace=<dir>`: whether the receipts slower
 * than the p99 were sent in a few short windows (the server stalled: a lock, a burst of work, a pause) or
 * all along (it was busy throughout), and when those windows were, to line them up with periodic work.
 *
 *   npx tsx bench/realtime/trace-summary.ts <dir or file.json>… [--window=20] [--top=12]
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { percentile } from './scenarios.js'

interface Trace {
  system: string
  processes: number
  rate: number
  /** [sent at (ms, CLOCK_MONOTONIC), latency (ms)], by send time. */
  receipts: Array<[number, number]>
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { window: { type: 'string', default: '20' }, top: { type: 'string', default: '12' } },
})
const windowMs = Number(values.window)
const top = Number(values.top)
/** A window holding at least this many of the slow receipts counts as a stall. */
const STALL_RECEIPTS = 5

const files = positionals.flatMap((path) =>
  statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((name) => name.endsWith('.json'))
        .sort()
        .map((name) => join(path, name))
    : [path],
)

const ms = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1))

for (const file of files) {
  const trace = JSON.parse(readFileSync(file, 'utf8')) as Trace
  const { receipts } = trace
  if (receipts.length === 0) continue
  const sorted = Float64Array.from(receipts, ([, latency]) => latency).sort()
  // The report's own quantile, so that this p99 is the one the tables show.
  const at = (q: number) => percentile(sorted, q, sorted.length)
  const p99 = at(0.99)
  const start = receipts[0]![0]
  const windows = new Map<number, { slow: number; worst: number }>()
  for (const [sent, latency] of receipts) {
    if (latency <= p99) continue
    const key = Math.floor((sent - start) / windowMs)
    const w = windows.get(key) ?? { slow: 0, worst: 0 }
    w.slow++
    w.worst = Math.max(w.worst, latency)
    windows.set(key, w)
  }
  const slow = [...windows.values()].reduce((n, w) => n + w.slow, 0)
  const stalls = [...windows].filter(([, w]) => w.slow >= STALL_RECEIPTS)
  const inStalls = stalls.reduce((n, [, w]) => n + w.slow, 0)
  console.log(`\n== ${file}`)
  console.log(
    `${trace.system} × ${trace.processes}, ${trace.rate} msg/s: ${receipts.length} receipts, ` +
      `p50 ${ms(at(0.5))} p99 ${ms(p99)} p99.9 ${ms(at(0.999))} max ${ms(sorted[sorted.length - 1]!)} ms`,
  )
  console.log(
    `${slow} receipts above the p99; ${inStalls} (${((100 * inStalls) / Math.max(1, slow)).toFixed(0)}%) ` +
      `in ${stalls.length} windows of ${windowMs} ms holding ${STALL_RECEIPTS} or more (stalls)`,
  )
  const worst = stalls.sort((a, b) => b[1].slow - a[1].slow).slice(0, top)
  for (const [key, w] of worst.sort((a, b) => a[0] - b[0]))
    console.log(
      `  at ${((key * windowMs) / 1000).toFixed(2)} s: ${w.slow} slow receipts, worst ${ms(w.worst)} ms`,
    )
}
