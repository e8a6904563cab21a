import type { Route } from 'playwright-core'
import { describe, expect, test } from 'vitest'
import {
  chromiumAvailable,
  eventually,
  hostAndBrowser,
  openAs,
  openDm,
  requestsSettled,
  send,
} from './harness.js'

describe.skipIf(!chromiumAvailable)('the outbox across tabs', () => {
  // Over polling a send is a POST, which the browser context can refuse for every tab at once.
  const shared = hostAndBrowser({ transport: 'polling' })

  test('messages written offline in two tabs are both kept, and sent by the next page', async () => {
    const dm = await shared.host.call('erin', 'POST', '/api/dms/', { userId: 'dana' })
    const history = async () =>
      (
        (await shared.host.call('dana', 'GET', `/api/chats/${dm.id}/messages/`)).messages as Array<{
          body: string
        }>
      )
        .map((m) => m.body)
        .filter((body) => body.startsWith('From tab'))
    const first = await openAs(shared.browser, shared.host, 'erin', '/host/dm/dana')
    const { context } = first
    try {
      const second = await context.newPage()
      second.setDefaultTimeout(8000)
      await second.goto(`${shared.host.origin}/host/dm/dana`)
      const tabs = [await openDm(first.page), await openDm(second)]

      // Sending fails in both tabs (one browser), and each writes a message that waits.
      const refuse = (route: Route) =>
        route.request().method() === 'POST' ? route.abort('internetdisconnected') : route.fallback()
      await context.route('**/api/chats/*/messages/', refuse)
      for (const [index, tab] of tabs.entries()) {
        await send(tab.composer, `From tab ${index + 1}`)
        await tab.root.locator('.message.pending', { hasText: `From tab ${index + 1}` }).waitFor()
      }
      // A write of the first tab's after the second's (each retry counts its attempts) keeps the second's too.
      await send(tabs[0]!.composer, 'From tab 1, again')
      await tabs[0]!.root.locator('.message.pending', { hasText: 'From tab 1, again' }).waitFor()
      const kept = (page = second) =>
        page.evaluate(() =>
          Object.keys(localStorage)
            .filter((key) => key.startsWith('palaver:outbox'))
            .flatMap((key) => JSON.parse(localStorage.getItem(key)!) as Array<{ body: string }>)
            .map((item) => item.body)
            .sort(),
        )
      expect(await kept()).toEqual(['From tab 1', 'From tab 1, again', 'From tab 2'])

      // Both tabs close before sending works again; the next page sends all three, in the order written.
      await first.page.close()
      await second.close()
      expect(await history()).toEqual([])
      await context.unroute('**/api/chats/*/messages/', refuse)
      const third = await context.newPage()
      await third.goto(`${shared.host.origin}/host/dm/dana`)
      await openDm(third)
      await eventually(history).toEqual(['From tab 1', 'From tab 2', 'From tab 1, again'])
      await eventually(() => kept(third)).toEqual([])
    } finally {
      await context.close()
    }
  })

  test('a page that holds no file creates no IndexedDB database for the outbox', async () => {
    const erin = await openAs(shared.browser, shared.host, 'erin', '/host/dm/charlie')
    try {
      const dm = await openDm(erin.page)
      await send(dm.composer, 'Nothing to hold')
      await dm.root.locator('.message:not(.pending)', { hasText: 'Nothing to hold' }).waitFor()
      await requestsSettled(erin.page)
      expect(await erin.page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name))).toEqual(
        [],
      )
    } finally {
      await erin.context.close()
    }
  })
})
