/**
 * Statistics a process under measurement reports over its IPC channel: CPU time, memory and
 * event-loop delay. Used by the servers under test and by the load-generator workers alike.
 */
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks'
import type { InsideCounts } from './inside.js'
import { mainThreadCpuTime } from './schedstat.js'
import type { IpcReply, IpcRequest, ProcessStats, ServerCommand } from './shared.js'

const delay = monitorEventLoopDelay({ resolution: 10 })
delay.enable()

/**
 * The garbage collector's pauses of the main thread: how many and how long in all since start, and the
 * longest since the previous snapshot. A tail made of a few short windows of slow receipts (see
 * trace-summary.ts) that come as often as these pauses is the collector's, not the server's own work.
 */
const collector = { pauses: 0, pauseMs: 0, longestMs: 0 }
new PerformanceObserver((list) => {
  for (const pause of list.getEntries()) {
    collector.pauses++
    collector.pauseMs += pause.duration
    collector.longestMs = Math.max(collector.longestMs, pause.duration)
  }
}).observe({ entryTypes: ['gc'] })

/** Snapshot; the event-loop delay histogram restarts, so each call covers the time since the previous one. */
export function processStats(options: { gc?: boolean } = {}): ProcessStats {
  if (options.gc) {
    const gc = (globalThis as { gc?: () => void }).gc
    // Twice: the first pass may leave finalizers whose memory the second frees.
    gc?.()
    gc?.()
  }
  const cpu = process.cpuUsage()
  const memory = process.memoryUsage()
  const stats: ProcessStats = {
    cpuMicros: cpu.user + cpu.system,
    mainWaitMicros: mainThreadCpuTime(process.pid)?.waitMicros,
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    external: memory.external,
    eldP50: delay.percentile(50) / 1e6,
    eldP99: delay.percentile(99) / 1e6,
    eldMax: delay.max / 1e6,
    gcPauses: collector.pauses,
    gcPauseMs: collector.pauseMs,
    gcLongestMs: collector.longestMs,
  }
  delay.reset()
  collector.longestMs = 0
  return stats
}

/**
 * For a server under test: answers `stats` requests from the coordinator, reports READY with the
 * port, and leaves when the coordinator goes away (so no server outlives an interrupted run).
 */
export function serveStats(
  port: number,
  connections: () => number,
  /** What the server's own metrics say (Palaver's), taken with every snapshot. */
  inside?: () => Promise<InsideCounts>,
): void {
  let session: Session | undefined
  const handle = async (message: ServerCommand): Promise<unknown> => {
    if (message.cmd === 'stats') {
      const stats = { ...processStats({ gc: message.gc === true }), connections: connections() }
      return inside ? { ...stats, inside: await inside() } : stats
    }
    // A CPU profile of just the measured window (--cpu-prof would also hold start-up and set-up).
    if (message.cmd === 'profile-start') {
      session = new Session()
      session.connect()
      await session.post('Profiler.enable')
      await session.post('Profiler.setSamplingInterval', { interval: 250 })
      await session.post('Profiler.start')
      // And what the window allocates, garbage included: what the collector's pauses are paid for. With
      // PALAVER_BENCH_SURVIVORS=1, only what outlived a scavenge: what each scavenge copies (its pause).
      await session.post('HeapProfiler.startSampling', {
        samplingInterval: 16_384,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: process.env.PALAVER_BENCH_SURVIVORS !== '1',
      })
      return null
    }
    if (message.cmd === 'profile-stop' && session) {
      const { profile } = await session.post('Profiler.stop')
      writeFileSync(message.file, JSON.stringify(profile))
      const { profile: allocations } = await session.post('HeapProfiler.stopSampling')
      writeFileSync(message.file.replace(/\.cpuprofile$/, '.heapprofile'), JSON.stringify(allocations))
      session.disconnect()
      session = undefined
    }
    return null
  }
  process.on('message', (message: IpcRequest<ServerCommand>) => {
    if (!message || typeof message.rid !== 'number') return
    handle(message).then(
      (result) => process.send?.({ rid: message.rid, ok: true, result } satisfies IpcReply),
      (error: unknown) =>
        process.send?.({ rid: message.rid, ok: false, error: String(error) } satisfies IpcReply),
    )
  })
  process.on('disconnect', () => process.exit(0))
  // A clean exit on SIGTERM writes the --cpu-prof profile (Palaver's server has its own handler).
  if (process.listenerCount('SIGTERM') === 0) process.on('SIGTERM', () => process.exit(0))
  process.send?.({ ready: port })
}
