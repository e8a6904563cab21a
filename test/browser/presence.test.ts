import { describe, expect, test } from 'vitest'
import { chromiumAvailable, dmWidget, eventually, hostAndBrowser, openAs, openDm } from './harness.js'
import { messagesPage, shootLightAndDark } from './messages-helpers.js'

// Over WebSockets: a polling client counts as online until its next poll is overdue, half a minute after it left.
describe.skipIf(!chromiumAvailable)('who is online', () => {
  const shared = hostAndBrowser({ transport: 'websocket' })

  test('the messages page: a dot on the avatar of a DM’s other person while they are connected, in the list and the header, and in words', async () => {
    await shared.host.call('alice', 'POST', '/api/dms/', { userId: 'bob' })
    await shared.host.call('alice', 'POST', '/api/chats/', { title: 'Hikers', memberIds: ['bob'] })
    // Bob is online before Alice looks: the page asks.
    let bob = await openAs(shared.browser, shared.host, 'bob', '/messages/')
    const alice = await openAs(shared.browser, shared.host, 'alice', '/messages/')
    try {
      const a = messagesPage(alice.page)
      const row = a.chat('Bob Brown')
      await row.locator('[part="online"]').waitFor()
      await a.root.getByRole('button', { name: /^Bob Brown Online/ }).waitFor()
      await row.click()
      const header = a.root.locator('palaver-chat-header')
      await header.locator('[part="online"]').waitFor()
      await eventually(() => a.subtitle.textContent()).toBe('@bob · Online')
      // A group shows nobody's presence.
      expect(await a.chat('Hikers').locator('[part="online"]').count()).toBe(0)

      // Bob leaves: the dot goes, in the list and the header.
      await bob.context.close()
      await row.locator('[part="online"]').waitFor({ state: 'detached' })
      await header.locator('[part="online"]').waitFor({ state: 'detached' })
      expect(await a.subtitle.textContent()).toBe('@bob')
      expect(await row.textContent()).not.toContain('Online')

      // He comes back: the dot is back.
      bob = await openAs(shared.browser, shared.host, 'bob', '/host/dm/alice')
      await openDm(bob.page)
      await row.locator('[part="online"]').waitFor()
      await header.locator('[part="online"]').waitFor()
      // And Bob's DM widget shows Alice online.
      const b = dmWidget(bob.page)
      await b.root.locator('header [part="online"]').waitFor()
      await eventually(() => b.root.locator('header .sub').textContent()).toBe('@alice · Online')
    } finally {
      await alice.context.close()
      await bob.context.close()
    }
  })

  test('the DM widget: the dot comes when the other person connects and goes when they leave', async () => {
    const alice = await openAs(shared.browser, shared.host, 'alice', '/host/dm/charlie')
    try {
      const a = await openDm(alice.page)
      const dot = a.root.locator('header [part="online"]')
      const sub = a.root.locator('header .sub')
      await eventually(() => sub.textContent()).toBe('@charlie')
      expect(await dot.count()).toBe(0)
      const charlie = await openAs(shared.browser, shared.host, 'charlie', '/messages/')
      await dot.waitFor()
      await eventually(() => sub.textContent()).toBe('@charlie · Online')
      await charlie.context.close()
      await dot.waitFor({ state: 'detached' })
      expect(await sub.textContent()).toBe('@charlie')
    } finally {
      await alice.context.close()
    }
  })

  test('nothing shows between two people with a block between them, either way; blocking hides it at once', async () => {
    await shared.host.call('dana', 'POST', '/api/dms/', { userId: 'erin' })
    await shared.host.call('dana', 'POST', '/api/dms/', { userId: 'charlie' })
    await shared.host.call('erin', 'POST', '/api/dms/', { userId: 'charlie' })
    await shared.host.call('dana', 'POST', '/api/users/erin/block/')
    const dana = await openAs(shared.browser, shared.host, 'dana', '/messages/')
    const erin = await openAs(shared.browser, shared.host, 'erin', '/messages/')
    const charlie = await openAs(shared.browser, shared.host, 'charlie', '/messages/')
    try {
      const d = messagesPage(dana.page)
      const e = messagesPage(erin.page)
      // Charlie, whom nobody blocked, shows online on both sides: by then Erin and Dana would too.
      await d.chat('Charlie Chen').locator('[part="online"]').waitFor()
      await e.chat('Charlie Chen').locator('[part="online"]').waitFor()
      expect(await d.chat('Erin Evans').locator('[part="online"]').count()).toBe(0)
      expect(await e.chat('Dana Díaz').locator('[part="online"]').count()).toBe(0)

      // Unblocked, Erin shows online; blocked again, the dot goes at once.
      await shared.host.call('dana', 'POST', '/api/users/erin/unblock/')
      await d.chat('Erin Evans').locator('[part="online"]').waitFor()
      await shared.host.call('dana', 'POST', '/api/users/erin/block/')
      await d.chat('Erin Evans').locator('[part="online"]').waitFor({ state: 'detached' })
      // Charlie still shows: only Erin went.
      expect(await d.chat('Charlie Chen').locator('[part="online"]').count()).toBe(1)
    } finally {
      await Promise.all([dana.context.close(), erin.context.close(), charlie.context.close()])
    }
  })

  test('the members dialog: a dot on each member online, in words for a screen reader, live; the Add tab’s results too', async () => {
    const choir = await shared.host.call('alice', 'POST', '/api/chats/', {
      title: 'Choir',
      memberIds: ['bob', 'dana'],
    })
    // Dana shares no DM with Alice: only the group tells of her.
    let dana = await openAs(shared.browser, shared.host, 'dana', '/messages/')
    const alice = await openAs(shared.browser, shared.host, 'alice', `/messages/#chat=${choir.id}`, {
      width: 1000,
      height: 720,
    })
    let bob: Awaited<ReturnType<typeof openAs>> | null = null
    try {
      const a = messagesPage(alice.page)
      await a.title.filter({ hasText: 'Choir' }).waitFor()
      await a.members.click()
      const row = (id: string) => a.dialog.locator(`.row[data-user-id="${id}"]`)
      const dot = (id: string) => row(id).locator('[part="online"]')
      await dot('dana').waitFor()
      expect(await a.dialog.getByRole('listitem').filter({ hasText: 'Dana Díaz' }).textContent()).toMatch(
        /Dana Díaz\s*Online\s*@dana/,
      )
      expect(await dot('bob').count()).toBe(0)
      expect(await row('bob').textContent()).not.toContain('Online')
      // The viewer is no news to themself.
      expect(await dot('alice').count()).toBe(0)
      // Every control keeps its name.
      await a.dialog.getByRole('button', { name: 'Remove Dana Díaz' }).waitFor()
      await a.dialog.getByRole('button', { name: 'Block Dana Díaz' }).waitFor()

      // Bob comes, Dana goes: the dialog follows.
      bob = await openAs(shared.browser, shared.host, 'bob', '/messages/')
      await dot('bob').waitFor()
      await alice.page.mouse.move(0, 0)
      await shootLightAndDark(alice.page, '/tmp', 'palaver-members-presence')
      await dana.context.close()
      await dot('dana').waitFor({ state: 'detached' })
      expect(await row('dana').textContent()).not.toContain('Online')
      dana = await openAs(shared.browser, shared.host, 'dana', '/messages/')
      await dot('dana').waitFor()

      // The Add tab's results show whom the page knows to be online.
      await a.dialog.getByRole('tab', { name: 'Add' }).click()
      await a.dialog.getByRole('searchbox', { name: 'Search people' }).fill('b')
      const result = a.dialog.getByRole('listitem').filter({ hasText: 'Bob Brown' })
      await result.locator('[part="online"]').waitFor()
      expect(await result.textContent()).toContain('Online')
      await shootLightAndDark(alice.page, '/tmp', 'palaver-members-add-presence')
    } finally {
      await Promise.all([alice.context.close(), dana.context.close(), bob?.context.close()])
    }
  })

  test('someone the viewer no longer shares a chat with is asked about again every minute', async () => {
    const quartet = await shared.host.call('alice', 'POST', '/api/chats/', {
      title: 'Quartet',
      memberIds: ['erin'],
    })
    await shared.host.call('alice', 'POST', '/api/chats/', { title: 'Solo', memberIds: ['bob'] })
    const erin = await openAs(shared.browser, shared.host, 'erin', '/messages/')
    const alice = await openAs(shared.browser, shared.host, 'alice', '/login', { width: 1000, height: 720 })
    try {
      // Her page's clock goes on from now, and jumps when the test says.
      await alice.page.clock.install()
      await alice.page.goto(`${shared.host.origin}/messages/#chat=${quartet.id}`)
      const a = messagesPage(alice.page)
      await a.title.filter({ hasText: 'Quartet' }).waitFor()
      await a.members.click()
      await a.dialog.locator('.row[data-user-id="erin"] [part="online"]').waitFor()
      await alice.page.keyboard.press('Escape')

      // Alice leaves the group: no presence event tells her of Erin any more. Erin then goes.
      await shared.host.call('alice', 'POST', `/api/chats/${quartet.id}/leave/`)
      await a.chat('Quartet').waitFor({ state: 'detached' })
      await a.chat('Solo').click()
      await a.title.filter({ hasText: 'Solo' }).waitFor()
      await a.members.click()
      await a.dialog.getByRole('tab', { name: 'Add' }).click()
      await a.dialog.getByRole('searchbox', { name: 'Search people' }).fill('erin')
      const result = a.dialog.getByRole('listitem').filter({ hasText: 'Erin' })
      await result.locator('[part="online"]').waitFor()
      await erin.context.close()
      await eventually(
        async () => (await shared.host.call('alice', 'GET', '/api/presence/?userIds=erin')).online,
      ).toEqual([])
      expect(await result.locator('[part="online"]').count()).toBe(1)

      // A minute on, the page asks again.
      await alice.page.clock.fastForward(61_000)
      await result.locator('[part="online"]').waitFor({ state: 'detached' })
      expect(await result.textContent()).not.toContain('Online')
    } finally {
      await Promise.all([alice.context.close(), erin.context.close()])
    }
  })
})
