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

describe.skipIf(!chromiumAvailable)('the tab title with chats beyond the pages loaded', () => {
  const shared = hostAndBrowser({ transport: 'websocket', chatsPerPage: 10 })
  const { group, say } = chatCalls(shared)
  const erin = (method: string, path: string, body: unknown = {}) =>
    shared.host.call('erin', method, `/api/${path}`, body)

  test('counts the unread chats older than the first page from the first paint, and follows them live', async () => {
    const attic = await group('bob', 'Attic', ['erin'])
    await say('bob', attic.id, 'Boxes to sort')
    await say('bob', attic.id, 'And a lamp')
    const barn = await group('bob', 'Barn', ['erin'])
    await say('bob', barn.id, 'Hay is in')
    const cellar = await group('bob', 'Cellar', ['erin'])
    for (const text of ['Wine', 'More wine', 'Cheese']) await say('bob', cellar.id, text)
    await erin('POST', `chats/${cellar.id}/mute/`, { muted: true })
    const den = await group('bob', 'Den', ['erin'])
    await say('bob', den.id, '@Erin Evans the fire is lit', ['erin'])
    await erin('POST', `chats/${den.id}/mute/`, { muted: true })
    for (let i = 1; i <= 12; i++) await group('bob', `Quiet ${i}`, ['erin'])

    const { context, page } = await openAs(shared.browser, shared.host, 'erin', '/messages/', {
      width: 1000,
      height: 520,
    })
    try {
      const m = messagesPage(page)
      await eventually(() => m.chats.count()).toBe(10)
      // Attic, Barn and Den (a muted chat that mentions her) wait for her, none of them on the page yet.
      expect(await page.title()).toBe('(3) Messages')
      for (const title of ['Attic', 'Barn', 'Cellar', 'Den']) expect(await m.chat(title).count()).toBe(0)

      // Read elsewhere, a chat not loaded no longer counts.
      await erin('POST', `chats/${barn.id}/mark-as-read/`)
      await eventually(() => page.title()).toBe('(2) Messages')
      // A new message brings Attic onto the page: counted once, as the list has it now.
      await say('bob', attic.id, 'Found the key')
      await m.chat('Attic').waitFor()
      await expect.poll(() => m.chat('Attic').locator('.badge').textContent()).toBe('3')
      expect(await page.title()).toBe('(2) Messages')
      // Unmuted elsewhere, Cellar counts; left, Den no longer does.
      await erin('POST', `chats/${cellar.id}/mute/`, { muted: false })
      await eventually(() => page.title()).toBe('(3) Messages')
      await erin('POST', `chats/${den.id}/leave/`)
      await eventually(() => page.title()).toBe('(2) Messages')

      // The whole list loaded, each chat counts once.
      for (let i = 0; i < 10 && (await m.chats.count()) < 15; i++) {
        await m.root.locator('.scroll').evaluate((el) => el.scrollTo(0, el.scrollHeight))
        await page.waitForTimeout(150)
      }
      expect(await m.chats.count()).toBe(15)
      expect(await page.title()).toBe('(2) Messages')
    } finally {
      await context.close()
    }
  })

  test('a muted chat older than the first page counts again once its mute runs out, without a word from the server', async () => {
    const loft = await group('bob', 'Loft', ['dana'])
    await say('bob', loft.id, 'Paint is dry')
    const shed = await group('bob', 'Shed', ['dana'])
    await say('bob', shed.id, 'Tools are back')
    for (let i = 1; i <= 10; i++) await group('bob', `Calm ${i}`, ['dana'])
    const { context, page } = await openAs(shared.browser, shared.host, 'dana', '/login', {
      width: 1000,
      height: 520,
    })
    try {
      // Her page's clock goes on from now, and jumps when the test says.
      await page.clock.install()
      const until = new Date(Date.now() + 10 * 60_000).toISOString()
      await shared.host.call('dana', 'POST', `/api/chats/${loft.id}/mute/`, { muted: true, until })
      await page.goto(`${shared.host.origin}/messages/`)
      const m = messagesPage(page)
      await eventually(() => m.chats.count()).toBe(10)
      expect(await page.title()).toBe('(1) Messages')
      expect(await m.chat('Loft').count()).toBe(0)

      await page.clock.fastForward(10 * 60_000 + 1000)
      await eventually(() => page.title()).toBe('(2) Messages')
      expect(await m.chat('Loft').count()).toBe(0)
    } finally {
      await context.close()
    }
  })
})

describe.skipIf(!chromiumAvailable)('the unread figures of the page', () => {
  const shared = hostAndBrowser({ transport: 'websocket' })
  const { group, say } = chatCalls(shared)

  test('the title and the Chats tab count the chats that wait (a muted one only for a mention), each chat its own messages', async () => {
    const yard = await group('bob', 'Yard', ['erin'])
    const pantry = await group('bob', 'Pantry', ['erin'])
    const porch = await group('bob', 'Porch', ['erin'])
    await shared.host.call('erin', 'POST', `/api/chats/${porch.id}/mute/`, { muted: true })
    await say('bob', pantry.id, 'Out of flour')
    await say('bob', pantry.id, 'And of sugar')
    for (const text of ['Paint', 'Brushes', 'Tape']) await say('bob', porch.id, text)
    // A phone, with the Yard's conversation on screen: the Chats tab shows the figure.
    const { context, page } = await openAs(
      shared.browser,
      shared.host,
      'erin',
      `/messages/#chat=${yard.id}`,
      {
        width: 600,
        height: 800,
      },
    )
    try {
      const m = messagesPage(page)
      const chatsTab = m.root.getByRole('tab', { name: /^Chats/ })
      const badge = chatsTab.locator('.badge')
      await m.title.filter({ hasText: 'Yard' }).waitFor()
      // Pantry waits (two messages), the muted Porch does not: one chat, in the title and on the tab alike.
      await eventually(() => page.title()).toBe('(1) Messages')
      await eventually(() => badge.textContent()).toBe('1')
      expect(await chatsTab.getAttribute('aria-selected')).toBe('false')
      expect(await chatsTab.textContent()).toContain('1 chat with unread messages')

      // A mention in the muted chat: it waits too.
      await say('bob', porch.id, '@Erin Evans which colour?', ['erin'])
      await eventually(() => page.title()).toBe('(2) Messages')
      await eventually(() => badge.textContent()).toBe('2')
      expect(await chatsTab.textContent()).toContain('2 chats with unread messages')

      // A message in the chat on screen is read there: it waits in neither.
      await say('bob', yard.id, 'Gate is fixed')
      await m.message('Gate is fixed').waitFor()
      expect(await page.title()).toBe('(2) Messages')
      expect(await badge.textContent()).toBe('2')

      // Each chat of the list counts its own messages.
      await chatsTab.click()
      await eventually(() => m.chat('Pantry').locator('.badge').textContent()).toBe('2')
      expect(await m.chat('Porch').locator('[part="unread"]').textContent()).toBe('4')
      expect(await badge.count()).toBe(0)
    } finally {
      await context.close()
    }
  })
})
