import { describe, expect, test } from 'vitest'
import { chromiumAvailable, eventually, hostAndBrowser, openAs } from './harness.js'
import { focused, messagesPage, seriousViolations, shootLightAndDark, tabTo } from './messages-helpers.js'

describe.skipIf(!chromiumAvailable)('marking a chat unread on the messages page', () => {
  const shared = hostAndBrowser({ transport: 'websocket' })

  test('by keyboard from the header: the chat closes, its row shows a dot and counts in the other tab, and opening it takes the mark off', async () => {
    const club = await shared.host.call('alice', 'POST', '/api/chats/', {
      title: 'Pottery club',
      memberIds: ['bob', 'charlie'],
    })
    const lunch = await shared.host.call('alice', 'POST', '/api/chats/', {
      title: 'Lunch run',
      memberIds: ['bob'],
    })
    await shared.host.call('alice', 'POST', `/api/chats/${club.id}/messages/`, { body: 'Kiln at six' })

    // Bob's second tab, narrow, with Lunch run open: its Chats tab counts the chats that ask for attention.
    const other = await openAs(shared.browser, shared.host, 'bob', `/messages/#chat=${lunch.id}`, {
      width: 600,
      height: 800,
    })
    const o = messagesPage(other.page)
    const total = o.root.getByRole('tab', { name: /^Chats/ }).locator('.badge')
    await eventually(() => total.textContent()).toBe('1')

    const bob = await openAs(shared.browser, shared.host, 'bob', `/messages/#chat=${club.id}`, {
      width: 1100,
      height: 720,
    })
    const page = bob.page
    const m = messagesPage(page)
    try {
      await m.message('Kiln at six').waitFor()
      // Read here: nothing asks for attention in the other tab.
      await total.waitFor({ state: 'detached' })

      await m.current.focus()
      await tabTo(page, 'Mark as unread')
      await page.screenshot({ path: '/tmp/palaver-marked-unread-header.png' })
      await page.keyboard.press('Enter')
      // The chat closes (reading it would take the mark off); the focus is on its row, which shows a dot.
      await m.root.getByText('Choose a chat to start messaging.').waitFor()
      const row = m.chat('Pottery club')
      await eventually(async () => (await focused(page)).text).toContain('Pottery club')
      expect(await row.getAttribute('aria-current')).toBeNull()
      await row.locator('.badge.dot').waitFor()
      expect(await row.locator('.visually-hidden').allTextContents()).toContain('Marked as unread')
      expect((await shared.host.call('bob', 'GET', `/api/chats/${club.id}/`)).markedUnread).toBe(true)
      // The other tab hears of it: the dot, and one more in its count.
      await o.chat('Pottery club').locator('.badge.dot').waitFor({ state: 'attached' })
      await eventually(() => total.textContent()).toBe('1')

      await page.mouse.move(0, 0)
      expect(await seriousViolations(page)).toEqual([])
      await shootLightAndDark(page, '/tmp', 'palaver-marked-unread')

      // Opening it reads it: the dot goes, here and there, and the server forgets the mark.
      await page.keyboard.press('Enter')
      await m.message('Kiln at six').waitFor()
      await row.locator('.badge').waitFor({ state: 'detached' })
      await o.chat('Pottery club').locator('.badge').waitFor({ state: 'detached' })
      await total.waitFor({ state: 'detached' })
      expect((await shared.host.call('bob', 'GET', `/api/chats/${club.id}/`)).markedUnread).toBe(false)
    } finally {
      await bob.context.close()
      await other.context.close()
    }
  })

  test('on a phone the chat menu offers it, and the list comes back with the chat marked', async () => {
    const chat = await shared.host.call('alice', 'POST', '/api/chats/', {
      title: 'Glaze orders',
      memberIds: ['dana'],
    })
    await shared.host.call('alice', 'POST', `/api/chats/${chat.id}/messages/`, {
      body: 'Two jars of celadon',
    })
    const dana = await openAs(shared.browser, shared.host, 'dana', `/messages/#chat=${chat.id}`, {
      width: 375,
      height: 740,
    })
    const page = dana.page
    const m = messagesPage(page)
    try {
      await m.message('Two jars').waitFor()
      await m.root.getByRole('button', { name: 'Chat actions', exact: true }).click()
      const menu = m.root.getByRole('menu', { name: 'Chat actions' })
      await menu.getByRole('menuitem', { name: 'Mark as unread' }).click()
      const row = m.chat('Glaze orders')
      await row.locator('.badge.dot').waitFor()
      expect(await row.isVisible()).toBe(true)
      await eventually(async () => (await focused(page)).text).toContain('Glaze orders')
      await page.screenshot({ path: '/tmp/palaver-marked-unread-phone.png' })
    } finally {
      await dana.context.close()
    }
  })
})
