import { beforeAll, describe, expect, test } from 'vitest'
import { chromiumAvailable, hostAndBrowser, openAs } from './harness.js'
import { messagesPage } from './messages-helpers.js'

describe.skipIf(!chromiumAvailable)('messages page: the list as the site configures it', () => {
  const shared = hostAndBrowser({
    transport: 'websocket',
    chatsPerPage: 5,
    showRoomsOnMessagesPage: false,
    layout: { topOffset: '48px', bottomOffset: '12px' },
  })

  beforeAll(async () => {
    for (let i = 1; i <= 12; i++) {
      await shared.host.call('alice', 'POST', '/api/chats/', {
        title: `Group ${String(i).padStart(2, '0')}`,
        memberIds: ['bob'],
      })
    }
    const room = await shared.host.call('alice', 'POST', '/api/rooms/', {
      contentType: 'video',
      objectId: 'public-hidden',
    })
    await shared.host.call('alice', 'POST', `/api/chats/${room.id}/join/`)
  })

  test('pages load as the list scrolls; rooms stay off the page when the site says so; the search box asks the server', async () => {
    const alice = await openAs(shared.browser, shared.host, 'alice', '/messages/', {
      width: 1000,
      height: 520,
    })
    try {
      const m = messagesPage(alice.page)
      await m.chat('Group 12').waitFor()
      const first = await m.chats.count()
      expect(first).toBeLessThan(12)
      // Scrolling to the end of the list loads the next page (by cursor), until there is none.
      for (let i = 0; i < 10 && (await m.chats.count()) < 12; i++) {
        await m.root.locator('.scroll').evaluate((el) => el.scrollTo(0, el.scrollHeight))
        await alice.page.waitForTimeout(150)
      }
      expect(await m.chats.count()).toBe(12)
      await m.chat('Group 01').waitFor()
      expect(await m.chat('Video hidden').count()).toBe(0)
      expect(await m.root.getByRole('button', { name: 'Rooms', exact: true }).count()).toBe(0)

      // Most recent first, live: a message to an old chat brings it to the top.
      const chats = (await shared.host.call('alice', 'GET', '/api/chats/?search=Group 01')).chats
      await shared.host.call('bob', 'POST', `/api/chats/${chats[0].id}/messages/`, {
        body: 'Bumping the oldest',
      })
      await expect.poll(() => m.chats.first().locator('.chat-title').textContent()).toBe('Group 01')
      await expect.poll(() => m.chats.first().locator('.badge').textContent()).toBe('1')

      // The search box filters through the server's ?search=.
      await m.search.fill('group 07')
      await expect.poll(() => m.chats.count()).toBe(1)
      await m.chat('Group 07').waitFor()
      await m.search.fill('nothing like this')
      await m.root.getByText('Nothing found.').first().waitFor()
      await m.search.press('Escape')
      await expect.poll(() => m.chats.count()).toBeGreaterThanOrEqual(5)

      // The kind filter: Groups only (Direct messages is a filter too, Rooms is not).
      await m.root.getByRole('button', { name: 'Direct messages', exact: true }).click()
      await m.root.getByText('Nothing found.').waitFor()
      await m.root.getByRole('button', { name: 'Groups', exact: true }).click()
      await m.chat('Group 01').waitFor()
    } finally {
      await alice.context.close()
    }
  })

  test('the layout offsets from the settings leave room for the host’s bars', async () => {
    const alice = await openAs(shared.browser, shared.host, 'alice', '/messages/')
    try {
      const m = messagesPage(alice.page)
      await m.chats.first().waitFor()
      const padding = await m.root
        .locator('.page')
        .evaluate((el) => [getComputedStyle(el).paddingTop, getComputedStyle(el).paddingBottom])
      expect(padding).toEqual(['48px', '12px'])
    } finally {
      await alice.context.close()
    }
  })

  test('an anonymous visitor gets a sign-in link that comes back to the page', async () => {
    const visitor = await openAs(shared.browser, shared.host, null, '/messages/')
    try {
      const link = visitor.page.locator('palaver-messages').getByRole('link', { name: 'Sign in' })
      await link.waitFor()
      expect(await link.getAttribute('href')).toBe(`/login?next=${encodeURIComponent('/messages/')}`)
    } finally {
      await visitor.context.close()
    }
  })
})
