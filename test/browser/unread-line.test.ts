import type { Locator } from 'playwright-core'
import { describe, expect, test } from 'vitest'
import { chromiumAvailable, eventually, hostAndBrowser, openAs, openDm, roomWidget, send } from './harness.js'

/** Where `element` lies in the conversation's list, as fractions of the list's visible height (0 the top, 1 the bottom). */
const placeInList = (element: Locator) =>
  element.evaluate((el) => {
    const log = el.closest('.log')!.getBoundingClientRect()
    const box = el.getBoundingClientRect()
    return { top: (box.top - log.top) / log.height, bottom: (box.bottom - log.top) / log.height }
  })

describe.skipIf(!chromiumAvailable)('the new-messages line', () => {
  const shared = hostAndBrowser({ transport: 'websocket' })

  /** The DM of `reader` with `writer`: the reader wrote last, then the writer sent `count` messages. */
  async function unreadDm(reader: string, writer: string, count: number) {
    const chat = await shared.host.call(reader, 'POST', '/api/dms/', { userId: writer })
    await shared.host.call(reader, 'POST', `/api/chats/${chat.id}/messages/`, { body: 'Read up to here' })
    for (let i = 1; i <= count; i++)
      await shared.host.call(writer, 'POST', `/api/chats/${chat.id}/messages/`, { body: `New number ${i}.` })
    return chat
  }

  const unreadCount = async (user: string, chatId: number) =>
    (await shared.host.call(user, 'GET', `/api/chats/${chatId}/`)).unreadCount

  test('a few new messages: the line stands before the first of them and the chat opens at its end', async () => {
    await unreadDm('alice', 'bob', 2)
    const alice = await openAs(shared.browser, shared.host, 'alice', '/host/dm/bob')
    try {
      const dm = await openDm(alice.page)
      const line = dm.root.getByRole('separator', { name: 'New messages' })
      await line.waitFor()
      // Right after what Alice had read, right before Bob's first new message.
      const around = await line.evaluate((el) => [
        el.previousElementSibling?.querySelector('.body')?.textContent,
        el.nextElementSibling?.querySelector('.body')?.textContent,
      ])
      expect(around).toEqual(['Read up to here', 'New number 1.'])
      expect((await placeInList(dm.message('New number 2.'))).bottom).toBeLessThanOrEqual(1)
    } finally {
      await alice.context.close()
    }
  })

  test('more than fit: it opens at the line, the chat stays unread until the reader scrolls to its end, and writing takes the line away', async () => {
    const chat = await unreadDm('charlie', 'dana', 40)
    const charlie = await openAs(shared.browser, shared.host, 'charlie', '/host/dm/dana')
    try {
      const dm = await openDm(charlie.page)
      const line = dm.root.locator('.unread-line')
      await dm.message('New number 1.').waitFor()
      await eventually(async () => (await placeInList(line)).top).toBeLessThan(0.2)
      expect((await placeInList(line)).top).toBeGreaterThanOrEqual(0)
      expect((await placeInList(dm.message('New number 40.'))).top).toBeGreaterThan(1)
      expect(await unreadCount('charlie', chat.id)).toBe(40)

      await dm.root.locator('button.jump').click()
      await eventually(() => unreadCount('charlie', chat.id)).toBe(0)
      // Still there while the chat is open: it says where the new ones began.
      expect(await line.count()).toBe(1)
      await send(dm.composer, 'Caught up')
      await dm.message('Caught up').waitFor()
      expect(await line.count()).toBe(0)
    } finally {
      await charlie.context.close()
    }
  })

  test('more than a page: it opens on the page around the last message read, at the line, with newer pages below', async () => {
    const chat = await unreadDm('erin', 'charlie', 70)
    const erin = await openAs(shared.browser, shared.host, 'erin', '/host/dm/charlie')
    try {
      const dm = await openDm(erin.page)
      const line = dm.root.locator('.unread-line')
      await line.waitFor()
      await eventually(async () => (await placeInList(line)).top).toBeLessThan(0.2)
      // What was read is just above it; the newest is not loaded yet.
      expect(await line.evaluate((el) => el.nextElementSibling?.querySelector('.body')?.textContent)).toBe(
        'New number 1.',
      )
      expect(await dm.message('New number 70.').count()).toBe(0)
      expect(await unreadCount('erin', chat.id)).toBe(70)

      await dm.root.locator('button.jump').click()
      await dm.message('New number 70.').waitFor()
      await eventually(() => unreadCount('erin', chat.id)).toBe(0)
    } finally {
      await erin.context.close()
    }
  })

  test('none for someone who joins a room they were reading', async () => {
    const room = await shared.host.call('bob', 'POST', '/api/rooms/', {
      contentType: 'video',
      objectId: 'public-line',
    })
    await shared.host.call('bob', 'POST', `/api/chats/${room.id}/join/`)
    for (const body of ['First take', 'Second take'])
      await shared.host.call('bob', 'POST', `/api/chats/${room.id}/messages/`, { body })
    const dana = await openAs(shared.browser, shared.host, 'dana', '/host/room/public-line')
    try {
      const r = roomWidget(dana.page)
      await r.message('Second take').waitFor()
      await r.join.click()
      await r.composer.waitFor()
      await shared.host.call('bob', 'POST', `/api/chats/${room.id}/messages/`, { body: 'Welcome' })
      await r.message('Welcome').waitFor()
      expect(await r.root.locator('.unread-line').count()).toBe(0)
    } finally {
      await dana.context.close()
    }
  })

  test('none where the reader had read everything, nor before their own messages', async () => {
    const chat = await shared.host.call('erin', 'POST', '/api/dms/', { userId: 'bob' })
    await shared.host.call('bob', 'POST', `/api/chats/${chat.id}/messages/`, { body: 'Hello Erin' })
    await shared.host.call('erin', 'POST', `/api/chats/${chat.id}/mark-as-read/`, {})
    await shared.host.call('erin', 'POST', `/api/chats/${chat.id}/messages/`, { body: 'Hi Bob' })
    const erin = await openAs(shared.browser, shared.host, 'erin', '/host/dm/bob')
    try {
      const dm = await openDm(erin.page)
      await dm.message('Hi Bob').waitFor()
      expect(await dm.root.locator('.unread-line').count()).toBe(0)
    } finally {
      await erin.context.close()
    }
  })
})
