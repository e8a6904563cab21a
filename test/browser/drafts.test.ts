import type { Browser, BrowserContext, Locator, Page } from 'playwright-core'
import { describe, expect, test } from 'vitest'
import type { PalaverComposer } from '../../src/elements/index.js'
import {
  chromiumAvailable,
  eventually,
  type Host,
  hostAndBrowser,
  openAs,
  openDm,
  requestsSettled,
  slowUploads,
} from './harness.js'
import { focused, messagesPage } from './messages-helpers.js'

/** A 2×2 PNG (the server checks a picture's bytes). */
const dot = {
  name: 'dot.png',
  mimeType: 'image/png',
  buffer: Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGNgYPj/n4GBgYGRgQEKAC/4Af9fTbqEAAAAAElFTkSuQmCC',
    'base64',
  ),
}
const notes = (name = 'notes.txt', size = 2000) => ({
  name,
  mimeType: 'text/plain',
  buffer: Buffer.alloc(size, 'notes '),
})

/** The drafts this page keeps in localStorage, by key. */
const stored = (page: Page) =>
  page.evaluate(() =>
    Object.fromEntries(
      Object.keys(localStorage)
        .filter((key) => key.startsWith('palaver:draft:'))
        .map((key) => [key, JSON.parse(localStorage.getItem(key)!)]),
    ),
  )

const fileInput = (root: Locator) => root.locator('palaver-composer input[type=file]')

/** A chat's line in the list says "Draft:" (its own text, for screen readers too) and then the draft. */
const draftLine = (m: ReturnType<typeof messagesPage>, title: string) =>
  m.chat(title).locator('.chat-preview')

/** GET …/api/messages/{id}/ requests `page` makes from now on; `settled()` waits until every one asked for so far is counted. */
function messageFetches(page: Page) {
  const fetches = { count: 0, settled: () => requestsSettled(page) }
  page.on('request', (request) => {
    if (
      request.method() === 'GET' &&
      /^\/messages\/api\/messages\/\d+\/$/.test(new URL(request.url()).pathname)
    )
      fetches.count++
  })
  return fetches
}

/** Where Alice's draft of a chat is kept. */
const keyOf = (chatId: number) => `palaver:draft:/messages:alice:${chatId}`

/** Alice opens the chat on the messages page with a kept draft that answers `replyTo` (as the last page left it). */
async function openWithKeptReply(shared: { host: Host; browser: Browser }, chatId: number, replyTo: unknown) {
  const { context, page } = await openAs(shared.browser, shared.host, 'alice', '/login')
  const draft = JSON.stringify({ text: 'About that', mentions: [], replyTo, files: [] })
  await page.evaluate(([key, value]) => localStorage.setItem(key!, value!), [keyOf(chatId), draft])
  const fetches = messageFetches(page)
  await page.goto(`${shared.host.origin}/messages/#chat=${chatId}`)
  const m = messagesPage(page)
  await eventually(() => m.composer.inputValue()).toBe('About that')
  return { context, page, m, fetches }
}

/** The kept reply drops from the draft and its bar goes, and no message was asked for. */
async function droppedWithoutRequest(opened: Awaited<ReturnType<typeof openWithKeptReply>>, chatId: number) {
  await eventually(async () => (await stored(opened.page))[keyOf(chatId)]?.replyTo).toBeNull()
  expect(await opened.m.root.locator('.reply-bar').count()).toBe(0)
  await opened.fetches.settled()
  expect(opened.fetches.count).toBe(0)
}

async function signInAs(context: BrowserContext, origin: string, user: string) {
  await context.addCookies([{ name: 'test-user', value: user, url: origin }])
}

