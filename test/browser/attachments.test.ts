import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { crc32, deflateSync } from 'node:zlib'
import type { Locator, Page } from 'playwright-core'
import { describe, expect, test } from 'vitest'
import { uploadsSweptADayLater } from '../helpers/uploads.js'
import {
  chromiumAvailable,
  eventually,
  type Host,
  hostAndBrowser,
  openAs,
  openDm,
  roomWidget,
  slowUploads,
} from './harness.js'
import { focused, messagesPage, seriousViolations, shootLightAndDark } from './messages-helpers.js'

// PALAVER_SHOTS_DIR keeps them where one can look at them; otherwise a temporary folder.
const screenshots = process.env.PALAVER_SHOTS_DIR ?? mkdtempSync(join(tmpdir(), 'palaver-attachments-'))
mkdirSync(screenshots, { recursive: true })

/** A real PNG of `width`×`height`: a diagonal blend from one colour to another, with `grain` that keeps it from compressing. */
function png(width: number, height: number, from = [79, 70, 229], to = [236, 72, 153], grain = 0): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
    const out = Buffer.alloc(body.length + 8)
    out.writeUInt32BE(data.length, 0)
    body.copy(out, 4)
    out.writeUInt32BE(crc32(body), body.length + 4)
    return out
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header.set([8, 2, 0, 0, 0], 8)
  const rows = Buffer.alloc((width * 3 + 1) * height)
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const f = (x / width + y / height) / 2
      const at = y * (width * 3 + 1) + 1 + x * 3
      const noise = grain * (Math.random() - 0.5)
      for (let c = 0; c < 3; c++)
        rows[at + c] = Math.max(0, Math.min(255, Math.round(from[c]! + (to[c]! - from[c]!) * f + noise)))
    }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

const PDF = Buffer.from(`%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% ${'x'.repeat(3000)}\n%%EOF\n`)
const photo = (name = 'sunset.png', width = 480, height = 320) => ({
  name,
  mimeType: 'image/png',
  buffer: png(width, height),
})
const pdf = (name = 'quarterly-report-2026-final.pdf') => ({ name, mimeType: 'application/pdf', buffer: PDF })

/** The composer's attachment pieces inside `root` (a page, a widget). */
function tray(root: Locator) {
  return {
    input: root.locator('palaver-composer input[type=file]'),
    attach: root.getByRole('button', { name: 'Attach files' }),
    chips: root.locator('.chip'),
    chip: (name: string) => root.locator('.chip', { hasText: name }),
    send: root.getByRole('button', { name: 'Send', exact: true }),
  }
}

/** Waits until no chip is uploading. */
async function uploaded(root: Locator, count: number) {
  const t = tray(root)
  await eventually(() => t.chips.count()).toBe(count)
  await eventually(() => root.locator('.chip.uploading').count()).toBe(0)
}

/** Whether every picture in `scope` has loaded (naturalWidth > 0), and their natural widths. */
const loadedWidths = (scope: Locator) =>
  scope
    .locator('.picture img')
    .evaluateAll((images: HTMLImageElement[]) => images.map((img) => (img.complete ? img.naturalWidth : 0)))

/** A file's bytes and status as the page fetches them from a link's href (with its cookies). */
const fetchLink = (link: Locator) =>
  link.evaluate(async (a: HTMLAnchorElement) => {
    const response = await fetch(a.href)
    const bytes = new Uint8Array(await response.arrayBuffer())
    return {
      status: response.status,
      size: bytes.length,
      head: String.fromCharCode(...bytes.slice(0, 5)),
      disposition: response.headers.get('content-disposition'),
    }
  })

/** axe in light and dark mode, and a screenshot of each. */
const shoot = (page: Page, name: string) => shootLightAndDark(page, screenshots, name)

/** What Bob reads in a chat: each message's text and its files' names (undefined: it has none). */
async function bobReads(host: Host, chatId: number) {
  const history = await host.call('bob', 'GET', `/api/chats/${chatId}/messages/`)
  return history.messages.map((x: { body: string; attachments?: Array<{ name: string }> }) => [
    x.body,
    x.attachments?.map((file) => file.name),
  ])
}

