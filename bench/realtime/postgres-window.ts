/**
 * What PostgreSQL did during a measured window: how much WAL Palaver's writes made and how often it was
 * flushed, and (when asked, `--pg-waits`) what Palaver's statements were waiting on, sampled. This is
 * what tells a slow commit (the disk) from a busy database (the CPU) when the tail of a scenario moves.
 */
import pg from 'pg'
import { type CpuTime, pidsNamed, snapshot, spentSince } from './schedstat.js'

export interface PostgresWindow {
  /** WAL written over the window, from the insert position (exact, whoever wrote it). */
  walBytes: number
  /**
   * WAL flushes to disk (pg_stat_wal.wal_sync): the commits' own and the WAL writer's. Backends report
   * these counters about once a second, so a window's count can be off by up to a second's worth.
   */
  walSyncs: number
  /**
   * Whole pages written into the WAL (pg_stat_wal.wal_fpi, reported like walSyncs): the first change of
   * a page after a checkpoint logs all 8 KB of it, which is most of the WAL of scattered index writes.
   */
  walFullPages: number
  /**
   * The machine's PostgreSQL processes (backends, WAL writer, checkpointer), this watch's own backends
   * left out: their time on a CPU and waiting for one (Linux schedstat; undefined elsewhere).
   */
  processes?: CpuTime
  /** Sampled waits of Palaver's active statements, most frequent first (only with `--pg-waits`). */
  waits?: WaitShare[]
  /** Samples taken, and how many of them caught an active statement of Palaver's. */
  samples?: { taken: number; active: number }
}

export interface WaitShare {
  /**
   * `IO:WALSync`, `LWLock:WALWrite`, `Lock:transactionid on palaver_counters`…; `running` when the
   * statement waited on nothing (on a CPU).
   */
  event: string
  /** Share of the active-statement samples, 0–1. */
  share: number
  /** The oldest statement caught in this wait: how long it had been running, ms. */
  longestMs: number
}

/** Sampling every 10 ms costs the database a query each time: a few % of one core, so it is opt-in. */
const SAMPLE_MS = 10

/** Where the WAL stands: its insert position in bytes from the start, and the counters so far. */
interface WalPosition {
  bytes: number
  syncs: number
  fullPages: number
}

async function walPosition(client: pg.Client): Promise<WalPosition> {
  const result = await client.query<{ bytes: string; syncs: string; full_pages: string }>(
    `select pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::text as bytes, wal_sync::text as syncs,
       wal_fpi::text as full_pages
     from pg_stat_wal`,
  )
  const row = result.rows[0]!
  return { bytes: Number(row.bytes), syncs: Number(row.syncs), fullPages: Number(row.full_pages) }
}

/** Starts watching; `end` stops and answers what happened meanwhile. */
export async function watchPostgres(
  url: string,
  options: { sampleWaits: boolean },
): Promise<{ end(): Promise<PostgresWindow> }> {
  const client = new pg.Client({ connectionString: url, application_name: 'palaver-bench-watch' })
  await client.connect()
  const [start, watchPid] = await Promise.all([walPosition(client), backendPid(client)]).catch(
    async (error: unknown) => {
      await client.end().catch(() => {})
      throw error
    },
  )
  const sampler = options.sampleWaits ? sampleWaits(url) : undefined
  const processesBefore = snapshot(pidsNamed('postgres'))
  return {
    async end() {
      try {
        const waits = await sampler?.stop()
        const processesAfter = snapshot(pidsNamed('postgres'))
        for (const pid of [watchPid, waits?.pid]) if (pid) processesAfter.delete(pid)
        const endAt = await walPosition(client)
        return {
          walBytes: endAt.bytes - start.bytes,
          walSyncs: endAt.syncs - start.syncs,
          walFullPages: endAt.fullPages - start.fullPages,
          ...(processesAfter.size > 0 ? { processes: spentSince(processesBefore, processesAfter) } : {}),
          ...(waits ? { waits: waits.waits, samples: waits.samples } : {}),
        }
      } finally {
        await client.end().catch(() => {})
      }
    },
  }
}

async function backendPid(client: pg.Client): Promise<number> {
  const result = await client.query<{ pid: number }>('select pg_backend_pid() as pid')
  return result.rows[0]!.pid
}

/** The application_name Palaver's pool connects with when the host names none (src/storage/open.ts). */
const PALAVER_APPLICATION = 'palaver'

/** Polls pg_stat_activity on a connection of its own until stopped. */
function sampleWaits(url: string) {
  const client = new pg.Client({ connectionString: url, application_name: 'palaver-bench-waits' })
  const counts = new Map<string, { n: number; longestMs: number }>()
  let taken = 0
  let active = 0
  let stopped = false
  let pid: number | undefined
  const sample = async () => {
    await client.connect()
    try {
      pid = await backendPid(client)
      while (!stopped) {
        const began = performance.now()
        const result = await client.query<{ event: string | null; ms: number }>(
          // A statement waiting for another's row holds the lock on the row's tuple meanwhile: its table
          // tells which rows are fought over (the event counter, a chat, a member's marks).
          `select a.wait_event_type || ':' || a.wait_event
               || coalesce(' on ' || (select string_agg(distinct c.relname, ', ') from pg_locks l
                   join pg_class c on c.oid = l.relation
                   where l.pid = a.pid and l.locktype = 'tuple'), '') as event,
             extract(epoch from clock_timestamp() - a.query_start) * 1000 as ms
           from pg_stat_activity a
           where a.application_name = $1 and a.state = 'active' and a.backend_type = 'client backend'`,
          [PALAVER_APPLICATION],
        )
        taken++
        for (const row of result.rows) {
          active++
          const key = row.event ?? 'running'
          const known = counts.get(key) ?? { n: 0, longestMs: 0 }
          known.n++
          known.longestMs = Math.max(known.longestMs, Number(row.ms))
          counts.set(key, known)
        }
        const rest = SAMPLE_MS - (performance.now() - began)
        if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest))
      }
    } finally {
      await client.end().catch(() => {})
    }
  }
  // Held until stop() rethrows it: a sampler that failed early must not be an unhandled rejection.
  const failed = sample().then(
    () => undefined,
    (error: unknown) => ({ error }),
  )
  return {
    /** The waits, and the sampler's own backend (whose CPU is the benchmark's, not Palaver's). */
    async stop(): Promise<Required<Pick<PostgresWindow, 'waits' | 'samples'>> & { pid?: number }> {
      stopped = true
      const failure = await failed
      if (failure) throw failure.error
      const waits = [...counts]
        .map(([event, { n, longestMs }]) => ({ event, share: active ? n / active : 0, longestMs }))
        .sort((a, b) => b.share - a.share)
      return { waits, samples: { taken, active }, ...(pid ? { pid } : {}) }
    },
  }
}
