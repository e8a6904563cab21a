/**
 * What Palaver's own metrics (palaver.metrics) say about a measured window: how long the server took
 * over each send (over the WebSocket or REST, whichever the scenario's clients use), and its commits.
 * Next to the load generator's figures, it splits a send's round trip into the part inside Palaver's
 * handler and the part outside it (the send waiting to be read, the answer on its way back).
 */
import type { Registry } from 'prom-client'

/** A histogram's totals: cumulative counts by upper bound (`le`), as Prometheus keeps them. */
export interface HistogramCounts {
  count: number
  sum: number
  buckets: Array<[le: number, cumulative: number]>
}

/** One process's histograms at one moment. */
export interface InsideCounts {
  /** Stored sends, from reaching Palaver (a WebSocket frame read, a REST body validated) to the answer. */
  sends: HistogramCounts
  commitSeconds: HistogramCounts
  batchSizes: HistogramCounts
}

/** The window's share of those histograms, over every process. */
export interface InsideWindow {
  sends: number
  sendMeanMs: number
  /** The upper bound of the bucket that holds the 99th percentile (the histogram knows no better). */
  sendP99AtMostMs: number
  commits: number
  commitMeanMs: number
  commitP99AtMostMs: number
  /** Changes per commit, on average. */
  batchMean: number
}

type MetricJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>[number]

/** The histogram `name`, summed over the label sets `match` keeps. */
function histogram(
  metrics: MetricJson[],
  name: string,
  match: (labels: Record<string, unknown>) => boolean = () => true,
): HistogramCounts {
  const metric = metrics.find((m) => m.name === name)
  const counts: HistogramCounts = { count: 0, sum: 0, buckets: [] }
  const byLe = new Map<number, number>()
  const values = (metric?.values ?? []) as Array<{ metricName?: string; labels: object; value: number }>
  for (const { metricName, labels, value } of values) {
    const { le, ...rest } = labels as Record<string, unknown>
    if (!match(rest)) continue
    if (metricName === `${name}_count`) counts.count += value
    else if (metricName === `${name}_sum`) counts.sum += value
    else if (metricName === `${name}_bucket`) {
      const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le)
      byLe.set(bound, (byLe.get(bound) ?? 0) + value)
    }
  }
  counts.buckets = [...byLe].sort((a, b) => a[0] - b[0])
  return counts
}

export async function insideCounts(registry: Registry): Promise<InsideCounts> {
  const metrics = await registry.getMetricsAsJSON()
  return {
    sends: histogram(metrics, 'palaver_send_duration_seconds', (l) => l.outcome === 'stored'),
    commitSeconds: histogram(metrics, 'palaver_commit_duration_seconds'),
    batchSizes: histogram(metrics, 'palaver_commit_batch_size'),
  }
}

/** after − before, summed over the processes (the same ones, in the same order). */
function delta(before: HistogramCounts[], after: HistogramCounts[]): HistogramCounts {
  const byLe = new Map<number, number>()
  let count = 0
  let sum = 0
  after.forEach((a, i) => {
    const b = before[i]!
    count += a.count - b.count
    sum += a.sum - b.sum
    const earlier = new Map(b.buckets)
    for (const [le, n] of a.buckets) byLe.set(le, (byLe.get(le) ?? 0) + n - (earlier.get(le) ?? 0))
  })
  return { count, sum, buckets: [...byLe].sort((x, y) => x[0] - y[0]) }
}

/** The smallest bucket bound that at least `q` of the observations fall within. */
function quantileAtMost(h: HistogramCounts, q: number): number {
  const wanted = q * h.count
  return h.buckets.find(([, cumulative]) => cumulative >= wanted)?.[0] ?? Number.NaN
}

export function insideWindow(before: InsideCounts[], after: InsideCounts[]): InsideWindow {
  const sends = delta(
    before.map((c) => c.sends),
    after.map((c) => c.sends),
  )
  const commits = delta(
    before.map((c) => c.commitSeconds),
    after.map((c) => c.commitSeconds),
  )
  const batches = delta(
    before.map((c) => c.batchSizes),
    after.map((c) => c.batchSizes),
  )
  return {
    sends: sends.count,
    sendMeanMs: sends.count ? (sends.sum / sends.count) * 1000 : Number.NaN,
    sendP99AtMostMs: quantileAtMost(sends, 0.99) * 1000,
    commits: commits.count,
    commitMeanMs: commits.count ? (commits.sum / commits.count) * 1000 : Number.NaN,
    commitP99AtMostMs: quantileAtMost(commits, 0.99) * 1000,
    batchMean: batches.count ? batches.sum / batches.count : Number.NaN,
  }
}
