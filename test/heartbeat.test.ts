import { once } from 'node:events'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { databases } from './helpers/databases.js'
import { type LiveServer, startLiveServer } from './helpers/live.js'

describe.each(databases.slice(0, 1))('WebSocket heartbeat ($name)', (database) => {
  let live: LiveServer
  beforeAll(async () => {
    live = await startLiveServer(database, {}, { heartbeatMs: 150 })
  })
  afterAll(() => live.close())

  const open = async (user: string, autoPong: boolean) => {
    const ws = new WebSocket(`${live.origin.replace('http', 'ws')}/messages/ws`, {
      headers: { 'x-test-user': user },
      autoPong,
    })
    await once(ws, 'open')
    return ws
  }

  it('closes a socket that answers no ping, and keeps one that does', async () => {
    const silent = await open('alice', false)
    const healthy = await open('bob', true)
    const [code] = await once(silent, 'close')
    // terminate() ends the TCP connection without a close frame: the client sees 1006.
    expect(code).toBe(1006)
    expect(healthy.readyState).toBe(WebSocket.OPEN)
    await new Promise((resolve) => setTimeout(resolve, 400))
    expect(healthy.readyState).toBe(WebSocket.OPEN)
    expect(live.palaver.hub.connectionCount).toBe(1)
    healthy.close()
  })
})
