import type { Locator, Page } from 'playwright-core'
import { beforeAll, describe, expect, test } from 'vitest'
import { chromiumAvailable, dmWidget, eventually, hostAndBrowser, openAs, openDm } from './harness.js'
import { focused, seriousViolations } from './messages-helpers.js'

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

    // Dana's DM with Alice: a page of messages, then a link, two files and short ones at the end.
    const withDana = await shared.host.call('dana', 'POST', '/api/dms/', { userId: 'alice' })
    await shared.host.seedMessages(withDana.id, 20, ['dana', 'alice'])
    const say = (user: string, body: string, attachmentIds: number[] = []) =>
      shared.host.call(user, 'POST', `/api/chats/${withDana.id}/messages/`, { body, attachmentIds })
    await say('dana', 'The agenda is on https://example.com/agenda')
    const files = []
    for (const name of ['notes.txt', 'minutes-of-the-spring-meeting-2026.pdf']) {
      const path = `/messages/api/chats/${withDana.id}/attachments/?name=${encodeURIComponent(name)}`
      const response = await fetch(`${shared.host.origin}${path}`, {
        method: 'POST',
        headers: { cookie: 'test-user=dana', 'content-type': 'text/plain' },
        body: 'notes',
      })
      files.push(((await response.json()) as { id: number }).id)
    }
    await say('dana', 'Both files', files)
    await say('alice', 'Fine by me')
    await say('dana', 'See you')
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
          if (touch) {
            // A tap on the bubble shows the toolbar.
            await row.locator('.bubble').tap()
            await toolbarRoom(row)
            await react.tap()
          } else {
            // Hovered first, as a mouse reaches the toolbar (shown above the row).
            await hoverText(page, row)
            await toolbarRoom(row)
            const box = (await react.boundingBox())!
            await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2)
          }
          const picker = row.getByRole('toolbar', { name: 'Choose a reaction' })
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
    test(`at ${width} px the picker opens clear of the toolbar, which keeps its place beside the bubble, at the list's top edge or not`, async () => {
      const alice = await openAs(shared.browser, shared.host, 'alice', '/host/dm/bob', { width, height: 700 })
      const page = alice.page
      try {
        const message = await seededDm(page)
        const check = async (row: Locator, open: () => Promise<void>) => {
          expect(Math.min(...Object.values(await toolbarRoom(row)))).toBeGreaterThanOrEqual(0)
          const bar = await row.locator('.actions').boundingBox()
          await open()
          await eventually(() => row.locator('[data-action="react"]').getAttribute('aria-expanded')).toBe(
            'true',
          )
          const layout = await pickerLayout(row)
          expect(await row.locator('.actions').boundingBox()).toEqual(bar)
          expect(layout).toMatchObject({ overBubble: false, overBar: false, inList: true })
        }

        // By mouse: a row 4 px under the list's edge, then one in the middle.
        for (const [n, offset] of [
          [20, 4],
          [24, 200],
        ] as const) {
          await rowAtTop(message(n), offset)
          await hoverText(page, message(n))
          // The mouse clicks where React shows (a locator's click would first scroll it clear of the list's scroll padding).
          await check(message(n), async () => {
            const react = (await message(n).locator('[data-action="react"]').boundingBox())!
            await page.mouse.click(react.x + react.width / 2, react.y + react.height / 2)
          })
          await page.keyboard.press('Escape')
          await eventually(() => message(n).locator('.picker').count()).toBe(0)
        }

        // By keyboard: Tab to React and Enter, from the reaction of a row 2 px under the list's edge, and from Reply
        // of one in the middle (the focus on React may scroll the list clear of its edge, as a focus does).
        await page.mouse.move(0, 0)
        for (const [n, offset, start] of [
          [12, 2, '.reaction'],
          [22, 200, '[data-action="reply"]'],
        ] as const) {
          await rowAtTop(message(n), offset)
          await message(n).locator(start).focus()
          if (start === '.reaction') await page.keyboard.press('Tab')
          await page.keyboard.press('Tab')
          expect((await focused(page)).action).toBe('react')
          await check(message(n), () => page.keyboard.press('Enter'))
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

  for (const [width, lang] of [
    [375, 'en'],
    [1100, 'en'],
    [375, 'ar'],
    [1100, 'ar'],
  ] as const) {
    test(`at ${width} px${lang === 'ar' ? ' in Arabic (right to left)' : ''} a hovered message's toolbar hides no text of the rows around it, nor its own`, async () => {
      // A DM of its own: Alice's two messages in a row after a long one of her friend's, then three he wrote since
      // she read (the new-messages line over them).
      const friend = `friend-${width}-${lang}`
      await shared.host.palaver.users.upsert({
        id: friend,
        username: friend,
        name: 'Frank',
        email: `${friend}@example.com`,
      })
      const dm = await shared.host.call('alice', 'POST', '/api/dms/', { userId: friend })
      const tell = (user: string, body: string) =>
        shared.host.call(user, 'POST', `/api/chats/${dm.id}/messages/`, { body })
      await tell(friend, 'Are you coming on Saturday? The ride starts at nine at the bakery on the corner.')
      await tell('alice', 'Yes, with Bob')
      await tell('alice', 'We bring the thermos and the spare tubes, and a pump for everyone')
      await shared.host.call(friend, 'POST', `/api/chats/${dm.id}/mark-as-read/`, {})
      await tell(friend, 'سأحضر الخريطة والوجبات الخفيفة للجميع، ونلتقي عند المخبز')
      await tell(friend, 'Great')
      await tell(friend, 'وصلت')
      const viewport = { width, height: 700 }
      const alice = await openAs(
        shared.browser,
        shared.host,
        'alice',
        `/host/dm/${friend}?lang=${lang}`,
        viewport,
      )
      const page = alice.page
      try {
        const list = dmWidget(page)
        await list.toggle.click()
        await list.message('وصلت').waitFor()
        await list.root.locator('.unread-line').waitFor()
        const rows = list.root.locator('.message', { has: page.locator('.actions') })
        const count = await rows.count()
        expect(count).toBe(6)
        // Each message under the first: hovered, its toolbar lies over none of the text, times and ticks of the
        // list (the row above, the new-messages line) but where it is drawn from itself, and none of its own text.
        for (let i = 1; i < count; i++) {
          const row = rows.nth(i)
          await row.scrollIntoViewIfNeeded()
          await hoverText(page, row)
          await toolbarRoom(row)
          const covered = await row.evaluate((hovered) => {
            const bar = hovered.querySelector('.actions')!.getBoundingClientRect()
            const log = hovered.closest('.log')!
            const boxes: Array<[string, DOMRect]> = []
            const walker = document.createTreeWalker(log, NodeFilter.SHOW_TEXT)
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
              // What is only read out (a sender's name, 'Read') is not on screen.
              if (!node.textContent?.trim() || node.parentElement!.closest('.visually-hidden')) continue
              const range = document.createRange()
              range.selectNodeContents(node)
              for (const line of range.getClientRects()) boxes.push([node.textContent.trim(), line])
            }
            for (const icon of log.querySelectorAll('.status svg'))
              boxes.push(['ticks', icon.getBoundingClientRect()])
            return boxes
              .filter(
                ([, box]) =>
                  box.width > 1 &&
                  box.height > 1 &&
                  box.right > bar.left + 1 &&
                  box.left < bar.right - 1 &&
                  box.bottom > bar.top + 1 &&
                  box.top < bar.bottom - 1,
              )
              .map(([text]) => text)
          })
          expect(covered, `toolbar of ${await row.locator('.body').textContent()}`).toEqual([])
        }
      } finally {
        await alice.context.close()
      }
    })
  }

  for (const width of [320, 375]) {
    test(`at ${width} px by touch no toolbar shows until a tap on a bubble chooses its message, until another tap, Escape or a tap elsewhere`, async () => {
      const viewport = { width, height: 700 }
      const alice = await openAs(shared.browser, shared.host, 'alice', '/host/dm/dana', viewport, true)
      const page = alice.page
      try {
        const dm = await openDm(page)
        const link = dm.message('The agenda is on')
        const files = dm.message('Both files')
        const mine = dm.message('Fine by me')
        const last = dm.message('See you')
        await last.waitFor()
        // The text of each message whose toolbar shows.
        const shown = () =>
          dm.messages.evaluateAll((rows) =>
            rows
              .filter((row) => {
                const bar = row.querySelector('.actions')
                return bar && getComputedStyle(bar).opacity !== '0'
              })
              .map((row) => row.querySelector('.body')?.textContent),
          )
        const tapBubble = (row: Locator) => row.locator('.bubble').tap()
        await eventually(shown).toEqual([])

        // The file card has the bubble's width: the short name whole, its size on one line.
        const card = files.locator('.file', { hasText: 'notes.txt' })
        expect(await card.locator('.file-start').evaluate((e) => e.scrollWidth > e.clientWidth)).toBe(false)
        const sizeLines = await card.locator('.file-size').evaluate((element) => {
          const range = document.createRange()
          range.selectNodeContents(element)
          return new Set([...range.getClientRects()].map((line) => Math.round(line.top))).size
        })
        expect(sizeLines).toBe(1)

        // A tap on Dana's last bubble: its toolbar, in the list and the viewport, over no other message.
        await tapBubble(last)
        await eventually(shown).toEqual(['See you'])
        const place = await last.evaluate((row, width) => {
          const bar = row.querySelector('.actions')!.getBoundingClientRect()
          const list = row.closest('.log')!.getBoundingClientRect()
          const bubbles = [...row.closest('.log')!.querySelectorAll('.bubble')].filter(
            (b) => !row.contains(b),
          )
          return {
            inside: bar.left >= 0 && bar.right <= width && bar.top >= list.top && bar.bottom <= list.bottom,
            overOthers: bubbles.some((bubble) => {
              const b = bubble.getBoundingClientRect()
              return bar.top < b.bottom && b.top < bar.bottom && bar.left < b.right && b.left < bar.right
            }),
          }
        }, width)
        expect(place).toEqual({ inside: true, overOthers: false })
        // Its buttons work: React opens the picker, an emoji reacts; Reply answers it and lets go.
        await last.locator('[data-action="react"]').tap()
        const emoji = width === 320 ? '🎉' : '🔥'
        await last.getByRole('button', { name: `React with ${emoji}` }).tap()
        await last.locator('.reaction.mine', { hasText: emoji }).waitFor()
        expect(await shown()).toEqual(['See you'])
        await last.locator('[data-action="reply"]').tap()
        await eventually(() => dm.root.locator('.reply-bar-title').textContent()).toBe(
          'Replying to Dana Díaz',
        )
        await eventually(shown).toEqual([])

        // Another message's tap moves it; the same tapped again lets go.
        await tapBubble(mine)
        await eventually(shown).toEqual(['Fine by me'])
        await tapBubble(last)
        await eventually(shown).toEqual(['See you'])
        await tapBubble(last)
        await eventually(shown).toEqual([])

        // A tap elsewhere (the list's padding), and Escape, let go; the panel stays open.
        await tapBubble(mine)
        await eventually(shown).toEqual(['Fine by me'])
        await dm.root.locator('.log').tap({ position: { x: 4, y: 4 } })
        await eventually(shown).toEqual([])
        await tapBubble(mine)
        await eventually(shown).toEqual(['Fine by me'])
        await page.keyboard.press('Escape')
        await eventually(shown).toEqual([])
        expect(await dm.panel.isVisible()).toBe(true)
        // A long press (its contextmenu) chooses too.
        await mine.locator('.body').dispatchEvent('contextmenu')
        await eventually(shown).toEqual(['Fine by me'])

        // A link in a message opens, and does not choose its message.
        await alice.context.route('https://example.com/**', (route) => route.fulfill({ body: 'The agenda' }))
        const opened = alice.context.waitForEvent('page')
        await link.getByRole('link').tap()
        expect((await opened).url()).toBe('https://example.com/agenda')
        await eventually(shown).toEqual([])

        // A message 4 px under the list's edge: its toolbar below it, whole; React opens the picker clear of it.
        const top = dm.root.locator('.message', {
          has: page.locator('.body', { hasText: /^Message number 18$/ }),
        })
        await rowAtTop(top, 4)
        await tapBubble(top)
        expect(Math.min(...Object.values(await toolbarRoom(top)))).toBeGreaterThanOrEqual(0)
        await top.locator('[data-action="react"]').tap()
        await top.locator('.picker').waitFor()
        expect(await pickerLayout(top)).toMatchObject({ overBubble: false, overBar: false, inList: true })
      } finally {
        await alice.context.close()
      }
    })
  }
})
