import { describe, expect, test } from 'vitest'
import { chromiumAvailable, eventually, hostAndBrowser, openAs } from './harness.js'
import { messagesPage, seriousViolations, shootLightAndDark } from './messages-helpers.js'

describe.skipIf(!chromiumAvailable)('pinned messages on the messages page', () => {
  const shared = hostAndBrowser({ transport: 'websocket' })

  test('a message pinned from its toolbar shows in a bar above the list, live for the others; the bar shows each pin in turn and unpinning takes it away', async () => {
    const chat = await shared.host.call('alice', 'POST', '/api/chats/', {
      title: 'Studio rota',
      memberIds: ['bob'],
    })
    const say = (user: string, body: string) =>
      shared.host.call(user, 'POST', `/api/chats/${chat.id}/messages/`, { body })
    const rota = await say('alice', 'Rota: Mon Ana, Tue Ben, Wed Cy')
    for (let i = 0; i < 40; i++) await say(i % 2 ? 'alice' : 'bob', `Filler message ${i}`)
    const kiln = await say('bob', 'Kiln code is 4521')

    const alice = await openAs(shared.browser, shared.host, 'alice', `/messages/#chat=${chat.id}`, {
      width: 1100,
      height: 720,
    })
    const bob = await openAs(shared.browser, shared.host, 'bob', `/messages/#chat=${chat.id}`, {
      width: 600,
      height: 800,
    })
    const a = messagesPage(alice.page)
    const b = messagesPage(bob.page)
    const barOf = (m: typeof a) => m.root.locator('palaver-conversation [part="pinned"]')
    try {
      await a.message('Kiln code').waitFor()
      await b.message('Kiln code').waitFor()
      expect(await barOf(a).count()).toBe(0)

      // Alice pins Bob's message from its toolbar, by keyboard.
      const row = a.message('Kiln code')
      await row.hover()
      const pin = row.getByRole('button', { name: 'Pin', exact: true })
      await pin.focus()
      await alice.page.keyboard.press('Enter')
      await eventually(() => barOf(a).textContent()).toMatch(/Pinned\s+Kiln code is 4521/)
      // Bob sees it live, and his toolbar offers to unpin it.
      await eventually(() => barOf(b).textContent()).toMatch(/Pinned\s+Kiln code is 4521/)
      await b.message('Kiln code').hover()
      await b.message('Kiln code').getByRole('button', { name: 'Unpin', exact: true }).waitFor()
      expect((await shared.host.call('bob', 'GET', `/api/chats/${chat.id}/pins/`)).messages[0].id).toBe(
        kiln.id,
      )

      // The rota, far up the history, pinned through the API: the newest pin shows first, with the count.
      await shared.host.call('bob', 'POST', `/api/messages/${rota.id}/pin/`, { pinned: true })
      await eventually(() => barOf(a).textContent()).toMatch(/Pinned 1 of 2\s+Rota: Mon Ana/)
      await alice.page.mouse.move(0, 0)
      expect(await seriousViolations(alice.page)).toEqual([])
      await shootLightAndDark(alice.page, '/tmp', 'palaver-pins')

      // Choosing the bar brings the rota into view, highlighted, and moves the bar on to the next pin.
      await barOf(a).click()
      await a.root.locator('palaver-conversation .message.highlight', { hasText: 'Rota: Mon Ana' }).waitFor()
      await eventually(() => barOf(a).textContent()).toMatch(/Pinned 2 of 2\s+Kiln code/)

      // Bob, from his bar to the rota, unpins it from its toolbar: one pin is left, everywhere.
      await barOf(b).click()
      const bobsRota = b.root.locator('palaver-conversation .message.highlight', { hasText: 'Rota: Mon Ana' })
      await bobsRota.waitFor()
      await bobsRota.hover()
      await bobsRota.getByRole('button', { name: 'Unpin', exact: true }).click()
      await eventually(() => barOf(a).textContent()).toMatch(/^\s*Pinned\s+Kiln code/)
      await eventually(() => barOf(b).textContent()).toMatch(/^\s*Pinned\s+Kiln code/)

      // Deleting the pinned message takes its pin away.
      await shared.host.call('bob', 'DELETE', `/api/messages/${kiln.id}/`)
      await barOf(a).waitFor({ state: 'detached' })
      await barOf(b).waitFor({ state: 'detached' })
    } finally {
      await alice.context.close()
      await bob.context.close()
    }
  })
})
