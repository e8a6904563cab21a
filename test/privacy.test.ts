import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { databases } from './helpers/databases.js'
import { connectSocket, type LiveServer, startLiveServer } from './helpers/live.js'

const SECRET = 'zebra-marmalade-7741'

describe.each(databases.slice(0, 1))('what Palaver writes to its logs ($name)', (database) => {
  let live: LiveServer
  const written: string[] = []
  beforeAll(async () => {
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        written.push(args.map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : String(a))).join(' '))
      })
    }
    live = await startLiveServer(database, { limits: { messageLength: 50 } })
  })
  afterAll(async () => {
    vi.restoreAllMocks()
    await live.close()
  })

  it('never contains a message body, also when requests fail', async () => {
    const chat = await live.call('alice', 'POST', '/api/chats/', { title: 'Private', memberIds: ['bob'] })
    const path = `/api/chats/${chat.body.id}/messages/`
    const sent = await live.call('alice', 'POST', path, { body: `the secret is ${SECRET}` })
    await live.call('alice', 'POST', path, { body: `${SECRET} ${'x'.repeat(100)}` })
    await live.call('alice', 'PATCH', `/api/messages/${sent.body.id}/`, { body: `${SECRET} edited` })
    await live.call('bob', 'POST', '/api/chats/999999/messages/', { body: SECRET })
    await live.call('alice', 'GET', `/api/search/?q=${SECRET}`)
    const socket = await connectSocket(live, 'alice')
    await socket.request({ action: 'send', chatId: chat.body.id, body: SECRET })
    socket.ws.send(`{"action":"send","chatId":"x","body":"${SECRET}"}`)
    socket.ws.send('x'.repeat(70_000) + SECRET)
    await new Promise((resolve) => setTimeout(resolve, 200))
    await live.call('alice', 'DELETE', `/api/messages/${sent.body.id}/`)
    expect(written.join('\n')).not.toContain(SECRET)
  })

  it('keeps no text of a deleted message in storage or search', async () => {
    const chat = await live.call('alice', 'POST', '/api/chats/', { title: 'Gone', memberIds: ['bob'] })
    const sent = await live.call('alice', 'POST', `/api/chats/${chat.body.id}/messages/`, {
      body: 'ephemeral-walrus',
    })
    await live.call('alice', 'DELETE', `/api/messages/${sent.body.id}/`)
    const rows = await live.palaver.db
      .selectFrom('palaver_messages')
      .select('body')
      .where('id', '=', sent.body.id)
      .execute()
    expect(rows).toEqual([{ body: null }])
    const events = await live.palaver.db.selectFrom('palaver_events').select('payload').execute()
    expect(events.map((e) => e.payload).join('\n')).not.toContain('ephemeral-walrus')
    const found = await live.call('bob', 'GET', '/api/search/?q=walrus')
    expect(found.body.results).toEqual([])
  })
})
