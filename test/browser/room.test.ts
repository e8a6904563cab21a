import type { Locator, Page } from 'playwright-core'
import { describe, expect, test } from 'vitest'
import {
  chromiumAvailable,
  eventually,
  hostAndBrowser,
  openAs,
  requestsSettled,
  roomWidget,
  send,
  videoRooms,
} from './harness.js'

const transports = ['websocket', 'polling'] as const

describe.skipIf(!chromiumAvailable).each(transports)('room widget over %s', (transport) => {
  // `closing-*` rooms are public until a test closes them: gone (the host no longer knows the object), or only members read them and anyone may join.
  const closed = new Map<string, 'gone' | 'members'>()
  // Besides the harness's videos: `club-*` rooms only members read and anyone may join, and `members-*` ones only Charlie may join.
  const shared = hostAndBrowser({
    transport,
    rooms: {
      video: (objectId, viewer) => {
        if (objectId.startsWith('closing-')) {
          const closing = closed.get(objectId)
          if (closing === 'gone') return null
          return { title: objectId, access: closing ?? 'public', canJoin: true }
        }
        // `guest-*` rooms visitors read before signing in.
        if (objectId.startsWith('guest-')) return { title: objectId, access: 'public', guestsRead: true }
        return /^(club|members)-/.test(objectId)
          ? {
              title: objectId,
              access: 'members',
              canJoin: objectId.startsWith('club-') || viewer?.id === 'charlie',
            }
          : videoRooms(objectId, viewer)
      },
    },
  })

  const say = (user: string, chatId: number, body: string) =>
    shared.host.call(user, 'POST', `/api/chats/${chatId}/messages/`, { body })
  const history = async (chatId: number): Promise<Array<{ body: string }>> =>
    (await shared.host.call('charlie', 'GET', `/api/chats/${chatId}/messages/`)).messages

  test('members join and leave live; a non-member reads but cannot post; everything else is live', async () => {
    const alice = await openAs(shared.browser, shared.host, 'alice', '/host/room/public-1')
    const bob = await openAs(shared.browser, shared.host, 'bob', '/host/room/public-1')
    try {
      const a = roomWidget(alice.page)
      const b = roomWidget(bob.page)
      await eventually(() => a.count.textContent()).toContain('0 members')
      await eventually(() => b.root.locator('h2').textContent()).toBe('Video 1')

      // Alice joins: both see one member
      // Only a member's room is on the messages page: no link to it before joining.
      expect(await a.root.getByRole('link', { name: 'Open in Messages' }).count()).toBe(0)
      await a.join.click()
      await a.composer.waitFor()
      await eventually(() => a.count.textContent()).toContain('1 member')
      const chatId = await a.root.locator('palaver-conversation').getAttribute('chat-id')
      expect(await a.root.getByRole('link', { name: 'Open in Messages' }).getAttribute('href')).toBe(
        `/messages/#chat=${chatId}`,
      )
      await eventually(() => b.count.textContent()).toContain('1 member')

      // Bob reads before joining: no composer, a Join button in its place, no reacting
      await send(a.composer, 'Welcome to the room')
      await b.message('Welcome to the room').waitFor()
      expect(await b.composer.count()).toBe(0)
      await b.root.locator('.readonly button', { hasText: 'Join' }).waitFor()
      await b.message('Welcome').hover()
      expect(await b.message('Welcome').locator('[data-action="react"]').count()).toBe(0)

      // reactions, edits and deletes reach the reader live
      await a.message('Welcome').hover()
      await a.message('Welcome').locator('[data-action="react"]').click()
      await a.message('Welcome').getByRole('button', { name: 'React with ❤️' }).click()
      await b.message('Welcome').locator('.reaction', { hasText: '❤️' }).waitFor()
      expect(await b.message('Welcome').locator('.reaction').isDisabled()).toBe(true)
      await edit(a.message('Welcome'), 'Welcome to the room, everyone')
      await b.message('Welcome to the room, everyone').locator('.edited').waitFor()
      await send(a.composer, 'This one will go')
      await b.message('This one will go').waitFor()
      await remove(a.message('This one will go'))
      await b.root.locator('.message.deleted').waitFor()

      // Bob joins (the button under the conversation): two members for both, and he can post
      await b.root.locator('.readonly button').click()
      await b.composer.waitFor()
      await eventually(() => a.count.textContent()).toContain('2 members')
      await eventually(() => b.count.textContent()).toContain('2 members')
      await send(b.composer, 'Thanks, glad to be here')
      await a.message('glad to be here').waitFor()
      await b.message('Welcome').locator('.reaction').click()
      await a.message('Welcome').locator('.reaction', { hasText: '2' }).waitFor()

      // Bob leaves: back to one, and back to reading only
      await b.leave.click()
      await b.join.waitFor()
      await eventually(() => a.count.textContent()).toContain('1 member')
      await eventually(() => b.count.textContent()).toContain('1 member')
      await eventually(() => b.composer.count()).toBe(0)
      await send(a.composer, 'Bye Bob')
      await b.message('Bye Bob').waitFor()
    } finally {
      await alice.context.close()
      await bob.context.close()
    }
  })

  /** GET …/api/chats/{id}/ requests `page` makes from now on; `settled()` waits until every one asked for so far is counted. */
  function chatFetches(page: Page, chatId: number) {
    const fetches = { count: 0, settled: () => requestsSettled(page) }
    page.on('request', (request) => {
      if (request.method() === 'GET' && new URL(request.url()).pathname === `/messages/api/chats/${chatId}/`)
        fetches.count++
    })
    return fetches
  }

  /** Erin reading the room public-`n` (Charlie a member), the Join under the conversation showing; `prepare` her page first. */
  async function reader(n: number, prepare = async (_page: Page) => {}) {
    const room = await shared.host.call('charlie', 'POST', '/api/rooms/', {
      contentType: 'video',
      objectId: `public-${n}`,
    })
    await shared.host.call('charlie', 'POST', `/api/chats/${room.id}/join/`)
    const erin = await openAs(shared.browser, shared.host, 'erin', '/login')
    await prepare(erin.page)
    await erin.page.goto(`${shared.host.origin}/host/room/public-${n}`)
    const r = roomWidget(erin.page)
    const joinBelow = r.root.locator('.readonly button', { hasText: 'Join' })
    await joinBelow.waitFor()
    return { room, erin, r, joinBelow, fetches: chatFetches(erin.page, room.id) }
  }

  test('joining and leaving hand the conversation the chat they answered with: hearing of her own join fetches nothing', async () => {
    const { room, erin, r, joinBelow, fetches } = await reader(3)
    try {
      // The composer shows once the conversation knows Erin is a member, from the join's answer.
      await r.join.click()
      await r.composer.waitFor()
      await eventually(() => r.count.textContent()).toContain('2 members')
      // Charlie's message comes after the join on Erin's connection: by the time it shows, the
      // conversation has heard of her joining, and the join's answer told it everything that says.
      await say('charlie', room.id, 'Hello Erin')
      await r.message('Hello Erin').waitFor()
      await fetches.settled()
      expect(fetches.count).toBe(0)

      // Leaving: the room's answer tells the conversation she reads without posting, and hearing of
      // it fetches nothing; a connection without WebSocket asks for the chat before it watches the room again.
      await r.leave.click()
      await joinBelow.waitFor()
      await r.join.waitFor()
      await say('charlie', room.id, 'Bye Erin')
      await r.message('Bye Erin').waitFor()
      await fetches.settled()
      expect(fetches.count).toBe(transport === 'polling' ? 1 : 0)
    } finally {
      await erin.context.close()
    }
  })

  test('her join heard before its answer comes: nothing fetched, and the answer makes her a member who posts', async () => {
    const { room, erin, r, fetches } = await reader(4)
    const page = erin.page
    try {
      // The join's answer is held back until the page has heard of the join (the count says 2).
      const joins = `**/messages/api/chats/${room.id}/join/`
      let heard!: () => void
      const hearing = new Promise<void>((resolve) => (heard = resolve))
      await page.route(joins, async (route) => {
        const response = await route.fetch()
        await hearing
        await route.fulfill({ response })
      })
      await r.join.click()
      await eventually(() => r.count.textContent()).toContain('2 members')
      expect(await r.composer.count()).toBe(0)
      heard()
      await send(r.composer, 'Glad to be in')
      await eventually(async () => (await history(room.id)).map((m) => m.body)).toContain('Glad to be in')
      await fetches.settled()
      expect(fetches.count).toBe(0)
      await page.unroute(joins)
    } finally {
      await erin.context.close()
    }
  })

  test.skipIf(transport !== 'websocket')(
    'her join heard after its answer was shown: nothing fetched, and she stays a member who posts',
    async () => {
      // Her WebSocket keeps back the news of her own join until the composer shows from the answer.
      const held: Array<() => void> = []
      const { room, erin, r, fetches } = await reader(5, (page) =>
        page.routeWebSocket(/\/messages\/ws\b/, (ws) => {
          ws.connectToServer().onMessage((message) => {
            const frame = JSON.parse(String(message))
            if (frame.type === 'member.added' && frame.data?.user?.id === 'erin')
              held.push(() => ws.send(message))
            else ws.send(message)
          })
        }),
      )
      try {
        await r.join.click()
        await r.composer.waitFor()
        await eventually(() => held.length).toBe(1)
        held[0]!()
        await eventually(() => r.count.textContent()).toContain('2 members')
        await send(r.composer, 'Here to stay')
        await eventually(async () => (await history(room.id)).map((m) => m.body)).toContain('Here to stay')
        await fetches.settled()
        expect(fetches.count).toBe(0)
        expect(await r.composer.count()).toBe(1)
      } finally {
        await erin.context.close()
      }
    },
  )

  test('a visitor reads the room over the connection the page opens: one WebSocket, none dropped while opening', async () => {
    const sockets: string[] = []
    const errors: string[] = []
    const { room, erin, r } = await reader(6, async (page) => {
      page.on('websocket', (socket) => sockets.push(socket.url()))
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text())
      })
    })
    try {
      await say('charlie', room.id, 'Hello reader')
      await r.message('Hello reader').waitFor()
      await say('charlie', room.id, 'Still here')
      await r.message('Still here').waitFor()
      expect(sockets).toHaveLength(transport === 'websocket' ? 1 : 0)
      expect(errors.filter((error) => error.includes('closed before the connection is established'))).toEqual(
        [],
      )
    } finally {
      await erin.context.close()
    }
  })

  test('her two pages follow each other: joined in one, the other shows Leave and the composer; left, Join again', async () => {
    const { room, erin, r } = await reader(7)
    const page = await erin.context.newPage()
    page.setDefaultTimeout(8000)
    await page.goto(`${shared.host.origin}/host/room/public-7`)
    const other = roomWidget(page)
    await other.root.locator('.readonly button', { hasText: 'Join' }).waitFor()
    const fetches = chatFetches(page, room.id)
    try {
      await r.join.click()
      await r.composer.waitFor()
      await other.leave.waitFor()
      await other.composer.waitFor()
      expect(await other.join.count()).toBe(0)
      await say('charlie', room.id, 'Hello both of you')
      await other.message('Hello both of you').waitFor()
      await send(other.composer, 'Posted from the other tab')
      await r.message('Posted from the other tab').waitFor()
      // The conversation's fetch on hearing of the join, which the widget follows: none of its own.
      await fetches.settled()
      expect(fetches.count).toBe(1)

      await r.leave.click()
      await r.join.waitFor()
      await other.join.waitFor()
      await eventually(() => other.composer.count()).toBe(0)
      expect(await other.leave.count()).toBe(0)
      // She reads on as a visitor: the room is watched again.
      await say('charlie', room.id, 'Still reading?')
      await other.message('Still reading?').waitFor()
      await fetches.settled()
      expect(fetches.count).toBe(transport === 'polling' ? 3 : 2)
    } finally {
      await erin.context.close()
    }
  })

  test('an admin adds her and removes her: the widget follows, and she reads on after', async () => {
    const { room, erin, r, joinBelow } = await reader(8)
    try {
      await shared.host.call('charlie', 'POST', `/api/chats/${room.id}/members/add/`, { userIds: ['erin'] })
      await r.leave.waitFor()
      await r.composer.waitFor()
      await eventually(() => r.count.textContent()).toContain('2 members')
      await send(r.composer, 'Thanks for adding me')
      await eventually(async () => (await history(room.id)).map((m) => m.body)).toContain(
        'Thanks for adding me',
      )

      await shared.host.call('charlie', 'DELETE', `/api/chats/${room.id}/members/erin/remove/`)
      await r.join.waitFor()
      await joinBelow.waitFor()
      await eventually(() => r.composer.count()).toBe(0)
      await eventually(() => r.count.textContent()).toContain('1 member')
      await say('charlie', room.id, 'Come back any time')
      await r.message('Come back any time').waitFor()
    } finally {
      await erin.context.close()
    }
  })

  test('a room only members read: added, she reads and posts; removed, Join again, or "not available" where she may not join', async () => {
    const add = (id: number) =>
      shared.host.call('charlie', 'POST', `/api/chats/${id}/members/add/`, { userIds: ['erin'] })
    const remove = (id: number) =>
      shared.host.call('charlie', 'DELETE', `/api/chats/${id}/members/erin/remove/`)
    const club = await shared.host.call('charlie', 'POST', '/api/rooms/', {
      contentType: 'video',
      objectId: 'club-1',
    })
    const closed = await shared.host.call('charlie', 'POST', '/api/rooms/', {
      contentType: 'video',
      objectId: 'members-1',
    })
    for (const room of [club, closed])
      await shared.host.call('charlie', 'POST', `/api/chats/${room.id}/join/`)
    await add(closed.id)
    const erin = await openAs(shared.browser, shared.host, 'erin', '/host/room/club-1')
    try {
      // No conversation shows before she is in: the widget asks for the room when she is added.
      const r = roomWidget(erin.page)
      await r.join.waitFor()
      expect(await r.root.locator('palaver-conversation').count()).toBe(0)
      await add(club.id)
      await r.leave.waitFor()
      await send(r.composer, 'In the club')
      await eventually(async () => (await history(club.id)).map((m) => m.body)).toContain('In the club')
      await remove(club.id)
      await r.join.waitFor()
      await eventually(() => r.root.locator('palaver-conversation').count()).toBe(0)

      // Removed from a room she may not join: it is no longer available to her, as on a new visit.
      await erin.page.goto(`${shared.host.origin}/host/room/members-1`)
      await r.leave.waitFor()
      await remove(closed.id)
      await r.root.locator('.state[role=alert]').waitFor()
      expect(await r.root.locator('palaver-conversation').count()).toBe(0)
      expect(await r.leave.count()).toBe(0)
    } finally {
      await erin.context.close()
    }
  })

  test.each(['gone', 'members'] as const)(
    'removed while the room closes (%s) before she watches it again: shown as a new visit shows it, nothing thrown',
    async (closing) => {
      const objectId = `closing-${closing}`
      const room = await shared.host.call('charlie', 'POST', '/api/rooms/', {
        contentType: 'video',
        objectId,
      })
      await shared.host.call('charlie', 'POST', `/api/chats/${room.id}/join/`)
      await shared.host.call('charlie', 'POST', `/api/chats/${room.id}/members/add/`, { userIds: ['erin'] })
      const erin = await openAs(shared.browser, shared.host, 'erin', `/host/room/${objectId}`)
      const thrown: string[] = []
      erin.page.on('pageerror', (error) => thrown.push(error.message))
      const r = roomWidget(erin.page)
      try {
        await r.composer.waitFor()
        // The conversation's fetch on hearing she was removed finds the room public; it closes before the widget watches it.
        await erin.page.route(`**/messages/api/chats/${room.id}/`, async (route) => {
          const response = await route.fetch()
          closed.set(objectId, closing)
          await route.fulfill({ response })
        })
        await shared.host.call('charlie', 'DELETE', `/api/chats/${room.id}/members/erin/remove/`)
        if (closing === 'gone') {
          await r.root
            .locator('.state[role=alert]', { hasText: 'This conversation is not available.' })
            .waitFor()
          expect(await r.join.count()).toBe(0)
        } else {
          await r.root.locator('.closed', { hasText: 'Join this room to take part' }).waitFor()
          await r.join.waitFor()
        }
        expect(await r.root.locator('palaver-conversation').count()).toBe(0)
        expect(await r.leave.count()).toBe(0)
        expect(thrown).toEqual([])
      } finally {
        await erin.context.close()
      }
    },
  )

  test('a visitor reading a room that becomes members-only meanwhile sees it as a new visit does', async () => {
    const objectId = 'closing-read'
    const room = await shared.host.call('charlie', 'POST', '/api/rooms/', { contentType: 'video', objectId })
    await shared.host.call('charlie', 'POST', `/api/chats/${room.id}/join/`)
    const dana = await openAs(shared.browser, shared.host, 'dana', `/host/room/${objectId}`)
    const r = roomWidget(dana.page)
    try {
      await say('charlie', room.id, 'Open to all')
      await r.message('Open to all').waitFor()
      // The host makes the room members-only; the server asks again about its readers (every minute).
      closed.set(objectId, 'members')
      await shared.host.palaver.hub.recheckWatches()
      await r.root.locator('.closed', { hasText: 'Join this room to take part' }).waitFor()
      await r.join.waitFor()
      expect(await r.root.locator('palaver-conversation').count()).toBe(0)
    } finally {
      await dana.context.close()
    }
  })

  test('leaving a room that is gone meanwhile shows it as a new visit does, nothing thrown', async () => {
    const objectId = 'closing-while-in'
    await shared.host.call('erin', 'POST', '/api/rooms/', { contentType: 'video', objectId })
    const erin = await openAs(shared.browser, shared.host, 'erin', `/host/room/${objectId}`)
    const thrown: string[] = []
    erin.page.on('pageerror', (error) => thrown.push(error.message))
    const r = roomWidget(erin.page)
    try {
      await r.join.click()
      await r.composer.waitFor()
      // The host no longer knows the object: the room is not there to leave (404), for her as for anyone.
      closed.set(objectId, 'gone')
      await r.leave.click()
      await r.root.locator('.state[role=alert]', { hasText: 'This conversation is not available.' }).waitFor()
      expect(await r.root.locator('palaver-conversation').count()).toBe(0)
      expect(await r.leave.count()).toBe(0)
      expect(thrown).toEqual([])
    } finally {
      await erin.context.close()
    }
  })

  test('by keyboard: Join puts the focus in the message box, Leave on Join again; a join that fails says why', async () => {
    const dana = await openAs(shared.browser, shared.host, 'dana', '/host/room/public-keys')
    const { page } = dana
    const r = roomWidget(page)
    const focusedLabel = () =>
      page.evaluate(() => {
        let element = document.activeElement
        while (element?.shadowRoot?.activeElement) element = element.shadowRoot.activeElement
        return element?.getAttribute('aria-label') ?? element?.textContent?.trim() ?? null
      })
    try {
      await r.join.focus()
      await page.keyboard.press('Enter')
      await eventually(focusedLabel).toBe('Write a message')
      await r.leave.focus()
      await page.keyboard.press('Enter')
      await eventually(focusedLabel).toBe('Join')

      // The line is down: the join does not happen, and the notice says so.
      await page.route('**/join/', (route) => route.abort('internetdisconnected'))
      await page.keyboard.press('Enter')
      // Polled as the whole state, so that a failure shows where it stood (focus, busy, role), not only the missing notice.
      const widgetState = () =>
        page.evaluate(() => {
          const widget = document.querySelector('palaver-room') as HTMLElement & {
            busy: boolean
            chat: { role: string | null } | null
          }
          const toast = widget.shadowRoot?.querySelector('[role=status] .toast')?.textContent?.trim() ?? null
          return { toast: toast?.slice(0, 31) ?? null, busy: widget.busy, role: widget.chat?.role ?? null }
        })
      await eventually(widgetState).toEqual({
        toast: 'The server could not be reached',
        busy: false,
        role: null,
      })
      expect(await r.leave.count()).toBe(0)
      expect(await focusedLabel()).toBe('Join')
    } finally {
      await dana.context.close()
    }
  })

  test('a visitor not signed in reads a room its host opens to guests, live, with a sign-in link where Join would be', async () => {
    const room = await shared.host.call('charlie', 'POST', '/api/rooms/', {
      contentType: 'video',
      objectId: 'guest-1',
    })
    await shared.host.call('charlie', 'POST', `/api/chats/${room.id}/join/`)
    await say('charlie', room.id, 'Welcome, whoever reads this')
    const visitor = await openAs(shared.browser, shared.host, null, '/host/room/guest-1')
    const errors: string[] = []
    visitor.page.on('console', (message) => {
      // The host's page has no icon; Palaver's requests must all succeed.
      if (message.type() === 'error' && !message.location().url.endsWith('/favicon.ico'))
        errors.push(`${message.text()} ${message.location().url}`)
    })
    try {
      const r = roomWidget(visitor.page)
      await r.message('Welcome, whoever reads this').waitFor()
      await eventually(() => r.count.textContent()).toContain('1 member')
      // Live: a message said now arrives without a reload.
      await say('charlie', room.id, 'Said while you read')
      await r.message('Said while you read').waitFor()
      // Reading only: no message box, no Join, no actions on messages; a sign-in link back to the page instead.
      expect(await r.composer.count()).toBe(0)
      expect(await r.join.count()).toBe(0)
      const link = r.root.locator('[slot=readonly] a.login')
      expect(await link.getAttribute('href')).toBe(`/login?next=${encodeURIComponent('/host/room/guest-1')}`)
      expect(await r.root.locator('[data-action="react"], [data-action="reply"]').count()).toBe(0)
      expect(errors.join('\n')).toBe('')
    } finally {
      await visitor.context.close()
    }
  })

  test('a members-only room shows no conversation to an outsider; an anonymous visitor gets a sign-in link', async () => {
    const visitor = await openAs(shared.browser, shared.host, null, '/host/room/public-2')
    try {
      const link = visitor.page.locator('palaver-room a.login')
      await link.waitFor()
      expect(await link.getAttribute('href')).toBe(`/login?next=${encodeURIComponent('/host/room/public-2')}`)
      // Named by the title the page gave it, not "Chat room": the visitor cannot load the room itself.
      expect(await visitor.page.locator('palaver-room h2').textContent()).toBe('Video 2')
    } finally {
      await visitor.context.close()
    }
    const outsider = await openAs(shared.browser, shared.host, 'dana', '/host/room/private-1')
    try {
      const r = roomWidget(outsider.page)
      await r.root.locator('.state[role=alert]').waitFor()
      expect(await r.messages.count()).toBe(0)
    } finally {
      await outsider.context.close()
    }
  })
})

async function edit(message: Locator, text: string) {
  await message.hover()
  const id = await message.getAttribute('data-id')
  await message.locator('[data-action="edit"]').click()
  const input = message.page().locator(`.message[data-id="${id}"] textarea.edit-input`)
  await input.fill(text)
  await input.press('Enter')
  await input.waitFor({ state: 'detached' })
}

async function remove(message: Locator) {
  await message.hover()
  await message.locator('[data-action="delete"]').click()
  await message.locator('[data-action="confirm-delete"]').click()
}
