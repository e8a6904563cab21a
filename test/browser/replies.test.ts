import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Page } from 'playwright-core'
import { describe, expect, test } from 'vitest'
import { chromiumAvailable, eventually, hostAndBrowser, openAs, openDm, send } from './harness.js'
import { focused, seriousViolations } from './messages-helpers.js'

// PALAVER_SCREENSHOTS=1 writes them to docs/screenshots (committed); otherwise to a temporary folder.
const screenshots = process.env.PALAVER_SCREENSHOTS
  ? fileURLToPath(new URL('../../docs/screenshots/', import.meta.url))
  : mkdtempSync(join(tmpdir(), 'palaver-replies-'))
mkdirSync(screenshots, { recursive: true })

/** Presses `key` until the focus is on the Reply action of message `id`. */
async function tabToReply(page: Page, id: number, key = 'Shift+Tab') {
  for (let i = 0; i < 30; i++) {
    await page.keyboard.press(key)
    const now = await focused(page)
    if (now.action === 'reply' && now.messageId === id) return now
  }
  throw new Error(`Tab never reached the Reply action of message ${id}`)
}

const transports = ['websocket', 'polling'] as const

describe.skipIf(!chromiumAvailable).each(transports)('replies over %s', (transport) => {
  const shared = hostAndBrowser({ transport })

  const say = (user: string, chatId: number, body: string, replyToId?: number) =>
    shared.host.call(user, 'POST', `/api/chats/${chatId}/messages/`, { body, replyToId })

  test('a reply by keyboard quotes the original for both; the quote follows its edit and deletion live', async () => {
    const dm = await shared.host.call('bob', 'POST', '/api/dms/', { userId: 'alice' })
    const original = await say('bob', dm.id, 'Are you free on Friday evening?')
    await say('bob', dm.id, 'There is a concert in the park')
    const alice = await openAs(shared.browser, shared.host, 'alice', '/host/dm/bob')
    const bob = await openAs(shared.browser, shared.host, 'bob', '/host/dm/alice')
    const keys = alice.page.keyboard
    try {
      const a = await openDm(alice.page)
      const b = await openDm(bob.page)
      await a.message('concert in the park').waitFor()

      // Back from the message box to the Reply action of Bob's first message; its name says whom it answers.
      await a.composer.focus()
      const reply = await tabToReply(alice.page, original.id)
      expect(reply.label).toBe('Reply to Bob Brown')

      // Enter: the bar over the box says whom the reply answers, and the focus is back in the box.
      await keys.press('Enter')
      const bar = a.root.locator('.reply-bar')
      await bar.waitFor()
      expect(await bar.textContent()).toContain('Replying to Bob Brown')
      expect(await bar.locator('.reply-bar-excerpt').textContent()).toBe('Are you free on Friday evening?')
      await eventually(async () => (await focused(alice.page)).label).toBe('Write a message')

      // Sending clears the bar; the reply quotes Bob's message, for Alice and, live, for Bob.
      await keys.type('Yes! Count me in')
      await keys.press('Enter')
      const mine = a.message('Count me in')
      await mine.locator('.quote').waitFor()
      await bar.waitFor({ state: 'detached' })
      expect(await mine.locator('.quote-name').textContent()).toBe('Bob Brown')
      expect(await mine.locator('.quote-text').textContent()).toBe('Are you free on Friday evening?')
      // The quote is a button named by what it shows.
      await a.root.getByRole('button', { name: 'Quote: Bob Brown Are you free on Friday evening?' }).waitFor()
      expect((await focused(alice.page)).label).toBe('Write a message')
      const theirs = b.message('Count me in').locator('.quote')
      await theirs.waitFor().catch(async (e) => {
        console.log(
          'DEBUG',
          JSON.stringify(await shared.host.call('bob', 'GET', `/api/chats/${dm.id}/messages/`), null, 1),
        )
        console.log('DEBUG', await b.root.locator('.log').innerHTML())
        throw e
      })
      expect(await theirs.locator('.quote-name').textContent()).toBe('You')
      expect(await theirs.locator('.quote-text').textContent()).toBe('Are you free on Friday evening?')

      // The quote shows the original: it is highlighted.
      await mine.locator('.quote').click()
      const highlighted = a.root.locator('.message.highlight')
      await highlighted.waitFor()
      expect(await highlighted.getAttribute('data-id')).toBe(String(original.id))

      // Bob edits his message: both quotes follow, without a reload.
      await shared.host.call('bob', 'PATCH', `/api/messages/${original.id}/`, {
        body: 'Are you free on Saturday?',
      })
      await eventually(() => mine.locator('.quote-text').textContent()).toBe('Are you free on Saturday?')
      await eventually(() => theirs.locator('.quote-text').textContent()).toBe('Are you free on Saturday?')

      // Bob deletes it: the quotes say so, and so does the history after a reload.
      await shared.host.call('bob', 'DELETE', `/api/messages/${original.id}/`)
      await mine.locator('.quote.quote-deleted', { hasText: 'Original message deleted' }).waitFor()
      await b.message('Count me in').locator('.quote.quote-deleted').waitFor()
      await alice.page.reload()
      const again = await openDm(alice.page)
      await again
        .message('Count me in')
        .locator('.quote.quote-deleted', { hasText: 'Original message deleted' })
        .waitFor()
    } finally {
      await alice.context.close()
      await bob.context.close()
    }
  })

  test('Escape in the message box cancels a reply, and leaves the panel open', async () => {
    const dm = await shared.host.call('charlie', 'POST', '/api/dms/', { userId: 'alice' })
    await say('charlie', dm.id, 'Did you see the game last night?')
    const alice = await openAs(shared.browser, shared.host, 'alice', '/host/dm/charlie')
    try {
      const a = await openDm(alice.page)
      const question = a.message('see the game')
      await question.hover()
      await question.getByRole('button', { name: 'Reply to Charlie Chen' }).click()
      const bar = a.root.locator('.reply-bar')
      await bar.waitFor()
      await eventually(async () => (await focused(alice.page)).label).toBe('Write a message')

      await alice.page.keyboard.press('Escape')
      await bar.waitFor({ state: 'detached' })
      expect(await a.panel.isVisible()).toBe(true)
      expect((await focused(alice.page)).label).toBe('Write a message')
      await send(a.composer, 'Not a reply')
      await a.message('Not a reply').waitFor()
      expect(await a.message('Not a reply').locator('.quote').count()).toBe(0)

      // The bar's own button cancels too.
      await question.hover()
      await question.getByRole('button', { name: 'Reply to Charlie Chen' }).click()
      await a.root.getByRole('button', { name: 'Cancel reply' }).click()
      await bar.waitFor({ state: 'detached' })
      await eventually(async () => (await focused(alice.page)).label).toBe('Write a message')
    } finally {
      await alice.context.close()
    }
  })

  test('a quote of a message far back in the history loads the page around it', async () => {
    const dm = await shared.host.call('erin', 'POST', '/api/dms/', { userId: 'alice' })
    await shared.host.seedMessages(dm.id, 150, ['erin', 'alice'])
    const page = await shared.host.call('alice', 'GET', `/api/chats/${dm.id}/messages/?limit=200`)
    const early = page.messages.find((m: { body: string }) => m.body === 'Message number 3')
    await say('alice', dm.id, 'About that early message…', early.id)
    const alice = await openAs(shared.browser, shared.host, 'alice', '/host/dm/erin')
    try {
      const a = await openDm(alice.page)
      const reply = a.message('About that early message')
      await reply.locator('.quote', { hasText: 'Message number 3' }).click()
      const highlighted = a.root.locator('.message.highlight')
      await highlighted.waitFor()
      expect(await highlighted.locator('.body').textContent()).toBe('Message number 3')
      await eventually(() => highlighted.isVisible()).toBe(true)
      // The newest page was left: the reply is not in the page around message 3.
      expect(await reply.count()).toBe(0)
    } finally {
      await alice.context.close()
    }
  })

  test.runIf(transport === 'polling')(
    'a reply waiting to be sent shows its quote, and lands with it',
    async () => {
      const dm = await shared.host.call('dana', 'POST', '/api/dms/', { userId: 'alice' })
      await say('dana', dm.id, 'Could you look at my slides?')
      const alice = await openAs(shared.browser, shared.host, 'alice', '/host/dm/dana')
      const page = alice.page
      try {
        const a = await openDm(page)
        const slides = a.message('look at my slides')
        await page.route('**/api/chats/*/messages/', (route) =>
          route.request().method() === 'POST' ? route.abort('internetdisconnected') : route.fallback(),
        )
        await slides.hover()
        await slides.getByRole('button', { name: 'Reply to Dana Díaz' }).click()
        await send(a.composer, 'Sure, tonight')
        const pending = a.root.locator('.message.pending', { hasText: 'Sure, tonight' })
        await pending.locator('.quote', { hasText: 'Could you look at my slides?' }).waitFor()
        await page.unroute('**/api/chats/*/messages/')
        await pending
          .locator('.failed-bar button', { hasText: 'Retry' })
          .click({ timeout: 2000 })
          .catch(() => {})
        const sent = a.root.locator('.message:not(.pending)', { hasText: 'Sure, tonight' })
        await sent.locator('.quote', { hasText: 'Could you look at my slides?' }).waitFor()
        const history = await shared.host.call('dana', 'GET', `/api/chats/${dm.id}/messages/`)
        expect(history.messages.at(-1)).toMatchObject({
          body: 'Sure, tonight',
          replyTo: { senderId: 'dana', excerpt: 'Could you look at my slides?', deleted: false },
        })
      } finally {
        await alice.context.close()
      }
    },
  )

  test.runIf(transport === 'websocket')(
    'replies in light and dark: no serious accessibility findings; screenshots',
    async () => {
      const room = await shared.host.call('alice', 'POST', '/api/chats/', {
        title: 'Launch',
        memberIds: ['bob', 'charlie'],
      })
      const plan = await say(
        'bob',
        room.id,
        'Shall we move the launch to Thursday? The venue has a free slot.',
      )
      await say('alice', room.id, 'Thursday works for me.', plan.id)
      const typo = await say('charlie', room.id, 'I booked the wrong room, sorry')
      const fixed = await say('alice', room.id, 'No worries, I will sort it out', typo.id)
      await shared.host.call('charlie', 'DELETE', `/api/messages/${typo.id}/`)
      await say('bob', room.id, 'Perfect, thanks Alice!', fixed.id)
      await say('charlie', room.id, 'I will bring the banners and the laptop stand 🎉')
      const alice = await openAs(shared.browser, shared.host, 'alice', '/messages/', {
        width: 1100,
        height: 760,
      })
      const page = alice.page
      try {
        const conversation = page.locator('palaver-messages palaver-conversation')
        await page.locator('palaver-messages button.chat', { hasText: 'Launch' }).click()
        const banners = conversation.locator('.message', { hasText: 'banners' })
        await banners.waitFor()
        await banners.hover()
        await banners.getByRole('button', { name: 'Reply to Charlie Chen' }).click()
        await conversation.locator('.reply-bar').waitFor()
        await page.mouse.move(0, 0)
        for (const theme of ['light', 'dark'] as const) {
          if (theme === 'dark') await page.evaluate(() => document.documentElement.classList.add('dark'))
          await eventually(() => page.locator('palaver-messages').getAttribute('data-palaver-mode')).toBe(
            theme,
          )
          await page.waitForTimeout(300)
          expect(await seriousViolations(page)).toEqual([])
          await page.screenshot({ path: join(screenshots, `replies-${theme}.png`) })
        }
      } finally {
        await alice.context.close()
      }
    },
  )
})