describe.skipIf(!chromiumAvailable)('attachments', () => {
  const shared = hostAndBrowser({ transport: 'websocket' })
  const createGroup = (owner: string, title: string, memberIds: string[]) =>
    shared.host.call(owner, 'POST', '/api/chats/', { title, memberIds })

  /** The messages page of `users`, each on the chat called `title`. */
  async function openChat(title: string, users: string[], viewport?: { width: number; height: number }) {
    const open = async (user: string) => {
      const { context, page } = await openAs(shared.browser, shared.host, user, '/messages/', viewport)
      const m = messagesPage(page)
      await m.chat(title).click()
      await m.composer.waitFor()
      return { context, page, m }
    }
    const all = await Promise.all(users.map(open))
    return { all, close: () => Promise.all(all.map((one) => one.context.close())) }
  }

  test('a picture and a PDF go with a message: chips while they upload, then the other member sees and downloads them', async () => {
    await createGroup('alice', 'Holiday', ['bob'])
    const { all, close } = await openChat('Holiday', ['alice', 'bob'])
    const [alice, bob] = all as [(typeof all)[0], (typeof all)[0]]
    try {
      const t = tray(alice.m.root)
      await t.input.setInputFiles([photo(), pdf()])
      await uploaded(alice.m.root, 2)
      // The picture's chip shows it (an object URL), the PDF's an icon; each has its size and Remove.
      expect(await t.chip('sunset.png').locator('img').getAttribute('src')).toMatch(/^blob:/)
      expect(await t.chip('.pdf').locator('.chip-thumb svg').count()).toBe(1)
      expect(await t.chip('.pdf').locator('.chip-thumb img').count()).toBe(0)
      expect(await t.chip('.pdf').locator('.chip-status').textContent()).toMatch(/kB$/)
      await alice.m.root.getByRole('button', { name: 'Remove sunset.png' }).waitFor()
      expect(await t.send.isEnabled()).toBe(true)

      await alice.m.composer.fill('Photos from the beach')
      await alice.m.composer.press('Enter')
      await eventually(() => t.chips.count()).toBe(0)
      const mine = alice.m.root.locator('.message.own:not(.pending)', { hasText: 'Photos from the beach' })
      await mine.locator('.file').waitFor()

      const received = bob.m.message('Photos from the beach')
      await received.waitFor()
      const thumb = received.locator('.picture img')
      expect(await thumb.getAttribute('alt')).toBe('sunset.png')
      expect(await thumb.getAttribute('loading')).toBe('lazy')
      // The space is kept before it loads: 480×320 fits 320×320 as 320×213.
      expect([await thumb.getAttribute('width'), await thumb.getAttribute('height')]).toEqual(['320', '213'])
      await eventually(() => loadedWidths(received)).toEqual([480])
      const box = await thumb.boundingBox()
      expect(Math.round(box!.width)).toBe(320)
      expect(Math.round(box!.height)).toBe(213)

      const download = received.getByRole('link', { name: 'Download quarterly-report-2026-final.pdf' })
      expect(await download.getAttribute('download')).toBe('quarterly-report-2026-final.pdf')
      expect(await fetchLink(download)).toMatchObject({
        status: 200,
        size: PDF.length,
        head: '%PDF-',
        disposition: expect.stringMatching(/^attachment/),
      })
      expect(await received.locator('.file-size').textContent()).toBe('3 kB')
      // A long name gives way before its extension.
      expect(await received.locator('.file-end').textContent()).toBe('.pdf')

      // An edit of the text keeps the files, live.
      await mine.hover()
      await mine.getByRole('button', { name: 'Edit' }).click()
      const editor = alice.m.root.getByRole('textbox', { name: 'Edit your message' })
      await editor.fill('Photos from the beach, day 2')
      await editor.press('Enter')
      const edited = bob.m.message('day 2')
      await edited.locator('.edited').waitFor()
      expect(await edited.locator('.picture img, .file').count()).toBe(2)

      // After a reload the history brings them back in the same order.
      await bob.page.reload()
      await bob.m.chat('Holiday').click()
      await eventually(() => loadedWidths(bob.m.message('day 2'))).toEqual([480])
    } finally {
      await close()
    }
  })

  test('on a slow line each chip shows how much of its file has gone, as it goes, then its size', async () => {
    await createGroup('bob', 'Slow line', ['alice'])
    const { all, close } = await openChat('Slow line', ['bob'])
    const bob = all[0]!
    try {
      // Chromium sends at most 96 kB a second: XMLHttpRequest tells of the bytes as they go.
      await slowUploads(bob.page)
      const t = tray(bob.m.root)
      const harbour = {
        name: 'harbour.png',
        mimeType: 'image/png',
        buffer: png(300, 200, undefined, undefined, 60),
      }
      const notes = {
        name: 'field-notes.txt',
        mimeType: 'text/plain',
        buffer: Buffer.alloc(300 * 1024, 'notes '),
      }
      expect(harbour.buffer.length).toBeGreaterThan(150 * 1024)
      await t.input.setInputFiles([harbour, notes])

      // Each file's bar, named by it, goes up through values between none and all, said in percent.
      const seen: Record<string, number[]> = { 'harbour.png': [], 'field-notes.txt': [] }
      const look = async () => {
        for (const [name, values] of Object.entries(seen)) {
          const bar = t.chip(name).getByRole('progressbar', { name: `Uploading ${name}` })
          const read = await bar.evaluateAll((found) =>
            found.map((one) => [
              Number(one.getAttribute('aria-valuenow')),
              one.getAttribute('aria-valuetext'),
            ]),
          )
          for (const [now, text] of read) {
            expect(text).toBe(`${now}%`)
            if (Number(now) > 0 && Number(now) < 100 && values.at(-1) !== now) values.push(Number(now))
          }
        }
        return Math.min(...Object.values(seen).map((values) => values.length))
      }
      await eventually(look).toBeGreaterThanOrEqual(2)
      for (const values of Object.values(seen)) expect(values).toEqual(values.toSorted((a, b) => a - b))
      expect(await t.send.isEnabled()).toBe(false)
      await shoot(bob.page, 'upload-progress')

      // Done: no bar and no spinner, the chip says the file's size.
      await uploaded(bob.m.root, 2)
      expect(await t.chip('field-notes.txt').getAttribute('class')).toContain('done')
      expect(await bob.m.root.getByRole('progressbar').count()).toBe(0)
      expect(await t.chip('field-notes.txt').locator('.chip-status').textContent()).toBe('300 kB')
      expect(await t.send.isEnabled()).toBe(true)
    } finally {
      await close()
    }
  })

  test('the picture viewer opens with the keyboard, moves with the arrows and gives the focus back on Escape', async () => {
    await createGroup('charlie', 'Gallery', ['dana'])
    const { all, close } = await openChat('Gallery', ['dana'])
    const dana = all[0]!
    try {
      const t = tray(dana.m.root)
      await t.input.setInputFiles([photo('first.png', 300, 500), photo('second.png', 640, 480)])
      await uploaded(dana.m.root, 2)
      await dana.m.composer.fill('Two views')
      await dana.m.composer.press('Enter')
      const message = dana.m.root.locator('.message:not(.pending)', { hasText: 'Two views' })
      await eventually(() => loadedWidths(message)).toEqual([300, 640])

      // The pictures are buttons named by their files; Enter opens the viewer on the Close button.
      const first = message.getByRole('button', { name: 'first.png' })
      await first.focus()
      await dana.page.keyboard.press('Enter')
      const dialog = dana.m.root.locator('dialog.lightbox[open]')
      await dialog.waitFor()
      expect(await dialog.getAttribute('aria-label')).toBe('first.png')
      expect((await focused(dana.page)).label).toBe('Close')
      expect(await dialog.locator('.lightbox-count').textContent()).toBe('1 / 2')
      await dana.page.keyboard.press('ArrowRight')
      expect(await dialog.getAttribute('aria-label')).toBe('second.png')
      expect(await dialog.locator('.lightbox-count').textContent()).toBe('2 / 2')
      const big = dialog.locator('.lightbox-stage img')
      await eventually(() => big.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(640)
      const save = dialog.getByRole('link', { name: 'Download second.png' })
      expect((await fetchLink(save)).status).toBe(200)
      await shoot(dana.page, 'lightbox')
      await dana.page.keyboard.press('ArrowRight')
      expect(await dialog.getAttribute('aria-label')).toBe('first.png')
      await dana.page.keyboard.press('ArrowLeft')

      // Escape closes it; the focus is on the thumbnail of the picture last shown.
      await dana.page.keyboard.press('Escape')
      await dialog.waitFor({ state: 'detached' })
      expect(await message.locator('[data-picture]:focus').getAttribute('data-picture')).toBe(
        await message.getByRole('button', { name: 'second.png' }).getAttribute('data-picture'),
      )
      // The Close button does the same.
      await message.getByRole('button', { name: 'second.png' }).click()
      await dialog.getByRole('button', { name: 'Close' }).click()
      await dialog.waitFor({ state: 'detached' })
    } finally {
      await close()
    }
  })

  test('removing a chip frees its picture and moves the focus; a message of files alone has no text and previews as an attachment', async () => {
    await createGroup('erin', 'Receipts', ['alice', 'bob'])
    const { all, close } = await openChat('Receipts', ['erin', 'alice'])
    const [erin, alice] = all as [(typeof all)[0], (typeof all)[0]]
    try {
      const t = tray(erin.m.root)
      await t.input.setInputFiles([photo('a.png', 40, 40), photo('b.png', 60, 40), pdf('c.pdf')])
      await uploaded(erin.m.root, 3)
      const preview = await t.chip('a.png').locator('img').getAttribute('src')
      // Remove the first: the focus goes to the next chip's Remove, its object URL is revoked.
      await erin.m.root.getByRole('button', { name: 'Remove a.png' }).click()
      await eventually(() => t.chips.count()).toBe(2)
      expect((await focused(erin.page)).label).toBe('Remove b.png')
      const revoked = await erin.page.evaluate(
        (url) =>
          fetch(url!).then(
            () => false,
            () => true,
          ),
        preview,
      )
      expect(revoked).toBe(true)
      // Remove the last: no next chip, the focus goes to the message box.
      await erin.m.root.getByRole('button', { name: 'Remove c.pdf' }).click()
      await eventually(() => t.chips.count()).toBe(1)
      expect((await focused(erin.page)).label).toBe('Write a message')

      // No text, one file: Send is enabled, and the message has no text in its bubble.
      expect(await t.send.isEnabled()).toBe(true)
      await t.send.click()
      await eventually(() => t.chips.count()).toBe(0)
      const received = alice.m.root.locator('.message.other', { has: alice.page.locator('.picture') })
      await received.waitFor()
      expect(await received.locator('.body').count()).toBe(0)
      await eventually(() => loadedWidths(received)).toEqual([60])
      // The chat list says what it is, in both lists.
      await eventually(() => alice.m.chat('Receipts').locator('.chat-preview').textContent()).toBe(
        'Erin Evans: 📎 Attachment',
      )
      await eventually(() => erin.m.chat('Receipts').locator('.chat-preview').textContent()).toBe(
        'You: 📎 Attachment',
      )
      // Send is off again with nothing to send.
      expect(await t.send.isEnabled()).toBe(false)

      // An answer to it quotes it as an attachment, in the bar above the box and in the reply.
      await received.hover()
      await received.getByRole('button', { name: 'Reply to Erin Evans' }).click()
      expect(await alice.m.root.locator('.reply-bar-excerpt').textContent()).toBe('📎 Attachment')
      await alice.m.composer.fill('Thanks, filed it')
      await alice.m.composer.press('Enter')
      const reply = alice.m.root.locator('.message:not(.pending)', { hasText: 'Thanks, filed it' })
      expect(await reply.locator('.quote-text').textContent()).toBe('📎 Attachment')
    } finally {
      await close()
    }
  })

  test('keyboard only: the paperclip opens the file chooser, a paste and a drop add files too, Enter sends', async () => {
    await createGroup('bob', 'Paperwork', ['charlie'])
    const { all, close } = await openChat('Paperwork', ['bob', 'charlie'])
    const [bob, charlie] = all as [(typeof all)[0], (typeof all)[0]]
    const keys = bob.page.keyboard
    try {
      // Two pages are open: the file chooser opens in the one in front.
      await bob.page.bringToFront()
      const chooser = bob.page.waitForEvent('filechooser')
      await bob.m.composer.focus()
      await keys.press('Shift+Tab')
      expect((await focused(bob.page)).label).toBe('Attach files')
      await keys.press('Enter')
      const files = await chooser
      expect(files.isMultiple()).toBe(true)
      await files.setFiles([pdf('contract.pdf')])
      await uploaded(bob.m.root, 1)

      // A picture pasted into the message box joins it (the text of a paste stays text).
      const pasted = png(120, 90).toString('base64')
      await bob.m.composer.evaluate((area, base64) => {
        const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))
        const data = new DataTransfer()
        data.items.add(new File([bytes], 'pasted.png', { type: 'image/png' }))
        area.dispatchEvent(
          new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }),
        )
      }, pasted)
      await uploaded(bob.m.root, 2)

      // A file dragged over the conversation shows the drop zone; dropped, it joins the tray.
      const conversation = bob.m.root.locator('palaver-conversation')
      const data = await bob.page.evaluateHandle(() => {
        const transfer = new DataTransfer()
        transfer.items.add(new File(['plain notes'], 'notes.txt', { type: 'text/plain' }))
        return transfer
      })
      await conversation.dispatchEvent('dragenter', { dataTransfer: data })
      const zone = conversation.locator('.dropzone')
      await zone.waitFor()
      expect(await zone.textContent()).toContain('Drop files here')
      await conversation.dispatchEvent('drop', { dataTransfer: data })
      await zone.waitFor({ state: 'detached' })
      await uploaded(bob.m.root, 3)

      await bob.m.composer.focus()
      await keys.type('Signed copies')
      await keys.press('Enter')
      const received = charlie.m.message('Signed copies')
      await received.waitFor()
      expect(await received.locator('.file-name').allTextContents()).toEqual(['contract.pdf', 'notes.txt'])
      await eventually(() => loadedWidths(received)).toEqual([120])
      const notes = received.getByRole('link', { name: 'Download notes.txt' })
      expect(await fetchLink(notes)).toMatchObject({ status: 200, size: 11 })
    } finally {
      await close()
    }
  })

  test('in the DM widget: a picture is sent, the viewer closes alone on Escape, and the panel stays', async () => {
    const { host, browser } = shared
    await host.call('alice', 'POST', '/api/dms/', { userId: 'dana' })
    const { context, page } = await openAs(browser, host, 'alice', '/host/dm/dana')
    try {
      const dm = await openDm(page)
      await tray(dm.root).input.setInputFiles([photo('map.png', 200, 400)])
      await uploaded(dm.root, 1)
      await dm.composer.press('Enter')
      const sent = dm.root.locator('.message:not(.pending) .picture')
      await sent.waitFor()
      // 200×400 fits as 160×320.
      const box = await sent.locator('img').boundingBox()
      expect([Math.round(box!.width), Math.round(box!.height)]).toEqual([160, 320])
      await sent.click()
      const dialog = dm.root.locator('dialog.lightbox[open]')
      await dialog.waitFor()
      await page.keyboard.press('Escape')
      await dialog.waitFor({ state: 'detached' })
      expect(await dm.panel.isVisible()).toBe(true)
    } finally {
      await context.close()
    }
  })

  test('in the DM widget on a 375 px phone, every chip and its Remove show whole; past three rows the tray scrolls to the one focused', async () => {
    const { host, browser } = shared
    const { context, page } = await openAs(browser, host, 'charlie', '/host/dm/dana', {
      width: 375,
      height: 760,
    })
    try {
      const dm = await openDm(page)
      const t = tray(dm.root)
      const boxOf = (locator: Locator) => locator.evaluate((e) => e.getBoundingClientRect().toJSON())
      const inside = (inner: DOMRect, outer: DOMRect) =>
        inner.left >= outer.left - 0.5 &&
        inner.right <= outer.right + 0.5 &&
        inner.top >= outer.top - 0.5 &&
        inner.bottom <= outer.bottom + 0.5
      const wholeChips = async () => {
        const area = await boxOf(dm.root.locator('.tray'))
        const parts = [...(await t.chips.all()), ...(await dm.root.locator('.chip-remove').all())]
        const boxes = await Promise.all(parts.map(boxOf))
        return boxes.every((box) => inside(box, area) && box.right <= 375)
      }
      await t.input.setInputFiles([pdf(), photo('beach.png', 60, 40), pdf('notes.pdf')])
      await uploaded(dm.root, 3)
      // Nothing to scroll sideways (the row that scrolled cut the second chip at 375 px).
      expect(await dm.root.locator('.tray').evaluate((e) => e.scrollWidth - e.clientWidth)).toBe(0)
      expect(await wholeChips()).toBe(true)

      // Ten files: the tray keeps the conversation in view and scrolls; the focused Remove is shown whole.
      await t.input.setInputFiles(Array.from({ length: 7 }, (_, i) => pdf(`page-${i + 1}.pdf`)))
      await uploaded(dm.root, 10)
      const area = await boxOf(dm.root.locator('.tray'))
      const chip = await boxOf(t.chips.first())
      expect(area.height).toBeGreaterThan(3 * chip.height)
      expect(area.height).toBeLessThan(4 * chip.height)
      const last = dm.root.getByRole('button', { name: 'Remove page-7.pdf' })
      await last.focus()
      await eventually(async () => inside(await boxOf(last), area)).toBe(true)
    } finally {
      await context.close()
    }
  })

  test('at 320 px a file card takes the bubble across the row: a short name shows whole, a long one keeps its extension and is named in full', async () => {
    const { host, browser } = shared
    const dm = await host.call('dana', 'POST', '/api/dms/', { userId: 'erin' })
    const attachmentIds = []
    for (const name of ['notes.txt', 'minutes-of-the-spring-meeting-2026.pdf']) {
      const response = await fetch(
        `${host.origin}/messages/api/chats/${dm.id}/attachments/?name=${encodeURIComponent(name)}`,
        {
          method: 'POST',
          headers: { cookie: 'test-user=dana', 'content-type': 'text/plain' },
          body: 'notes',
        },
      )
      attachmentIds.push(((await response.json()) as { id: number }).id)
    }
    await host.call('dana', 'POST', `/api/chats/${dm.id}/messages/`, { body: 'Both files', attachmentIds })
    const { context, page } = await openAs(browser, host, 'erin', '/host/dm/dana', {
      width: 320,
      height: 700,
    })
    try {
      const message = (await openDm(page)).message('Both files')
      const short = message.locator('.file', { hasText: 'notes.txt' })
      const long = message.locator('.file', { hasText: '.pdf' })
      await long.waitFor()
      const cut = (file: Locator) =>
        file.locator('.file-start').evaluate((e) => e.scrollWidth > e.clientWidth)
      expect(await cut(short)).toBe(false)
      // The bubble reaches the row's end but for the 36 px that tell the other person's side (it stopped at 78%).
      const [row, bubble, card] = await Promise.all(
        [message, message.locator('.bubble'), long].map((one) => one.boundingBox()),
      )
      expect(bubble!.x + bubble!.width).toBeGreaterThan(row!.x + row!.width - 37)
      expect(card!.x + card!.width).toBeLessThanOrEqual(320)
      expect(await cut(long)).toBe(true)
      expect(await long.locator('.file-end').textContent()).toBe('.pdf')
      expect(await long.locator('.file-name').getAttribute('title')).toBe(
        'minutes-of-the-spring-meeting-2026.pdf',
      )
      await long.getByRole('link', { name: 'Download minutes-of-the-spring-meeting-2026.pdf' }).waitFor()
    } finally {
      await context.close()
    }
  })

  test('in a room: a member sends a file, a reader who has not joined sees and downloads it', async () => {
    const { host, browser } = shared
    const erin = await openAs(browser, host, 'erin', '/host/room/public-files')
    const charlie = await openAs(browser, host, 'charlie', '/host/room/public-files')
    try {
      const e = roomWidget(erin.page)
      await e.join.click()
      await e.composer.waitFor()
      await tray(e.root).input.setInputFiles([pdf('agenda.pdf')])
      await uploaded(e.root, 1)
      await tray(e.root).send.click()
      const card = roomWidget(charlie.page).root.getByRole('link', { name: 'Download agenda.pdf' })
      await card.waitFor()
      expect(await fetchLink(card)).toMatchObject({ status: 200, head: '%PDF-' })
    } finally {
      await Promise.all([erin.context.close(), charlie.context.close()])
    }
  })

  test('light and dark, narrow and right to left: axe finds nothing serious; screenshots', async () => {
    const { host, browser } = shared
    const trip = await createGroup('alice', 'Trip planning', ['bob', 'charlie'])
    const upload = async (user: string, file: ReturnType<typeof photo>) => {
      const response = await fetch(
        `${host.origin}/messages/api/chats/${trip.id}/attachments/?name=${encodeURIComponent(file.name)}`,
        {
          method: 'POST',
          headers: { cookie: `test-user=${user}`, 'content-type': file.mimeType },
          body: new Uint8Array(file.buffer),
        },
      )
      return ((await response.json()) as { id: number }).id
    }
    const say = async (user: string, body: string, files: Array<ReturnType<typeof photo>>) => {
      const attachmentIds = []
      for (const file of files) attachmentIds.push(await upload(user, file))
      await host.call(user, 'POST', `/api/chats/${trip.id}/messages/`, { body, attachmentIds })
    }
    await say('bob', 'The cabin from the lake 🏞️', [photo('cabin.png', 640, 420)])
    await say('charlie', 'Booking and the route', [
      pdf('booking-confirmation-cabin-2026.pdf'),
      pdf('route.pdf'),
    ])
    await say('alice', '', [photo('one.png', 400, 400), photo('two.png', 300, 500)])

    for (const viewport of [
      { width: 1100, height: 800 },
      { width: 390, height: 800 },
    ]) {
      const { context, page } = await openAs(browser, host, 'alice', '/messages/', viewport)
      try {
        const m = messagesPage(page)
        await m.chat('Trip planning').click()
        await eventually(() => loadedWidths(m.root)).toEqual([640, 400, 300])
        await tray(m.root).input.setInputFiles([photo('sketch.png', 300, 200), pdf('packing-list.pdf')])
        await uploaded(m.root, 2)
        await shoot(page, `attachments-${viewport.width}`)
      } finally {
        await context.close()
      }
    }

    // Right to left, in the DM widget.
    await host.call('alice', 'POST', '/api/dms/', { userId: 'bob' })
    const { context, page } = await openAs(browser, host, 'alice', '/host/dm/bob?lang=ar', {
      width: 390,
      height: 800,
    })
    try {
      const root = page.locator('palaver-dm')
      await root.locator('button.toggle').click()
      await tray(root).input.setInputFiles([photo('خريطة.png', 300, 200), pdf('تقرير-الرحلة.pdf')])
      await uploaded(root, 2)
      await root.locator('textarea').fill('الخريطة والتقرير')
      await root.locator('textarea').press('Enter')
      await eventually(() => loadedWidths(root)).toEqual([300])
      await shoot(page, 'attachments-rtl')
    } finally {
      await context.close()
    }
  })
})

