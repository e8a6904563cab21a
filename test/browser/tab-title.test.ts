import { describe, expect, test } from 'vitest'
import { chromiumAvailable, eventually, hostAndBrowser, openAs } from './harness.js'
import { chatCalls, lossyWebSocket, messagesPage } from './messages-helpers.js'

describe.skipIf(!chromiumAvailable)('the tab title while the list is filtered', () => {
  const shared = hostAndBrowser({ transport: 'websocket' })
  const { group, say } = chatCalls(shared)

  test('counts every chat of the viewer, not only those the search or the kind filter shows', async () => {
    const orchard = await group('alice', 'Orchard', ['bob'])
    const harbour = await group('alice', 'Harbour', ['bob'])
    const lighthouse = await group('alice', 'Lighthouse', ['bob'])
    const dm = await shared.host.call('alice', 'POST', '/api/dms/', { userId: 'bob' })
    await say('bob', harbour.id, 'Boat at six?')
    const { context, page } = await openAs(shared.browser, shared.host, 'alice', '/messages/')
    try {
      const m = messagesPage(page)
      await eventually(() => m.chats.count()).toBe(4)
      expect(await page.title()).toBe('(1) Messages')

      await m.search.fill('Orchard')
      await eventually(() => m.chats.count()).toBe(1)
      expect(await page.title()).toBe('(1) Messages')

      // A message in a chat the search hides counts; read elsewhere, it no longer does.
      await say('bob', lighthouse.id, 'The lamp is out')
      await eventually(() => page.title()).toBe('(2) Messages')
      await shared.host.call('alice', 'POST', `/api/chats/${harbour.id}/mark-as-read/`, {})
      await eventually(() => page.title()).toBe('(1) Messages')

      // Muted elsewhere while hidden: it waits only for a mention.
      await shared.host.call('alice', 'POST', `/api/chats/${lighthouse.id}/mute/`, { muted: true })
      await eventually(() => page.title()).toBe('Messages')
      await say('bob', lighthouse.id, '@Alice Anderson can you fix it?', ['alice'])
      await eventually(() => page.title()).toBe('(1) Messages')

      // A chat the viewer is added to while the search hides it, then removed from.
      const kiln = await group('bob', 'Kiln', ['alice'])
      await say('bob', kiln.id, 'Glaze day')
      await eventually(() => page.title()).toBe('(2) Messages')
      await shared.host.call('bob', 'DELETE', `/api/chats/${kiln.id}/members/alice/remove/`)
      await eventually(() => page.title()).toBe('(1) Messages')

      // The search cleared, the list shows what the title counted.
      await m.search.fill('')
      await eventually(() => m.chats.count()).toBe(4)
      expect(await m.chat('Lighthouse').locator('[part="unread-mentions"]').count()).toBe(1)
      expect(await m.chat('Harbour').locator('[part="unread"]').count()).toBe(0)
      expect(await page.title()).toBe('(1) Messages')

      // The kind filter hides chats too: the groups' messages still count.
      await m.button('Direct messages').click()
      await eventually(() => m.chats.count()).toBe(1)
      await say('bob', orchard.id, 'Apples are ripe')
      await eventually(() => page.title()).toBe('(2) Messages')
      await say('bob', dm.id, 'Coming to pick?')
      await eventually(() => page.title()).toBe('(3) Messages')
      await shared.host.call('alice', 'POST', `/api/chats/${orchard.id}/mark-as-read/`, {})
      await eventually(() => page.title()).toBe('(2) Messages')
    } finally {
      await context.close()
    }
  })

  test('after a resync (events were missed) while the search hides a chat, the title counts it as the server has it', async () => {
    await group('charlie', 'Quarry', ['dana'])
    const meadow = await group('charlie', 'Meadow', ['dana'])
    const { context, page } = await openAs(shared.browser, shared.host, 'charlie', '/login')
    // Charlie's WebSocket goes through a proxy that loses the Meadow's new messages and can say "resync".
    const proxy = await lossyWebSocket(
      page,
      (frame) => frame.type === 'message.created' && frame.chatId === meadow.id,
    )
    try {
      await page.goto(`${shared.host.origin}/messages/`)
      const m = messagesPage(page)
      await eventually(() => m.chats.count()).toBe(2)
      await m.search.fill('Quarry')
      await eventually(() => m.chats.count()).toBe(1)

      await say('dana', meadow.id, 'Lost on the way')
      await eventually(() => proxy.dropped).toBe(1)
      expect(await page.title()).toBe('Messages')
      proxy.resync()
      await eventually(() => page.title()).toBe('(1) Messages')
      expect(await m.chats.count()).toBe(1)
    } finally {
      await context.close()
    }
  })
})
