import type { Page } from 'playwright-core'
import { describe, expect, test } from 'vitest'
import { chromiumAvailable, dmWidget, eventually, hostAndBrowser, openAs } from './harness.js'
import { focused, lossyWebSocket, messagesPage, seriousViolations, tabTo } from './messages-helpers.js'

/** How many times `page` has asked for each chat (GET …/api/chats/{id}/) since this was called. */
function chatFetches(page: Page): (chatId: number) => number {
  const counts = new Map<number, number>()
  page.on('request', (request) => {
    const id = /\/messages\/api\/chats\/(\d+)\/$/.exec(new URL(request.url()).pathname)?.[1]
    if (id && request.method() === 'GET') counts.set(Number(id), (counts.get(Number(id)) ?? 0) + 1)
  })
  return (chatId) => counts.get(chatId) ?? 0
}

/** axe and a screenshot in light, then in dark (the page is left light). */
async function lookInBothModes(page: Page, name: string) {
  const root = page.locator('palaver-messages, palaver-dm').first()
  await page.mouse.move(0, 0)
  await page.waitForTimeout(200)
  expect(await seriousViolations(page)).toEqual([])
  await page.screenshot({ path: `/tmp/palaver-${name}-light.png` })
  await page.evaluate(() => document.documentElement.classList.add('dark'))
  await eventually(() => root.getAttribute('data-palaver-mode')).toBe('dark')
  await page.waitForTimeout(200)
  expect(await seriousViolations(page)).toEqual([])
  await page.screenshot({ path: `/tmp/palaver-${name}-dark.png` })
  await page.evaluate(() => document.documentElement.classList.remove('dark'))
  await eventually(() => root.getAttribute('data-palaver-mode')).toBe('light')
}