describe.skipIf(!chromiumAvailable)('attachments with small limits', () => {
  const shared = hostAndBrowser({ attachments: { maxSize: 2048, perMessage: 2 } })

  test('a file too big, one not accepted and one the server refuses show why and are not sent; a message takes at most perMessage', async () => {
    const { host, browser } = shared
    await host.call('alice', 'POST', '/api/chats/', { title: 'Limits', memberIds: ['bob'] })
    const { context, page } = await openAs(browser, host, 'alice', '/messages/')
    const uploads: string[] = []
    page.on('request', (request) => {
      if (request.url().includes('/attachments/')) uploads.push(request.url())
    })
    try {
      const m = messagesPage(page)
      await m.chat('Limits').click()
      const t = tray(m.root)

      // Too big: refused before any upload, with the limit in the page's words.
      await t.input.setInputFiles([pdf('big.pdf')])
      const big = t.chip('big.pdf')
      await big.locator('.chip-status', { hasText: 'Too big: at most 2 kB' }).waitFor()
      expect(await big.getAttribute('class')).toContain('failed')
      expect(await big.getByRole('button', { name: 'Retry' }).count()).toBe(0)
      expect(uploads).toEqual([])
      expect(await t.send.isEnabled()).toBe(false)
      await m.root.getByRole('button', { name: 'Remove big.pdf' }).click()

      // A kind the site does not take (an SVG), and a "PNG" whose bytes are not one: the server's words.
      await t.input.setInputFiles([
        { name: 'logo.svg', mimeType: 'image/svg+xml', buffer: Buffer.from('<svg/>') },
        { name: 'fake.png', mimeType: 'image/png', buffer: Buffer.from('not a picture at all') },
      ])
      await t
        .chip('logo.svg')
        .locator('.chip-status', { hasText: 'This kind of file can’t be sent here' })
        .waitFor()
      await t
        .chip('fake.png')
        .locator('.chip-status', { hasText: 'is not the image/png picture it claims to be' })
        .waitFor()
      expect(uploads).toHaveLength(1)
      expect(await t.send.isEnabled()).toBe(false)
      expect(await seriousViolations(page)).toEqual([])
      await page.screenshot({ path: join(screenshots, 'attachments-errors.png') })

      // Three more files with two in the tray: none fits; after clearing, two of three do, and it says so.
      await t.input.setInputFiles([photo('1.png', 20, 20), photo('2.png', 20, 20), photo('3.png', 20, 20)])
      await m.root.locator('.tray-notice', { hasText: 'A message can carry at most 2 files' }).waitFor()
      expect(await t.chips.count()).toBe(2)
      await m.root.getByRole('button', { name: 'Remove logo.svg' }).click()
      await m.root.getByRole('button', { name: 'Remove fake.png' }).click()
      await t.input.setInputFiles([photo('1.png', 20, 20), photo('2.png', 20, 20), photo('3.png', 20, 20)])
      await uploaded(m.root, 2)
      await m.root.locator('.tray-notice').waitFor()
      await m.composer.fill('Two small ones')
      await m.composer.press('Enter')
      const sent = m.root.locator('.message:not(.pending)', { hasText: 'Two small ones' })
      await eventually(() => loadedWidths(sent)).toEqual([20, 20])
      const history = await host.call('bob', 'GET', '/api/chats/')
      expect(history.chats[0].lastMessage.body).toBe('Two small ones')
    } finally {
      await context.close()
    }
  })
})

