import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createPalaver } from '../src/index.js'
import { connectSocket, type SocketClient } from './helpers/live.js'
import { type ServerProcess, startServerProcess } from './helpers/process.js'
import { DEMO_USERS } from './helpers/server.js'

const USERS = DEMO_USERS.map((u) => u.id)
const SENDERS = 10
const CHATS = 3

describe('a server process killed with SIGKILL under load', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'palaver-crash-')), 'crash.sqlite')
  let server: ServerProcess
  afterAll(() => server?.close())

  it('keeps every acknowledged message, and every member gets each one once, in order', async () => {
    const setup = await createPalaver({ database: { sqlite: file }, getUser: () => null })
    for (const user of DEMO_USERS) await setup.users.upsert(user)
    await setup.close()
    server = await startServerProcess(['--database', file, '--poll', '200'])
    const port = server.port
    const chatIds: number[] = []
    for (let c = 0; c < CHATS; c++) {
      chatIds.push(
        (await server.call('alice', 'POST', '/api/chats/', { title: `Crash ${c}`, memberIds: USERS })).body
          .id,
      )
    }

    // Readers: one socket per user, reconnecting from their last cursor whenever the socket dies.
    const received = new Map<string, any[]>(USERS.map((u) => [u, []]))
    let readersRunning = true
    const readers = USERS.map(async (user) => {
      let cursor = 0
      while (readersRunning) {
        let socket: SocketClient
        try {
          socket = await connectSocket(server, user, { after: cursor })
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 100))
          continue
        }
        await new Promise<void>((resolve) => {
          socket.ws.once('close', () => resolve())
          const stop = setInterval(() => {
            if (!readersRunning) {
              clearInterval(stop)
              void socket.close()
            }
          }, 50)
          socket.ws.once('close', () => clearInterval(stop))
        })
        received.get(user)!.push(...socket.inbox.events)
        cursor = socket.inbox.events.at(-1)?.cursor ?? cursor
      }
    })

    // Senders: each send is retried with its clientId until acknowledged, like the client's outbox.
    const acknowledged: number[] = []
    let sending = true
    let n = 0
    const senders = Array.from({ length: SENDERS }, async (_, s) => {
      const user = USERS[s % USERS.length]!
      while (sending) {
        const clientId = `s${s}-${n++}`
        const chatId = chatIds[s % CHATS]!
        for (;;) {
          try {
            const reply = await server.call(user, 'POST', `/api/chats/${chatId}/messages/`, {
              body: clientId,
              clientId,
            })
            if (reply.status === 201 || reply.status === 200) {
              acknowledged.push(reply.body.id)
              break
            }
          } catch {}
          await new Promise((resolve) => setTimeout(resolve, 50))
        }
      }
    })

    await new Promise((resolve) => setTimeout(resolve, 1500))
    await server.kill9()
    await new Promise((resolve) => setTimeout(resolve, 300))
    server = await startServerProcess(['--database', file, '--poll', '200', '--port', String(port)])
    await new Promise((resolve) => setTimeout(resolve, 1000))
    sending = false
    await Promise.all(senders)
    await new Promise((resolve) => setTimeout(resolve, 1000))
    readersRunning = false
    await Promise.all(readers)

    const stored = await server.call('alice', 'GET', '/api/chats/')
    expect(stored.status).toBe(200)
    const check = await createPalaver({ database: { sqlite: file }, getUser: () => null, migrate: false })
    const rows = await check.db
      .selectFrom('palaver_messages')
      .select(['id', 'chat_id', 'client_id'])
      .orderBy('id')
      .execute()
    await check.close()
    const storedIds = rows.map((r) => r.id)
    expect(acknowledged.length).toBeGreaterThan(20)
    for (const id of acknowledged) expect(storedIds).toContain(id)
    // A retried clientId never stored twice.
    expect(new Set(rows.map((r) => r.client_id)).size).toBe(rows.length)
    for (const [user, events] of received) {
      const ids = events.filter((e) => e.type === 'message.created').map((e) => e.data.message.id)
      expect(new Set(ids).size, `${user} saw a message twice`).toBe(ids.length)
      expect(JSON.stringify(ids), `${user} missed or reordered messages`).toEqual(JSON.stringify(storedIds))
    }
  })
})
