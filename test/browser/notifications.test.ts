import type { BrowserContext, Locator, Page } from 'playwright-core'
import { describe, expect, test } from 'vitest'
import { chromiumAvailable, eventually, hostAndBrowser, openAs } from './harness.js'
import { chatCalls, messagesPage, seriousViolations, tabTo } from './messages-helpers.js'

/**
 * Before the page's scripts: every Notification constructed is recorded (and still shown), and the
 * page can be made hidden (`__hide(true)`), as when its tab is in the background.
 */
const watch = () => {
  const w = window as any
  w.__notes = []
  const Real = window.Notification
  if (Real)
    w.Notification = class extends Real {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options)
        w.__notes.push({ title, options, notification: this })
      }
    }
  let hidden = false
  Object.defineProperty(document, 'visibilityState', { get: () => (hidden ? 'hidden' : 'visible') })
  Object.defineProperty(document, 'hidden', { get: () => hidden })
  w.__hide = (value: boolean) => {
    hidden = value
    document.dispatchEvent(new Event('visibilitychange'))
  }
}

/** What the page's notifications said: title, body, tag and icon of each, in order. */
const notes = (page: Page) =>
  page.evaluate(() =>
    (window as any).__notes.map(({ title, options }: { title: string; options: NotificationOptions }) => ({
      title,
      body: options.body,
      tag: options.tag,
      icon: options.icon,
    })),
  )

const hide = (page: Page, hidden: boolean) => page.evaluate((value) => (window as any).__hide(value), hidden)

