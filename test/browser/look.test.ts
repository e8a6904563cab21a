import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Locator } from 'playwright-core'
import { beforeAll, describe, expect, test } from 'vitest'
import {
  chromiumAvailable,
  dmWidget,
  eventually,
  type Host,
  hostAndBrowser,
  openAs,
  openDm,
  roomWidget,
} from './harness.js'
import { focused, seriousViolations } from './messages-helpers.js'

// PALAVER_SCREENSHOTS=1 writes them to docs/screenshots (committed); otherwise to a temporary folder.
const screenshots = process.env.PALAVER_SCREENSHOTS
  ? fileURLToPath(new URL('../../docs/screenshots/', import.meta.url))
  : mkdtempSync(join(tmpdir(), 'palaver-screens-'))
mkdirSync(screenshots, { recursive: true })

/** A conversation that looks like people talking: replies, a link, reactions, an edit, a day change. */
async function seed(host: Host): Promise<{ room: number }> {
  const dm = await host.call('alice', 'POST', '/api/dms/', { userId: 'bob' })
  const say = (user: string, chatId: number, body: string) =>
    host.call(user, 'POST', `/api/chats/${chatId}/messages/`, { body })
  const first = await say('bob', dm.id, 'Hey Alice! Did you get a chance to look at the new designs?')
  await say('alice', dm.id, 'Not yet, sorry. Busy day. Can you send me the link again?')
  await say('bob', dm.id, 'Sure: https://example.com/designs/v2 (the second page is the interesting one)')
  const liked = await say('alice', dm.id, 'Just looked. The new onboarding flow is so much cleaner 😍')
  await say('bob', dm.id, 'Right? Dana did most of it.')
  const edited = await say('alice', dm.id, 'Let’s show it at Thursday’s demo.')
  await host.call('alice', 'PATCH', `/api/messages/${edited.id}/`, {
    body: 'Let’s show it at Thursday’s demo!',
  })
  await host.call('bob', 'POST', `/api/messages/${liked.id}/reactions/`, { emoji: '❤️' })
  await host.call('bob', 'POST', `/api/messages/${liked.id}/reactions/`, { emoji: '🎉' })
  await say('bob', dm.id, 'Deal. I’ll book the room 👍')
  await host.call('bob', 'POST', `/api/chats/${dm.id}/mark-as-read/`, {})
  // The first two were yesterday.
  await host.palaver.db
    .updateTable('palaver_messages')
    .set((eb) => ({ created_at: eb('created_at', '-', 26 * 3600_000) }))
    .where('id', '<=', first.id + 1)
    .execute()

  const room = await host.call('alice', 'POST', '/api/rooms/', { contentType: 'video', objectId: 'public-7' })
  for (const user of ['alice', 'bob', 'charlie']) await host.call(user, 'POST', `/api/chats/${room.id}/join/`)
  await say('charlie', room.id, 'The part at 3:40 about caching finally made it click for me.')
  const q = await say('bob', room.id, 'Same! Does anyone know if the slides are online?')
  await say('alice', room.id, 'They are linked in the description: https://example.com/talks/caching')
  await host.call('charlie', 'POST', `/api/messages/${q.id}/reactions/`, { emoji: '👍' })
  await host.call('alice', 'POST', `/api/messages/${q.id}/reactions/`, { emoji: '👍' })
  await say('charlie', room.id, 'Thanks Alice 🙏')
  return { room: room.id }
}

