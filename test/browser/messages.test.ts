import { describe, expect, test } from 'vitest'
import { chromiumAvailable, eventually, hostAndBrowser, openAs, send } from './harness.js'
import { focused, messagesPage, seriousViolations } from './messages-helpers.js'

const transports = ['websocket', 'polling'] as const

describe.skipIf(!chromiumAvailable).each(transports)('messages page over %s', (transport) => {
  const shared = hostAndBrowser({ transport })

  test('create a chat, rename it, add a member who sees it, unread on their side until read, remove them', async () => {
    const alice = await openAs(shared.browser, shared.host, 'alice', '/messages/')
    const bob = await openAs(shared.browser, shared.host, 'bob', '/messages/')
    try {
      const a = messagesPage(alice.page)
      const b = messagesPage(bob.page)
      await b.root.getByText('No chats yet').waitFor()

      // "New chat" creates a group and opens the Members dialog on its Add tab.
      await a.button('New chat').click()
      await a.dialog.getByRole('tab', { name: 'Add', selected: true }).waitFor()
      await a.title.filter({ hasText: 'Untitled group' }).waitFor()
      await a.dialog.getByRole('searchbox', { name: 'Search people' }).fill('bob')
      await a.dialog.getByRole('button', { name: 'Add Bob Brown' }).click()
      await a.dialog.getByText('Member', { exact: true }).waitFor()

      // Bob sees the chat appear at once.
      await b.chat('Untitled group').waitFor()
      await alice.page.keyboard.press('Escape')
      await a.dialog.waitFor({ state: 'detached' })
      await expect.poll(() => a.subtitle.textContent()).toContain('2 members')

      // Renamed by its title in the header, for both.
      await a.button('Rename chat').click()
      const input = a.root.getByRole('textbox', { name: 'Rename chat' })
      await input.fill('Trip planning')
      await input.press('Enter')
      await a.title.filter({ hasText: 'Trip planning' }).waitFor()
      await a.chat('Trip planning').waitFor()
      await b.chat('Trip planning').waitFor()

      // A message: Bob's row moves to the top with an unread badge.
      const other = await shared.host.call('bob', 'POST', '/api/chats/', {
        title: 'Older chat',
        memberIds: ['charlie'],
      })
      await b.chat('Older chat').waitFor()
      await expect.poll(() => b.chats.first().textContent()).toContain('Older chat')
      await send(a.composer, 'Hello Bob, ready for the trip?')
      await a.message('Hello Bob, ready for the trip?').waitFor()
      await expect.poll(() => b.chats.first().textContent()).toContain('Trip planning')
      await expect.poll(() => b.chat('Trip planning').locator('.badge').textContent()).toBe('1')
      await send(a.composer, 'Bring boots')
      await expect.poll(() => b.chat('Trip planning').locator('.badge').textContent()).toBe('2')
      expect(await b.chat('Trip planning').textContent()).toContain('2 unread messages')

      // Bob opens it and reads: the badge clears (and stays cleared after a reload).
      await b.chat('Trip planning').click()
      await b.message('Bring boots').waitFor()
      await expect.poll(() => b.current.textContent()).toContain('Trip planning')
      await b.chat('Older chat').click()
      await expect.poll(() => b.chat('Trip planning').locator('.badge').count()).toBe(0)
      await bob.page.reload()
      await b.chat('Trip planning').waitFor()
      expect(await b.chat('Trip planning').locator('.badge').count()).toBe(0)
      expect(other.id).toBeGreaterThan(0)

      // Alice removes Bob (Members, Manage): the chat leaves Bob's list.
      await b.chat('Trip planning').click()
      await b.message('Bring boots').waitFor()
      await a.members.click()
      await a.dialog.getByRole('tab', { name: 'Manage' }).click()
      await a.dialog.getByText('Alice Anderson (you)').waitFor()
      await a.dialog.getByRole('button', { name: 'Remove Bob Brown' }).click()
      await a.dialog.locator('.row', { hasText: 'Bob Brown' }).waitFor({ state: 'detached' })
      await b.chat('Trip planning').waitFor({ state: 'detached' })
      await b.root.getByText('Choose a chat to start messaging.').waitFor()
      await alice.page.keyboard.press('Escape')
      await expect.poll(() => a.subtitle.textContent()).toContain('1 member')
    } finally {
      await alice.context.close()
      await bob.context.close()
    }
  })

  test('browse rooms and join one; leave it', async () => {
    await shared.host.call('charlie', 'POST', '/api/rooms/', {
      contentType: 'video',
      objectId: `public-${transport}`,
    })
    const dana = await openAs(shared.browser, shared.host, 'dana', '/messages/')
    try {
      const d = messagesPage(dana.page)
      await d.root.getByText('No chats yet').waitFor()
      await d.button('Browse rooms').click()
      const room = `Video ${transport}`
      await d.dialog.getByRole('button', { name: `Join ${room}` }).click()
      // Joined: it is in the list, and the dialog offers to open it.
      await d.chat(room).waitFor()
      await d.dialog.getByRole('button', { name: `Open ${room}` }).click()
      await d.dialog.waitFor({ state: 'detached' })
      await d.title.filter({ hasText: room }).waitFor()
      await send(d.composer, 'Hello room')
      await d.message('Hello room').waitFor()

      await d.button('Leave chat').click()
      await d.dialog.getByText('Leave this chat?').waitFor()
      await d.dialog.getByRole('button', { name: 'Leave', exact: true }).click()
      await d.chat(room).waitFor({ state: 'detached' })
      await d.toast.filter({ hasText: 'You left the chat.' }).waitFor()
      // The room is still there to join again.
      await d.button('Browse rooms').click()
      await d.dialog.getByRole('button', { name: `Join ${room}` }).waitFor()
    } finally {
      await dana.context.close()
    }
  })

  test('the last admin leaves and the other member becomes admin, who then deletes the chat', async () => {
    const title = `Book club ${transport}`
    await shared.host.call('alice', 'POST', '/api/chats/', { title, memberIds: ['erin'] })
    const alice = await openAs(shared.browser, shared.host, 'alice', '/messages/')
    const erin = await openAs(shared.browser, shared.host, 'erin', '/messages/')
    try {
      const a = messagesPage(alice.page)
      const e = messagesPage(erin.page)
      await e.chat(title).click()
      await e.title.filter({ hasText: title }).waitFor()
      // A member may not delete or rename.
      expect(await e.button('Delete chat').count()).toBe(0)
      expect(await e.button('Rename chat').count()).toBe(0)

      await a.chat(title).click()
      await a.button('Leave chat').click()
      await a.dialog.getByRole('button', { name: 'Leave', exact: true }).click()
      await a.chat(title).waitFor({ state: 'detached' })

      // Erin is admin now: the Delete action appears, and the Members dialog says so.
      await e.button('Delete chat').waitFor()
      await e.members.click()
      await e.dialog.locator('.row', { hasText: 'Erin Evans (you)' }).getByText('Admin').waitFor()
      await erin.page.keyboard.press('Escape')

      await e.button('Delete chat').click()
      await e.dialog.getByText('Delete this chat and all its messages for everyone?').waitFor()
      await e.dialog.getByRole('button', { name: 'Delete', exact: true }).click()
      await e.chat(title).waitFor({ state: 'detached' })
      await e.root.getByText('Choose a chat to start messaging.').waitFor()
      await expect(shared.host.call('erin', 'GET', '/api/chats/?search=Book')).resolves.toMatchObject({
        chats: [],
      })
    } finally {
      await alice.context.close()
      await erin.context.close()
    }
  })

  test('message search shows highlighted snippets as text and jumps to the message in its history', async () => {
    const chat = await shared.host.call('bob', 'POST', '/api/chats/', {
      title: `Archive ${transport}`,
      memberIds: ['charlie'],
    })
    await shared.host.seedMessages(chat.id, 400, ['bob', 'charlie'])
    await shared.host.call('charlie', 'POST', `/api/chats/${chat.id}/messages/`, {
      body: 'Fish & <b>chips</b> tonight?',
    })
    const bob = await openAs(shared.browser, shared.host, 'bob', '/messages/')
    try {
      const b = messagesPage(bob.page)
      await b.chat(`Archive ${transport}`).waitFor()

      // The snippet's <mark> is an element; the message's own markup stays text.
      await b.search.fill('chips')
      const fish = b.results.filter({ hasText: 'Fish' })
      await fish.locator('mark', { hasText: 'chips' }).waitFor()
      expect(await fish.locator('.snippet').textContent()).toContain('Fish & <b>chips</b> tonight?')
      expect(await fish.locator('b').count()).toBe(0)

      // A result far back in the history: its chat opens around it, highlighted; the newest are not loaded.
      await b.search.fill('number 42')
      await b.results.filter({ hasText: 'Message number 42' }).click()
      await b.title.filter({ hasText: `Archive ${transport}` }).waitFor()
      const target = b.root.locator('palaver-conversation .message.highlight')
      await target.waitFor()
      expect(await target.locator('.body').textContent()).toBe('Message number 42')
      await expect.poll(() => target.isVisible()).toBe(true)
      expect(await b.message('Fish &').count()).toBe(0)

      // Another result in the chat already open jumps within it.
      await b.search.fill('number 350')
      await b.results.filter({ hasText: 'Message number 350' }).click()
      await b.root
        .locator('palaver-conversation .message.highlight', { hasText: 'Message number 350' })
        .waitFor()
      // Escape clears the search; the list is back.
      await b.search.press('Escape')
      await expect.poll(() => b.results.count()).toBe(0)
      await expect.poll(() => b.chats.count()).toBeGreaterThan(0)
    } finally {
      await bob.context.close()
    }
  })

  test('a link to a message opens its chat around it, highlighted, on load and when the address changes', async () => {
    const chat = await shared.host.call('charlie', 'POST', '/api/chats/', {
      title: `Minutes ${transport}`,
      memberIds: ['dana'],
    })
    await shared.host.seedMessages(chat.id, 300, ['charlie', 'dana'])
    const idOf = async (n: number): Promise<number> => {
      const { results } = await shared.host.call(
        'dana',
        'GET',
        `/api/search/?q=${encodeURIComponent(`number ${n}`)}`,
      )
      return results.find((r: { message: { body: string } }) => r.message.body === `Message number ${n}`)
        .message.id
    }
    const [early, middle] = [await idOf(20), await idOf(150)]
    const dana = await openAs(
      shared.browser,
      shared.host,
      'dana',
      `/messages/#chat=${chat.id}&message=${early}`,
    )
    try {
      const d = messagesPage(dana.page)
      await d.title.filter({ hasText: `Minutes ${transport}` }).waitFor()
      const highlighted = d.root.locator('palaver-conversation .message.highlight')
      await eventually(() => highlighted.locator('.body').textContent()).toBe('Message number 20')
      await eventually(() => highlighted.isVisible()).toBe(true)
      // Opened around it: the newest page is not loaded.
      expect(await d.message('Message number 300').count()).toBe(0)

      // A link followed on the page (only the hash changes) jumps within the open chat.
      await dana.page.evaluate((hash) => (location.hash = hash), `#chat=${chat.id}&message=${middle}`)
      await eventually(() => highlighted.locator('.body').textContent()).toBe('Message number 150')
      await eventually(() => highlighted.isVisible()).toBe(true)
    } finally {
      await dana.context.close()
    }
  })

  test('a link to a message that is not in the chat opens the chat at its end and says the message was not found', async () => {
    const chat = await shared.host.call('charlie', 'POST', '/api/chats/', {
      title: `Notes ${transport}`,
      memberIds: ['dana'],
    })
    await shared.host.seedMessages(chat.id, 120, ['charlie', 'dana'])
    await shared.host.call('dana', 'POST', `/api/chats/${chat.id}/mark-as-read/`, {})
    // A message of another chat: a link with the wrong chat, or to a message gone for good.
    const other = await shared.host.call('charlie', 'POST', '/api/chats/', {
      title: `Elsewhere ${transport}`,
      memberIds: ['dana'],
    })
    const elsewhere = await shared.host.call('charlie', 'POST', `/api/chats/${other.id}/messages/`, {
      body: 'Not in the notes',
    })
    const dana = await openAs(
      shared.browser,
      shared.host,
      'dana',
      `/messages/#chat=${chat.id}&message=${elsewhere.id}`,
    )
    try {
      const d = messagesPage(dana.page)
      await d.title.filter({ hasText: `Notes ${transport}` }).waitFor()
      // Where it would have opened without the message: at the end, the newest message in view.
      const inView = () =>
        d.message('Message number 120').evaluate((message) => {
          const log = message.closest('.log')!.getBoundingClientRect()
          const rect = message.getBoundingClientRect()
          return rect.top >= log.top && rect.bottom <= log.bottom + 1
        })
      await eventually(inView).toBe(true)
      const notice = d.root.locator('palaver-conversation .notice')
      await eventually(() => notice.textContent()).toBe('That message could not be found.')
      expect(await d.root.locator('palaver-conversation .message.highlight').count()).toBe(0)
    } finally {
      await dana.context.close()
    }
  })

  test('a link whose message part is no message id opens the chat at its end, says so, and leaves the address naming the chat', async () => {
    const chat = await shared.host.call('charlie', 'POST', '/api/chats/', {
      title: `Ledger ${transport}`,
      memberIds: ['dana'],
    })
    await shared.host.seedMessages(chat.id, 60, ['charlie', 'dana'])
    const dana = await openAs(shared.browser, shared.host, 'dana', `/messages/#chat=${chat.id}&message=abc`)
    try {
      const d = messagesPage(dana.page)
      await d.title.filter({ hasText: `Ledger ${transport}` }).waitFor()
      await d.message('Message number 60').waitFor()
      const notice = d.root.locator('palaver-conversation .notice')
      await eventually(() => notice.textContent()).toBe('That message could not be found.')
      // As after a link to a message found: following the same link again would open it again.
      await eventually(() => dana.page.evaluate(() => location.hash)).toBe(`#chat=${chat.id}`)
    } finally {
      await dana.context.close()
    }
  })

  test('"Show more results" appends the next page of message search, by keyboard, and the first new result takes the focus', async () => {
    const chat = await shared.host.call('dana', 'POST', '/api/chats/', {
      title: `Logbook ${transport}`,
      memberIds: ['erin'],
    })
    await shared.host.seedMessages(chat.id, 45, ['dana', 'erin'])
    const erin = await openAs(shared.browser, shared.host, 'erin', '/messages/')
    try {
      const e = messagesPage(erin.page)
      await e.chat(`Logbook ${transport}`).waitFor()
      await e.search.fill('number')
      await expect.poll(() => e.results.count()).toBe(20)
      const more = e.button('Show more results')
      await more.focus()
      await erin.page.keyboard.press('Enter')
      await expect.poll(() => e.results.count()).toBe(40)
      const firstNew = (await e.results.nth(20).textContent())!.trim()
      await expect.poll(async () => (await focused(erin.page)).className).toBe('result')
      expect((await focused(erin.page)).text).toBe(firstNew)
      expect(await seriousViolations(erin.page)).toEqual([])

      // The last page: the button goes; every match is there once.
      await more.focus()
      await erin.page.keyboard.press('Space')
      await expect.poll(() => e.results.count()).toBe(45)
      await expect.poll(() => more.count()).toBe(0)
      const ids = await e.results.evaluateAll((buttons) =>
        buttons.map((b) => (b as HTMLElement).dataset.messageId),
      )
      expect(new Set(ids).size).toBe(45)
    } finally {
      await erin.context.close()
    }
  })
})
