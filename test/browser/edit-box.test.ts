import type { Locator, Page } from 'playwright-core'
import { beforeAll, describe, test } from 'vitest'
import { chromiumAvailable, eventually, hostAndBrowser, openAs, openDm, roomWidget } from './harness.js'
import { focused } from './messages-helpers.js'

const PACKING =
  'Packing list for Saturday:\n- two spare tubes\n- a pump\n- the big thermos\n- rain jackets, just in case\n- snacks for everyone, and a few more'

/** How far the edit box lies inside the list's visible box, at its top and under its buttons (negative: cut off). */
function editorRoom(root: Locator) {
  return root.locator('palaver-message-editor').evaluate((editor) => {
    const list = editor.closest('.log')!.getBoundingClientRect()
    const buttons = [...editor.shadowRoot!.querySelectorAll('button')].map((b) => b.getBoundingClientRect())
    // Not drawn yet: nothing to measure.
    if (buttons.length !== 2) return Number.NEGATIVE_INFINITY
    return Math.round(
      Math.min(
        editor.getBoundingClientRect().top - list.top,
        ...buttons.map((button) => list.bottom - button.bottom),
      ),
    )
  })
}

/** The list shows its end: the newest message, whole. */
function atEnd(root: Locator) {
  return root.locator('.log').evaluate((log) => log.scrollHeight - log.scrollTop - log.clientHeight < 2)
}

async function clickEdit(page: Page, row: Locator) {
  const text = (await row.locator('.body').boundingBox())!
  await page.mouse.move(text.x + 4, text.y + 8)
  await eventually(() => row.locator('.actions').evaluate((bar) => getComputedStyle(bar).opacity)).toBe('1')
  const edit = (await row.locator('[data-action="edit"]').boundingBox())!
  await page.mouse.click(edit.x + edit.width / 2, edit.y + edit.height / 2)
}

describe.skipIf(!chromiumAvailable)('the edit box', () => {
  const shared = hostAndBrowser({ transport: 'websocket' })

  beforeAll(async () => {
    const host = shared.host
    const dm = await host.call('alice', 'POST', '/api/dms/', { userId: 'bob' })
    const room = await host.call('alice', 'POST', '/api/rooms/', {
      contentType: 'video',
      objectId: 'public-edit',
    })
    for (const user of ['alice', 'bob']) await host.call(user, 'POST', `/api/chats/${room.id}/join/`)
    // A list longer than the view, ending with Alice's message of six lines (its edit box is taller than its bubble).
    for (const chat of [dm.id, room.id]) {
      await host.seedMessages(chat, 30, ['alice', 'bob'])
      await host.call('alice', 'POST', `/api/chats/${chat}/messages/`, { body: PACKING })
    }
  })

  for (const widget of ['dm', 'room'] as const)
    for (const width of [375, 1100])
      test(`in the ${widget} widget at ${width} px, my newest message of six lines at the end of the list opens its edit box whole, Save and Cancel in view, by Edit and by the Up arrow`, async () => {
        const path = widget === 'dm' ? '/host/dm/bob' : '/host/room/public-edit'
        const alice = await openAs(shared.browser, shared.host, 'alice', path, { width, height: 700 })
        const page = alice.page
        try {
          const { root, composer } = widget === 'dm' ? await openDm(page) : roomWidget(page)
          const row = root.locator('.message.own', {
            has: page.locator('.body', { hasText: 'Packing list' }),
          })
          await row.waitFor()
          await eventually(() => atEnd(root)).toBe(true)

          // By mouse: Edit in its toolbar. The box shows whole, and stays so as one types at its end.
          await clickEdit(page, row)
          await eventually(async () => (await focused(page)).label).toBe('Edit your message')
          await eventually(() => editorRoom(root)).toBeGreaterThanOrEqual(0)
          await page.keyboard.type(', and a map')
          await page.keyboard.press('Shift+Enter')
          await page.keyboard.type('- the tent')
          await eventually(() => editorRoom(root)).toBeGreaterThanOrEqual(0)
          await page.keyboard.press('Escape')
          await eventually(async () => (await focused(page)).action).toBe('edit')

          // By keyboard: the Up arrow in the empty message box.
          await page.mouse.move(0, 0)
          await composer.focus()
          await eventually(() => atEnd(root)).toBe(true)
          await page.keyboard.press('ArrowUp')
          await eventually(async () => (await focused(page)).label).toBe('Edit your message')
          await eventually(() => editorRoom(root)).toBeGreaterThanOrEqual(0)
          await page.keyboard.press('Escape')
          await eventually(async () => (await focused(page)).label).toBe('Write a message')
        } finally {
          await alice.context.close()
        }
      })
})
