import type { Locator, Page } from 'playwright-core'
import { beforeAll, describe, expect, test } from 'vitest'
import { chromiumAvailable, dmWidget, eventually, hostAndBrowser, openAs, openDm } from './harness.js'
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

/** The boxes of a row's bubble, toolbar and picker, relative to the list's top, and whether the picker overlaps either. */
function pickerLayout(row: Locator) {
  return row.evaluate((element) => {
    const list = element.closest('.log')!.getBoundingClientRect()
    const box = (selector: string) => {
      const rect = element.querySelector(selector)!.getBoundingClientRect()
      return { top: rect.top - list.top, bottom: rect.bottom - list.top, left: rect.left, right: rect.right }
    }
    const bubble = box('.bubble')
    const bar = box('.actions')
    const picker = box('.picker')
    const overlap = (a: typeof bar, b: typeof bar) =>
      a.top < b.bottom - 1 && b.top < a.bottom - 1 && a.left < b.right - 1 && b.left < a.right - 1
    return {
      bar,
      picker,
      overBubble: overlap(picker, bubble),
      overBar: overlap(picker, bar),
      inList: picker.top >= 0 && picker.bottom <= list.height,
    }
  })
}

/** Opens the DM panel; the row of the seeded message number n. */
async function seededDm(page: Page) {
  const dm = await openDm(page)
  const message = (n: number) =>
    dm.root.locator('.message', {
      has: page.locator('.body', { hasText: new RegExp(`^Message number ${n}$`) }),
    })
  await message(30).waitFor()
  return message
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
    const { messages } = await shared.host.call('alice', 'GET', `/api/chats/${dm.id}/messages/`)
    const twelfth = messages.find((m: { body: string }) => m.body === 'Message number 12')
    await shared.host.call('bob', 'POST', `/api/messages/${twelfth.id}/reactions/`, { emoji: '👍' })
    await shared.host.call('alice', 'POST', `/api/chats/${dm.id}/messages/`, { body: 'Ok' })
  })

  for (const width of [375, 1100]) {
    test(`at ${width} px it shows whole for a message at the top of the list, by mouse and keyboard`, async () => {
      const alice = await openAs(shared.browser, shared.host, 'alice', '/host/dm/bob', { width, height: 700 })
      const page = alice.page
      try {
        const message = await seededDm(page)

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

  for (const [width, touch] of [
    [320, false],
    [375, false],
    [375, true],
  ] as const) {
    test(`at ${width} px ${touch ? 'by touch' : 'by mouse'} the picker of a short message, mine or the other's, keeps one row in the list, clear of the toolbar`, async () => {
      const viewport = { width, height: 700 }
      const alice = await openAs(shared.browser, shared.host, 'alice', '/host/dm/bob', viewport, touch)
      const page = alice.page
      try {
        const message = await seededDm(page)
        // Bob's last message and my 'Ok' after it.
        for (const row of [message(30), dmWidget(page).message('Ok')]) {
          await row.scrollIntoViewIfNeeded()
          const react = row.locator('[data-action="react"]')
          if (touch) await react.tap()
          else {
            // Hovered first, as a mouse reaches the toolbar (shown above the row).
            await hoverText(page, row)
            await toolbarRoom(row)
            const box = (await react.boundingBox())!
            await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2)
          }
          const picker = row.getByRole('group', { name: 'Choose a reaction' })
          await picker.waitFor()
          const {
            rows,
            narrowest,
            picker: at,
            bar,
            list,
          } = await picker.evaluate((element) => {
            const box = (one: Element) => one.getBoundingClientRect().toJSON() as DOMRect
            const buttons = [...element.querySelectorAll('button')].map(box)
            return {
              rows: new Set(buttons.map((b) => Math.round(b.top))).size,
              narrowest: Math.min(...buttons.map((b) => b.width)),
              picker: box(element),
              bar: box(element.closest('.message')!.querySelector('.actions')!),
              list: box(element.closest('.log')!),
            }
          })
          expect(rows).toBe(1)
          // Each emoji stays a button one can hit.
          expect(narrowest).toBeGreaterThanOrEqual(28)
          expect(at.left).toBeGreaterThanOrEqual(list.left)
          expect(at.right).toBeLessThanOrEqual(Math.min(list.right, width))
          const apart = at.top >= bar.bottom - 1 || bar.top >= at.bottom - 1
          expect(apart || at.left >= bar.right - 1 || bar.left >= at.right - 1).toBe(true)
          await page.keyboard.press('Escape')
          await picker.waitFor({ state: 'detached' })
        }
      } finally {
        await alice.context.close()
      }
    })
  }

  for (const width of [375, 1100]) {
    test(`at ${width} px the picker opens clear of the toolbar, which keeps its place, above or below the row`, async () => {
      const alice = await openAs(shared.browser, shared.host, 'alice', '/host/dm/bob', { width, height: 700 })
      const page = alice.page
      try {
        const message = await seededDm(page)
        const check = async (row: Locator, below: boolean, open: () => Promise<void>) => {
          await toolbarRoom(row)
          expect(await row.evaluate((element) => element.hasAttribute('data-below'))).toBe(below)
          const bar = await row.locator('.actions').boundingBox()
          await open()
          await eventually(() => row.locator('[data-action="react"]').getAttribute('aria-expanded')).toBe(
            'true',
          )
          const layout = await pickerLayout(row)
          expect(await row.locator('.actions').boundingBox()).toEqual(bar)
          expect(layout).toMatchObject({ overBubble: false, overBar: false, inList: true })
          // Below the row the picker lies under the toolbar; above it, under the bubble (between the two).
          if (below) expect(layout.picker.top).toBeGreaterThanOrEqual(layout.bar.bottom)
        }

        // By mouse: a row 4 px under the list's edge (toolbar below), then one in the middle (toolbar above).
        for (const [n, offset, below] of [
          [20, 4, true],
          [24, 200, false],
        ] as const) {
          await rowAtTop(message(n), offset)
          await hoverText(page, message(n))
          // The mouse clicks where React shows (a locator's click would first scroll it clear of the list's scroll padding).
          await check(message(n), below, async () => {
            const react = (await message(n).locator('[data-action="react"]').boundingBox())!
            await page.mouse.click(react.x + react.width / 2, react.y + react.height / 2)
          })
          await page.keyboard.press('Escape')
          await eventually(() => message(n).locator('.picker').count()).toBe(0)
        }

        // By keyboard: Tab to React and Enter, from the reaction of a row 2 px under the list's edge (the focus
        // on Reply there would scroll its row to the middle of the list, its toolbar above), and from Reply of one
        // in the middle.
        await page.mouse.move(0, 0)
        for (const [n, offset, below, start] of [
          [12, 2, true, '.reaction'],
          [22, 200, false, '[data-action="reply"]'],
        ] as const) {
          await rowAtTop(message(n), offset)
          await message(n).locator(start).focus()
          await check(message(n), below, async () => {
            if (start === '.reaction') await page.keyboard.press('Tab')
            await page.keyboard.press('Tab')
            await page.keyboard.press('Enter')
          })
          const first = message(n).locator('.picker-emoji').first()
          await eventually(() =>
            first.evaluate((e) => (e.getRootNode() as ShadowRoot).activeElement === e),
          ).toBe(true)
          await page.keyboard.press('Escape')
          await eventually(() => message(n).locator('.picker').count()).toBe(0)
        }
      } finally {
        await alice.context.close()
      }
    })
  }
})
