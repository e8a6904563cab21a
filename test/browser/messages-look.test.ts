import { mkdirSync } from 'node:fs'
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, test } from 'vitest'
import { chromiumAvailable, eventually, hostAndBrowser, openAs } from './harness.js'
import { focused, messagesPage, seedShowcase, seriousViolations } from './messages-helpers.js'

const SHOTS = new URL('../../docs/screenshots/', import.meta.url).pathname

/** Presses Tab until `matches` says the focus arrived (at most `max` times); fails if it never does. */
async function tabTo(page: Page, matches: (f: Awaited<ReturnType<typeof focused>>) => boolean, max = 40) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab')
    const now = await focused(page)
    if (matches(now)) return now
  }
  throw new Error('Tab never reached the control')
}

describe.skipIf(!chromiumAvailable)('messages page: accessibility, keyboard, small screens, look', () => {
  const shared = hostAndBrowser({ transport: 'websocket' })

  beforeAll(async () => {
    await seedShowcase(shared.host)
    mkdirSync(SHOTS, { recursive: true })
  })

  test('axe finds nothing serious in light and dark, with a conversation and with a dialog open; screenshots', async () => {
    const alice = await openAs(shared.browser, shared.host, 'alice', '/messages/', {
      width: 1280,
      height: 800,
    })
    const page = alice.page
    try {
      const m = messagesPage(page)
      await m.chat('Weekend hike').click()
      await m.message('Meet at the station').waitFor()
      await m.chat('Dana').locator('.badge').waitFor()
      await page.waitForTimeout(300)
      expect(await seriousViolations(page)).toEqual([])
      await page.screenshot({ path: `${SHOTS}messages-light.png` })

      await page.evaluate(() => document.documentElement.classList.add('dark'))
      await expect.poll(() => m.root.getAttribute('data-palaver-mode')).toBe('dark')
      await page.waitForTimeout(200)
      expect(await seriousViolations(page)).toEqual([])
      await page.screenshot({ path: `${SHOTS}messages-dark.png` })

      await m.members.click()
      await m.dialog.getByText('Dana Díaz').waitFor()
      expect(await seriousViolations(page)).toEqual([])
      await page.keyboard.press('Escape')
      await page.evaluate(() => document.documentElement.classList.remove('dark'))
      await expect.poll(() => m.root.getAttribute('data-palaver-mode')).toBe('light')
      await m.button('Browse rooms').click()
      await m.dialog.getByRole('button', { name: /^Open / }).waitFor()
      // Colours fade between modes (100 ms): axe must not read a row halfway from dark to light.
      await page.waitForTimeout(300)
      expect(await seriousViolations(page)).toEqual([])
    } finally {
      await alice.context.close()
    }
  })

  test('keyboard only: new chat, the list, rename, members, a trapped dialog, confirm, and sending', async () => {
    const bob = await openAs(shared.browser, shared.host, 'bob', '/messages/')
    const page = bob.page
    const keys = page.keyboard
    try {
      const m = messagesPage(page)
      await m.chats.first().waitFor()

      // New chat: the Members dialog opens with the focus in the people search.
      await tabTo(page, (f) => f.label === 'New chat')
      await keys.press('Enter')
      await expect.poll(async () => (await focused(page)).label).toContain('Search people')
      await keys.type('dana')
      await m.dialog.getByRole('button', { name: 'Add Dana Díaz' }).waitFor()
      await tabTo(page, (f) => f.label === 'Add Dana Díaz', 3)
      await keys.press('Enter')
      await expect.poll(async () => (await focused(page)).label).toContain('Search people')
      // Tab stays inside the dialog, both ways.
      for (let i = 0; i < 6; i++) {
        await keys.press('Tab')
        expect((await focused(page)).inDialog).toBe(true)
      }
      for (let i = 0; i < 6; i++) {
        await keys.press('Shift+Tab')
        expect((await focused(page)).inDialog).toBe(true)
      }
      // Escape closes it and gives the focus back to "New chat".
      await keys.press('Escape')
      await m.dialog.waitFor({ state: 'detached' })
      expect((await focused(page)).label).toBe('New chat')

      // The list is one Tab stop (the open chat); the arrows move, Enter opens.
      const stop = await tabTo(page, (f) => f.className.includes('chat') && f.tag === 'button')
      expect(stop.text).toContain('Untitled group')
      const second = (await m.chats.nth(1).locator('.chat-title').textContent())!
      await keys.press('ArrowDown')
      expect((await focused(page)).text).toContain(second)
      await keys.press('Enter')
      await m.title.filter({ hasText: second }).waitFor()
      expect(await m.current.locator('.chat-title').textContent()).toBe(second)
      await keys.press('ArrowUp')
      await keys.press('Enter')
      await m.title.filter({ hasText: 'Untitled group' }).waitFor()

      // Rename: Enter edits the title, Enter saves, the focus comes back.
      await tabTo(page, (f) => f.label === 'Rename chat')
      await keys.press('Enter')
      await expect.poll(async () => (await focused(page)).tag).toBe('input')
      await keys.type('Keyboard club')
      await keys.press('Enter')
      await m.title.filter({ hasText: 'Keyboard club' }).waitFor()
      await expect.poll(async () => (await focused(page)).label).toBe('Rename chat')

      // Members: the dialog opens on Manage; Escape returns to the button.
      await tabTo(page, (f) => f.text.startsWith('Members'), 3)
      await keys.press('Enter')
      await expect.poll(async () => (await focused(page)).text).toBe('Manage')
      await keys.press('ArrowLeft')
      await expect.poll(async () => (await focused(page)).text).toBe('Add')
      await keys.press('Escape')
      await expect.poll(async () => (await focused(page)).text).toMatch(/^Members/)

      // Delete asks first, Cancel has the focus; Escape cancels. (Past Mute, Mark as unread and Leave.)
      await tabTo(page, (f) => f.label === 'Delete chat', 4)
      await keys.press('Enter')
      await expect.poll(async () => (await focused(page)).text).toBe('Cancel')
      await keys.press('Escape')
      await expect.poll(async () => (await focused(page)).label).toBe('Delete chat')
      await m.title.filter({ hasText: 'Keyboard club' }).waitFor()

      // On to the message box, and send.
      await tabTo(page, (f) => f.label === 'Write a message')
      await keys.type('Sent without a mouse')
      await keys.press('Enter')
      await m.message('Sent without a mouse').waitFor()
    } finally {
      await bob.context.close()
    }
  })

  test('the chat list by keyboard: where the arrows left the focus, Tab and Shift+Tab leave the list', async () => {
    const alice = await openAs(shared.browser, shared.host, 'alice', '/messages/')
    const { page } = alice
    const press = (key: string) => page.keyboard.press(key)
    try {
      const m = messagesPage(page)
      await m.chats.nth(2).waitFor()
      await tabTo(page, (f) => f.className.startsWith('chat ') && f.tag === 'button')
      const third = (await m.chats.nth(2).locator('.chat-title').textContent())!
      await press('ArrowDown')
      await press('ArrowDown')
      expect((await focused(page)).text).toContain(third)
      // Back out of the list to the last filter, and in again to the chat where the focus was.
      await press('Shift+Tab')
      expect((await focused(page)).text).toBe('Rooms')
      await press('Tab')
      expect((await focused(page)).text).toContain(third)
      // Forward out of the list: no chat is open, so past the page's last control (not back to its first).
      await press('Tab')
      expect((await focused(page)).tag).toBe('body')
    } finally {
      await alice.context.close()
    }
  })

  test('at the default desktop width the chat filters show whole: no chip is cut at the sidebar’s edge, nor a focused one’s ring', async () => {
    const alice = await openAs(shared.browser, shared.host, 'alice', '/messages/')
    const page = alice.page
    try {
      const m = messagesPage(page)
      await m.chats.first().waitFor()
      const { row, chips } = await m.root.locator('.filters').evaluate((filters) => ({
        row: filters.getBoundingClientRect().toJSON() as DOMRect,
        chips: [...filters.querySelectorAll('button')].map((chip) => {
          const box = chip.getBoundingClientRect()
          return { name: chip.textContent?.trim(), left: box.left, right: box.right }
        }),
      }))
      expect(chips.map((chip) => chip.name)).toEqual(['All', 'Direct messages', 'Groups', 'Rooms'])
      for (const chip of chips) {
        expect(chip.left, chip.name).toBeGreaterThanOrEqual(row.left)
        expect(chip.right, chip.name).toBeLessThanOrEqual(row.right)
      }

      await tabTo(page, (f) => f.text === 'Groups')
      const [ring, edge] = await m.root.locator('.filters').evaluate((filters) => {
        const chip = [...filters.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Groups')!
        const style = getComputedStyle(chip)
        const reach = Number.parseFloat(style.outlineWidth) + Number.parseFloat(style.outlineOffset)
        // The lowest top edge of the boxes around it that clip what overflows them (a scrolling row did).
        let edge = -Infinity
        for (
          let box: Node | null = chip.parentNode;
          box;
          box = box instanceof ShadowRoot ? box.host : box.parentNode
        ) {
          if (!(box instanceof Element) || getComputedStyle(box).overflowY === 'visible') continue
          edge = Math.max(edge, box.getBoundingClientRect().top + box.clientTop)
        }
        return [chip.getBoundingClientRect().top - reach, edge]
      })
      expect(ring).toBeGreaterThanOrEqual(edge!)
    } finally {
      await alice.context.close()
    }
  })

  test('390 px wide: two tabs; choosing a chat shows the conversation, Back returns to the list', async () => {
    const alice = await openAs(shared.browser, shared.host, 'alice', '/messages/', {
      width: 390,
      height: 844,
    })
    const page = alice.page
    try {
      const m = messagesPage(page)
      const chatsTab = m.root.getByRole('tab', { name: 'Chats' })
      const conversationTab = m.root.getByRole('tab', { name: 'Conversation' })
      await m.chat('Weekend hike').waitFor()
      expect(await chatsTab.getAttribute('aria-selected')).toBe('true')
      expect(await m.root.locator('#panel-conversation').isVisible()).toBe(false)

      await m.chat('Weekend hike').click()
      await m.message('Meet at the station').waitFor()
      expect(await conversationTab.getAttribute('aria-selected')).toBe('true')
      expect(await m.root.locator('#panel-chats').isVisible()).toBe(false)
      await page.mouse.move(0, 0)
      await page.waitForTimeout(200)
      await page.screenshot({ path: `${SHOTS}messages-mobile.png` })

      await m.button('Back').click()
      await m.chat('Weekend hike').waitFor()
      expect(await chatsTab.getAttribute('aria-selected')).toBe('true')
      // The tabs themselves switch too.
      await conversationTab.click()
      await m.message('Meet at the station').waitFor()
      expect(await seriousViolations(page)).toEqual([])
    } finally {
      await alice.context.close()
    }
  })

  test('390 px wide, by keyboard: New chat opens the members dialog over the new chat; Escape leaves the focus on its title', async () => {
    const bob = await openAs(shared.browser, shared.host, 'bob', '/messages/', { width: 390, height: 844 })
    const page = bob.page
    try {
      const m = messagesPage(page)
      await m.chats.first().waitFor()
      await tabTo(page, (f) => f.label === 'New chat')
      await page.keyboard.press('Enter')
      await expect.poll(async () => (await focused(page)).label).toContain('Search people')
      await page.keyboard.press('Escape')
      await m.dialog.waitFor({ state: 'detached' })
      // "New chat" is on the list's tab, hidden now: the focus stays with the chat that opened.
      await expect.poll(async () => (await focused(page)).tag).toBe('h2')
      expect((await focused(page)).text).toBe('Untitled group')
    } finally {
      await bob.context.close()
    }
  })

  test('390 px wide: the members dialog still shows whom Block and Remove are for', async () => {
    const alice = await openAs(shared.browser, shared.host, 'alice', '/messages/', {
      width: 390,
      height: 844,
    })
    try {
      const m = messagesPage(alice.page)
      await m.chat('Weekend hike').click()
      await m.members.click()
      const rows = m.dialog.locator('li.row', { has: alice.page.locator('.remove') })
      await rows.first().waitFor()
      expect(await rows.count()).toBe(3)
      // Each name keeps room to be read (it had none: the buttons took the whole row).
      const widths = await rows
        .locator('.who strong')
        .evaluateAll((names) =>
          names.map((name) => [name.textContent, Math.round(name.getBoundingClientRect().width)]),
        )
      for (const [name, width] of widths) expect(width, String(name)).toBeGreaterThan(70)
    } finally {
      await alice.context.close()
    }
  })

  for (const [width, height] of [
    [1100, 800],
    [390, 844],
  ] as const) {
    test(`${width} px wide: the members dialog shows every member's name whole, Block and Remove under it where need be`, async () => {
      const alice = await openAs(shared.browser, shared.host, 'alice', '/messages/', { width, height })
      try {
        const m = messagesPage(alice.page)
        await m.chat('Weekend hike').click()
        await m.members.click()
        const names = m.dialog.locator('li.row .who strong')
        await m.dialog.locator('li.row .remove').first().waitFor()
        expect(await names.count()).toBe(4)
        // Cut: its text is wider than its box (it was at 1100 px: 'Charlie C…' beside the tag and both buttons).
        const cut = await names.evaluateAll((all) =>
          all.filter((name) => name.scrollWidth > name.clientWidth).map((name) => name.textContent),
        )
        expect(cut).toEqual([])
        // The buttons stay within the row.
        const overflow = await m.dialog
          .locator('li.row')
          .evaluateAll((rows) => rows.filter((row) => row.scrollWidth > row.clientWidth).length)
        expect(overflow).toBe(0)
      } finally {
        await alice.context.close()
      }
    })
  }

  for (const [width, height, how] of [
    [1100, 800, 'deletes'],
    [390, 844, 'removes Alice from'],
  ] as const) {
    test(`${width} px wide: when someone else ${how} the chat Alice is in, her focus goes to the chat list`, async () => {
      const chat = await shared.host.call('erin', 'POST', '/api/chats/', {
        title: `Short-lived ${width}`,
        memberIds: ['alice'],
      })
      const alice = await openAs(shared.browser, shared.host, 'alice', '/messages/', { width, height })
      const page = alice.page
      // Gone is an answer, not an error: nothing is asked that the server must refuse.
      const errors: string[] = []
      page.on('console', (message) => {
        const url = message.location().url
        // The test's host page has no icon: Chromium's ask for one is not the widget's.
        if (message.type() === 'error' && !url.endsWith('/favicon.ico'))
          errors.push(`${message.text()} ${url}`)
      })
      try {
        const m = messagesPage(page)
        await m.chat(`Short-lived ${width}`).click()
        await m.composer.focus()
        await page.keyboard.type('Half a thought')
        if (how === 'deletes') await shared.host.call('erin', 'DELETE', `/api/chats/${chat.id}/`)
        else await shared.host.call('erin', 'DELETE', `/api/chats/${chat.id}/members/alice/remove/`)
        await m.toast.filter({ hasText: 'This conversation is not available.' }).waitFor()
        // Not lost to the page's body: on the list's focus stop, which the keyboard goes on from.
        await eventually(async () => (await focused(page)).className).toContain('chat')
        expect(await m.chat(`Short-lived ${width}`).count()).toBe(0)
        expect(errors).toEqual([])
      } finally {
        await alice.context.close()
      }
    })
  }

  test('Arabic: right to left, the list on the right', async () => {
    const alice = await openAs(shared.browser, shared.host, 'alice', '/messages/', {
      width: 1280,
      height: 800,
    })
    const page = alice.page
    try {
      const m = messagesPage(page)
      await m.chats.first().waitFor()
      await page.evaluate(() => document.querySelector('palaver-messages')!.setAttribute('locale', 'ar'))
      await m.root.locator('.page[dir="rtl"]').waitFor()
      await m.chat('Weekend hike').click()
      await m.message('Meet at the station').waitFor()
      const list = (await m.root.locator('#panel-chats').boundingBox())!
      const main = (await m.root.locator('#panel-conversation').boundingBox())!
      expect(list.x).toBeGreaterThan(main.x)
      expect(await m.root.getByRole('button', { name: 'محادثة جديدة' }).count()).toBe(1)
      await page.waitForTimeout(200)
      await page.screenshot({ path: `${SHOTS}messages-arabic.png` })
    } finally {
      await alice.context.close()
    }
  })
})
