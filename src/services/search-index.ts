import { hasSqlState } from '../storage/dialect.js'
import { type Context, transact } from './context.js'

/** Messages indexed per change: a few milliseconds of tokenizing, so no batch waits long behind it. */
const PER_CHANGE = 200
/** How often the messages sent meanwhile go into the index. */
const INTERVAL_MS = 250

/**
 * Keeps the search index close behind the messages, every INTERVAL_MS. Where the dialect indexes
 * messages after they are stored (SQLite), what waits goes in through the commit queue, as background
 * changes that ride along with the batches of sends; a search does not wait for it: it indexes what
 * waits first. Where the index keeps new entries aside (PostgreSQL's pending list), they are merged, on
 * a connection of their own, outside every batch. Answers how to stop it.
 */
export function indexSearchInBackground(ctx: Context): () => Promise<void> {
  const { indexSearchBacklog, searchBacklog } = ctx.dialect
  let merge = ctx.dialect.mergeSearchIndex
  if (!merge && !(indexSearchBacklog && searchBacklog)) return async () => {}
  let running: Promise<void> = Promise.resolve()
  let stopped = false
  const mergePending = async () => {
    if (!merge) return
    try {
      await merge(ctx.db)
    } catch (error) {
      if (!isRefused(error)) throw error
      // Not the index's owner: PostgreSQL merges the list itself, in the send that fills it (or autovacuum).
      merge = undefined
      console.warn(
        '[palaver] the search index’s pending list cannot be merged by this database role (it must own the index); sends will merge it now and then:',
        (error as Error).message,
      )
    }
  }
  const pass = async () => {
    try {
      await mergePending()
      if (!indexSearchBacklog || !searchBacklog || !(await searchBacklog(ctx.db))) return
      while (
        !stopped &&
        (await transact(ctx, (tx) => indexSearchBacklog(tx.db, PER_CHANGE), { background: true }))
      );
    } catch (error) {
      // The next pass (or the next search) tries again: nothing is lost, the messages wait in the table.
      console.warn('[palaver] indexing messages for search failed:', (error as Error).message)
    }
  }
  let busy = false
  const timer = setInterval(() => {
    // A pass still at work (a long backlog, a slow database) is not joined by another.
    if (busy) return
    busy = true
    running = pass().finally(() => {
      busy = false
    })
  }, INTERVAL_MS)
  timer.unref()
  return async () => {
    stopped = true
    clearInterval(timer)
    await running
  }
}

/** PostgreSQL's insufficient_privilege: only the owner of an index may merge its pending list. */
const isRefused = (error: unknown) => hasSqlState(error, '42501')

/** Before a search: whatever waits for the index goes in now, so a message just sent is found. */
export async function catchUpSearchIndex(ctx: Context): Promise<void> {
  const { indexSearchBacklog, searchBacklog } = ctx.dialect
  if (!indexSearchBacklog || !searchBacklog || !(await searchBacklog(ctx.db))) return
  while (await transact(ctx, (tx) => indexSearchBacklog(tx.db, 10 * PER_CHANGE)));
}
