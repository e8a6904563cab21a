import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { inProcessPubSub, type PubSub } from '../src/index.js'
import type { DatabaseOption } from '../src/options.js'
import { databases } from './helpers/databases.js'
import { connectSocket, type LiveServer, startLiveServer } from './helpers/live.js'

/** One pub/sub for two instances that loses every other message on the events channel. */
function lossyPubSub(): PubSub {
  const inner = inProcessPubSub()
  let events = 0
  return {
    publish: (channel, message) => {
      if (channel.startsWith('palaver:events') && events++ % 2 === 1) return
      return inner.publish(channel, message)
    },
    subscribe: (channel, listener) => inner.subscribe(channel, listener),
  }
}

describe.each(databases)('a pub/sub that loses messages, on $name', (database) => {
  const servers: LiveServer[] = []
  let drop = async () => {}
  afterAll(async () => {
    for (const server of servers) await server.close()
    await drop()
  })

  it('still delivers every event, in order, once: a missing cursor is read from the log', async () => {
    let option: DatabaseOption
    if (database.name === 'sqlite') {
      const dir = mkdtempSync(join(tmpdir(), 'palaver-gaps-'))
      option = { sqlite: join(dir, 'shared.sqlite') }
      drop = async () => rmSync(dir, { recursive: true, force: true })
    } else {
      const created = await database.create()
      option = created.option
      drop = created.drop
    }
    const pubsub = lossyPubSub()
    // The log is polled only once a minute: within the test, what pub/sub lost must come from the gap fill.
    const options = { pubsub, logPollIntervalMs: 60_000 }
    const one = await startLiveServer(database, options, {}, { option })
    const two = await startLiveServer(database, options, {}, { option })
    servers.push(one, two)
    const chat = (await one.call('alice', 'POST', '/api/chats/', { title: 'Gaps', memberIds: ['bob'] })).body
      .id
    const bob = await connectSocket(one, 'bob')
    const sent: number[] = []
    for (let n = 0; n < 20; n++) {
      // Through the other process, then (last) through bob's own: its commit shows any gap before it.
      const via = n % 2 === 0 && n < 19 ? two : one
      sent.push((await via.call('alice', 'POST', `/api/chats/${chat}/messages/`, { body: `m${n}` })).body.id)
    }
    const last = (await one.call('alice', 'POST', `/api/chats/${chat}/messages/`, { body: 'last' })).body.id
    sent.push(last)
    await bob.inbox.until('every message', () => bob.inbox.of('message.created').length >= sent.length)
    const received = bob.inbox.of('message.created').map((e) => e.data.message.id)
    expect(received).toEqual(sent)
    const cursors = bob.inbox.events.map((e) => e.cursor)
    expect(cursors).toEqual([...cursors].sort((a, b) => a - b))
    await bob.close()
    // The metrics show it: what pub/sub lost was read back from the log, and so was what waited behind
    // it; every event was routed once, from one source or another.
    const text = await one.palaver.metrics.text()
    const routed = (source: string) =>
      Number(new RegExp(`^palaver_events_routed_total\\{source="${source}"\\} (\\d+)$`, 'm').exec(text)![1])
    expect(routed('log')).toBeGreaterThan(0)
    expect(routed('commit') + routed('pubsub') + routed('log')).toBe(
      Number(/^palaver_event_cursor (\d+)$/m.exec(text)![1]),
    )
  }, 30_000)
})