describe.skipIf(!chromiumAvailable)('the messages page when the viewer is not looking', () => {
  const shared = hostAndBrowser({ transport: 'websocket' })
  const { group, say } = chatCalls(shared)

  /** `user`'s messages page, watched, with notifications allowed by the browser (`grant`) or not asked yet. */
  async function open(user: string, grant = true): Promise<{ context: BrowserContext; page: Page }> {
    const opened = await openAs(shared.browser, shared.host, user, '/messages/')
    if (grant) await opened.context.grantPermissions(['notifications'], { origin: shared.host.origin })
    await opened.context.addInitScript(watch)
    await opened.page.reload()
    await messagesPage(opened.page).chats.first().waitFor()
    return opened
  }

  test('the tab title counts the chats that wait (a muted one only for a mention), keeps the host’s own title and is put back when the page goes', async () => {
    const picnic = await group('alice', 'Picnic', ['bob'])
    const club = await group('alice', 'Book club', ['bob'])
    const { context, page } = await openAs(shared.browser, shared.host, 'alice', '/messages/')
    try {
      const m = messagesPage(page)
      await m.chat('Picnic').click()
      await m.composer.waitFor()
      expect(await page.title()).toBe('Messages')

      await say('bob', club.id, 'Chapter three tonight?')
      await eventually(() => page.title()).toBe('(1) Messages')
      // The open chat, read on screen, does not count.
      await say('bob', picnic.id, 'Sandwiches or salad?')
      await m.message('Sandwiches or salad?').waitFor()
      await say('bob', club.id, 'Or chapter four')
      await eventually(() => m.chat('Book club').locator('[part="unread"]').textContent()).toBe('2')
      expect(await page.title()).toBe('(1) Messages')

      // The host renames its page: the count stays in front of the new title.
      await page.evaluate(() => {
        document.title = 'Inbox · Acme'
      })
      await eventually(() => page.title()).toBe('(1) Inbox · Acme')

      // Read on another device.
      await shared.host.call('alice', 'POST', `/api/chats/${club.id}/mark-as-read/`, {})
      await eventually(() => page.title()).toBe('Inbox · Acme')

      // Muted: not counted, unless a message there mentions the viewer.
      await shared.host.call('alice', 'POST', `/api/chats/${club.id}/mute/`, { muted: true })
      await m.chat('Book club').locator('.mute-mark').waitFor()
      await say('bob', club.id, 'Anyone?')
      await eventually(() => m.chat('Book club').locator('[part="unread"]').textContent()).toBe('1')
      expect(await page.title()).toBe('Inbox · Acme')
      await say('bob', club.id, '@Alice Anderson are you in?', ['alice'])
      await eventually(() => page.title()).toBe('(1) Inbox · Acme')

      // Read here, by opening it.
      await m.chat('Book club').click()
      await eventually(() => page.title()).toBe('Inbox · Acme')

      await say('bob', picnic.id, 'Salad it is')
      await eventually(() => page.title()).toBe('(1) Inbox · Acme')
      await page.evaluate(() => document.querySelector('palaver-messages')!.remove())
      expect(await page.title()).toBe('Inbox · Acme')
    } finally {
      await context.close()
    }
  })

  test('turned on by keyboard, a message notifies with its sender, a preview and its chat as the tag, unless it is on screen; a click opens its chat', async () => {
    const hike = await group('alice', 'Hike', ['bob', 'charlie'])
    const dm = await shared.host.call('alice', 'POST', '/api/dms/', { userId: 'bob' })
    await say('bob', dm.id, 'Hi')
    const { context, page } = await open('alice')
    try {
      const m = messagesPage(page)
      const bell = m.button('Desktop notifications')
      expect(await bell.getAttribute('aria-pressed')).toBe('false')
      await tabTo(page, 'Desktop notifications')
      await page.keyboard.press('Space')
      await eventually(() => bell.getAttribute('aria-pressed')).toBe('true')
      expect(await page.evaluate(() => localStorage.getItem('palaver:notifications:/messages:alice'))).toBe(
        'on',
      )

      // Looking at the hike: its messages do not notify, the DM's do.
      await m.chat('Hike').click()
      await say('bob', hike.id, 'Boots ready?')
      await m.message('Boots ready?').waitFor()
      await say('bob', dm.id, 'Are you coming\n\n  to the   hike? ')
      await eventually(() => notes(page)).toEqual([
        {
          title: 'Bob Brown',
          body: 'Are you coming to the hike?',
          tag: `palaver:/messages:${dm.id}`,
          icon: expect.stringMatching(new RegExp(`^${shared.host.origin}/messages/avatars/`)),
        },
      ])

      // The tab in the background: the open chat's messages notify too, titled with the chat.
      await hide(page, true)
      await say('charlie', hike.id, `Long one: ${'very '.repeat(40)}steep`)
      await eventually(async () => (await notes(page)).length).toBe(2)
      const [, long] = await notes(page)
      expect(long.title).toBe('Charlie Chen · Hike')
      expect(long.tag).toBe(`palaver:/messages:${hike.id}`)
      expect([...long.body].length).toBe(120)
      expect(long.body).toMatch(/^Long one: very very .*…$/)

      // A click opens the DM.
      await hide(page, false)
      await page.evaluate(() => (window as any).__notes[0].notification.onclick())
      await eventually(() => m.title.textContent()).toContain('Bob Brown')
      expect(await m.current.textContent()).toContain('Bob Brown')
      expect(new URL(page.url()).hash).toBe(`#chat=${dm.id}`)

      // Turned off, by keyboard again: nothing more.
      await bell.focus()
      await page.keyboard.press('Enter')
      await eventually(() => bell.getAttribute('aria-pressed')).toBe('false')
      expect(
        await page.evaluate(() => localStorage.getItem('palaver:notifications:/messages:alice')),
      ).toBeNull()
      await say('bob', hike.id, 'Quiet now')
      await m.chat('Hike').locator('[part="unread"]').waitFor()
      expect((await notes(page)).length).toBe(2)
    } finally {
      await context.close()
    }
  })

  test('a muted chat does not notify unless it mentions the viewer (by name or as everyone); neither do the viewer’s own messages nor a blocked person’s', async () => {
    const quiet = await group('dana', 'Quiet corner', ['bob', 'charlie'])
    const team = await group('dana', 'Team', ['bob', 'erin'])
    await shared.host.call('dana', 'POST', `/api/chats/${quiet.id}/mute/`, { muted: true })
    const { context, page } = await open('dana')
    try {
      const m = messagesPage(page)
      // Off, the bell does not look like a muted chat's mark (a crossed-out bell); on, it looks otherwise again.
      const drawing = (locator: Locator) =>
        locator.evaluate((svg) => svg.innerHTML.replace(/<!--.*?-->/g, ''))
      const bell = m.button('Desktop notifications').locator('svg')
      const off = await drawing(bell)
      expect(off).not.toBe(await drawing(m.chat('Quiet corner').locator('.mute-mark svg')))
      // The choice is kept: on in a page opened before.
      await m.button('Desktop notifications').click()
      await page.reload()
      await eventually(() => m.button('Desktop notifications').getAttribute('aria-pressed')).toBe('true')
      expect(await drawing(bell)).not.toBe(off)
      await hide(page, true)

      await say('bob', quiet.id, 'Nobody reads this')
      await say('bob', quiet.id, '@Dana Díaz can you check?', ['dana'])
      await shared.host.call('bob', 'POST', `/api/chats/${quiet.id}/messages/`, {
        body: '@everyone the room is booked',
        mentionsEveryone: true,
      })
      await say('dana', team.id, 'Written in another tab')
      await shared.host.call('dana', 'POST', '/api/users/erin/block/')
      await say('erin', team.id, 'From someone blocked')
      await say('bob', team.id, 'Last one')
      await eventually(async () => (await notes(page)).map((note: { body: string }) => note.body)).toEqual([
        '@Dana Díaz can you check?',
        '@everyone the room is booked',
        'Last one',
      ])
      expect((await notes(page))[0].title).toBe('Bob Brown · Quiet corner')
    } finally {
      await context.close()
    }
  })

  test('blocked by the browser, the bell says so and asks nothing; without the Notification API there is none', async () => {
    await group('erin', 'Lonely', ['bob'])
    const { context, page } = await openAs(shared.browser, shared.host, 'erin', '/messages/')
    try {
      await context.addInitScript(() => {
        const w = window as any
        w.__asked = 0
        Object.defineProperty(Notification, 'permission', { get: () => 'denied' })
        Notification.requestPermission = async () => {
          w.__asked++
          return 'denied'
        }
      })
      await page.reload()
      const m = messagesPage(page)
      const bell = m.button('Desktop notifications')
      expect(await bell.getAttribute('aria-disabled')).toBe('true')
      expect(await bell.getAttribute('title')).toBe(
        'Notifications are blocked by your browser. Allow them for this site in its settings to turn them on.',
      )
      // Still in the tab order, for its explanation; pressing it does nothing.
      await bell.focus()
      await page.keyboard.press('Enter')
      await page.waitForTimeout(100)
      expect(await bell.getAttribute('aria-pressed')).toBe('false')
      expect(await page.evaluate(() => (window as any).__asked)).toBe(0)

      await context.addInitScript(() => {
        delete (window as any).Notification
      })
      await page.reload()
      await m.chats.first().waitFor()
      expect(await m.root.locator('.bell').count()).toBe(0)
    } finally {
      await context.close()
    }
  })

  test('the bell passes axe in light and dark mode, off and on', async () => {
    await group('charlie', 'Look', ['bob'])
    const { context, page } = await open('charlie')
    try {
      const m = messagesPage(page)
      const bell = m.button('Desktop notifications')
      for (const on of [false, true]) {
        if (on) await bell.click()
        await page.mouse.move(700, 500)
        await eventually(() => bell.getAttribute('aria-pressed')).toBe(String(on))
        for (const dark of [false, true]) {
          await page.evaluate((value) => document.documentElement.classList.toggle('dark', value), dark)
          await page.waitForTimeout(200)
          expect(await seriousViolations(page), `${on ? 'on' : 'off'}, ${dark ? 'dark' : 'light'}`).toEqual(
            [],
          )
          // PALAVER_SHOTS=<folder> keeps a picture of the sidebar, to look at.
          const folder = process.env.PALAVER_SHOTS
          if (folder)
            await m.root
              .locator('.sidebar')
              .screenshot({ path: `${folder}/bell-${on ? 'on' : 'off'}-${dark ? 'dark' : 'light'}.png` })
        }
      }
    } finally {
      await context.close()
    }
  })
})
