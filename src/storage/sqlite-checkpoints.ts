import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import type { Database } from 'better-sqlite3'

/** How often the worker moves the write-ahead log back into the database file. */
const CHECKPOINT_INTERVAL_MS = 250

/**
 * A log longer than this is started over. SQLite does that by itself at the first commit whose transaction
 * began with the whole log copied, which a passive checkpoint that takes longer than the gap between two
 * commits never achieves; so the worker copies again what came meanwhile until a round finds nothing new.
 * Only when writes never pause long enough for that does it take the write lock for a moment (RESTART) to
 * copy the last few pages. It never waits for the lock, nor for readers: when either is busy, the next
 * tick tries again.
 */
const RESTART_BYTES = 16 * 1024 * 1024

/**
 * At most this many pages left to copy when the worker restarts the log: the copy holds the write lock,
 * and a log under a stream of writes heavier than passive checkpoints keep up with waits until they do.
 */
const RESTART_LAG_PAGES = 256

/** Passive rounds a tick runs at most to catch up with the writer, each copying what came meanwhile. */
const CATCH_UP_ROUNDS = 20

/** How soon the next tick comes while the log is still longer than it should be. */
const CHASE_MS = 25

/** SQLite's own default, restored if the worker cannot do the job. */
const AUTOCHECKPOINT_PAGES = 1000

// The worker is plain CommonJS handed over as text, so it runs the same from src/ under a TypeScript
// loader, from dist/, and from a host's bundle: there is no second file to locate.
const WORKER = `
const { workerData, parentPort } = require('node:worker_threads')
const SQLite = require(workerData.driver)
const db = new SQLite(workerData.file)
// Never wait. A RESTART that waits for readers still on the old log holds the write lock all the while
// (up to its busy timeout), and every write of the main thread waits behind it, its event loop stopped.
db.pragma('busy_timeout = 0')
const pageSize = db.pragma('page_size', { simple: true })
const passive = () => db.pragma('wal_checkpoint(PASSIVE)')[0]
// One tick: true while the log is still long, so that the next one comes soon.
const tick = () => {
  let { log, checkpointed } = passive()
  if (log * pageSize <= workerData.restartBytes) return false
  // A long log. SQLite starts it over at the next commit whose transaction began with all of it copied,
  // taking no lock from anyone; under a steady stream of commits one round is never quick enough for
  // that. So copy again what came meanwhile, in ever shorter rounds, until a round finds nothing new.
  for (let round = 0; round < workerData.catchUpRounds; round++) {
    const next = passive()
    const caughtUp = next.log === log && next.checkpointed === log
    ;({ log, checkpointed } = next)
    if (caughtUp || log * pageSize <= workerData.restartBytes) return false
  }
  // Writes that never pause leave no such moment: past twice the size, RESTART copies the rest with the
  // write lock held, once passive rounds have left it little to copy.
  if (log * pageSize > 2 * workerData.restartBytes && log - checkpointed <= workerData.restartLagPages) {
    db.pragma('wal_checkpoint(RESTART)')
    return false
  }
  return true
}
let timer
const schedule = (ms) => {
  timer = setTimeout(() => {
    let long = false
    try {
      long = tick()
    } catch (error) {
      // Busy: another checkpoint or a long write; the next tick tries again. Anything else ends the worker,
      // and the main thread goes back to checkpointing on commit.
      if (error.code !== 'SQLITE_BUSY') throw error
    }
    // A log still long is chased (a loaded machine may give this thread little time between two ticks),
    // so that it starts over by itself before the RESTART that holds the write lock is needed.
    schedule(long ? workerData.chaseMs : workerData.intervalMs)
  }, ms)
}
schedule(workerData.intervalMs)
parentPort.once('message', () => {
  clearTimeout(timer)
  db.close()
  parentPort.close()
})
`

/**
 * Checkpoints a SQLite database in WAL mode from a worker thread, and stops the connection that serves
 * requests from doing it.
 *
 * SQLite checkpoints inside whichever COMMIT takes the log past 1,000 pages: that commit copies the pages
 * into the database file and syncs it, on the event loop, and every request and delivery behind it waits
 * for the disk. Under a steady stream of single-message commits that was over 40% of what a commit cost
 * (230 → 129 µs measured without it) and the longest stalls of the event loop. A PASSIVE checkpoint on
 * a second connection blocks neither writers nor readers.
 *
 * Returns what stops the worker, resolving once its connection has closed: the caller's connection should
 * close after it, so that it is the last one and removes the log files before a caller deletes the folder.
 */
export function checkpointInBackground(
  database: Database,
  file: string,
  { restartBytes = RESTART_BYTES }: { restartBytes?: number } = {},
): () => Promise<void> {
  database.pragma('wal_autocheckpoint = 0')
  // After a burst, a log that starts over is cut back to this size rather than keeping its peak on disk.
  database.pragma(`journal_size_limit = ${4 * restartBytes}`)
  let stopping = false
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: {
      driver: createRequire(import.meta.url).resolve('better-sqlite3'),
      file,
      intervalMs: CHECKPOINT_INTERVAL_MS,
      restartBytes,
      restartLagPages: RESTART_LAG_PAGES,
      catchUpRounds: CATCH_UP_ROUNDS,
      chaseMs: CHASE_MS,
    },
  })
  worker.unref()
  const fallBack = () => {
    // Without the worker the log would grow without end: SQLite checkpoints on commit again.
    if (!stopping && database.open) database.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`)
  }
  worker.on('error', (error) => {
    console.error('[palaver] the SQLite checkpoint worker failed; checkpointing on commit instead', error)
    fallBack()
  })
  let running = true
  const exited = new Promise<void>((resolve) =>
    worker.on('exit', () => {
      running = false
      fallBack()
      resolve()
    }),
  )
  return () => {
    stopping = true
    if (running) {
      // Unreferenced, the worker would let the process exit before its exit is seen, leaving this unresolved.
      worker.ref()
      worker.postMessage('stop')
    }
    return exited
  }
}
