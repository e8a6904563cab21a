import type { Locator } from 'playwright-core'
import { describe, expect, test } from 'vitest'
import { chromiumAvailable, eventually, hostAndBrowser, openAs, roomWidget, send } from './harness.js'

const transports = ['websocket', 'polling'] as const

describe.skipIf(!chromiumAvailable).each(transports)('room widget over %s', (transport) => {
  const shared = hostAndBrowser({ transport })

  const say = (user: string, chatId: number, body: string) =>
    shared.host.call(user, 'POST', `/api/chats/${chatId}/messages/`, { body })

  test('members join and leave live; a non-member reads but cannot post; everything else is live', async () => {
    const alice = await openAs(shared.browser, shared.host, 'alice', '/host/room/public-1')
    const bob = await openAs(shared.browser, shared.host, 'bob', '/host/room/public-1')
    try {
      const a = roomWidget(alice.page)
      const b = roomWidget(bob.page)
      await eventually(() => a.count.textContent()).toContain('0 members')
      await eventually(() => b.root.locator('h2').textContent()).toBe('Video 1')

      // Alice joins: both see one member
      await a.join.click()
      await a.composer.waitFor()
      await eventually(() => a.count.textContent()).toContain('1 member')
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

  test('joining and leaving hand the conversation the chat they answered with instead of its being fetched again', async () => {
    const room = await shared.host.call('charlie', 'POST', '/api/rooms/', {
      contentType: 'video',
      objectId: 'public-3',
    })
    await shared.host.call('charlie', 'POST', `/api/chats/${room.id}/join/`)
    const erin = await openAs(shared.browser, shared.host, 'erin', '/host/room/public-3')
    const page = erin.page
    try {
      const r = roomWidget(page)
      const joinBelow = r.root.locator('.readonly button', { hasText: 'Join' })
      await joinBelow.waitFor()
      const chatFetches: string[] = []
      page.on('request', (request) => {
        const path = new URL(request.url()).pathname
        if (request.method() === 'GET' && path === `/messages/api/chats/${room.id}/`) chatFetches.push(path)
      })

      // The composer shows once the conversation knows Erin is a member, from the join's answer.
      await r.join.click()
      await r.composer.waitFor()
      await eventually(() => r.count.textContent()).toContain('2 members')
      // Charlie's message comes after the join on Erin's connection: by the time it shows, the
      // conversation has heard of her joining and fetched the chat for that: the one fetch, as the
      // widget fetches nothing after a join that answered with the chat.
      await say('charlie', room.id, 'Hello Erin')
      await r.message('Hello Erin').waitFor()
      await eventually(() => chatFetches.length).toBe(1)

      // Leaving: the room's answer tells the conversation she reads without posting. Again one
      // fetch on hearing of it, and a connection without WebSocket asks for the chat before it
      // watches the room again.
      await r.leave.click()
      await joinBelow.waitFor()
      await r.join.waitFor()
      await say('charlie', room.id, 'Bye Erin')
      await r.message('Bye Erin').waitFor()
      await eventually(() => chatFetches.length).toBe(transport === 'polling' ? 3 : 2)
    } finally {
      await erin.context.close()
    }
  })

  test('a members-only room shows no conversation to an outsider; an anonymous visitor gets a sign-in link', async () => {
    const visitor = await openAs(shared.browser, shared.host, null, '/host/room/public-2')
    try {
      const link = visitor.page.locator('palaver-room a.login')
      await link.waitFor()
      expect(await link.getAttribute('href')).toBe(`/login?next=${encodeURIComponent('/host/room/public-2')}`)
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
