import { describe, expect, test } from 'vitest'
import { chromiumAvailable, eventually, hostAndBrowser, openAs, openDm } from './harness.js'

const payloads = [
  '<img src=x onerror="window.__xss=1">',
  '<script>window.__xss=1</script>',
  'javascript:window.__xss=1',
  '<a href="javascript:window.__xss=1">click me</a>',
  '"><svg onload="window.__xss=1">',
  'see https://example.com/a?b=1&c=<b>2</b> and javascript://example.com/%0Awindow.__xss=1',
]

describe.skipIf(!chromiumAvailable)('message bodies are text', () => {
  const shared = hostAndBrowser({ transport: 'websocket' })

  test('markup and javascript: links render as typed, nothing runs; only http(s) becomes a link', async () => {
    const chat = await shared.host.call('bob', 'POST', '/api/dms/', { userId: 'alice' })
    for (const body of payloads)
      await shared.host.call('bob', 'POST', `/api/chats/${chat.id}/messages/`, { body })
    const alice = await openAs(shared.browser, shared.host, 'alice', '/host/dm/bob')
    try {
      const dm = await openDm(alice.page)
      await eventually(() => dm.messages.count()).toBe(payloads.length)
      const bodies = await dm.root.locator('.message .body').allTextContents()
      expect(bodies).toEqual(payloads)
      const bubbles = dm.root.locator('.message .bubble')
      expect(await bubbles.locator('img, script, svg:not([aria-hidden])').count()).toBe(0)
      const links = await dm.root
        .locator('.message .body a')
        .evaluateAll((as) => as.map((a) => ({ href: a.getAttribute('href'), rel: a.getAttribute('rel') })))
      expect(links).toEqual([{ href: 'https://example.com/a?b=1&c=', rel: 'noopener noreferrer nofollow' }])
      // Hovering and clicking around runs nothing either.
      await dm.root.locator('.message').last().hover()
      await alice.page.waitForTimeout(200)
      expect(await alice.page.evaluate(() => (window as { __xss?: unknown }).__xss)).toBeUndefined()
    } finally {
      await alice.context.close()
    }
  })
})