describe.skipIf(!chromiumAvailable)('drafts', () => {
  const shared = hostAndBrowser({ transport: 'websocket' })
  const group = (owner: string, title: string, memberIds: string[]) =>
    shared.host.call(owner, 'POST', '/api/chats/', { title, memberIds })
  const say = (user: string, chatId: number, body: string) =>
    shared.host.call(user, 'POST', `/api/chats/${chatId}/messages/`, { body })

  test('the text and the reply survive switching chats and back; the list shows the other chat’s draft', async () => {
    const picnic = await group('alice', 'Picnic', ['bob'])
    await group('alice', 'Book club', ['bob'])
    await say('bob', picnic.id, 'Who brings the blanket?')
    const alice = await openAs(shared.browser, shared.host, 'alice', '/messages/')
    try {
      const m = messagesPage(alice.page)
      await m.chat('Picnic').click()
      const question = m.message('Who brings the blanket?')
      await question.hover()
      await question.getByRole('button', { name: 'Reply to Bob Brown' }).click()
      await m.composer.pressSequentially('I will, the blue one')
      // The open chat's own line shows its last message, not the draft being written.
      expect(await draftLine(m, 'Picnic').textContent()).toContain('Who brings the blanket?')

      await m.chat('Book club').click()
      await eventually(() => m.title.textContent()).toContain('Book club')
      expect(await m.composer.inputValue()).toBe('')
      await eventually(() => draftLine(m, 'Picnic').textContent()).toBe('Draft: I will, the blue one')
      const label = draftLine(m, 'Picnic').locator('.draft-label')
      expect(await label.textContent()).toBe('Draft:')
      // In the danger colour (#c62828), besides the words.
      expect(await label.evaluate((element) => getComputedStyle(element).color)).toBe('rgb(198, 40, 40)')
      expect(await m.chat('Picnic').textContent()).toContain('Draft: I will, the blue one')

      await m.chat('Picnic').click()
      await eventually(() => m.composer.inputValue()).toBe('I will, the blue one')
      expect(await m.root.locator('.reply-bar').textContent()).toContain('Replying to Bob Brown')
      expect(await draftLine(m, 'Picnic').textContent()).not.toContain('Draft:')

      // The reply goes as a reply, and the draft with it.
      await m.composer.press('Enter')
      await m.root.locator('.message.own', { hasText: 'I will, the blue one' }).locator('.quote').waitFor()
      await m.chat('Book club').click()
      await eventually(() => draftLine(m, 'Picnic').textContent()).toContain('You: I will, the blue one')
    } finally {
      await alice.context.close()
    }
  })

  test('a reload keeps the text and the finished uploads (one the server lost drops out); sending clears the draft and its line', async () => {
    const trip = await group('bob', 'Road trip', ['alice'])
    await group('bob', 'Garage', ['alice'])
    const bob = await openAs(shared.browser, shared.host, 'bob', '/messages/')
    try {
      const m = messagesPage(bob.page)
      await m.chat('Road trip').click()
      await fileInput(m.root).setInputFiles([dot, notes('route.txt'), notes('lost.txt')])
      await eventually(() => m.root.locator('.chip.done').count()).toBe(3)
      await m.composer.fill('Map and route attached')
      const key = `palaver:draft:/messages:bob:${trip.id}`
      // Saved as it is written: the files were in the draft before the text, so wait for the text.
      await eventually(async () => (await stored(bob.page))[key]?.text).toBe('Map and route attached')
      expect((await stored(bob.page))[key].files.length).toBe(3)

      // The server no longer has one of them (swept): after the reload it is quietly gone.
      const lost = (await stored(bob.page))[key].files[2].attachment.id
      await shared.host.palaver.db.deleteFrom('palaver_attachments').where('id', '=', lost).execute()
      await bob.page.reload()
      await m.chat('Garage').click()
      await eventually(() => draftLine(m, 'Road trip').textContent()).toBe('Draft: Map and route attached')
      await m.chat('Road trip').click()
      await eventually(() => m.composer.inputValue()).toBe('Map and route attached')
      await eventually(() => m.root.locator('.chip').count()).toBe(2)
      expect(await m.root.locator('.chip.done').allTextContents()).toEqual([
        expect.stringContaining('dot.png'),
        expect.stringContaining('route.txt'),
      ])
      // The picture's thumbnail is the uploaded file now.
      await eventually(() =>
        m.root
          .locator('.chip', { hasText: 'dot.png' })
          .locator('img')
          .evaluate((img: HTMLImageElement) => img.naturalWidth),
      ).toBe(2)

      await m.composer.press('Enter')
      const sent = m.root.locator('.message.own:not(.pending)', { hasText: 'Map and route attached' })
      await sent.locator('.file').waitFor()
      expect(await sent.locator('.picture img, .file').count()).toBe(2)
      expect(await m.root.locator('.chip').count()).toBe(0)
      expect(await m.composer.inputValue()).toBe('')
      await eventually(async () => Object.keys(await stored(bob.page))).toEqual([])

      await m.chat('Garage').click()
      await eventually(() => draftLine(m, 'Road trip').textContent()).toBe('You: Map and route attached')
      await bob.page.reload()
      await m.chat('Road trip').click()
      await sent.waitFor()
      expect(await m.composer.inputValue()).toBe('')
      expect(await m.root.locator('.chip').count()).toBe(0)
    } finally {
      await bob.context.close()
    }
  })

  test('the DM widget’s upload goes on while its panel is closed, shows how far it is when opened, and goes with the message', async () => {
    const dana = await openAs(shared.browser, shared.host, 'dana', '/host/dm/charlie')
    try {
      await slowUploads(dana.page)
      let dm = await openDm(dana.page)
      await fileInput(dm.root).setInputFiles([notes('minutes.txt', 400 * 1024)])
      const bar = dm.root.getByRole('progressbar', { name: 'Uploading minutes.txt' })
      const percent = async () => Number(await bar.getAttribute('aria-valuenow'))
      await eventually(percent).toBeGreaterThan(0)
      await dm.composer.fill('The minutes, as promised')
      const atClose = await percent()

      await dm.root.getByRole('button', { name: 'Close chat' }).click()
      await dm.panel.waitFor({ state: 'detached' })
      await dana.page.waitForTimeout(600)

      dm = await openDm(dana.page)
      expect(await dm.composer.inputValue()).toBe('The minutes, as promised')
      // Still on its way, further than when the panel closed (the bytes kept going).
      const seen = await percent()
      expect(seen).toBeGreaterThan(atClose)
      expect(seen).toBeLessThan(100)
      expect(await dm.root.getByRole('button', { name: 'Send', exact: true }).isEnabled()).toBe(false)
      await eventually(() => dm.root.locator('.chip.done').count()).toBe(1)

      await dm.composer.press('Enter')
      // Sent, not only waiting (a waiting message shows its file too).
      await dm.root
        .locator('.message:not(.pending)', { hasText: 'The minutes, as promised' })
        .locator('.file')
        .waitFor()
      const chat = await shared.host.call('charlie', 'POST', '/api/dms/', { userId: 'dana' })
      const history = await shared.host.call('charlie', 'GET', `/api/chats/${chat.id}/messages/`)
      const last = history.messages.at(-1)
      expect(last.body).toBe('The minutes, as promised')
      expect(last.attachments.map((file: { name: string }) => file.name)).toEqual(['minutes.txt'])
    } finally {
      await dana.context.close()
    }
  })

  test('two people in one browser never see each other’s drafts', async () => {
    const chat = await group('charlie', 'Shared desk', ['alice'])
    const { context, page } = await openAs(shared.browser, shared.host, 'alice', `/messages/#chat=${chat.id}`)
    try {
      const m = messagesPage(page)
      await m.composer.fill('Alice’s surprise party plan')
      await eventually(async () => Object.keys(await stored(page))).toEqual([
        `palaver:draft:/messages:alice:${chat.id}`,
      ])

      // Charlie signs in on the same browser: his box is empty, and the list shows no draft.
      await signInAs(context, shared.host.origin, 'charlie')
      await page.reload()
      await eventually(() => m.title.textContent()).toContain('Shared desk')
      await m.composer.waitFor()
      expect(await m.composer.inputValue()).toBe('')
      expect(await m.root.locator('.draft-label').count()).toBe(0)
      await m.composer.fill('Charlie’s note')
      await eventually(async () => Object.keys(await stored(page)).length).toBe(2)

      // Alice again: her draft, not his.
      await signInAs(context, shared.host.origin, 'alice')
      await page.reload()
      await eventually(() => m.composer.inputValue()).toBe('Alice’s surprise party plan')
    } finally {
      await context.close()
    }
  })

  test('another tab shows the draft as it is written, with its reply, and loses it once sent there; what is being typed in it stays', async () => {
    const beach = await group('alice', 'Beach day', ['bob'])
    await group('alice', 'Chores', ['bob'])
    await say('bob', beach.id, 'Who brings the umbrella?')
    const { context, page } = await openAs(shared.browser, shared.host, 'alice', '/messages/')
    const other = await context.newPage()
    other.setDefaultTimeout(8000)
    await other.goto(`${shared.host.origin}/messages/`)
    try {
      const a = messagesPage(page)
      const b = messagesPage(other)
      await b.chat('Chores').click()
      await a.chat('Beach day').click()
      const question = a.message('Who brings the umbrella?')
      await question.hover()
      await question.getByRole('button', { name: 'Reply to Bob Brown' }).click()
      await a.composer.pressSequentially('I will, the striped one')
      await eventually(() => draftLine(b, 'Beach day').textContent()).toBe('Draft: I will, the striped one')

      await b.chat('Beach day').click()
      await eventually(() => b.composer.inputValue()).toBe('I will, the striped one')
      expect(await b.root.locator('.reply-bar').textContent()).toContain('Replying to Bob Brown')
      // Open there, its box not focused: it follows what is written here.
      await a.composer.pressSequentially(' and the towels')
      await eventually(() => b.composer.inputValue()).toBe('I will, the striped one and the towels')

      await b.chat('Chores').click()
      await a.composer.press('Enter')
      await eventually(() => draftLine(b, 'Beach day').textContent()).toBe(
        'You: I will, the striped one and the towels',
      )
      await b.chat('Beach day').click()
      await b.message('I will, the striped one and the towels').waitFor()
      expect(await b.composer.inputValue()).toBe('')
      expect(await b.root.locator('.reply-bar').count()).toBe(0)

      // Typed in the other tab's focused box: a later draft from here does not replace it; its next key writes it.
      const key = `palaver:draft:/messages:alice:${beach.id}`
      await b.composer.click()
      await b.composer.pressSequentially('Mine')
      await eventually(async () => (await stored(page))[key]?.text).toBe('Mine')
      await a.composer.fill('Theirs')
      await eventually(async () => (await stored(page))[key]?.text).toBe('Theirs')
      await other.waitForTimeout(200)
      expect(await b.composer.inputValue()).toBe('Mine')
      expect((await focused(other)).tag).toBe('textarea')
      await b.composer.press('!')
      await eventually(async () => (await stored(page))[key]?.text).toBe('Mine!')
    } finally {
      await context.close()
    }
  })

  /** Another tab of the site (a page of its own in `context`) writes the chat's draft. */
  async function writeElsewhere(context: BrowserContext, key: string, text: string) {
    const tab = await context.newPage()
    await tab.goto(`${shared.host.origin}/login`)
    const value = JSON.stringify({ text, mentions: [], replyTo: null, files: [] })
    await tab.evaluate(([key, value]) => localStorage.setItem(key!, value!), [key, value])
    await tab.close()
  }
  const hasFocus = (box: Locator) =>
    box.evaluate((area) => (area.getRootNode() as ShadowRoot).activeElement === area)

  test('two widgets of one chat on a page: one going away leaves what is typed in the other under the cursor', async () => {
    const chat = await shared.host.call('charlie', 'POST', '/api/dms/', { userId: 'erin' })
    const key = `palaver:draft:/messages:erin:${chat.id}`
    const { context, page } = await openAs(shared.browser, shared.host, 'erin', '/host/dm/charlie')
    try {
      // The host shows the widget twice (in its page and in a sidebar, say); both panels open.
      await page.locator('palaver-dm').evaluate((dm) => dm.after(dm.cloneNode()))
      const first = page.locator('palaver-dm').first()
      const second = page.locator('palaver-dm').nth(1)
      const box = (dm: Locator) => dm.getByRole('textbox', { name: 'Write a message' })
      for (const dm of [first, second]) {
        await dm.locator('button.toggle').click()
        await box(dm).waitFor()
      }
      await box(first).pressSequentially('Mine')
      await eventually(async () => (await stored(page))[key]?.text).toBe('Mine')

      // The host takes the other one away (its page changes); the focus stays in the first.
      await second.evaluate((dm) => dm.remove())
      await writeElsewhere(context, key, 'Theirs')
      await page.waitForTimeout(200)
      expect(await box(first).inputValue()).toBe('Mine')
      expect(await hasFocus(box(first))).toBe(true)
      await box(first).press('!')
      await eventually(async () => (await stored(page))[key]?.text).toBe('Mine!')
    } finally {
      await context.close()
    }
  })

  test('a composer whose box keeps the focus as it is given another chat’s draft keeps that text under the cursor', async () => {
    const chat = await shared.host.call('charlie', 'POST', '/api/dms/', { userId: 'dana' })
    const key = `palaver:draft:/messages:dana:${chat.id}`
    const { context, page } = await openAs(shared.browser, shared.host, 'dana', '/host/dm/charlie')
    try {
      const dm = await openDm(page)
      await dm.composer.pressSequentially('Mine')
      await eventually(async () => (await stored(page))[key]?.text).toBe('Mine')

      // A composer of the page, its box focused, is given that chat's draft (as a conversation gives its own).
      await page.evaluate(() =>
        document.querySelector('main')!.append(document.createElement('palaver-composer')),
      )
      const composer = page.locator('main > palaver-composer')
      const box = composer.getByRole('textbox', { name: 'Write a message' })
      await box.focus()
      const draft = await dm.root
        .locator('palaver-composer')
        .evaluateHandle((c) => (c as PalaverComposer).draft)
      await composer.evaluate((c, draft) => Object.assign(c, { draft }), draft)
      await eventually(() => box.inputValue()).toBe('Mine')
      expect(await hasFocus(box)).toBe(true)

      await writeElsewhere(context, key, 'Theirs')
      await page.waitForTimeout(200)
      expect(await box.inputValue()).toBe('Mine')
      await box.press('!')
      await eventually(async () => (await stored(page))[key]?.text).toBe('Mine!')
    } finally {
      await context.close()
    }
  })

  test('a kept reply to a message deleted meanwhile drops at once: heard live while its chat is not open, asked for when it opens', async () => {
    const thread = await group('bob', 'Long thread', ['alice'])
    await group('bob', 'Side notes', ['alice'])
    const plan = await say('bob', thread.id, 'The plan, early on')
    const point = await say('bob', thread.id, 'Another point, early on')
    // Both far above the newest page: they would load only on scrolling up.
    await shared.host.seedMessages(thread.id, 80, ['bob'])
    const key = `palaver:draft:/messages:alice:${thread.id}`
    const keep = (replyTo: unknown) =>
      JSON.stringify({ text: 'About that plan', mentions: [], replyTo, files: [] })
    const { context, page } = await openAs(shared.browser, shared.host, 'alice', '/messages/')
    try {
      const m = messagesPage(page)
      await page.evaluate(([key, value]) => localStorage.setItem(key!, value!), [key, keep(plan)])
      await page.reload()
      await m.chat('Side notes').click()
      await eventually(() => draftLine(m, 'Long thread').textContent()).toBe('Draft: About that plan')
      await shared.host.call('bob', 'DELETE', `/api/messages/${plan.id}/`)
      await eventually(async () => (await stored(page))[key]?.replyTo).toBeNull()
      expect((await stored(page))[key].text).toBe('About that plan')
      await m.chat('Long thread').click()
      await eventually(() => m.composer.inputValue()).toBe('About that plan')
      expect(await m.root.locator('.reply-bar').count()).toBe(0)

      // Deleted while no page was open: the chat asks for the message as it opens.
      await page.evaluate(([key, value]) => localStorage.setItem(key!, value!), [key, keep(point)])
      await page.close()
      await shared.host.call('bob', 'DELETE', `/api/messages/${point.id}/`)
      const next = await context.newPage()
      await next.goto(`${shared.host.origin}/messages/#chat=${thread.id}`)
      const n = messagesPage(next)
      await eventually(() => n.composer.inputValue()).toBe('About that plan')
      await eventually(async () => (await stored(next))[key]?.replyTo).toBeNull()
      expect(await n.root.locator('.reply-bar').count()).toBe(0)
    } finally {
      await context.close()
    }
  })

  test('a chat opening with a kept reply whose message its newest page holds asks for nothing more: edited meanwhile, the bar shows the edit; deleted, it drops', async () => {
    const dinner = await group('bob', 'Dinner', ['alice'])
    const date = await say('bob', dinner.id, 'Which evening suits you?')
    await say('bob', dinner.id, 'Thursday or Friday')

    const first = await openWithKeptReply(shared, dinner.id, date)
    try {
      await eventually(() => first.m.root.locator('.reply-bar').textContent()).toContain(
        'Which evening suits you?',
      )
      await first.fetches.settled()
      expect(first.fetches.count).toBe(0)
    } finally {
      await first.context.close()
    }

    await shared.host.call('bob', 'PATCH', `/api/messages/${date.id}/`, {
      body: 'Which evening suits you best?',
    })
    const edited = await openWithKeptReply(shared, dinner.id, date)
    try {
      await eventually(() => edited.m.root.locator('.reply-bar').textContent()).toContain('suits you best?')
      await edited.fetches.settled()
      expect(edited.fetches.count).toBe(0)
    } finally {
      await edited.context.close()
    }

    // Deleted: the page holds its tombstone, which drops the reply.
    await shared.host.call('bob', 'DELETE', `/api/messages/${date.id}/`)
    const deleted = await openWithKeptReply(shared, dinner.id, date)
    try {
      await droppedWithoutRequest(deleted, dinner.id)
    } finally {
      await deleted.context.close()
    }
  })
})

