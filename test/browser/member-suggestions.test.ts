import { describe, expect, test } from 'vitest'
import { chromiumAvailable, hostAndBrowser, openAs } from './harness.js'
import { focused, messagesPage, seriousViolations, tabTo } from './messages-helpers.js'

/** Waits until the clock has moved on, so the next change is strictly newer than the last. */
async function tick() {
  const now = Date.now()
  while (Date.now() === now) await new Promise((resolve) => setTimeout(resolve, 1))
}

describe.skipIf(!chromiumAvailable)('people suggested in the Members dialog', () => {
  const shared = hostAndBrowser()
  const call = (user: string, method: string, path: string, body?: unknown) =>
    shared.host.call(user, method, path, body)

  test('New chat suggests whom Alice talks with, most recent first, and she adds two by keyboard', async () => {
    const band = await call('alice', 'POST', '/api/chats/', { title: 'Band', memberIds: ['bob', 'charlie'] })
    await call('bob', 'POST', `/api/chats/${band.id}/messages/`, { body: 'Rehearsal at 7' })
    await tick()
    const dm = await call('dana', 'POST', '/api/dms/', { userId: 'alice' })
    await call('dana', 'POST', `/api/chats/${dm.id}/messages/`, { body: 'Coffee?' })
    await tick()
    // Erin shares the newest chat, but Alice blocked her.
    await call('alice', 'POST', '/api/chats/', { title: 'Quiz night', memberIds: ['erin'] })
    await call('alice', 'POST', '/api/users/erin/block/')

    const alice = await openAs(shared.browser, shared.host, 'alice', '/messages/')
    const page = alice.page
    const keys = page.keyboard
    try {
      const m = messagesPage(page)
      await m.chat('Band').waitFor()
      await tabTo(page, 'New chat')
      await keys.press('Enter')
      await expect.poll(async () => (await focused(page)).label).toContain('Search people')

      // Before anything is typed: a list headed and named "Suggested", Dana (the newest DM) first.
      const suggested = m.dialog.getByRole('list', { name: 'Suggested' })
      await suggested.waitFor()
      await m.dialog.getByRole('heading', { name: 'Suggested' }).waitFor()
      const names = () => suggested.locator('.who strong').allTextContents()
      expect(await names()).toEqual(['Dana Díaz', 'Bob Brown', 'Charlie Chen'])
      expect(await seriousViolations(page)).toEqual([])

      // Tab from the search reaches the first Add; Enter adds Dana, and the focus moves on to Bob.
      await keys.press('Tab')
      expect((await focused(page)).label).toBe('Add Dana Díaz')
      await keys.press('Enter')
      await expect.poll(async () => (await focused(page)).label).toBe('Add Bob Brown')
      expect(await names()).toEqual(['Bob Brown', 'Charlie Chen'])
      await keys.press('Enter')
      await expect.poll(async () => (await focused(page)).label).toBe('Add Charlie Chen')
      expect(await names()).toEqual(['Charlie Chen'])

      // Typing searches instead; clearing the search brings the suggestions back.
      await m.dialog.getByRole('searchbox', { name: 'Search people' }).fill('erin')
      await m.dialog.getByRole('list', { name: 'Search results' }).waitFor()
      expect(await suggested.count()).toBe(0)
      await m.dialog.getByRole('searchbox', { name: 'Search people' }).fill('')
      await suggested.waitFor()
      expect(await names()).toEqual(['Charlie Chen'])

      const created = /#chat=(\d+)/.exec(page.url())![1]
      const detail = await call('alice', 'GET', `/api/chats/${created}/`)
      expect(detail.members.map((member: { user: { id: string } }) => member.user.id).sort()).toEqual([
        'alice',
        'bob',
        'dana',
      ])

      // The Members dialog of the band: its Add tab leaves out Bob and Charlie, who are in it.
      await keys.press('Escape')
      await m.dialog.waitFor({ state: 'detached' })
      await m.chat('Band').click()
      await m.title.filter({ hasText: 'Band' }).waitFor()
      await m.members.click()
      await m.dialog.getByRole('tab', { name: 'Add' }).click()
      await suggested.waitFor()
      expect(await names()).toEqual(['Dana Díaz'])
    } finally {
      await alice.context.close()
    }
  })

  test('suggestions that fail say so, as a failed search does, and searching still works', async () => {
    await call('bob', 'POST', '/api/chats/', { title: 'Crew', memberIds: ['charlie'] })
    const bob = await openAs(shared.browser, shared.host, 'bob', '/messages/')
    const page = bob.page
    try {
      // The suggestions (a search for nothing) are refused as a busy server refuses them; searches are not.
      await page.route('**/api/users/search/**', (route) =>
        new URL(route.request().url()).searchParams.get('q')
          ? route.continue()
          : route.fulfill({
              status: 429,
              headers: { 'retry-after': '30' },
              contentType: 'application/json',
              body: JSON.stringify({
                error: { code: 'rate_limited', message: 'Too many requests; try again in 30 s' },
              }),
            }),
      )
      const m = messagesPage(page)
      await m.chat('Crew').waitFor()
      await m.button('New chat').click()
      await m.dialog.getByRole('tab', { name: 'Add', selected: true }).waitFor()
      const alert = m.dialog.getByRole('alert')
      await expect.poll(() => alert.textContent()).toBe('Too many requests; try again in 30 s')
      expect(await m.dialog.getByRole('list', { name: 'Suggested' }).count()).toBe(0)

      await m.dialog.getByRole('searchbox', { name: 'Search people' }).fill('dana')
      await m.dialog.getByRole('button', { name: 'Add Dana Díaz' }).waitFor()
      expect(await alert.count()).toBe(0)
    } finally {
      await bob.context.close()
    }
  })
})