describe.skipIf(!chromiumAvailable)('look and accessibility', () => {
  const shared = hostAndBrowser({ transport: 'websocket' })

  beforeAll(async () => {
    await seed(shared.host)
  })

  for (const theme of ['light', 'dark'] as const) {
    test(`the DM widget in ${theme} mode: no serious accessibility findings`, async () => {
      const alice = await openAs(shared.browser, shared.host, 'alice', `/host/dm/bob?theme=${theme}`)
      try {
        const dm = await openDm(alice.page)
        await dm.message('book the room').waitFor()
        await eventually(() => dm.root.getAttribute('data-palaver-mode')).toBe(theme)
        await alice.page.waitForTimeout(300)
        await alice.page.screenshot({ path: join(screenshots, `dm-${theme}.png`) })
        expect(await seriousViolations(alice.page)).toEqual([])
      } finally {
        await alice.context.close()
      }
    })

    test(`the room widget in ${theme} mode, as a member and as a reader: no serious findings`, async () => {
      const bob = await openAs(shared.browser, shared.host, 'bob', `/host/room/public-7?theme=${theme}`)
      const dana = await openAs(shared.browser, shared.host, 'dana', `/host/room/public-7?theme=${theme}`)
      try {
        for (const page of [bob.page, dana.page]) {
          await roomWidget(page).message('Thanks Alice').waitFor()
          await page.waitForTimeout(300)
        }
        await bob.page.screenshot({ path: join(screenshots, `room-${theme}.png`) })
        expect(await seriousViolations(bob.page)).toEqual([])
        expect(await roomWidget(dana.page).composer.count()).toBe(0)
        expect(await seriousViolations(dana.page)).toEqual([])
      } finally {
        await bob.context.close()
        await dana.context.close()
      }
    })
  }

  for (const theme of ['light', 'dark'] as const) {
    test(`in ${theme} mode the focus ring on a link in my own bubble stands out from the bubble (3:1)`, async () => {
      const alice = await openAs(shared.browser, shared.host, 'alice', `/host/room/public-7?theme=${theme}`)
      const page = alice.page
      try {
        const room = roomWidget(page)
        const own = room.message('They are linked in the description')
        await own.waitFor()
        await eventually(() => room.root.getAttribute('data-palaver-mode')).toBe(theme)
        // Back from the message box by keyboard to the link in Alice's message.
        await room.composer.focus()
        for (let i = 0; i < 12 && (await focused(page)).tag !== 'a'; i++)
          await page.keyboard.press('Shift+Tab')
        expect(await focused(page)).toMatchObject({ tag: 'a', text: 'https://example.com/talks/caching' })
        const contrast = await own.evaluate((row) => {
          const link = row.querySelector('a')!
          const canvas = document.createElement('canvas').getContext('2d', { willReadFrequently: true })!
          const luminance = (color: string) => {
            canvas.fillStyle = '#000'
            canvas.fillStyle = color
            canvas.fillRect(0, 0, 1, 1)
            const [r, g, b] = [...canvas.getImageData(0, 0, 1, 1).data].map((v) => {
              const c = v / 255
              return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
            })
            return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!
          }
          const ring = getComputedStyle(link)
          const bubble = luminance(getComputedStyle(row.querySelector('.bubble')!).backgroundColor)
          const outline = luminance(ring.outlineColor)
          const ratio = (Math.max(bubble, outline) + 0.05) / (Math.min(bubble, outline) + 0.05)
          return { visible: link.matches(':focus-visible') && ring.outlineStyle !== 'none', ratio }
        })
        expect(contrast.visible).toBe(true)
        expect(contrast.ratio).toBeGreaterThanOrEqual(3)
      } finally {
        await alice.context.close()
      }
    })
  }

  test('on a phone (375 px wide) who reacted shows within the list, which never scrolls sideways', async () => {
    const own = await shared.host.call('alice', 'GET', '/api/search/?q=description')
    const linked = own.results[0].message.id
    for (const user of ['bob', 'charlie'])
      await shared.host.call(user, 'POST', `/api/messages/${linked}/reactions/`, { emoji: '🙌' })
    const phone = { width: 375, height: 700 }
    const { page, context } = await openAs(shared.browser, shared.host, 'alice', '/host/room/public-7', phone)
    try {
      const room = roomWidget(page)
      const reactions = room.root.locator('.reaction')
      await room.message('They are linked').locator('.reaction').waitFor()
      const list = room.root.locator('.log')
      // The names wait hidden over the list: they widened it (scrollWidth 432 against 375 in the demo).
      expect(await list.evaluate((log) => log.scrollWidth - log.clientWidth)).toBe(0)
      const edges = (await list.boundingBox())!
      for (let i = 0; i < (await reactions.count()); i++) {
        await reactions.nth(i).hover()
        const tip = reactions.nth(i).locator('xpath=..').locator('.tooltip')
        await eventually(() => tip.evaluate((element) => getComputedStyle(element).opacity)).toBe('1')
        const [box, names] = [(await tip.boundingBox())!, String(await tip.textContent())]
        expect(box.x, names).toBeGreaterThanOrEqual(edges.x)
        expect(box.x + box.width, names).toBeLessThanOrEqual(edges.x + edges.width)
      }
    } finally {
      await context.close()
    }
  })

  test('on a phone (375 px wide) editing a message of several lines shows all of them, and Save', async () => {
    const dm = await shared.host.call('alice', 'POST', '/api/dms/', { userId: 'charlie' })
    const body =
      'Packing list for Saturday:\n- two spare tubes\n- a pump\n- the big thermos\n- rain jackets, just in case'
    await shared.host.call('alice', 'POST', `/api/chats/${dm.id}/messages/`, { body })
    const phone = { width: 375, height: 700 }
    const { page, context } = await openAs(shared.browser, shared.host, 'alice', '/host/dm/charlie', phone)
    try {
      const panel = await openDm(page)
      const own = panel.message('Packing list for Saturday')
      // By mouse: over its text, then Edit in its toolbar.
      await own.locator('.body').hover({ position: { x: 4, y: 8 } })
      await own.locator('[data-action="edit"]').click()
      const box = panel.root.getByRole('textbox', { name: 'Edit your message' })
      await eventually(async () => (await focused(page)).label).toBe('Edit your message')
      expect(await box.inputValue()).toBe(body)
      // The box is as tall as its text: nothing of it is scrolled out of sight (it showed two of its five lines).
      const fits = await box.evaluate((area) => [area.scrollHeight, area.clientHeight])
      expect(fits[0]).toBeLessThanOrEqual(fits[1]! + 1)
      // Save shows within the list.
      const save = (await panel.root.getByRole('button', { name: 'Save' }).boundingBox())!
      const list = (await panel.root.locator('.log').boundingBox())!
      expect(save.y).toBeGreaterThanOrEqual(list.y)
      expect(save.y + save.height).toBeLessThanOrEqual(list.y + list.height)
    } finally {
      await context.close()
    }
  })

  test('on a phone (375 px wide) the toggle of a person with a long name stays within the page, its name cut', async () => {
    const name = 'Maximilian Alexander Wolfeschlegelsteinhausenbergerdorff'
    await shared.host.palaver.users.upsert({ id: 'max', username: 'max', name, email: 'max@example.com' })
    const alice = await openAs(shared.browser, shared.host, 'alice', '/host/dm/max', {
      width: 375,
      height: 700,
    })
    try {
      // Its name shows once the DM is loaded (opened).
      const toggle = (await openDm(alice.page)).toggle
      await eventually(() => toggle.textContent()).toContain(name)
      const box = (await toggle.boundingBox())!
      expect(box.x + box.width).toBeLessThanOrEqual(375)
      expect(await alice.page.evaluate(() => document.documentElement.scrollWidth)).toBe(375)
      // Cut on screen only: the button's name is whole.
      await alice.page.getByRole('button', { name: `Message ${name}` }).waitFor()
    } finally {
      await alice.context.close()
    }
  })

  test("on a phone (375 px wide) a wide bubble's toolbar, by mouse or keyboard, hides none of its text", async () => {
    const alice = await openAs(shared.browser, shared.host, 'alice', '/host/dm/bob', {
      width: 375,
      height: 700,
    })
    const page = alice.page
    /** The lines of the message's text that its toolbar lies over, once the toolbar shows. */
    const covered = async (message: Locator) => {
      await eventually(() =>
        message.locator('.actions').evaluate((bar) => getComputedStyle(bar).opacity),
      ).toBe('1')
      return message.evaluate((row) => {
        const bar = row.querySelector('.actions')!.getBoundingClientRect()
        const text = document.createRange()
        text.selectNodeContents(row.querySelector('.body')!)
        return [...text.getClientRects()]
          .filter(
            (line) =>
              line.right > bar.left &&
              line.left < bar.right &&
              line.bottom > bar.top &&
              line.top < bar.bottom,
          )
          .map(
            (line) =>
              `${Math.round(line.left)},${Math.round(line.top)} under ${Math.round(bar.left)},${Math.round(bar.bottom)}`,
          )
      })
    }
    try {
      const dm = await openDm(page)
      // Both fill the bubble's width at 375 px: Alice's own (toolbar with Edit and Delete) and Bob's.
      const own = dm.message('Just looked.')
      const other = dm.message('Sure: https://example.com/designs/v2')
      await own.waitFor()
      for (const message of [own, other]) {
        await message.scrollIntoViewIfNeeded()
        const body = (await message.locator('.body').boundingBox())!
        await page.mouse.move(body.x + 4, body.y + body.height / 2)
        expect(await covered(message)).toEqual([])
      }
      // The mouse gets from the start of the text to the toolbar (the message stays hovered on the way) and replies.
      const start = (await own.locator('.body').boundingBox())!
      await page.mouse.move(start.x + 4, start.y + 8)
      const reply = (await own.locator('[data-action="reply"]').boundingBox())!
      await page.mouse.move(reply.x + reply.width / 2, reply.y + reply.height / 2, { steps: 20 })
      await page.mouse.down()
      await page.mouse.up()
      await dm.root.locator('[part="reply-bar"]').waitFor()
      // By keyboard, back from the message box: the focus on Reply shows the toolbar, over no text either.
      await page.mouse.move(0, 0)
      const ownId = Number(await own.getAttribute('data-id'))
      for (let i = 0; i < 30; i++) {
        const now = await focused(page)
        if (now.messageId === ownId && now.action === 'reply') break
        await page.keyboard.press('Shift+Tab')
      }
      expect(await focused(page)).toMatchObject({ messageId: ownId, action: 'reply' })
      expect(await covered(own)).toEqual([])
      // A quick mouse too: from the text of Bob's straight to React, at once, opens the picker. React is found
      // once the text is hovered: until then its toolbar is hidden, and where it goes (above the row, or below
      // it at the list's top edge) is decided as the message is hovered.
      await other.scrollIntoViewIfNeeded()
      const text = (await other.locator('.body').boundingBox())!
      const react = other.locator('[data-action="react"]')
      await page.mouse.move(text.x + 4, text.y + 8)
      const target = (await react.boundingBox())!
      await page.mouse.click(target.x + target.width / 2, target.y + target.height / 2)
      await eventually(() => react.getAttribute('aria-expanded')).toBe('true')
    } finally {
      await alice.context.close()
    }
  })

  test('the loading spinner is a ring that under reduced motion does not turn, and says what loads', async () => {
    const alice = await openAs(shared.browser, shared.host, 'alice', '/host/dm/bob')
    const page = alice.page
    let release = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    await page.route(/\/api\/chats\/\d+\/messages\//, async (route) => {
      await held
      await route.continue()
    })
    try {
      await dmWidget(page).toggle.click()
      const spinner = dmWidget(page).root.getByRole('img', { name: 'Loading…' })
      await spinner.waitFor()
      // A ring, also where it stands alone in the middle of the list (the first load).
      const box = (await spinner.boundingBox())!
      expect([box.width, box.height]).toEqual([18, 18])
      /** The spinner's transforms over ten frames. */
      const turns = () =>
        spinner.evaluate(
          (element) =>
            new Promise<string[]>((resolve) => {
              const seen = new Set<string>()
              const frame = (count: number) => {
                seen.add(getComputedStyle(element).transform)
                if (count < 10) requestAnimationFrame(() => frame(count + 1))
                else resolve([...seen])
              }
              frame(0)
            }),
        )
      expect(await turns()).toEqual(['none'])
      await page.emulateMedia({ reducedMotion: 'no-preference' })
      expect((await turns()).length).toBeGreaterThan(1)
    } finally {
      release()
      await alice.context.close()
    }
  })

  test('on a phone (390 px wide) the DM panel takes the width; Arabic reads right to left', async () => {
    const alice = await openAs(shared.browser, shared.host, 'alice', '/host/dm/bob', {
      width: 390,
      height: 844,
    })
    try {
      const dm = await openDm(alice.page)
      await dm.message('book the room').waitFor()
      const box = await dm.panel.boundingBox()
      expect(box?.width).toBe(390)
      await alice.page.waitForTimeout(300)
      await alice.page.screenshot({ path: join(screenshots, 'dm-mobile.png') })
    } finally {
      await alice.context.close()
    }
    const charlie = await openAs(shared.browser, shared.host, 'charlie', '/host/room/public-7?lang=ar')
    try {
      const room = roomWidget(charlie.page)
      await room.message('Thanks Alice').waitFor()
      await eventually(() => room.count.textContent()).toContain('3 أعضاء')
      expect(await room.root.locator('.room').getAttribute('dir')).toBe('rtl')
      // The time sits at the line's end, on the left: its gap from the text is on its right.
      const thanks = room.message('Thanks Alice')
      const [text, time] = [
        await thanks.locator('.body').boundingBox(),
        await thanks.locator('.meta').boundingBox(),
      ]
      expect(text!.x - (time!.x + time!.width)).toBeGreaterThanOrEqual(8)
      await charlie.page.waitForTimeout(300)
      await charlie.page.screenshot({ path: join(screenshots, 'room-arabic.png') })
    } finally {
      await charlie.context.close()
    }
  })
})
