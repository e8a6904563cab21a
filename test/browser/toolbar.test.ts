import type { Locator, Page } from 'playwright-core'
import { beforeAll, describe, expect, test } from 'vitest'
import { chromiumAvailable, eventually, hostAndBrowser, openAs, openDm } from './harness.js'
import { seriousViolations } from './messages-helpers.js'

/** Once the message's toolbar shows: how far it lies inside the list's visible box at each edge (negative: cut off). */
async function toolbarRoom(row: Locator) {
  const bar = row.locator('.actions')
  await eventually(() => bar.evaluate((element) => getComputedStyle(element).opacity)).toBe('1')
  return bar.evaluate((element) => {
    const box = element.getBoundingClientRect()
    const list = element.closest('.log')!.getBoundingClientRect()
    return { top: Math.round(box.top - list.top), bottom: Math.round(list.bottom - box.bottom) }
  })
}

/** Scrolls the list so that the row's top lies `below` px under the list's top edge. */
function rowAtTop(row: Locator, below: number) {
  return row.evaluate((element, below) => {
    const list = element.closest('.log')!
    list.scrollTop += element.getBoundingClientRect().top - list.getBoundingClientRect().top - below
  }, below)
}

async function hoverText(page: Page, row: Locator) {
  const text = (await row.locator('.body').boundingBox())!
  await page.mouse.move(text.x + 4, text.y + text.height / 2)
}

describe.skipIf(!chromiumAvailable)("a message's toolbar", () => {
  const shared = hostAndBrowser({ transport: 'websocket' })

  beforeAll(async () => {
    const dm = await shared.host.call('alice', 'POST', '/api/dms/', { userId: 'bob' })
    await shared.host.seedMessages(dm.id, 30, ['alice', 'bob'])
    await shared.host.call('alice', 'POST', `/api/chats/${dm.id}/messages/`, { body: 'Ok' })
  })

  for (const width of [375, 1100]) {
    test(`at ${width} px it shows whole for a message at the top of the list, by mouse and keyboard`, async () => {
      const alice = await openAs(shared.browser, shared.host, 'alice', '/host/dm/bob', { width, height: 700 })
      const page = alice.page
      try {
        const dm = await openDm(page)
        const message = (n: number) =>
          dm.root.locator('.message', {
            has: page.locator('.body', { hasText: new RegExp(`^Message number ${n}$`) }),
          })
        await message(30).waitFor()

        // The first message, the list scrolled to its start.
        await rowAtTop(message(1), 200)
        await hoverText(page, message(1))
        expect(Math.min(...Object.values(await toolbarRoom(message(1))))).toBeGreaterThanOrEqual(0)

        // A message whose row starts 4 px under the list's edge; showing the toolbar moves nothing.
        const row = message(20)
        await rowAtTop(row, 4)
        const before = await row.boundingBox()
        await hoverText(page, row)
        expect(Math.min(...Object.values(await toolbarRoom(row)))).toBeGreaterThanOrEqual(0)
        expect(await row.boundingBox()).toEqual(before)
        // Its buttons take the pointer: React opens the picker.
        await row.locator('[data-action="react"]').click()
        await eventually(() => row.locator('[data-action="react"]').getAttribute('aria-expanded')).toBe(
          'true',
        )
        await page.keyboard.press('Escape')

        // By keyboard: the focus on Reply of a message at the top shows its toolbar whole.
        await page.mouse.move(0, 0)
        await rowAtTop(message(16), 2)
        await message(16).locator('[data-action="reply"]').focus()
        expect(Math.min(...Object.values(await toolbarRoom(message(16))))).toBeGreaterThanOrEqual(0)
      } finally {
        await alice.context.close()
      }
    })
  }

  for (const theme of ['light', 'dark'] as const) {
    test(`at 375 px in ${theme} mode, deleting a short message asks with Cancel and Delete side by side`, async () => {
      const alice = await openAs(shared.browser, shared.host, 'alice', `/host/dm/bob?theme=${theme}`, {
        width: 375,
        height: 700,
      })
      const page = alice.page
      try {
        const dm = await openDm(page)
        const ok = dm.message('Ok')
        await ok.hover()
        await ok.locator('[data-action="delete"]').click()
        const confirm = ok.getByRole('group', { name: 'Delete this message?' })
        const [question, cancel, remove] = await Promise.all([
          confirm.getByText('Delete this message?').boundingBox(),
          confirm.getByRole('button', { name: 'Cancel', exact: true }).boundingBox(),
          confirm.getByRole('button', { name: 'Delete', exact: true }).boundingBox(),
        ])
        expect(remove!.y).toBe(cancel!.y)
        const panel = (await dm.panel.boundingBox())!
        for (const box of [question!, cancel!, remove!]) {
          expect(box.x).toBeGreaterThanOrEqual(panel.x)
          expect(box.x + box.width).toBeLessThanOrEqual(panel.x + panel.width)
        }
        expect(await seriousViolations(page)).toEqual([])
        await page.keyboard.press('Escape')
        await confirm.waitFor({ state: 'detached' })
      } finally {
        await alice.context.close()
      }
    })
  }
})
