import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GroupCommit } from '../src/services/group-commit.js'
import { openStorage, type Storage } from '../src/storage/open.js'
import { databases } from './helpers/databases.js'

/** A gate a batch's statement waits at, opened by the test. */
function gate() {
  let open = () => {}
  const opened = new Promise<void>((resolve) => {
    open = resolve
  })
  return { opened, open }
}

describe.each(databases)('group commit on $name', (database) => {
  let storage: Storage
  let drop: () => Promise<void>
  beforeAll(async () => {
    const created = await database.create()
    drop = created.drop
    storage = await openStorage(created.option, 'english')
  })
  afterAll(async () => {
    await storage.db.destroy()
    await drop()
  })

  /**
   * A queue whose items are numbers stored by one statement per batch, held at its gate until the test
   * opens it; `log` tells when each batch went to the database and when it was told.
   */
  function queue(overlap: boolean, bulkApart = false) {
    const log: string[] = []
    const gates = new Map<number, ReturnType<typeof gate>>()
    const commits = new GroupCommit<number, number[], number, number>(
      storage.db,
      {
        bulk: async (db, _now, items) => {
          log.push(`stored ${items.join(',')} with other changes`)
          await sql`select 1`.execute(db)
          return items.map((n) => ({ value: n * 10, record: n }))
        },
        bulkAlone: async (db, _now, items) => {
          log.push(`stored ${items.join(',')}`)
          await gates.get(items[0]!)?.opened
          await sql`select 1`.execute(db)
          return { outcomes: items.map((n) => ({ value: n * 10, record: n })), answer: items }
        },
        before: async () => [],
        after: (records) => log.push(`told ${records.join(',')}`),
      },
      { overlap, bulkApart },
    )
    const send = (n: number) =>
      commits.runBulk(n).then((value) => {
        log.push(`answered ${n} with ${value}`)
      })
    const change = (n: number) =>
      commits.run(
        async ({ db }) => {
          log.push(`changed ${n}`)
          await sql`select 1`.execute(db)
          return { value: n, record: n }
        },
        { background: true },
      )
    return { log, gates, send, change }
  }

  it('with overlap, tells a batch while the next one is in the database, in order', async () => {
    const { log, gates, send } = queue(true)
    const [firstHeld, nextHeld] = [gate(), gate()]
    gates.set(1, firstHeld)
    gates.set(2, nextHeld)
    const first = send(1)
    // Queued while the first batch is in the database: they make the next batch.
    await new Promise((resolve) => setTimeout(resolve, 5))
    const next = [send(2), send(3)]
    await new Promise((resolve) => setTimeout(resolve, 5))
    expect(log).toEqual(['stored 1'])
    firstHeld.open()
    await first
    expect(log).toEqual(['stored 1', 'stored 2,3', 'told 1', 'answered 1 with 10'])
    nextHeld.open()
    await Promise.all(next)
    expect(log.slice(4)).toEqual(['told 2,3', 'answered 2 with 20', 'answered 3 with 30'])
  })

  it('without overlap, tells each batch as soon as it commits', async () => {
    const { log, gates, send } = queue(false)
    const held = gate()
    gates.set(1, held)
    const first = send(1)
    await new Promise((resolve) => setTimeout(resolve, 5))
    const second = send(2)
    held.open()
    await Promise.all([first, second])
    expect(log).toEqual([
      'stored 1',
      'told 1',
      'answered 1 with 10',
      'stored 2',
      'told 2',
      'answered 2 with 20',
    ])
  })

  it('with overlap, tells a lone batch at once', async () => {
    const { log, send } = queue(true)
    await send(1)
    expect(log).toEqual(['stored 1', 'told 1', 'answered 1 with 10'])
  })

  it('tells a change that failed in its savepoint only once the rerun after a deadlock commits the rest', async () => {
    const log: string[] = []
    let deadlocks = 1
    const commits = new GroupCommit<number, void>(storage.db, {
      bulk: async () => [],
      // Inside the transaction, after every change's savepoint: PostgreSQL broke a lock cycle here once.
      before: async (_db, _now, records) => {
        if (records.length === 1 && deadlocks-- > 0)
          throw Object.assign(new Error('deadlock detected'), { code: '40P01' })
      },
      after: (records) => log.push(`told ${records.join(',')}`),
    })
    const change = (n: number, fails: boolean) =>
      commits
        .run(async ({ db }) => {
          log.push(`changed ${n}`)
          await sql`select 1`.execute(db)
          if (fails) throw new Error(`refused ${n}`)
          return { value: n, record: n }
        })
        .then(
          () => log.push(`answered ${n}`),
          (error: Error) => log.push(error.message),
        )
    await Promise.all([change(1, false), change(2, true)])
    // Together, then each in a savepoint (a deadlock), then so again: 2's refusal comes with 1's commit.
    expect(log).toEqual([
      'changed 1',
      'changed 2',
      'changed 1',
      'changed 2',
      'changed 1',
      'changed 2',
      'told 1',
      'answered 1',
      'refused 2',
    ])
  })

  it('with bulkApart, stores a batch’s bulk items alone after its other changes commit', async () => {
    const { log, send, change } = queue(false, true)
    await Promise.all([send(1), change(7), send(2)])
    expect(log).toEqual([
      'changed 7',
      'told 7',
      'stored 1,2',
      'told 1,2',
      'answered 1 with 10',
      'answered 2 with 20',
    ])
  })

  it('without bulkApart, stores bulk items in the transaction of the changes they share a batch with', async () => {
    const { log, send, change } = queue(false)
    await Promise.all([send(1), change(7), send(2)])
    expect(log).toEqual([
      'changed 7',
      'stored 1,2 with other changes',
      'told 7,1,2',
      'answered 1 with 10',
      'answered 2 with 20',
    ])
  })
})