describe.skipIf(!chromiumAvailable)('a kept reply where deleted messages leave no trace', () => {
  const shared = hostAndBrowser({ transport: 'websocket', showDeletedMessageIndicators: false })
  const say = (user: string, chatId: number, body: string) =>
    shared.host.call(user, 'POST', `/api/chats/${chatId}/messages/`, { body })

  test('one whose message is gone from the span of the newest page drops without a request; one above that page is asked for, once, and stays', async () => {
    const chat = await shared.host.call('bob', 'POST', '/api/chats/', {
      title: 'Errands',
      memberIds: ['alice'],
    })
    const early = await say('bob', chat.id, 'Early: the key is under the mat')
    await shared.host.seedMessages(chat.id, 80, ['bob'])
    const late = await say('bob', chat.id, 'Late: bread or rolls?')
    await say('bob', chat.id, 'Either is fine')

    await shared.host.call('bob', 'DELETE', `/api/messages/${late.id}/`)
    const gone = await openWithKeptReply(shared, chat.id, late)
    try {
      await droppedWithoutRequest(gone, chat.id)
    } finally {
      await gone.context.close()
    }

    // Far above the newest page, its absence from that page says nothing: the server is asked.
    const above = await openWithKeptReply(shared, chat.id, early)
    try {
      await eventually(() => above.fetches.count).toBe(1)
      await above.fetches.settled()
      expect(above.fetches.count).toBe(1)
      expect(await above.m.root.locator('.reply-bar').textContent()).toContain('the key is under the mat')
      expect((await stored(above.page))[keyOf(chat.id)]?.replyTo?.id).toBe(early.id)
    } finally {
      await above.context.close()
    }
  })
})
