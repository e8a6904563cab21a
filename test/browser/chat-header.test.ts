import type { Page } from 'playwright-core'
import { describe, expect, test } from 'vitest'
import { chromiumAvailable, eventually, hostAndBrowser, openAs } from './harness.js'
import { focused, messagesPage, seriousViolations } from './messages-helpers.js'

const PHONE = { width: 390, height: 844 }

/** The open chat's header on the messages page, and its narrow menu. */
function chatHeader(page: Page) {
  const root = page.locator('palaver-chat-header')
  const more = root.getByRole('button', { name: 'Chat actions', exact: true })
  const menu = root.getByRole('menu', { name: 'Chat actions' })
  return {
    root,
    more,
    menu,
    items: menu.getByRole('menuitem'),
    button: (name: string) => root.getByRole('button', { name, exact: true }),
  }
}

/** What has the focus: a control's name, or else its text. */
async function focusName(page: Page): Promise<string> {
  const now = await focused(page)
  return now.label ?? now.text
}

/** axe, and a screenshot in light then dark at `/tmp/palaver-chat-header-{name}-{mode}.png` (the page is left light). */
async function lookInBothModes(page: Page, name: string) {
  const root = page.locator('palaver-messages')
  for (const mode of ['light', 'dark'] as const) {
    await page.evaluate((dark) => document.documentElement.classList.toggle('dark', dark), mode === 'dark')
    await eventually(() => root.getAttribute('data-palaver-mode')).toBe(mode)
    // Colours fade between modes: axe must not read them halfway.
    await page.waitForTimeout(300)
    expect(await seriousViolations(page), `${name}-${mode}`).toEqual([])
    await page.screenshot({ path: `/tmp/palaver-chat-header-${name}-${mode}.png` })
  }
  await page.evaluate(() => document.documentElement.classList.remove('dark'))
}

