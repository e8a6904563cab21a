import type { Page } from 'playwright-core'
import { describe, expect, test } from 'vitest'
import { chromiumAvailable, eventually, hostAndBrowser, openAs, openDm } from './harness.js'

const TOTAL = 10_000
const MAX_NODES = 300

/** Reads the conversation's log inside the DM widget's shadow roots. */
const inLog = <T>(page: Page, fn: string): Promise<T> =>
  page.evaluate(`(() => {
    const conversation = document.querySelector('palaver-dm').shadowRoot.querySelector('palaver-conversation')
    const log = conversation.shadowRoot.querySelector('.log')
    const messages = () => [...log.querySelectorAll('.message')]
    return (${fn})(log, messages, conversation)
  })()`)

describe.skipIf(!chromiumAvailable)('a long history', () => {
  const shared = hostAndBrowser({ transport: 'websocket' })

  test('scrolling up through many pages keeps the reader in place and at most a few hundred messages in the DOM', async () => {
    const chat = await shared.host.call('alice', 'POST', '/api/dms/', { userId: 'bob' })
    await shared.host.seedMessages(chat.id, TOTAL, ['alice', 'bob'])
    const alice = await openAs(shared.browser, shared.host, 'alice', '/host/dm/bob')
    const page = alice.page
    try {
      const dm = await openDm(page)
      await dm.message(`Message number ${TOTAL}`).waitFor()
      expect(await dm.messages.count()).toBeLessThanOrEqual(MAX_NODES)

      let oldestSeen = Number.POSITIVE_INFINITY
      for (let round = 0; round < 30; round++) {
        // Scroll to the top and note where the top message sits.
        const before = await inLog<{ id: string; top: number; first: number }>(
          page,
          `(log, messages) => {
            log.scrollTop = 0
            const top = log.getBoundingClientRect().top
            const anchor = messages().find((m) => m.getBoundingClientRect().bottom > top)
            return { id: anchor.dataset.id, top: anchor.getBoundingClientRect().top - top, first: Number(messages()[0].dataset.id) }
          }`,
        )
        // The previous page arrives above it...
        await eventually(() =>
          inLog<number>(page, '(log, messages) => Number(messages()[0].dataset.id)'),
        ).toBeLessThan(before.first)
        await page.waitForFunction(
          `!document.querySelector('palaver-dm').shadowRoot.querySelector('palaver-conversation').store.busy`,
        )
        // ...and the message the reader was looking at has not moved.
        const after = await inLog<{ top: number; count: number; first: number }>(
          page,
          `(log, messages) => {
            const anchor = log.querySelector('[data-id="${before.id}"]')
            return { top: anchor.getBoundingClientRect().top - log.getBoundingClientRect().top, count: messages().length, first: Number(messages()[0].dataset.id) }
          }`,
        )
        expect(Math.abs(after.top - before.top)).toBeLessThanOrEqual(2)
        expect(after.count).toBeLessThanOrEqual(MAX_NODES)
        oldestSeen = Math.min(oldestSeen, after.first)
      }
      // Thirty pages up: far more messages went by than the DOM ever held.
      expect(TOTAL - oldestSeen).toBeGreaterThan(1000)
      await dm.message(`Message number ${TOTAL}`).waitFor({ state: 'detached' })

      // Back to the newest: the latest page comes back, still within bounds.
      await dm.root.locator('button.jump').click()
      await dm.message(`Message number ${TOTAL}`).waitFor()
      expect(await dm.messages.count()).toBeLessThanOrEqual(MAX_NODES)

      // A jump into the middle (a search result) loads the page around it.
      const target = TOTAL - 600
      await inLog(page, `(log, messages, conversation) => { conversation.jumpTo(${target}); return null }`)
      await dm.message(`Message number ${target}`).waitFor()
      await dm.root.locator(`.message.highlight[data-id="${target}"]`).waitFor()
      expect(await dm.messages.count()).toBeLessThanOrEqual(MAX_NODES)

      // Scrolling down from there loads newer pages until the end.
      for (let i = 0; i < 200 && (await dm.message(`Message number ${TOTAL}`).count()) === 0; i++) {
        await inLog(page, '(log) => { log.scrollTop = log.scrollHeight; return null }')
        await page.waitForTimeout(50)
      }
      await dm.message(`Message number ${TOTAL}`).waitFor()
      expect(await dm.messages.count()).toBeLessThanOrEqual(MAX_NODES)
    } finally {
      await alice.context.close()
    }
  }, 120_000)
})
