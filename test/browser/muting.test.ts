import type { Locator, Page } from 'playwright-core'
import { describe, expect, test } from 'vitest'
import { chromiumAvailable, eventually, hostAndBrowser, openAs, openDm, roomWidget } from './harness.js'
import { focused, messagesPage, seriousViolations, tabTo } from './messages-helpers.js'

/** What a chat's unread badge shows and whether it wears the accent colour. */
const badgeOf = (m: ReturnType<typeof messagesPage>, title: string) =>
  m
    .chat(title)
    .locator('.badge')
    .evaluate((badge) => {
      const host = badge.getRootNode() as ShadowRoot
      const accent = getComputedStyle(host.host).getPropertyValue('--palaver-accent').trim()
      const probe = document.createElement('span')
      probe.style.color = accent
      badge.append(probe)
      const accentRgb = getComputedStyle(probe).color
      probe.remove()
      return {
        text: badge.textContent,
        accent: getComputedStyle(badge).backgroundColor === accentRgb,
      }
    })

describe.skipIf(!chromiumAvailable)('muting a chat', () => {
  const shared = hostAndBrowser({ transport: 'websocket' })

  const say = (user: string, chatId: number, body: string) =>
    shared.host.call(user, 'POST', `/api/chats/${chatId}/messages/`, { body })

  test('by keyboard for an hour: the list shows it, its unread count is grey and left out of the total, the other tab follows; unmuting restores it', async () => {
    const club = await shared.host.call('alice', 'POST', '/api/chats/', {
      title: 'Book club',
      memberIds: ['bob', 'charlie'],
    })
    const lunch = await shared.host.call('alice', 'POST', '/api/chats/', {
      title: 'Team lunch',
      memberIds: ['bob'],
    })
    const hike = await shared.host.call('alice', 'POST', '/api/chats/', { title: 'Hike', memberIds: ['bob'] })
    await say('alice', club.id, 'Next book: Dune?')
    await say('alice', hike.id, 'Saturday at eight')

    // Bob's second tab, narrow, with Team lunch open: the Chats tab counts the other chats with unread messages.
    const other = await openAs(shared.browser, shared.host, 'bob', `/messages/#chat=${lunch.id}`, {
      width: 600,
      height: 800,
    })
    const o = messagesPage(other.page)
    const total = o.root.getByRole('tab', { name: /^Chats/ }).locator('.badge')
    await eventually(() => total.textContent()).toBe('2')

    const bob = await openAs(shared.browser, shared.host, 'bob', `/messages/#chat=${club.id}`, {
      width: 1100,
      height: 720,
    })
    const page = bob.page
    const keys = page.keyboard
    const m = messagesPage(page)
    try {
      await m.message('Next book').waitFor()
      // Reading it here reads it for the other tab too.
      await eventually(() => total.textContent()).toBe('1')

      // From the list to the header's Mute button; the arrow opens the menu on its first item.
      await m.current.focus()
      await tabTo(page, 'Mute notifications')
      const toggle = m.root.locator('palaver-mute-button button#mute')
      expect(await toggle.getAttribute('aria-haspopup')).toBe('menu')
      expect(await toggle.getAttribute('aria-expanded')).toBe('false')
      await keys.press('ArrowDown')
      const menu = m.root.getByRole('menu', { name: 'Mute notifications' })
      await menu.waitFor()
      expect(await toggle.getAttribute('aria-expanded')).toBe('true')
      expect(await menu.getByRole('menuitem').allTextContents()).toEqual([
        'For 1 hour',
        'For 8 hours',
        'For 1 week',
        'Until I turn it back on',
      ])
      await eventually(async () => (await focused(page)).text).toBe('For 1 hour')
      // The arrows go round; Escape closes the menu on the button, the page stays as it was.
      await keys.press('ArrowUp')
      expect((await focused(page)).text).toBe('Until I turn it back on')
      await keys.press('Home')
      expect((await focused(page)).text).toBe('For 1 hour')
      await keys.press('Escape')
      await menu.waitFor({ state: 'detached' })
      expect((await focused(page)).label).toBe('Mute notifications')
      await m.title.filter({ hasText: 'Book club' }).waitFor()

      // Enter opens it again; Enter on "For 1 hour" mutes, and the button unmutes now.
      await keys.press('Enter')
      await eventually(async () => (await focused(page)).text).toBe('For 1 hour')
      expect(await seriousViolations(page)).toEqual([])
      await page.screenshot({ path: '/tmp/palaver-muting-menu-light.png' })
      const before = Date.now()
      await keys.press('Enter')
      await menu.waitFor({ state: 'detached' })
      await eventually(async () => (await focused(page)).label).toBe('Unmute notifications')
      const line = m.root.locator('palaver-chat-header [part="muted-until"]')
      await line.waitFor()
      const clock = new Intl.DateTimeFormat('en', { hour: 'numeric', minute: '2-digit' })
      const dayAndClock = new Intl.DateTimeFormat('en', {
        month: 'short',
        day: 'numeric',
        hour: 'numeric',
        minute: '2-digit',
      })
      // As the header writes it: the clock when the mute ends today, the date too when it ends tomorrow.
      const stamp = (at: number) =>
        (new Date(at).toDateString() === new Date().toDateString() ? clock : dayAndClock).format(at)
      const inAnHour = [0, 60_000].map((slack) => `Muted until ${stamp(before + 3_600_000 + slack)}`)
      expect(inAnHour).toContain(await line.textContent())
      const stored = await shared.host.call('bob', 'GET', `/api/chats/${club.id}/`)
      expect(Date.parse(stored.mutedUntil) - before).toBeGreaterThan(3_590_000)
      expect(Date.parse(stored.mutedUntil) - before).toBeLessThan(3_610_000)

      // The list shows the crossed-out bell, named "Muted", here and, live, in the other tab.
      await m.chat('Book club').getByRole('img', { name: 'Muted' }).waitFor()
      // (The other tab's list is behind its Chats tab: there, the bell is in the page but hidden.)
      await o.chat('Book club').locator('.mute-mark[aria-label="Muted"]').waitFor({ state: 'attached' })
      expect(await m.chat('Team lunch').getByRole('img', { name: 'Muted' }).count()).toBe(0)

      // A new message in the muted chat: its count is grey, and the Chats tab leaves it out (it counts Hike alone).
      await m.chat('Team lunch').click()
      await m.title.filter({ hasText: 'Team lunch' }).waitFor()
      await say('alice', club.id, 'Or something shorter?')
      await eventually(() => badgeOf(m, 'Book club')).toEqual({ text: '1', accent: false })
      await eventually(() => o.chat('Book club').locator('.badge').textContent()).toBe('1')
      await say('alice', hike.id, 'Bring water')
      await eventually(() => o.chat('Hike').locator('.badge').textContent()).toBe('2')
      await eventually(() => total.textContent()).toBe('1')
      expect(await badgeOf(m, 'Hike')).toEqual({ text: '2', accent: true })

      // axe, and a look, in light and in dark.
      await page.mouse.move(0, 0)
      await page.waitForTimeout(200)
      expect(await seriousViolations(page)).toEqual([])
      await page.screenshot({ path: '/tmp/palaver-muting-light.png' })
      await page.evaluate(() => document.documentElement.classList.add('dark'))
      await eventually(() => m.root.getAttribute('data-palaver-mode')).toBe('dark')
      await page.waitForTimeout(200)
      expect(await seriousViolations(page)).toEqual([])
      await page.screenshot({ path: '/tmp/palaver-muting-dark.png' })
      await m.chat('Book club').click()
      await m.message('something shorter').waitFor()
      await page.mouse.move(0, 0)
      await m.root.locator('palaver-mute-button button#mute').focus()
      await page.waitForTimeout(200)
      expect(await seriousViolations(page)).toEqual([])
      await page.screenshot({ path: '/tmp/palaver-muting-header-dark.png' })
      await page.evaluate(() => document.documentElement.classList.remove('dark'))

      // Unmute, by keyboard: the bell is gone in both tabs, and the chat counts again.
      expect((await focused(page)).label).toBe('Unmute notifications')
      await keys.press('Enter')
      await eventually(async () => (await focused(page)).label).toBe('Mute notifications')
      await line.waitFor({ state: 'detached' })
      await m.chat('Book club').getByRole('img', { name: 'Muted' }).waitFor({ state: 'detached' })
      await o.chat('Book club').locator('.mute-mark').waitFor({ state: 'detached' })
      await m.chat('Team lunch').click()
      await m.title.filter({ hasText: 'Team lunch' }).waitFor()
      await say('alice', club.id, 'Fine, Dune it is')
      await eventually(() => badgeOf(m, 'Book club')).toEqual({ text: '1', accent: true })
      await eventually(() => total.textContent()).toBe('2')
    } finally {
      await bob.context.close()
      await other.context.close()
    }
  })

  test('a mute that runs out shows as none at that moment, without a word from the server', async () => {
    const chat = await shared.host.call('alice', 'POST', '/api/chats/', {
      title: 'Short mute',
      memberIds: ['dana'],
    })
    await say('alice', chat.id, 'Hello Dana')
    const until = new Date(Date.now() + 2500).toISOString()
    await shared.host.call('dana', 'POST', `/api/chats/${chat.id}/mute/`, { muted: true, until })
    const dana = await openAs(shared.browser, shared.host, 'dana', '/messages/', { width: 600, height: 800 })
    const m = messagesPage(dana.page)
    try {
      const row = m.chat('Short mute')
      await row.getByRole('img', { name: 'Muted' }).waitFor()
      expect(await row.locator('.badge.muted').textContent()).toBe('1')
      await row.getByRole('img', { name: 'Muted' }).waitFor({ state: 'detached', timeout: 6000 })
      expect(await row.locator('.badge:not(.muted)').textContent()).toBe('1')
    } finally {
      await dana.context.close()
    }
  })

  test('on a phone (375 px wide) the header says until when the chat is muted, whole', async () => {
    const chat = await shared.host.call('alice', 'POST', '/api/chats/', {
      title: 'Quiet please',
      memberIds: ['bob', 'charlie'],
    })
    const until = new Date(Date.now() + 3600_000).toISOString()
    await shared.host.call('alice', 'POST', `/api/chats/${chat.id}/mute/`, { muted: true, until })
    const phone = { width: 375, height: 700 }
    const { page, context } = await openAs(shared.browser, shared.host, 'alice', '/messages/', phone)
    try {
      const m = messagesPage(page)
      await m.chat('Quiet please').click()
      await m.subtitle.locator('[part="muted-until"]').waitFor()
      // Cut at the screen's edge before: '3 members · Muted unti…' (the subtitle 223 px wide in 179).
      const sub = await m.subtitle.evaluate((element) => element.scrollWidth - element.clientWidth)
      expect(sub).toBeLessThanOrEqual(0)
      const when = (await m.subtitle.locator('[part="muted-until"]').boundingBox())!
      expect(when.x + when.width).toBeLessThanOrEqual(375)
      // A mute that ends on another day says the date too ('Muted until Dec 8, 12:42 AM'): still whole.
      const later = new Date(Date.now() + 26 * 3600_000).toISOString()
      await shared.host.call('alice', 'POST', `/api/chats/${chat.id}/mute/`, { muted: true, until: later })
      await m.subtitle.getByText(/Muted until \w+ \d+,/).waitFor()
      expect(
        await m.subtitle.evaluate((element) => element.scrollWidth - element.clientWidth),
      ).toBeLessThanOrEqual(0)
      const dated = (await m.subtitle.locator('[part="muted-until"]').boundingBox())!
      expect(dated.x + dated.width).toBeLessThanOrEqual(375)
    } finally {
      await context.close()
    }
  })

  test('the DM and room widgets mute from their headers; Escape closes the menu, not the panel; another device’s mute shows live', async () => {
    const alice = await openAs(shared.browser, shared.host, 'alice', '/host/dm/erin')
    try {
      const dm = await openDm(alice.page)
      const toggle = dm.root.getByRole('button', { name: 'Mute notifications' })
      await toggle.click()
      const menu = dm.root.getByRole('menu', { name: 'Mute notifications' })
      await menu.waitFor()
      await alice.page.keyboard.press('Escape')
      await menu.waitFor({ state: 'detached' })
      expect(await dm.panel.isVisible()).toBe(true)
      await toggle.click()
      await menu.waitFor()
      expect(await seriousViolations(alice.page)).toEqual([])
      await alice.page.screenshot({ path: '/tmp/palaver-muting-dm.png' })
      await menu.getByRole('menuitem', { name: 'Until I turn it back on' }).click()
      const unmute = dm.root.getByRole('button', { name: 'Unmute notifications' })
      await unmute.waitFor()
      expect(await unmute.getAttribute('title')).toBe('Muted\nUnmute notifications')
      const chat = await shared.host.call('alice', 'POST', '/api/dms/', { userId: 'erin' })
      expect(chat).toMatchObject({ muted: true, mutedUntil: null })
      await unmute.click()
      await toggle.waitFor()
      expect((await shared.host.call('alice', 'GET', `/api/chats/${chat.id}/`)).muted).toBe(false)
    } finally {
      await alice.context.close()
    }

    const charlie = await openAs(shared.browser, shared.host, 'charlie', '/host/room/public-quiet')
    try {
      const room = roomWidget(charlie.page)
      await room.join.click()
      await room.leave.waitFor()
      const toggle = room.root.getByRole('button', { name: 'Mute notifications' })
      await toggle.waitFor()
      const { id } = await shared.host.call('charlie', 'POST', '/api/rooms/', {
        contentType: 'video',
        objectId: 'public-quiet',
      })
      const until = new Date(Date.now() + 8 * 3_600_000).toISOString()
      await shared.host.call('charlie', 'POST', `/api/chats/${id}/mute/`, { muted: true, until })
      const unmute = room.root.getByRole('button', { name: 'Unmute notifications' })
      await unmute.waitFor()
      expect(await unmute.getAttribute('title')).toMatch(/^Muted until /)
      await charlie.page.evaluate(() => document.documentElement.classList.add('dark'))
      await eventually(() => room.root.getAttribute('data-palaver-mode')).toBe('dark')
      expect(await seriousViolations(charlie.page)).toEqual([])
      await charlie.page.screenshot({ path: '/tmp/palaver-muting-room-dark.png' })
      await unmute.click()
      await toggle.waitFor()
    } finally {
      await charlie.context.close()
    }
  })

  test('a mute the server refuses leaves the buttons of the page and the widgets as they were, and a polite notice says so', async () => {
    const refuse = (page: Page) =>
      page.route('**/messages/api/chats/*/mute/', (route) =>
        route.fulfill({
          status: 503,
          contentType: 'application/json',
          body: JSON.stringify({ error: { code: 'unavailable', message: 'Try again in a moment' } }),
        }),
      )
    /** Mutes for `duration` from the header under `root`: the notice says it failed, the button stays. */
    const muteRefused = async (root: Locator, duration: string) => {
      const toggle = root.getByRole('button', { name: 'Mute notifications' })
      await toggle.click()
      await root.getByRole('menuitem', { name: duration }).click()
      await root
        .getByRole('status')
        .getByText('The notifications could not be changed. Please try again.')
        .waitFor()
      expect(await toggle.isVisible()).toBe(true)
    }
    const chat = await shared.host.call('alice', 'POST', '/api/chats/', {
      title: 'Refused mute',
      memberIds: ['bob'],
    })
    const bob = await openAs(shared.browser, shared.host, 'bob', `/messages/#chat=${chat.id}`)
    try {
      const m = messagesPage(bob.page)
      await m.title.filter({ hasText: 'Refused mute' }).waitFor()
      await refuse(bob.page)
      await muteRefused(m.root, 'For 8 hours')
      expect(await m.chat('Refused mute').getByRole('img', { name: 'Muted' }).count()).toBe(0)
    } finally {
      await bob.context.close()
    }

    const alice = await openAs(shared.browser, shared.host, 'alice', '/host/dm/dana')
    try {
      await refuse(alice.page)
      const dm = await openDm(alice.page)
      await muteRefused(dm.root, 'Until I turn it back on')
      expect(await seriousViolations(alice.page)).toEqual([])
      await alice.page.screenshot({ path: '/tmp/palaver-muting-failed-dm.png' })
    } finally {
      await alice.context.close()
    }

    const charlie = await openAs(shared.browser, shared.host, 'charlie', '/host/room/public-refused')
    try {
      const room = roomWidget(charlie.page)
      await room.join.click()
      await room.leave.waitFor()
      await refuse(charlie.page)
      await muteRefused(room.root, 'For 1 hour')
      expect(await seriousViolations(charlie.page)).toEqual([])
    } finally {
      await charlie.context.close()
    }
  })
})
