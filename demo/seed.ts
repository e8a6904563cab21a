import type { Palaver } from '../src/index.js'
import { USERS } from './data.js'

/**
 * A fresh demo database gets a few conversations, so that the first page anyone opens shows what
 * Palaver does (a group with replies, reactions and a mention, a DM, a video's room) rather than
 * "No chats yet". Everything goes through Palaver's REST API as the people themselves, the way
 * their browsers would: nothing here writes to its tables.
 */

/** Calls Palaver's API as `username`, with the session cookie the sign-in form would have set. */
type Call = (username: string, method: string, path: string, body?: unknown) => Promise<unknown>

interface Sent {
  id: number
}

export interface SeedOptions {
  palaver: Palaver
  /** The Cookie header of a session for `username`. */
  cookieOf(username: string): string
}

/** Seeds only a database where none of the demo people has a chat yet; true when it did. */
export async function seedConversations({ palaver, cookieOf }: SeedOptions): Promise<boolean> {
  const origin = 'http://demo.invalid'
  const call: Call = async (username, method, path, body) => {
    const response = await palaver.fetch(
      new Request(`${origin}/messages/api${path}`, {
        method,
        headers: {
          cookie: cookieOf(username),
          origin,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    )
    const text = await response.text()
    if (!response.ok)
      throw new Error(`Seeding the demo: ${method} ${path} answered ${response.status}: ${text}`)
    return text ? JSON.parse(text) : null
  }

  for (const { username } of USERS) {
    const { chats } = (await call(username, 'GET', '/chats/?limit=1')) as { chats: unknown[] }
    if (chats.length > 0) return false
  }
  await seedGroup(call)
  await seedDm(call)
  await seedRoom(call)
  return true
}

async function seedGroup(call: Call): Promise<void> {
  const { id } = (await call('alice', 'POST', '/chats/', {
    kind: 'group',
    title: 'Saturday ride',
    memberIds: ['bob', 'charlie'],
  })) as { id: number }
  const send = (username: string, body: string, extra: object = {}) =>
    call(username, 'POST', `/chats/${id}/messages/`, { body, ...extra }) as Promise<Sent>
  const plan = await send('alice', 'Who’s up for a ride on Saturday? Thinking the river loop, about 40 km.')
  const bakery = await send('bob', 'In! Can we stop at the bakery on the way back? 🥐')
  const late = await send('charlie', 'Count me in if we start after 9. The bees need checking first.')
  await send('alice', '9:30 at the old bridge, then?', { replyToId: late.id })
  await send('charlie', '@Bob Brown bring a spare tube this time 😄', { mentionIds: ['bob'] })
  await call('charlie', 'POST', `/messages/${plan.id}/reactions/`, { emoji: '👍' })
  await call('bob', 'POST', `/messages/${plan.id}/reactions/`, { emoji: '👍' })
  await call('alice', 'POST', `/messages/${bakery.id}/reactions/`, { emoji: '😂' })
  await call('bob', 'POST', `/chats/${id}/mark-as-read/`, {})
}

async function seedDm(call: Call): Promise<void> {
  const { id } = (await call('bob', 'POST', '/dms/', { userId: 'alice' })) as { id: number }
  await call('bob', 'POST', `/chats/${id}/messages/`, {
    body: 'Loved the river video. The autumn part is gorgeous.',
  })
}

async function seedRoom(call: Call): Promise<void> {
  const { id } = (await call('charlie', 'POST', '/rooms/', {
    contentType: 'video',
    objectId: 'sourdough-101',
  })) as { id: number }
  await call('bob', 'POST', `/chats/${id}/join/`)
  await call('charlie', 'POST', `/chats/${id}/join/`)
  await call('charlie', 'POST', `/chats/${id}/messages/`, {
    body: 'What hydration do you use for this loaf?',
  })
  await call('bob', 'POST', `/chats/${id}/messages/`, {
    body: 'About 75%. Any higher gets sticky when the kitchen is warm.',
  })
}