describe.skipIf(!chromiumAvailable)('the chat header on a narrow screen', () => {
  const shared = hostAndBrowser({ transport: 'websocket' })

  const group = (owner: string, title: string, memberIds: string[]) =>
    shared.host.call(owner, 'POST', '/api/chats/', { title, memberIds })

  test('at 390 px the title has room: Members stays, Mute, Mark as unread, Leave and Delete are in a menu that works by keyboard; wide, the header is as before', async () => {
    const hike = await group('alice', 'Weekend hike', ['bob', 'charlie', 'dana'])
    const alice = await openAs(shared.browser, shared.host, 'alice', `/messages/#chat=${hike.id}`, PHONE)
    const page = alice.page
    const keys = page.keyboard
    const m = messagesPage(page)
    const h = chatHeader(page)
    try {
      await m.title.filter({ hasText: 'Weekend hike' }).waitFor()
      await m.composer.waitFor()
      // The whole title shows, not "Weeken…".
      expect(await m.title.evaluate((title) => title.scrollWidth <= title.clientWidth)).toBe(true)
      expect(await m.members.isVisible()).toBe(true)
      for (const name of ['Mute notifications', 'Leave chat', 'Delete chat'])
        expect(await h.button(name).count(), name).toBe(0)
      expect(await h.more.getAttribute('aria-haspopup')).toBe('menu')
      expect(await h.more.getAttribute('aria-expanded')).toBe('false')
      await lookInBothModes(page, 'narrow')

      // Tab from Members to the menu's button; Enter opens the menu on its first item.
      await m.members.focus()
      await keys.press('Tab')
      expect(await focusName(page)).toBe('Chat actions')
      await keys.press('Enter')
      await h.menu.waitFor()
      expect(await h.items.allTextContents()).toEqual([
        'Mute notifications',
        'Mark as unread',
        'Leave chat',
        'Delete chat',
      ])
      expect(await h.more.getAttribute('aria-expanded')).toBe('true')
      await eventually(() => focusName(page)).toBe('Mute notifications')
      await lookInBothModes(page, 'menu')

      // The arrows go round, Home and End go to the ends.
      const moves: Array<[string, string]> = [
        ['ArrowDown', 'Mark as unread'],
        ['ArrowDown', 'Leave chat'],
        ['ArrowDown', 'Delete chat'],
        ['ArrowDown', 'Mute notifications'],
        ['ArrowUp', 'Delete chat'],
        ['Home', 'Mute notifications'],
        ['End', 'Delete chat'],
      ]
      for (const [key, to] of moves) {
        await keys.press(key)
        expect(await focusName(page), key).toBe(to)
      }

      // Escape closes it back on its button, and closes nothing else.
      await keys.press('Escape')
      await h.menu.waitFor({ state: 'detached' })
      expect(await focusName(page)).toBe('Chat actions')
      expect(await h.more.getAttribute('aria-expanded')).toBe('false')
      expect(await m.composer.isVisible()).toBe(true)

      // The Up arrow opens it on its last item; Tab leaves it, closed.
      await keys.press('ArrowUp')
      await eventually(() => focusName(page)).toBe('Delete chat')
      await keys.press('Tab')
      await h.menu.waitFor({ state: 'detached' })

      // Mute opens the mute button's own durations, and they give the focus back to the menu's button.
      await h.more.focus()
      await keys.press('Space')
      await eventually(() => focusName(page)).toBe('Mute notifications')
      await keys.press('Enter')
      const durations = h.root.getByRole('menu', { name: 'Mute notifications' })
      await durations.waitFor()
      await h.menu.waitFor({ state: 'detached' })
      await eventually(() => focusName(page)).toBe('For 1 hour')
      await lookInBothModes(page, 'mute')
      await keys.press('Escape')
      await durations.waitFor({ state: 'detached' })
      expect(await focusName(page)).toBe('Chat actions')
      await keys.press('Enter')
      await eventually(() => focusName(page)).toBe('Mute notifications')
      await keys.press('Enter')
      await eventually(() => focusName(page)).toBe('For 1 hour')
      await keys.press('Enter')
      await h.root.locator('[part="muted-until"]').waitFor()
      expect((await shared.host.call('alice', 'GET', `/api/chats/${hike.id}/`)).muted).toBe(true)
      expect(await focusName(page)).toBe('Chat actions')
      // Muted, the item unmutes at once.
      await keys.press('Enter')
      await eventually(() => focusName(page)).toBe('Unmute notifications')
      await keys.press('Enter')
      await h.root.locator('[part="muted-until"]').waitFor({ state: 'detached' })
      expect((await shared.host.call('alice', 'GET', `/api/chats/${hike.id}/`)).muted).toBe(false)
      expect(await focusName(page)).toBe('Chat actions')

      // Leave asks first, as the wide header's button does; Escape cancels back on the menu's button.
      await keys.press('Enter')
      await h.menu.waitFor()
      await keys.press('ArrowDown')
      await keys.press('ArrowDown')
      expect(await focusName(page)).toBe('Leave chat')
      await keys.press('Enter')
      await m.dialog.getByText('Leave this chat?').waitFor()
      await eventually(async () => (await focused(page)).text).toBe('Cancel')
      await keys.press('Escape')
      await m.dialog.waitFor({ state: 'detached' })
      await eventually(() => focusName(page)).toBe('Chat actions')

      // A press outside closes the menu.
      await h.more.click()
      await h.menu.waitFor()
      await m.composer.click()
      await h.menu.waitFor({ state: 'detached' })

      // Wide, every action is a button of its own again, and there is no menu.
      await page.setViewportSize({ width: 1100, height: 720 })
      await h.button('Leave chat').waitFor()
      for (const name of ['Mute notifications', 'Mark as unread', 'Delete chat'])
        expect(await h.button(name).isVisible(), name).toBe(true)
      expect(await h.more.count()).toBe(0)
      await page.mouse.move(0, 0)
      await lookInBothModes(page, 'wide')
    } finally {
      await alice.context.close()
    }
  })

  test('a member leaves from the menu: the same question, and the chat is gone', async () => {
    const club = await group('bob', 'Book club', ['alice', 'charlie'])
    const alice = await openAs(shared.browser, shared.host, 'alice', `/messages/#chat=${club.id}`, PHONE)
    const page = alice.page
    const m = messagesPage(page)
    const h = chatHeader(page)
    try {
      await m.title.filter({ hasText: 'Book club' }).waitFor()
      await h.more.click()
      expect(await h.items.allTextContents()).toEqual(['Mute notifications', 'Mark as unread', 'Leave chat'])
      await h.menu.getByRole('menuitem', { name: 'Leave chat' }).click()
      await m.dialog.getByText('Leave this chat?').waitFor()
      await m.dialog.getByRole('button', { name: 'Leave', exact: true }).click()
      await m.chat('Book club').waitFor({ state: 'detached' })
      await expect(shared.host.call('alice', 'GET', `/api/chats/${club.id}/`)).rejects.toThrow(/answered 404/)
    } finally {
      await alice.context.close()
    }
  })

  test('a DM keeps Mute; Block in the menu asks first, under the menu’s button, and blocks; in Arabic too', async () => {
    const dm = await shared.host.call('alice', 'POST', '/api/dms/', { userId: 'erin' })
    const alice = await openAs(shared.browser, shared.host, 'alice', `/messages/#chat=${dm.id}`, PHONE)
    const page = alice.page
    const keys = page.keyboard
    const m = messagesPage(page)
    const h = chatHeader(page)
    try {
      await m.composer.waitFor()
      expect(await h.button('Mute notifications').isVisible()).toBe(true)
      await h.more.focus()
      await keys.press('Enter')
      await h.menu.waitFor()
      expect(await h.items.allTextContents()).toEqual([
        'Block Erin Evans',
        'Mark as unread',
        'Leave chat',
        'Delete chat',
      ])
      await keys.press('Enter')
      const question = h.root.getByRole('group', { name: /^Block Erin Evans\?/ })
      await question.waitFor()
      await eventually(async () => (await focused(page)).text).toBe('Cancel')
      // The question hangs from the menu's button and stays on the screen.
      const box = (await question.boundingBox())!
      const button = (await h.more.boundingBox())!
      expect(box.y).toBeGreaterThan(button.y + button.height - 1)
      expect(box.x).toBeGreaterThanOrEqual(0)
      expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width)
      await lookInBothModes(page, 'block')
      await keys.press('Escape')
      await question.waitFor({ state: 'detached' })
      expect(await focusName(page)).toBe('Chat actions')
      expect((await shared.host.call('alice', 'GET', '/api/users/blocked/')).users).toEqual([])

      await keys.press('Enter')
      await eventually(() => focusName(page)).toBe('Block Erin Evans')
      await keys.press('Enter')
      await eventually(async () => (await focused(page)).text).toBe('Cancel')
      await keys.press('Tab')
      await keys.press('Enter')
      await question.waitFor({ state: 'detached' })
      await eventually(
        async () => (await shared.host.call('alice', 'GET', '/api/users/blocked/')).users.length,
      ).toBe(1)
      expect(await focusName(page)).toBe('Chat actions')
      // Blocked, the item unblocks at once.
      await keys.press('Enter')
      await eventually(() => focusName(page)).toBe('Unblock Erin Evans')
      await keys.press('Enter')
      await eventually(
        async () => (await shared.host.call('alice', 'GET', '/api/users/blocked/')).users.length,
      ).toBe(0)

      // Right to left: the menu opens under its button, inside the screen.
      await page.evaluate(() => document.querySelector('palaver-messages')!.setAttribute('locale', 'ar'))
      await m.root.locator('.page[dir="rtl"]').waitFor()
      const more = h.root.locator('palaver-actions-menu button#more')
      await more.click()
      const menu = h.root.getByRole('menu')
      await menu.waitFor()
      const menuBox = (await menu.boundingBox())!
      expect(menuBox.x).toBeGreaterThanOrEqual(0)
      expect(menuBox.x + menuBox.width).toBeLessThanOrEqual(PHONE.width)
      expect((await more.boundingBox())!.x).toBeLessThan(PHONE.width / 2)
      await lookInBothModes(page, 'arabic')
    } finally {
      await alice.context.close()
    }
  })
})
