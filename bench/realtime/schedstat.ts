/**
 * How long a thread was ready to run but had no core (Linux: /proc/<pid>/task/<tid>/schedstat). On this
 * benchmark's two cores the servers, the load generators and PostgreSQL take turns, and a turn waited for
 * shows in every tail as if it were work; this tells the two apart.
 */
import { readdirSync, readFileSync } from 'node:fs'

export interface CpuTime {
  /** Time spent on a CPU, µs. */
  runMicros: number
  /** Time spent runnable, waiting in a run queue for a CPU, µs. */
  waitMicros: number
}

/** A process's main thread's times so far (the event loop's, PostgreSQL's whole); undefined without schedstat. */
export function mainThreadCpuTime(pid: number): CpuTime | undefined {
  try {
    // "<ns on cpu> <ns waiting on a runqueue> <timeslices>"
    const [run, wait] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ').map(Number)
    return { runMicros: (run ?? 0) / 1000, waitMicros: (wait ?? 0) / 1000 }
  } catch {
    return undefined
  }
}

/** The pids of every process whose command is `name` (PostgreSQL's backends all say `postgres`). */
export function pidsNamed(name: string): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) pids.push(Number(entry))
    } catch {
      // gone meanwhile
    }
  }
  return pids
}

/** A snapshot of several processes' main threads, to subtract from a later one. */
export function snapshot(pids: readonly number[]): Map<number, CpuTime> {
  const times = new Map<number, CpuTime>()
  for (const pid of pids) {
    const time = mainThreadCpuTime(pid)
    if (time) times.set(pid, time)
  }
  return times
}

/**
 * What the processes of `after` spent since `before`, summed. A process born in between counts from
 * zero; one that exited is missing from `after` and its last stretch is lost (a pool connection closing).
 */
export function spentSince(before: Map<number, CpuTime>, after: Map<number, CpuTime>): CpuTime {
  let runMicros = 0
  let waitMicros = 0
  for (const [pid, time] of after) {
    const start = before.get(pid)
    runMicros += time.runMicros - (start?.runMicros ?? 0)
    waitMicros += time.waitMicros - (start?.waitMicros ?? 0)
  }
  return { runMicros, waitMicros }
}
