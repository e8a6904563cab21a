import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { MessageToModerate, ModerationVerdict } from '../src/index.js'
import { databases } from './helpers/databases.js'
import { connectSocket, type LiveServer, startLiveServer } from './helpers/live.js'

describe.each(databases)('moderating messages on $name', (database) => {
  let server: LiveServer
  const asked: MessageToModerate[] = []
  // The host's rules: 'spam' is refused, 'darn' is masked, 'shout' comes back too long, 'broken' answers nonsense.
  const moderateMessage = async (message: MessageToModerate): Promise<ModerationVerdict> => {
    asked.push(message)
    await new Promise((resolve) => setTimeout(resolve, 1))
    if (/spam/i.test(message.body)) return { refuse: 'Links to that site are not allowed here' }
    if (/darn/.test(message.body)) return { body: message.body.replaceAll('darn', '****') }
    if (/shout/.test(message.body)) return { body: 'A'.repeat(5000) }
    if (/broken/.test(message.body)) return { nonsense: true } as unknown as ModerationVerdict
    return undefined
  }
  beforeAll(async () => {
    server = await startLiveServer(database, { moderateMessage, limits: { messageLength: 4000 } })
  })
  afterAll(() => server.close())

  const history = async (chatId: number) =>
    (await server.call('bob', 'GET', `/api/chats/${chatId}/messages/`)).body.messages.map(
      (m: { body: string }) => m.body,
    )
  /** The message events of a chat in the log (a refused send must add none). */
  const messageEvents = async (chatId: number) =>
    Number(
      (
        await server.palaver.db
          .selectFrom('palaver_events')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('chat_id', '=', chatId)
          .where('type', 'like', 'message.%')
          .executeTakeFirstOrThrow()
      ).n,
    )

  it('lets a message through, stores its masked text, or refuses it with the reason and stores nothing', async () => {
    const chat = (
      await server.call('alice', 'POST', '/api/chats/', { title: 'Moderated', memberIds: ['bob'] })
    ).body
    const send = (body: string, clientId?: string) =>
      server.call('alice', 'POST', `/api/chats/${chat.id}/messages/`, { body, clientId })

    expect((await send('  hello  ')).status).toBe(201)
    expect(asked.at(-1)).toMatchObject({ chatId: chat.id, body: 'hello', editOf: null, attachmentIds: [] })
    expect(asked.at(-1)?.sender.id).toBe('alice')

    const masked = await send('well darn it')
    expect(masked.status).toBe(201)
    expect(masked.body.body).toBe('well **** it')

    const events = await messageEvents(chat.id)
    const refused = await send('cheap SPAM here')
    expect(refused.status).toBe(403)
    expect(refused.body.error).toEqual({
      code: 'forbidden',
      message: 'Links to that site are not allowed here',
      details: { moderated: true },
    })
    // A replacement is checked as a written text is: too long is refused, and nothing is stored.
    expect((await send('shout')).status).toBe(413)
    expect(await history(chat.id)).toEqual(['hello', 'well **** it'])
    expect(await messageEvents(chat.id)).toBe(events)

    // The host's own mistake is a 500 that stores nothing, not the sender's.
    expect((await send('broken')).status).toBe(500)
    expect(await history(chat.id)).toEqual(['hello', 'well **** it'])
  })

  it('asks about edits that change the text, and refuses or masks them as it does new messages', async () => {
    const chat = (await server.call('alice', 'POST', '/api/chats/', { title: 'Edits', memberIds: ['bob'] }))
      .body
    const sent = (await server.call('alice', 'POST', `/api/chats/${chat.id}/messages/`, { body: 'first' }))
      .body
    const edit = (body: string) => server.call('alice', 'PATCH', `/api/messages/${sent.id}/`, { body })

    const refused = await edit('now with spam')
    expect(refused.status).toBe(403)
    expect(refused.body.error.details).toEqual({ moderated: true })
    expect(await history(chat.id)).toEqual(['first'])

    const masked = await edit('darn, edited')
    expect(masked.status).toBe(200)
    expect(masked.body.body).toBe('****, edited')
    expect(asked.at(-1)).toMatchObject({ chatId: chat.id, editOf: sent.id, body: 'darn, edited' })

    // The same text again is no change: the moderator is not asked.
    const before = asked.length
    expect((await edit('****, edited')).status).toBe(200)
    expect(asked.length).toBe(before)
  })

  it('moderates sends over the WebSocket, and a retry of a stored send still answers the stored message', async () => {
    const chat = (await server.call('alice', 'POST', '/api/chats/', { title: 'Socket', memberIds: ['bob'] }))
      .body
    const socket = await connectSocket(server, 'alice')
    try {
      const refused = await socket.request({ action: 'send', chatId: chat.id, body: 'spam spam' })
      expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden', details: { moderated: true } } })
      const masked = await socket.request({
        action: 'send',
        chatId: chat.id,
        body: 'oh darn',
        clientId: 'c-1',
      })
      expect(masked).toMatchObject({ ok: true, result: { body: 'oh ****' } })
    } finally {
      await socket.close()
    }
    // The same clientId again, once the host's rules say otherwise: the stored message answers (200), not a refusal.
    const retried = await server.call('alice', 'POST', `/api/chats/${chat.id}/messages/`, {
      body: 'oh darn spam',
      clientId: 'c-1',
    })
    expect(retried.status).toBe(200)
    expect(retried.body.body).toBe('oh ****')
    expect(await history(chat.id)).toEqual(['oh ****'])
  })
})
