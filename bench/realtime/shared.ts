/**
 * What the coordinator, the load-generator workers and the servers under test share: the clock, the
 * message body every system carries, and the messages they exchange over their IPC channels.
 */
import type { InsideCounts } from './inside.js'

/**
 * Milliseconds on CLOCK_MONOTONIC. It is one clock for every process of the machine, so a time taken
 * in one worker when sending can be compared with a time taken in another when receiving.
 */
export function now(): number {
  const [s, ns] = process.hrtime()
  return s * 1e3 + ns / 1e6
}

/** Systems under test. */
export type SystemKind = 'floor' | 'rival' | 'palaver'
/** How a client receives: WebSocket for every system; SSE and long-polling for Palaver only. */
export type Transport = 'ws' | 'sse' | 'poll'

const PAD = 'the quick brown fox jumps over the lazy dog while the benchmark counts every delivery'

/**
 * The body every system carries (about 120 bytes): a marker with the measurement phase, the sending
 * client and the send time, then filler text. The receiver finds the marker in the raw frame, so the
 * load generator does the same small amount of work for every system.
 */
export function makeBody(phase: number, sender: number, t: number): string {
  return `rt|${phase}|${sender}|${t.toFixed(3)}|${PAD}`
}

export interface Marker {
  phase: number
  sender: number
  t: number
}

/** Reads the marker from a raw frame (or body); null when the frame carries none. */
export function readMarker(raw: string): Marker | null {
  const start = raw.indexOf('rt|')
  if (start < 0) return null
  const a = raw.indexOf('|', start + 3)
  const b = raw.indexOf('|', a + 1)
  const c = raw.indexOf('|', b + 1)
  if (a < 0 || b < 0 || c < 0) return null
  return {
    phase: Number(raw.slice(start + 3, a)),
    sender: Number(raw.slice(a + 1, b)),
    t: Number(raw.slice(b + 1, c)),
  }
}

/** One simulated user of the load generator. */
export interface ClientSpec {
  index: number
  /** Palaver user id (sent as the x-user header). */
  user: string
  /** The room (floor, rival) the client is in. */
  room: string
  /** The Palaver chat the client sends to. */
  chatId: number
  /** Which server (of several, for scale-out) the client connects to. */
  server: number
}

export type WorkerCommand =
  | {
      cmd: 'connect'
      system: SystemKind
      transport: Transport
      /** http://host:port of each server; a client uses origins[spec.server]. */
      origins: string[]
      clients: ClientSpec[]
      /** Connections opened at once by this worker. */
      concurrency: number
      /** Idle clients only connect (scenario 4): no message handling beyond the protocol's own. */
      idle?: boolean
    }
  | {
      /**
       * Starts a measurement: its receipts are counted from now on, and the last measurement's are dropped.
       * Every worker has begun before any sends, so none still counting the last one drops the first messages.
       */
      cmd: 'begin'
      phase: number
      /** Number of servers, to tell a cross-process delivery from a local one. */
      servers: number
      /** Keep each receipt's send time too (WorkerCollect.sendTimes), for a latency trace. */
      trace?: boolean
    }
  | {
      /** Sends for the phase begun last. */
      cmd: 'send'
      /** Messages per second this worker sends, spread round-robin over its clients. */
      rate: number
      seconds: number
    }
  | { cmd: 'counts' }
  | { cmd: 'collect' }
  | { cmd: 'stats' }
  | { cmd: 'close' }

export interface WorkerCounts {
  sent: number
  received: number
  acked: number
  failed: number
  open: number
}

export interface WorkerCollect extends WorkerCounts {
  /** Send → receipt at another member, ms, for the current phase. */
  latencies: Float64Array
  /** With `trace`: when each of `latencies` was sent (CLOCK_MONOTONIC ms), in the same order. */
  sendTimes?: Float64Array
  /** The subset of receipts on another server than the sender's. */
  cross: Float64Array
  /** Send → acknowledgement (Palaver), ms. */
  acks: Float64Array
  /** Bytes of the frames received for the current phase. */
  bytes: number
  /** Whether the worker kept to the send schedule (ms it ran late, at worst). */
  maxLagMs: number
}

export interface ProcessStats {
  /** process.cpuUsage(): user + system, microseconds since start. */
  cpuMicros: number
  /**
   * The main thread's time runnable but waiting for a core, µs since start (Linux schedstat): the part of
   * the event loop's delays that other processes on the same cores caused.
   */
  mainWaitMicros?: number
  rss: number
  heapUsed: number
  external: number
  /** Event-loop delay since the previous stats call, ms. */
  eldP50: number
  eldP99: number
  eldMax: number
  /** Garbage-collection pauses of the main thread since start: how many, and ms in all. */
  gcPauses: number
  gcPauseMs: number
  /** The longest such pause since the previous stats call, ms. */
  gcLongestMs: number
  connections?: number
  /** Palaver's servers: its own metrics (see inside.ts). */
  inside?: InsideCounts
}

export type ServerCommand =
  | { cmd: 'stats'; gc?: boolean }
  | { cmd: 'profile-start' }
  | { cmd: 'profile-stop'; file: string }

export type IpcRequest<T> = T & { rid: number }
export type IpcReply = { rid: number; ok: boolean; result?: unknown; error?: string }
