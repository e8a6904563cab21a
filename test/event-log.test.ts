import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases } from './helpers/databases.js'
import { connectSocket, type LiveServer, type SocketClient, startLiveServer } from './helpers/live.js'

const WRITERS = ['alice', 'bob', 'charlie', 'dana', 'erin', 'alice', 'bob', 'charlie'] as const
const MESSAGES_PER_WRITER = 40
const CHATS = 4

/** A reader that polls the log and now and then "reconnects", resuming from its own cursor. */
async function pollingReader(live: LiveServer, user: string, after: number, stop: () => boolean) {
  const seen: any[] = []
  let cursor = after
  const startCursor = cursor
  let idle = 0
  while (!stop() || idle < 2) {
    const reply = await live.call(
      user,
      'GET',
      `/api/events/?after=${cursor}&wait=${Math.random() < 0.5 ? 0 : 1}`,
    )
    expect(reply.status).toBe(200)
    seen.push(...reply.body.events)
    idle = reply.body.events.length === 0 && stop() ? idle + 1 : 0
    cursor = reply.body.cursor
  }
  return { seen, startCursor }
}

/** A socket reader that is cut off at random moments and resumes from the last cursor it applied. */
async function socketReader(live: LiveServer, user: string, after: number, stop: () => boolean) {
  const seen: any[] = []
  let cursor = after
  let socket: SocketClient | undefined
  while (!stop()) {
    socket = await connectSocket(live, user, { after: cursor })
    await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 80))
    socket.ws.terminate()
    seen.push(...socket.inbox.events)
    cursor = socket.inbox.events.at(-1)?.cursor ?? cursor
  }
  socket = await connectSocket(live, user, { after: cursor })
  await new Promise((resolve) => setTimeout(resolve, 300))
  seen.push(...socket.inbox.events)
  await socket.close()
  return seen
}

describe.each(databases)('the event log on $name', (database) => {
  let live: LiveServer
  const chatIds: number[] = []
  beforeAll(async () => {
    live = await startLiveServer(database)
    for (let i = 0; i < CHATS; i++) {
      const chat = await live.call('alice', 'POST', '/api/chats/', {
        title: `Chat ${i}`,
        memberIds: ['bob', 'charlie', 'dana', 'erin'],
      })
      chatIds.push(chat.body.id)
    }
  })
  afterAll(() => live.close())

  it('gives every reader every event exactly once, in order, under concurrent writers', async () => {
    let writing = true
    const stop = () => !writing
    const headAtStart = (await live.call('erin', 'GET', '/api/events/')).body.cursor
    const readers = Promise.all([
      // Every reader starts from the head taken before any writer began (a reader asking for "now"
      // once writers are under way would rightly start after the first messages).
      pollingReader(live, 'erin', headAtStart, stop),
      pollingReader(live, 'dana', headAtStart, stop),
      socketReader(live, 'charlie', headAtStart, stop),
      socketReader(live, 'bob', headAtStart, stop),
    ])
    await Promise.all(
      WRITERS.map(async (user, w) => {
        for (let n = 0; n < MESSAGES_PER_WRITER; n++) {
          const chatId = chatIds[(w + n) % CHATS]!
          const reply = await live.call(user, 'POST', `/api/chats/${chatId}/messages/`, {
            body: `w${w} n${n}`,
          })
          expect(reply.status).toBe(201)
        }
      }),
    )
    writing = false
    const [erin, dana, charlie, bob] = await readers

    const stored = await live.palaver.db
      .selectFrom('palaver_messages')
      .select(['id', 'chat_id'])
      .where('chat_id', 'in', chatIds)
      .orderBy('id')
      .execute()
    expect(stored).toHaveLength(WRITERS.length * MESSAGES_PER_WRITER)

    for (const [name, seen] of [
      ['erin', erin.seen],
      ['dana', dana.seen],
      ['charlie', charlie],
      ['bob', bob],
    ] as const) {
      const cursors = seen.map((e) => e.cursor)
      expect(new Set(cursors).size, `${name} saw an event twice`).toBe(cursors.length)
      expect(cursors, `${name} saw events out of order`).toEqual([...cursors].sort((a, b) => a - b))
      const messages = seen.filter((e) => e.type === 'message.created').map((e) => e.data.message)
      expect(
        messages.map((m) => m.id).sort((a, b) => a - b),
        `${name} missed a message`,
      ).toEqual(stored.map((m) => m.id))
      for (const chatId of chatIds) {
        const inChat = messages.filter((m) => m.chatId === chatId).map((m) => m.id)
        expect(inChat, `${name}: chat ${chatId} out of order`).toEqual([...inChat].sort((a, b) => a - b))
      }
    }
  })
})