describe.skipIf(!chromiumAvailable)('blocking someone', () => {
  const shared = hostAndBrowser({ transport: 'websocket' })

  const say = (user: string, chatId: number, body: string) =>
    shared.host.call(user, 'POST', `/api/chats/${chatId}/messages/`, { body })

  /** The server answers `page`'s block (or unblock) of `user` with 503 until the returned function is called. */
  async function refuseBlocks(page: Page, user: string, what: 'block' | 'unblock') {
    const url = `**/messages/api/users/${user}/${what}/`
    await page.route(url, (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: '{"error":{"code":"unavailable","message":"Later"}}',
      }),
    )
    return () => page.unroute(url)
  }

  test('Alice blocks Bob from their DM’s header by keyboard, after a confirmation; she sees whom she blocked and unblocks; Bob cannot reply meanwhile', async () => {
    const dm = await shared.host.call('alice', 'POST', '/api/dms/', { userId: 'bob' })
    await say('bob', dm.id, 'Are you coming on Saturday?')

    const alice = await openAs(shared.browser, shared.host, 'alice', `/messages/#chat=${dm.id}`, {
      width: 1100,
      height: 720,
    })
    const bob = await openAs(shared.browser, shared.host, 'bob', `/messages/#chat=${dm.id}`, {
      width: 1100,
      height: 720,
    })
    const page = alice.page
    const keys = page.keyboard
    const m = messagesPage(page)
    const b = messagesPage(bob.page)
    const notice = m.root.locator('palaver-conversation [part="blocked-notice"]')
    try {
      await m.message('Are you coming').waitFor()
      await b.composer.waitFor()

      // From the list to the header's Block button: Enter asks first, with the focus on Cancel.
      await m.current.focus()
      await tabTo(page, 'Block Bob Brown')
      const question = m.root.getByRole('group', { name: /^Block Bob Brown\? Neither of you/ })
      await keys.press('Enter')
      await question.waitFor()
      await eventually(async () => (await focused(page)).text).toBe('Cancel')
      expect(await m.root.locator('palaver-block-button button.block').getAttribute('aria-expanded')).toBe(
        'true',
      )
      // Escape takes it back; nothing happened.
      await keys.press('Escape')
      await question.waitFor({ state: 'detached' })
      expect((await focused(page)).label).toBe('Block Bob Brown')
      expect((await shared.host.call('alice', 'GET', '/api/users/blocked/')).users).toEqual([])

      // A block the server refuses changes nothing, and the page's notice says so.
      const allowBlock = await refuseBlocks(page, 'bob', 'block')
      await keys.press('Enter')
      await eventually(async () => (await focused(page)).text).toBe('Cancel')
      await keys.press('Tab')
      await keys.press('Enter')
      await m.toast.filter({ hasText: 'Bob Brown could not be blocked. Please try again.' }).waitFor()
      expect((await focused(page)).label).toBe('Block Bob Brown')
      expect(await m.composer.isVisible()).toBe(true)
      await allowBlock()

      // Again, and Block: the button unblocks now, and the composer gives way to a notice.
      await keys.press('Enter')
      await eventually(async () => (await focused(page)).text).toBe('Cancel')
      await page.screenshot({ path: '/tmp/palaver-blocking-confirm-light.png' })
      expect(await seriousViolations(page)).toEqual([])
      await keys.press('Tab')
      expect((await focused(page)).text).toBe('Block')
      await keys.press('Enter')
      await question.waitFor({ state: 'detached' })
      await eventually(async () => (await focused(page)).label).toBe('Unblock Bob Brown')
      await notice.filter({ hasText: 'You blocked Bob Brown.' }).waitFor()
      await m.composer.waitFor({ state: 'detached' })
      await m.toast.filter({ hasText: 'You blocked Bob Brown.' }).waitFor()
      const blocked = await shared.host.call('alice', 'GET', '/api/users/blocked/')
      expect(blocked.users.map((u: { id: string }) => u.id)).toEqual(['bob'])
      // The DM stays readable.
      expect(await m.message('Are you coming').isVisible()).toBe(true)
      await lookInBothModes(page, 'blocking-dm')

      // Bob is told nothing live; once he loads the page again, he only sees that he cannot reply.
      await bob.page.reload()
      const bobNotice = b.root.locator('palaver-conversation [part="blocked-notice"]')
      await bobNotice.filter({ hasText: 'You can’t reply to this conversation.' }).waitFor()
      expect(await b.composer.count()).toBe(0)
      expect(await bobNotice.getByRole('button').count()).toBe(0)
      expect(await b.root.getByRole('button', { name: 'Block Alice Anderson' }).isVisible()).toBe(true)
      await lookInBothModes(bob.page, 'blocking-dm-peer')

      // Alice unblocks from the notice, by keyboard. Refused first: the conversation says so, nothing changes.
      const allowUnblock = await refuseBlocks(page, 'bob', 'unblock')
      await notice.getByRole('button', { name: 'Unblock Bob Brown' }).focus()
      await keys.press('Enter')
      await m.root
        .locator('palaver-conversation')
        .getByRole('alert')
        .filter({ hasText: 'Bob Brown could not be unblocked. Please try again.' })
        .waitFor()
      expect(await m.composer.count()).toBe(0)
      await allowUnblock()
      // Then it works: the composer is back, with the focus in it.
      await keys.press('Enter')
      await m.composer.waitFor()
      await eventually(async () => (await focused(page)).label).toBe('Write a message')
      await m.root.getByRole('button', { name: 'Block Bob Brown' }).waitFor()
      expect((await shared.host.call('alice', 'GET', '/api/users/blocked/')).users).toEqual([])
      await bob.page.reload()
      await b.composer.waitFor()
    } finally {
      await alice.context.close()
      await bob.context.close()
    }
  })

  test('in a group, Bob’s messages collapse for Alice, live in her other tab, each shown on demand; his typing is not shown; unblocking brings them back', async () => {
    const hike = await shared.host.call('alice', 'POST', '/api/chats/', {
      title: 'Hike',
      memberIds: ['bob', 'charlie'],
    })
    await say('bob', hike.id, 'I will bring the snacks')
    await say('charlie', hike.id, 'I will drive')

    const first = await openAs(shared.browser, shared.host, 'alice', `/messages/#chat=${hike.id}`, {
      width: 1100,
      height: 720,
    })
    const second = await openAs(shared.browser, shared.host, 'alice', `/messages/#chat=${hike.id}`, {
      width: 1100,
      height: 720,
    })
    const m = messagesPage(first.page)
    const o = messagesPage(second.page)
    const page = first.page
    const keys = page.keyboard
    const hidden = (p: ReturnType<typeof messagesPage>) =>
      p.root.locator('palaver-conversation .hidden-message')
    try {
      await m.message('the snacks').waitFor()
      await o.message('the snacks').waitFor()

      // The members dialog blocks Bob, after the same question.
      await m.members.click()
      const row = m.dialog.locator('li[data-user-id="bob"]')
      await row.getByRole('button', { name: 'Block Bob Brown' }).focus()
      await keys.press('Enter')
      await eventually(async () => (await focused(page)).text).toBe('Cancel')
      await m.dialog.getByRole('group', { name: /^Block Bob Brown\?/ }).waitFor()
      expect(await seriousViolations(page)).toEqual([])
      await page.screenshot({ path: '/tmp/palaver-blocking-members-light.png' })
      await keys.press('Tab')
      await keys.press('Enter')
      await row.getByRole('button', { name: 'Unblock Bob Brown' }).waitFor()
      expect((await focused(page)).label).toBe('Unblock Bob Brown')
      // Escape closes the dialog (the question is gone).
      await keys.press('Escape')
      await m.dialog.waitFor({ state: 'detached' })

      // Both of Alice's tabs: Bob's message is one line; Charlie's is as it was.
      for (const p of [m, o]) {
        await hidden(p).filter({ hasText: 'Message from a blocked person' }).waitFor()
        expect(await p.message('the snacks').count()).toBe(0)
        expect(await p.message('I will drive').isVisible()).toBe(true)
      }

      // What Bob writes now arrives collapsed, and is not unread for Alice.
      await say('bob', hike.id, 'Also a thermos of tea')
      await eventually(() => hidden(o).count()).toBe(2)
      expect(await o.chat('Hike').locator('.badge').count()).toBe(0)
      // The list does not show it either.
      await eventually(() => o.chat('Hike').locator('.chat-preview').textContent()).toBe(
        'Message from a blocked person',
      )

      // His typing is not shown; Charlie's is.
      await shared.host.call('bob', 'POST', `/api/chats/${hike.id}/typing/`, { isTyping: true })
      await shared.host.call('charlie', 'POST', `/api/chats/${hike.id}/typing/`, { isTyping: true })
      const typing = o.root.locator('palaver-conversation [part="typing"]')
      await eventually(() => typing.textContent()).toMatch(/Charlie Chen is typing/)
      expect(await typing.textContent()).not.toMatch(/Bob/)

      // Show reveals one message, in this tab only, and the focus goes to it.
      const show = hidden(o).first().getByRole('button', { name: 'Show message from a blocked person' })
      await show.focus()
      await lookInBothModes(second.page, 'blocking-group')
      await second.page.keyboard.press('Enter')
      await o.message('the snacks').waitFor()
      expect(await hidden(o).count()).toBe(1)
      await eventually(async () => (await focused(second.page)).label).toMatch(/^Reply to Bob Brown/)
      expect(await hidden(m).count()).toBe(2)
      await second.page.mouse.move(0, 0)
      await second.page.screenshot({ path: '/tmp/palaver-blocking-group-shown-light.png' })

      // Unblocking in the first tab brings every message back in both.
      await m.members.click()
      await m.dialog
        .locator('li[data-user-id="bob"]')
        .getByRole('button', { name: 'Unblock Bob Brown' })
        .click()
      await m.dialog
        .locator('li[data-user-id="bob"]')
        .getByRole('button', { name: 'Block Bob Brown' })
        .waitFor()
      for (const p of [m, o]) {
        await p.message('a thermos of tea').waitFor()
        expect(await hidden(p).count()).toBe(0)
      }
    } finally {
      await first.context.close()
      await second.context.close()
    }
  })

  test('the DM widget’s header blocks and unblocks too; the notice replaces its composer; a block that fails says so; empty, the DM asks neither of them to say hello', async () => {
    const erin = await openAs(shared.browser, shared.host, 'alice', '/host/dm/erin')
    const page = erin.page
    const dm = dmWidget(page)
    const block = async () => {
      await dm.root.getByRole('button', { name: 'Block Erin Evans' }).click()
      await dm.root
        .getByRole('group', { name: /^Block Erin Evans\?/ })
        .getByRole('button', { name: 'Block' })
        .click()
    }
    try {
      await dm.toggle.click()
      await dm.composer.waitFor()
      await dm.root.getByText('No messages yet. Say hello!').waitFor()
      const allowBlock = await refuseBlocks(page, 'erin', 'block')
      await block()
      await dm.root
        .getByRole('status')
        .getByText('Erin Evans could not be blocked. Please try again.')
        .waitFor()
      expect(await dm.composer.isVisible()).toBe(true)
      await allowBlock()
      const fetches = chatFetches(page)
      await block()
      const notice = dm.root.locator('[part="blocked-notice"]')
      await notice.filter({ hasText: 'You blocked Erin Evans.' }).waitFor()
      await dm.composer.waitFor({ state: 'detached' })
      await dm.root.locator('header').getByRole('button', { name: 'Unblock Erin Evans' }).waitFor()
      // The widget and its conversation asked for the DM once between them.
      expect(fetches(Number(await dm.root.locator('palaver-conversation').getAttribute('chat-id')))).toBe(1)
      // Nobody here can say hello: the empty DM says only that it is empty, to both of them.
      await dm.root.getByText('No messages yet', { exact: true }).waitFor()
      const other = await openAs(shared.browser, shared.host, 'erin', '/host/dm/alice')
      try {
        const theirs = dmWidget(other.page)
        await theirs.toggle.click()
        await theirs.root.getByText('You can’t reply to this conversation.').waitFor()
        await theirs.root.getByText('No messages yet', { exact: true }).waitFor()
      } finally {
        await other.context.close()
      }
      await lookInBothModes(page, 'blocking-widget')
      await notice.getByRole('button', { name: 'Unblock Erin Evans' }).click()
      await dm.composer.waitFor()
      await dm.root.getByRole('button', { name: 'Block Erin Evans' }).waitFor()
    } finally {
      await erin.context.close()
    }
  })

  test('a list of blocks the server could not give after a resync is asked for again until it comes, and the console says why', async () => {
    const reunion = await shared.host.call('alice', 'POST', '/api/chats/', {
      title: 'Reunion',
      memberIds: ['bob', 'charlie'],
    })
    await say('bob', reunion.id, 'Count me in')
    const alice = await openAs(shared.browser, shared.host, 'alice', '/login')
    const page = alice.page
    // Alice's WebSocket goes through a proxy that keeps user.blocked events from her page and can say "resync".
    const proxy = await lossyWebSocket(page, (frame) => frame.type === 'user.blocked')
    const warnings: string[] = []
    page.on('console', (message) => {
      if (message.type() === 'warning') warnings.push(message.text())
    })
    const m = messagesPage(page)
    const blockedList = '**/messages/api/users/blocked/'
    try {
      await page.goto(`${shared.host.origin}/messages/#chat=${reunion.id}`)
      await m.message('Count me in').waitFor()
      // She blocks Bob on another device, unheard here; the resync that follows cannot fetch her list at first.
      await shared.host.call('alice', 'POST', '/api/users/bob/block/')
      await page.route(blockedList, (route) =>
        route.fulfill({
          status: 503,
          contentType: 'application/json',
          body: '{"error":{"code":"unavailable"}}',
        }),
      )
      proxy.resync()
      await eventually(() => warnings.join('\n')).toMatch(
        /the people the viewer blocked could not be fetched after a resync .*; trying again in 2 s/,
      )
      expect(await m.message('Count me in').isVisible()).toBe(true)
      // The next try gets it: Bob's message collapses.
      await page.unroute(blockedList)
      await m.root.locator('palaver-conversation .hidden-message').waitFor()
      expect(await m.message('Count me in').count()).toBe(0)
    } finally {
      await alice.context.close()
      await shared.host.call('alice', 'POST', '/api/users/bob/unblock/')
    }
  })

  test('a block fetches the DM with that person once for the whole page, and of the groups only those with something unread', async () => {
    const call = shared.host.call
    const dm = await call('dana', 'POST', '/api/dms/', { userId: 'erin' })
    await say('erin', dm.id, 'Lunch tomorrow?')
    const read = await call('dana', 'POST', '/api/chats/', { title: 'All read', memberIds: ['erin'] })
    await say('erin', read.id, 'Old news')
    await say('dana', read.id, 'Seen it')
    const unread = await call('dana', 'POST', '/api/chats/', { title: 'Not read', memberIds: ['erin'] })
    await say('erin', unread.id, 'Fresh news')
    const { context, page } = await openAs(shared.browser, shared.host, 'dana', `/messages/#chat=${dm.id}`)
    const m = messagesPage(page)
    const header = m.root.locator('palaver-chat-header')
    const badge = m.chat('Not read').locator('.badge')
    try {
      await m.message('Lunch tomorrow').waitFor()
      await badge.waitFor()
      const fetches = chatFetches(page)
      const counts = () => [dm.id, read.id, unread.id].map(fetches)

      await header.getByRole('button', { name: 'Block Erin Evans' }).click()
      await header
        .getByRole('group', { name: /^Block Erin Evans\?/ })
        .getByRole('button', { name: 'Block' })
        .click()
      await header.getByRole('button', { name: 'Unblock Erin Evans' }).waitFor()
      await m.composer.waitFor({ state: 'detached' })
      // Erin's message was all that was unread there.
      await badge.waitFor({ state: 'detached' })
      expect(counts()).toEqual([1, 0, 1])

      await header.getByRole('button', { name: 'Unblock Erin Evans' }).click()
      await header.getByRole('button', { name: 'Block Erin Evans' }).waitFor()
      await m.composer.waitFor()
      await badge.filter({ hasText: '1' }).waitFor()
      expect(counts()).toEqual([2, 0, 2])
    } finally {
      await context.close()
    }
  })

  test('in the members dialog, Tab goes through the block question of the last row, then round to the first control; Shift+Tab goes back', async () => {
    const plans = await shared.host.call('alice', 'POST', '/api/chats/', {
      title: 'Picnic plans',
      memberIds: ['bob', 'charlie'],
    })
    const { context, page } = await openAs(shared.browser, shared.host, 'bob', `/messages/#chat=${plans.id}`)
    const m = messagesPage(page)
    const keys = page.keyboard
    try {
      await m.title.filter({ hasText: 'Picnic plans' }).waitFor()
      await m.members.click()
      // Bob is no admin: Block Charlie Chen is the dialog's last control.
      const row = m.dialog.locator('li[data-user-id="charlie"]')
      await row.getByRole('button', { name: 'Block Charlie Chen' }).focus()
      await keys.press('Enter')
      await eventually(async () => (await focused(page)).text).toBe('Cancel')
      await keys.press('Tab')
      expect((await focused(page)).text).toBe('Block')
      await keys.press('Tab')
      expect(await focused(page)).toMatchObject({ label: 'Close', inDialog: true })
      await keys.press('Shift+Tab')
      expect((await focused(page)).label).toBe('Block Charlie Chen')
    } finally {
      await context.close()
    }
  })
})
