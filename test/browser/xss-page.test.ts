import { beforeAll, describe, expect, test } from 'vitest'
import { chromiumAvailable, eventually, hostAndBrowser, openAs } from './harness.js'
import { messagesPage } from './messages-helpers.js'

const TITLE = '<script>window.__xss=1</script> Planning'
const NAME = '<img src=x onerror="window.__xss=1"> Mallory'
const BODY = 'zebra <svg onload="window.__xss=1"></svg> & "quotes"'
// Every word of the query is in the body, so it matches, and its markup is typed into the search box.
const QUERY = 'zebra <svg onload="window.__xss=1">'

describe.skipIf(!chromiumAvailable)(
  'markup in titles, names, bodies and searches on the messages page',
  () => {
    const shared = hostAndBrowser({ transport: 'websocket' })

    beforeAll(async () => {
      await shared.host.palaver.users.upsert({ id: 'mallory', username: 'mallory', name: NAME })
    })

    test('shows as text, runs nothing, and search highlighting escapes the rest', async () => {
      const chat = await shared.host.call('alice', 'POST', '/api/chats/', {
        title: TITLE,
        memberIds: ['mallory'],
      })
      await shared.host.call('mallory', 'POST', `/api/chats/${chat.id}/messages/`, { body: BODY })
      const dm = await shared.host.call('mallory', 'POST', '/api/dms/', { userId: 'alice' })
      await shared.host.call('mallory', 'POST', `/api/chats/${dm.id}/messages/`, { body: 'hi' })
      const alice = await openAs(shared.browser, shared.host, 'alice', '/messages/')
      try {
        const page = messagesPage(alice.page)
        await eventually(() => page.chats.count()).toBe(2)
        const titles = await page.root.locator('.chat-title').allTextContents()
        expect(titles.map((t) => t.trim())).toEqual(expect.arrayContaining([TITLE, NAME]))
        await page.chat(TITLE).click()
        await eventually(() => page.message('zebra').count()).toBe(1)
        expect((await page.title.textContent())?.trim()).toBe(TITLE)
        expect(await page.message('zebra').locator('.body').textContent()).toBe(BODY)
        await page.search.fill(QUERY)
        await page.search.press('Enter')
        await eventually(() => page.results.count()).toBe(1)
        const result = page.results.first()
        expect(await result.locator('mark').allTextContents()).toContain('zebra')
        expect(await result.textContent()).toContain('<svg onload="window.__xss=1"></svg>')
        expect(await result.locator('img, script, svg:not([aria-hidden]), b').count()).toBe(0)
        await result.hover()
        await result.click()
        await alice.page.waitForTimeout(200)
        expect(await alice.page.evaluate(() => (window as { __xss?: unknown }).__xss)).toBeUndefined()
      } finally {
        await alice.context.close()
      }
    })
  },
)