describe.skipIf(!chromiumAvailable)(
  'attachments of a message that waited longer than its uploads are kept',
  () => {
    const shared = hostAndBrowser({ transport: 'polling' })
    const sends = '**/api/chats/*/messages/'

    /** A day passes: the server's sweep deletes `user`'s uploads that no message took. */
    async function aDayLater(user: string) {
      expect(await uploadsSweptADayLater(shared.host.palaver, { uploaderId: user })).toBeGreaterThan(0)
    }

    /**
     * Sends from the composer while no send reaches the server (the line is down): the message waits, pending.
     * `files` are chosen first (null: those the tray holds).
     */
    async function sendOffline(
      page: Page,
      root: Locator,
      files: Parameters<Locator['setInputFiles']>[0] | null,
      text: string,
    ) {
      const t = tray(root)
      if (files) {
        await t.input.setInputFiles(files)
        await uploaded(root, Array.isArray(files) ? files.length : 1)
      }
      await page.route(sends, (route) =>
        route.request().method() === 'POST' ? route.abort('internetdisconnected') : route.fallback(),
      )
      if (text) await root.getByRole('textbox', { name: 'Write a message' }).fill(text)
      await t.send.click()
      await eventually(() => t.chips.count()).toBe(0)
      // The first waiting message says it is stalled (with Retry); those behind it wait their turn.
      await root.locator('.message.pending .failed-bar').first().waitFor()
      return root.locator('.message.pending').last()
    }

    /**
     * A day later the line is back. The outbox tries again by itself too, and the page then uploads the files
     * again unasked: where its attempt comes first, no Retry is left to press; else Retry is pressed.
     */
    async function backADayLater(page: Page, pending: Locator) {
      await aDayLater('alice')
      await lineBack(page, pending)
    }

    /**
     * The line is back. The outbox's own next attempt may be many seconds away (its backoff doubles with each
     * failure), so Retry is pressed while the message says it is stalled, until it is sent or refused; for 8 s at
     * most, after which what the test waits for next fails. Pressed by a click event sent to the button as it is
     * found, not by the mouse at where it was found: the outbox's own attempt may end as the mouse comes, and the
     * same button then says "Send without the missing files" (seen in a run here: the message went with one picture).
     */
    async function lineBack(page: Page, pending: Locator) {
      await page.unroute(sends)
      const stalled = page.locator(`.message.stalled[data-key="${await pending.getAttribute('data-key')}"]`)
      for (const until = Date.now() + 8000; Date.now() < until && (await stalled.count()) > 0; ) {
        await stalled
          .getByRole('button', { name: 'Retry', exact: true })
          .dispatchEvent('click', {}, { timeout: 1000 })
          .catch(() => {})
        await page.waitForTimeout(200)
      }
    }

    /** The uploads the page makes from now on (their addresses), as they go. */
    function uploadsOf(page: Page): string[] {
      const uploads: string[] = []
      page.on('request', (request) => {
        if (request.url().includes('/attachments/') && request.method() === 'POST')
          uploads.push(request.url())
      })
      return uploads
    }

    /** How many files the outbox keeps in IndexedDB for each waiting send, in every outbox database of the page. */
    const heldInIndexedDb = (page: Page) =>
      page.evaluate(async () => {
        const answer = <T>(request: IDBRequest<T>) =>
          new Promise<T>((resolve, reject) => {
            request.onsuccess = () => resolve(request.result)
            request.onerror = () => reject(request.error)
          })
        const counts: number[] = []
        for (const { name } of await indexedDB.databases()) {
          if (!name?.startsWith('palaver:outbox:')) continue
          const db = await answer(indexedDB.open(name))
          const records = await answer(db.transaction('files').objectStore('files').getAll())
          db.close()
          counts.push(...records.map(([, files]: [string, Map<number, Blob>]) => files.size))
        }
        return counts
      })

    test('uploads the files again from the page that still holds them, and the message goes with them', async () => {
      const { host, browser } = shared
      const chat = await host.call('alice', 'POST', '/api/chats/', { title: 'Overnight', memberIds: ['bob'] })
      const { context, page } = await openAs(browser, host, 'alice', '/messages/')
      const uploads = uploadsOf(page)
      try {
        const m = messagesPage(page)
        await m.chat('Overnight').click()
        const pending = await sendOffline(page, m.root, [photo('night.png', 60, 40)], 'From last night')
        // Either way the message must go with its files.
        await backADayLater(page, pending)
        const sent = m.root.locator('.message:not(.pending)', { hasText: 'From last night' })
        await eventually(() => loadedWidths(sent)).toEqual([60])
        expect(await m.root.locator('.message.pending').count()).toBe(0)
        expect(uploads).toHaveLength(2)
        expect(await bobReads(host, chat.id)).toEqual([['From last night', ['night.png']]])
      } finally {
        await context.close()
      }
    })

    test('a waiting message shows its picture from the bytes the page holds, though the upload was swept before the picture loaded; that address is freed once it is sent', async () => {
      const { host, browser } = shared
      await host.call('alice', 'POST', '/api/chats/', { title: 'Unseen', memberIds: ['bob'] })
      const { context, page } = await openAs(browser, host, 'alice', '/messages/')
      try {
        const m = messagesPage(page)
        await m.chat('Unseen').click()
        // The line is down for the files too: the waiting message's picture cannot come from the server.
        const files = '**/api/attachments/**'
        await page.route(files, (route) => route.abort('internetdisconnected'))
        const pending = await sendOffline(page, m.root, [photo('unseen.png', 60, 40)], 'Not seen yet')
        await aDayLater('alice')
        await page.unroute(files)
        const picture = pending.locator('.picture img')
        await eventually(() => loadedWidths(pending)).toEqual([60])
        const held = (await picture.getAttribute('src'))!
        // What it shows does not depend on the swept upload.
        const answers = (url: string) =>
          page.evaluate(
            (u) =>
              fetch(u).then(
                (r) => r.status,
                () => 'failed',
              ),
            url,
          )
        expect(await answers(held)).toBe(200)

        await lineBack(page, pending)
        const sent = m.root.locator('.message:not(.pending)', { hasText: 'Not seen yet' })
        await eventually(() => loadedWidths(sent)).toEqual([60])
        expect(held).toMatch(/^blob:/)
        expect(await answers(held)).toBe('failed')
      } finally {
        await context.close()
      }
    })

    test('in the DM widget, closed and opened again, a waiting message still shows its picture from the bytes the page holds', async () => {
      const { host, browser } = shared
      const { context, page } = await openAs(browser, host, 'alice', '/host/dm/erin')
      try {
        const dm = await openDm(page)
        const pending = await sendOffline(page, dm.root, [photo('waiting.png', 60, 40)], 'Still on its way')
        await eventually(() => loadedWidths(pending)).toEqual([60])
        // By keyboard: Escape closes the panel (its conversation goes), Enter on the toggle opens a new one.
        await dm.composer.press('Escape')
        await dm.panel.waitFor({ state: 'detached' })
        await dm.toggle.press('Enter')
        await dm.composer.waitFor()
        await eventually(() => loadedWidths(pending)).toEqual([60])
        expect(await pending.locator('.body').allTextContents()).toEqual(['Still on its way'])
        expect(await pending.locator('.picture').getAttribute('aria-haspopup')).toBe('dialog')
        const held = (await pending.locator('.picture img').getAttribute('src'))!
        expect(held).toMatch(/^blob:/)

        await lineBack(page, pending)
        const sent = dm.root.locator('.message:not(.pending)', { hasText: 'Still on its way' })
        await eventually(() => loadedWidths(sent)).toEqual([60])
        // Sent: the page's copy is freed.
        expect(
          await page.evaluate(
            (url) =>
              fetch(url).then(
                () => 'answered',
                () => 'freed',
              ),
            held,
          ),
        ).toBe('freed')
      } finally {
        await context.close()
      }
    })

    test('two messages written offline go in that order, the first with its swept picture uploaded again, though another chat was opened meanwhile', async () => {
      const { host, browser } = shared
      const chat = await host.call('alice', 'POST', '/api/chats/', { title: 'In order', memberIds: ['bob'] })
      await host.call('alice', 'POST', '/api/chats/', { title: 'Meanwhile', memberIds: ['bob'] })
      const { context, page } = await openAs(browser, host, 'alice', '/messages/')
      try {
        const m = messagesPage(page)
        await m.chat('In order').click()
        await sendOffline(page, m.root, [photo('first.png', 50, 30)], 'First, with a picture')
        await m.composer.fill('Then this')
        await m.composer.press('Enter')
        await m.root.locator('.message.pending', { hasText: 'Then this' }).waitFor()
        // Another chat is opened, then this one again: the conversation that sent them is no longer shown.
        await m.chat('Meanwhile').click()
        await eventually(() => m.title.textContent()).toBe('Meanwhile')
        await aDayLater('alice')
        await m.chat('In order').click()
        await lineBack(page, m.root.locator('.message.pending').first())
        const history = async () =>
          (await host.call('bob', 'GET', `/api/chats/${chat.id}/messages/`)).messages.map(
            (x: { body: string; attachments?: Array<{ name: string }> }) => [
              x.body,
              x.attachments?.map((file) => file.name),
            ],
          )
        await eventually(history).toHaveLength(2)
        expect(await history()).toEqual([
          ['First, with a picture', ['first.png']],
          ['Then this', undefined],
        ])
        const sent = m.root.locator('.message:not(.pending)', { hasText: 'First, with a picture' })
        await eventually(() => loadedWidths(sent)).toEqual([50])
        expect(await m.root.locator('.message.pending').count()).toBe(0)
      } finally {
        await context.close()
      }
    })

    test('of two swept pictures the server takes one again and refuses the other: the message keeps the picture taken and names the one refused', async () => {
      const { host, browser } = shared
      const chat = await host.call('alice', 'POST', '/api/chats/', {
        title: 'Half again',
        memberIds: ['bob'],
      })
      const { context, page } = await openAs(browser, host, 'alice', '/messages/')
      try {
        const m = messagesPage(page)
        await m.chat('Half again').click()
        const pending = await sendOffline(
          page,
          m.root,
          [photo('taken.png', 40, 30), photo('refused.png', 20, 10)],
          'Two pictures',
        )
        // Uploaded again, the second is refused (say the site no longer takes it); the first is taken.
        await page.route('**/api/chats/*/attachments/**', (route) =>
          route.request().url().includes('refused.png')
            ? route.fulfill({
                status: 413,
                contentType: 'application/json',
                body: JSON.stringify({ error: { code: 'too_large', message: 'The file is too large.' } }),
              })
            : route.fallback(),
        )
        const retry = await pending.getByRole('button', { name: 'Retry', exact: true }).elementHandle()
        await backADayLater(page, pending)
        const failed = m.root.locator('.message.failed', { hasText: 'Two pictures' })
        await failed.getByRole('alert').getByText('Choose them again: refused.png').waitFor()
        // "Send without the missing files" is another button than Retry was, not Retry relabelled: a press
        // begun on Retry as the outbox found the files gone cannot send the message without them.
        expect(await retry!.evaluate((button) => button.isConnected)).toBe(false)
        const pictures = () =>
          failed.locator('.picture img').evaluateAll((all) => all.map((img) => img.getAttribute('alt')))
        expect(await pictures()).toEqual(['taken.png'])

        await failed.getByRole('button', { name: 'Send without the missing files' }).click()
        await m.root.locator('.message:not(.pending)', { hasText: 'Two pictures' }).waitFor()
        expect(await bobReads(host, chat.id)).toEqual([['Two pictures', ['taken.png']]])
      } finally {
        await context.close()
      }
    })

    test('a waiting message shows its picture and its file after a reload, and goes with them uploaded again from the bytes kept in IndexedDB, which are then deleted', async () => {
      const { host, browser } = shared
      const chat = await host.call('alice', 'POST', '/api/chats/', { title: 'Reloaded', memberIds: ['bob'] })
      const { context, page } = await openAs(browser, host, 'alice', '/messages/')
      const uploads = uploadsOf(page)
      try {
        const m = messagesPage(page)
        await m.chat('Reloaded').click()
        const before = await sendOffline(
          page,
          m.root,
          [photo('kept.png', 60, 40), pdf('kept-notes.pdf')],
          'Waited through a reload',
        )
        await eventually(() => loadedWidths(before)).toEqual([60])
        // Its first attempt failed: the bytes of both are kept.
        await eventually(() => heldInIndexedDb(page)).toEqual([2])

        await page.reload()
        await m.chat('Reloaded').click()
        const pending = m.root.locator('.message.pending', { hasText: 'Waited through a reload' })
        await eventually(() => loadedWidths(pending)).toEqual([60])
        expect(await pending.locator('.picture img').getAttribute('src')).toMatch(/^blob:/)
        expect(await pending.locator('.file-name').allTextContents()).toEqual(['kept-notes.pdf'])
        expect(await pending.locator('.file-size').textContent()).toBe('3 kB')
        // Light and dark: axe finds nothing serious in the waiting message (its text once fell under AA contrast).
        await shoot(page, 'attachments-waiting-after-reload')

        // A day later both uploads are swept: the page loaded again uploads them from the bytes kept.
        await backADayLater(page, pending)
        const sent = m.root.locator('.message:not(.pending)', { hasText: 'Waited through a reload' })
        await eventually(() => loadedWidths(sent)).toEqual([60])
        expect(await bobReads(host, chat.id)).toEqual([
          ['Waited through a reload', ['kept.png', 'kept-notes.pdf']],
        ])
        expect(uploads).toHaveLength(4)
        await eventually(() => heldInIndexedDb(page)).toEqual([])
      } finally {
        await context.close()
      }
    })

    test('a file kept in a draft across a reload (its bytes gone with the page), then swept while its message waited, is named to be chosen again', async () => {
      const { host, browser } = shared
      await host.call('alice', 'POST', '/api/chats/', { title: 'Drafted', memberIds: ['bob'] })
      const { context, page } = await openAs(browser, host, 'alice', '/messages/')
      try {
        const m = messagesPage(page)
        await m.chat('Drafted').click()
        const t = tray(m.root)
        await t.input.setInputFiles([pdf('drafted-notes.pdf')])
        await uploaded(m.root, 1)
        const draftFiles = () =>
          page.evaluate(() =>
            Object.keys(localStorage)
              .filter((key) => key.startsWith('palaver:draft:'))
              .map((key) => JSON.parse(localStorage.getItem(key)!).files.length),
          )
        await eventually(draftFiles).toEqual([1])
        await page.reload()
        await m.chat('Drafted').click()
        await uploaded(m.root, 1)
        await backADayLater(page, await sendOffline(page, m.root, null, ''))
        const alert = m.root.locator('.message.failed').getByRole('alert')
        await alert.getByText('Not sent: its files expired').waitFor()
        expect(await alert.textContent()).toContain('Choose them again: drafted-notes.pdf')
      } finally {
        await context.close()
      }
    })

    test('where the browser refuses IndexedDB, opened again a day later it says the files expired, and sends the text without them or discards, by keyboard', async () => {
      const { host, browser } = shared
      const chat = await host.call('alice', 'POST', '/api/chats/', {
        title: 'Left for a day',
        memberIds: ['bob'],
      })
      const { context, page: first } = await openAs(browser, host, 'alice', '/messages/')
      try {
        // This browser refuses IndexedDB (say a private window): the bytes go with the page, quietly.
        await context.addInitScript(() => {
          IDBFactory.prototype.open = () => {
            throw new DOMException('The operation is insecure.', 'SecurityError')
          }
        })
        await first.reload()
        const before = messagesPage(first)
        await before.chat('Left for a day').click()
        await sendOffline(first, before.root, [photo('gone.png', 30, 20)], 'Photos attached')
        await sendOffline(first, before.root, [pdf('only-a-file.pdf')], '')
        // The tab is closed with both waiting (the outbox keeps them); a day later the site is opened again.
        await first.close()
        await aDayLater('alice')
        const page = await context.newPage()
        page.setDefaultTimeout(8000)
        await page.goto(`${host.origin}/messages/`)
        const m = messagesPage(page)
        await m.chat('Left for a day').click()

        const withText = m.root.locator('.message.failed', { hasText: 'Photos attached' })
        const alert = withText.getByRole('alert')
        await alert
          .getByText('Not sent: its files expired (the server keeps unsent files for a day).')
          .waitFor()
        // Which ones, by name (the page that sent them is gone, and their bytes with it).
        expect(await alert.textContent()).toContain('Choose them again: gone.png')
        expect(await withText.getByRole('button', { name: 'Retry' }).count()).toBe(0)
        const fileOnly = m.root.locator('.message.failed').filter({ hasNotText: 'Photos attached' })
        await fileOnly.getByText('Not sent: its files expired').waitFor()
        expect(await fileOnly.getByRole('alert').textContent()).toContain(
          'Choose them again: only-a-file.pdf',
        )
        // Nothing left to send there: only Discard.
        expect(await fileOnly.getByRole('button').allTextContents()).toEqual(['Discard'])
        expect(await seriousViolations(page)).toEqual([])

        await withText.getByRole('button', { name: 'Send without the missing files' }).focus()
        await page.keyboard.press('Enter')
        await m.root.locator('.message:not(.pending)', { hasText: 'Photos attached' }).waitFor()
        await fileOnly.getByRole('button', { name: 'Discard' }).focus()
        await page.keyboard.press('Space')
        await eventually(() => m.root.locator('.message.pending').count()).toBe(0)
        expect(await bobReads(host, chat.id)).toEqual([['Photos attached', undefined]])
        await page.reload()
        await m.chat('Left for a day').click()
        await m.message('Photos attached').waitFor()
        expect(await m.root.locator('.message.pending').count()).toBe(0)
      } finally {
        await context.close()
      }
    })
  },
)
