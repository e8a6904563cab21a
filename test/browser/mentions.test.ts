import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Locator, Page, Route } from 'playwright-core'
import { describe, expect, test } from 'vitest'
import { chromiumAvailable, eventually, hostAndBrowser, openAs } from './harness.js'
import { focused, messagesPage, shootLightAndDark } from './messages-helpers.js'

// PALAVER_SHOTS_DIR keeps them where one can look at them; otherwise a temporary folder.
const screenshots = process.env.PALAVER_SHOTS_DIR ?? mkdtempSync(join(tmpdir(), 'palaver-mentions-'))
mkdirSync(screenshots, { recursive: true })

/** The composer's suggestion list and its options, by name; `names()` those it shows, in order. */
function suggestions(root: Locator) {
  const list = root.getByRole('listbox', { name: 'People to mention' })
  const options = list.getByRole('option')
  return {
    list,
    options,
    option: (name: string) => list.getByRole('option', { name }),
    names: async () => (await options.allTextContents()).map((text) => text.replace(/\s+/g, ' ').trim()),
  }
}

/** What the message box says about its list: its text and the ARIA attributes that tie them together. */
const boxState = (box: Locator) =>
  box.evaluate((area: HTMLTextAreaElement) => ({
    value: area.value,
    autocomplete: area.getAttribute('aria-autocomplete'),
    controls: area.getAttribute('aria-controls'),
    active: area.getAttribute('aria-activedescendant'),
  }))

/**
 * The member searches `page` makes from now on (GET …/members/?q=…). `settled()` resolves once every
 * search the keys typed so far asked for has gone out: a page timer set later, and longer than the
 * composer's wait after the last key, fires after it (a page runs its timers in that order), and a
 * request the page makes after that is seen after it.
 */
function memberSearches(page: Page) {
  let count = 0
  page.on('request', (request) => {
    if (/\/api\/chats\/\d+\/members\/\?/.test(request.url())) count++
  })
  return {
    get count() {
      return count
    },
    async settled() {
      const barrier = page.waitForRequest((request) => request.url().endsWith('/after-the-search-wait'))
      await page.evaluate(() =>
        new Promise((resolve) => setTimeout(resolve, 250)).then(() => fetch('/after-the-search-wait')),
      )
      await barrier
    },
  }
}

/** The history of a chat as `page`'s user gets it from the server. */
const historyFrom = (page: Page, chatId: number) =>
  page.evaluate(
    (id) => fetch(`/messages/api/chats/${id}/messages/`).then((r) => r.json()),
    chatId,
  ) as Promise<{
    messages: Array<{ body: string; mentions: Array<{ id: string }>; mentionsEveryone?: true }>
  }>

/** Edits `message`, the viewer's own, to `text` in its edit box: the message (found by `shown`) once edited. */
async function editTo(m: ReturnType<typeof messagesPage>, message: Locator, text: string, shown: string) {
  await message.hover()
  await message.getByRole('button', { name: 'Edit' }).click()
  const editor = m.root.getByRole('textbox', { name: 'Edit your message' })
  await editor.fill(text)
  await editor.press('Enter')
  const edited = m.message(shown)
  await edited.locator('.edited').waitFor()
  return edited
}

/** axe in light and dark mode, and a screenshot of each. */
const shoot = (page: Page, name: string) => shootLightAndDark(page, screenshots, name)

describe.skipIf(!chromiumAvailable)('mentions', () => {
  const shared = hostAndBrowser({ transport: 'websocket' })
  const say = (user: string, chatId: number, body: string, mentionIds?: string[]) =>
    shared.host.call(user, 'POST', `/api/chats/${chatId}/messages/`, { body, mentionIds })
  const createGroup = (owner: string, title: string, memberIds: string[]) =>
    shared.host.call(owner, 'POST', '/api/chats/', { title, memberIds })

  /** A group with a first message, and the messages page of two members open on it. */
  async function openGroup(
    title: string,
    memberIds: string[],
    first: [string, string],
    viewers: [string, string],
  ) {
    const { host, browser } = shared
    const chat = await createGroup(viewers[0], title, memberIds)
    await say(first[0], chat.id, first[1])
    const open = async (user: string) => {
      const { context, page } = await openAs(browser, host, user, '/messages/')
      const m = messagesPage(page)
      await m.chat(title).click()
      await m.message(first[1]).waitFor()
      return { context, page, m }
    }
    const [one, two] = await Promise.all([open(viewers[0]), open(viewers[1])])
    return { chat, one, two, close: () => Promise.all([one.context.close(), two.context.close()]) }
  }

  test('@ suggests the other members; the keyboard picks one; the mention reaches them highlighted', async () => {
    const group = await openGroup(
      'Picnic',
      ['bob', 'charlie'],
      ['bob', 'Who brings the blanket?'],
      ['alice', 'charlie'],
    )
    const { one: alice, two: charlie } = group
    const [a, c] = [alice.m, charlie.m]
    const keys = alice.page.keyboard
    try {
      const { list, options, option } = suggestions(a.root)
      await a.composer.click()
      expect((await boxState(a.composer)).autocomplete).toBe('list')

      // "@" alone: the others (not Alice herself); the first is active, the arrows move and wrap.
      await keys.type('I will @')
      await eventually(() => options.count()).toBe(2)
      expect((await options.allTextContents()).join()).not.toContain('Alice')
      expect(await boxState(a.composer)).toMatchObject({ controls: 'mentions', active: 'mention-0' })
      expect(await options.nth(0).getAttribute('aria-selected')).toBe('true')
      await keys.press('ArrowDown')
      expect((await boxState(a.composer)).active).toBe('mention-1')
      expect(await options.nth(1).getAttribute('aria-selected')).toBe('true')
      await keys.press('ArrowDown')
      expect((await boxState(a.composer)).active).toBe('mention-0')
      await keys.press('ArrowUp')
      expect((await boxState(a.composer)).active).toBe('mention-1')

      // Part of a name narrows the list, a space included while the name still matches.
      await keys.type('Charlie C')
      await eventually(() => options.count()).toBe(1)
      await option('Charlie Chen @charlie').waitFor()

      // Enter picks (it does not send): the name replaces the query, the list closes.
      await keys.press('Enter')
      await list.waitFor({ state: 'detached' })
      expect(await boxState(a.composer)).toMatchObject({
        value: 'I will @Charlie Chen ',
        controls: null,
        active: null,
      })
      expect(await a.messages.count()).toBe(1)

      // Typing on after the name does not bring the list back (nobody is searched for); Enter now sends.
      const searches = memberSearches(alice.page)
      await keys.type('bring it!')
      await searches.settled()
      expect(searches.count).toBe(0)
      expect(await list.count()).toBe(0)
      await keys.press('Enter')
      const sent = a.root.locator('.message:not(.pending)', { hasText: 'bring it!' })
      await sent.waitFor()
      expect(await sent.locator('.mention').textContent()).toBe('@Charlie Chen')
      expect(await sent.locator('.mention.me').count()).toBe(0)
      const history = await historyFrom(alice.page, group.chat.id)
      expect(history.messages.at(-1)).toMatchObject({
        body: 'I will @Charlie Chen bring it!',
        mentions: [{ id: 'charlie', displayName: 'Charlie Chen' }],
      })

      // Charlie sees the chip marked as his, and the message says it mentions him: live, and after a reload.
      for (const reload of [false, true]) {
        if (reload) {
          await charlie.page.reload()
          await c.chat('Picnic').click()
        }
        const received = c.message('bring it!')
        await received.waitFor()
        expect(await received.locator('.mention.me').textContent()).toBe('@Charlie Chen')
        expect(await received.getAttribute('class')).toContain('mentions-me')
        expect(await received.locator('.visually-hidden', { hasText: 'Mentions you' }).count()).toBe(1)
        // Bob's message mentions nobody.
        expect(await c.message('blanket').getAttribute('class')).not.toContain('mentions-me')
      }
    } finally {
      await group.close()
    }
  })

  test('@ev offers everyone first; picked by keyboard (kept by the draft), it reaches every other member as theirs', async () => {
    const group = await openGroup(
      'Standup',
      ['bob', 'charlie', 'erin'],
      ['erin', 'Morning all'],
      ['alice', 'charlie'],
    )
    const { one: alice, two: charlie } = group
    const [a, c] = [alice.m, charlie.m]
    const keys = alice.page.keyboard
    // Bob has his messages page open elsewhere: the chat list's @ comes live.
    const bob = await openAs(shared.browser, shared.host, 'bob', '/messages/')
    try {
      const b = messagesPage(bob.page)
      const row = b.chat('Standup')
      await row.waitFor()
      const { list, options } = suggestions(a.root)
      await a.composer.click()
      await keys.type('Heads up @ev')
      // Everyone first, then the members "ev" finds (Erin Evans).
      await eventually(() => options.nth(0).textContent()).toMatch(/everyone\s*— Notify every member/)
      await eventually(async () => (await options.allTextContents()).join()).toContain('Erin Evans')
      // "@e" is one letter from anyone's name: everyone waits for a second.
      await keys.press('Backspace')
      await eventually(async () => (await options.allTextContents()).join()).not.toContain('every member')
      expect((await options.allTextContents()).join()).toContain('Erin Evans')
      await keys.type('v')
      await eventually(() => options.nth(0).textContent()).toMatch(/Notify every member/)
      expect(await boxState(a.composer)).toMatchObject({ active: 'mention-0' })
      await keys.press('Enter')
      await list.waitFor({ state: 'detached' })
      expect((await boxState(a.composer)).value).toBe('Heads up @everyone ')
      await keys.type('standup moves to 10')

      // The draft keeps the pick across a reload.
      await eventually(() =>
        alice.page.evaluate(() => Object.keys(localStorage).some((k) => k.startsWith('palaver:draft:'))),
      ).toBe(true)
      await alice.page.reload()
      await a.chat('Standup').click()
      await eventually(async () => (await boxState(a.composer)).value).toBe(
        'Heads up @everyone standup moves to 10',
      )
      await a.composer.press('Enter')
      const sent = a.root.locator('.message:not(.pending)', { hasText: 'moves to 10' })
      await sent.waitFor()
      expect(await sent.locator('.mention.everyone').textContent()).toBe('@everyone')
      expect(await sent.locator('.mention.me').count()).toBe(0)
      const history = await historyFrom(alice.page, group.chat.id)
      expect(history.messages.at(-1)).toMatchObject({
        body: 'Heads up @everyone standup moves to 10',
        mentionsEveryone: true,
      })

      // Charlie, in the chat: the chip is his, the message says it mentions him.
      const received = c.message('moves to 10')
      await received.waitFor()
      expect(await received.locator('.mention.everyone.me').textContent()).toBe('@everyone')
      expect(await received.getAttribute('class')).toContain('mentions-me')
      expect(await received.locator('.visually-hidden', { hasText: 'Mentions you' }).count()).toBe(1)
      // Bob's chat list: the @ badge, live and after a reload.
      await row.locator('.badge.mention').waitFor()
      await bob.page.reload()
      await b.chat('Standup').locator('.badge.mention').waitFor()

      // Edited without "@everyone", it mentions nobody: Charlie's highlight goes.
      const edited = await editTo(a, sent, 'Standup moves to 10', 'Standup moves to 10')
      expect(await edited.locator('.mention').count()).toBe(0)
      await eventually(() => received.getAttribute('class')).not.toContain('mentions-me')
      expect((await historyFrom(alice.page, group.chat.id)).messages.at(-1)).not.toHaveProperty(
        'mentionsEveryone',
      )
    } finally {
      await Promise.all([group.close(), bob.context.close()])
    }
  })

  test('Escape closes the list and keeps the reply; a click picks; a live mention arrives marked', async () => {
    const group = await openGroup(
      'Road trip',
      ['alice', 'erin'],
      ['erin', 'The car is booked for Friday'],
      ['dana', 'erin'],
    )
    const { one: dana, two: erin } = group
    const [d, e] = [dana.m, erin.m]
    const keys = dana.page.keyboard
    try {
      const booked = d.message('car is booked')
      await booked.hover()
      await booked.getByRole('button', { name: 'Reply to Erin Evans' }).click()
      const bar = d.root.locator('.reply-bar')
      await bar.waitFor()
      const { list, option } = suggestions(d.root)

      // Escape closes the list only: the reply stays, the text too.
      await keys.type('Thanks @er')
      await option('Erin Evans @erin').waitFor()
      await keys.press('Escape')
      await list.waitFor({ state: 'detached' })
      expect(await bar.isVisible()).toBe(true)
      expect((await boxState(d.composer)).value).toBe('Thanks @er')
      // The same @ stays closed while one types on (nobody is searched for).
      const searches = memberSearches(dana.page)
      await keys.type('i')
      await searches.settled()
      expect(searches.count).toBe(0)
      expect(await list.count()).toBe(0)

      // A new @, picked with the mouse; the focus stays in the box.
      await d.composer.fill('Thanks ')
      await d.composer.press('End')
      await keys.type('@al')
      await option('Alice Anderson @alice').click()
      await list.waitFor({ state: 'detached' })
      expect((await boxState(d.composer)).value).toBe('Thanks @Alice Anderson ')
      await keys.type('and @Eri')
      await option('Erin Evans @erin').waitFor()
      await keys.press('Tab')
      await keys.type('see you there')
      await keys.press('Enter')
      await bar.waitFor({ state: 'detached' })

      // Erin had the chat open: the reply arrives live, marked as mentioning her.
      const live = e.message('see you there')
      await live.waitFor()
      expect(await live.locator('.mention').allTextContents()).toEqual(['@Alice Anderson', '@Erin Evans'])
      expect(await live.locator('.mention.me').textContent()).toBe('@Erin Evans')
      expect(await live.getAttribute('class')).toContain('mentions-me')
      const history = await historyFrom(erin.page, group.chat.id)
      expect(history.messages.at(-1)?.mentions.map((u) => u.id)).toEqual(['alice', 'erin'])
    } finally {
      await group.close()
    }
  })

  test('an edit keeps the mentions whose names are still in the text', async () => {
    const { host, browser } = shared
    const chat = await createGroup('alice', 'Rota', ['bob', 'charlie'])
    const message = await say('alice', chat.id, '@Bob Brown and @Charlie Chen: dishes tonight', [
      'bob',
      'charlie',
    ])
    const alice = await openAs(browser, host, 'alice', '/messages/')
    try {
      const a = messagesPage(alice.page)
      await a.chat('Rota').click()
      const mine = a.message('dishes tonight')
      await mine.waitFor()
      const edited = await editTo(a, mine, '@Bob Brown: dishes tonight, Charlie cooks', 'Charlie cooks')
      expect(await edited.locator('.mention').allTextContents()).toEqual(['@Bob Brown'])
      const after = await host.call('alice', 'GET', `/api/messages/${message.id}/`)
      expect(after.mentions.map((u: { id: string }) => u.id)).toEqual(['bob'])
    } finally {
      await alice.context.close()
    }
  })

  test('an old mention keeps its chip, as written, after the person is renamed; an edit keeps the mention', async () => {
    const { host, browser } = shared
    await host.palaver.users.upsert({ id: 'ada', username: 'ada', name: 'Ada Lovelace' })
    const chat = await createGroup('alice', 'Engines', ['ada', 'bob'])
    const message = await say('alice', chat.id, 'hi @Ada Lovelace, the engine?', ['ada'])
    // The host's directory renames her after the message was sent.
    await host.palaver.users.upsert({ id: 'ada', username: 'adaking', name: 'Ada King' })
    const alice = await openAs(browser, host, 'alice', '/messages/')
    try {
      const a = messagesPage(alice.page)
      await a.chat('Engines').click()
      const old = a.message('the engine?')
      await old.waitFor()
      const chip = old.locator('.mention')
      // Shown as written; her name now is in its title and, for a screen reader, in hidden text.
      expect(await chip.allTextContents()).toEqual(['@Ada Lovelace (now Ada King)'])
      expect(await chip.locator('.visually-hidden').textContent()).toBe(' (now Ada King)')
      const shown = (el: Element) =>
        [...el.childNodes]
          .filter((node) => node.nodeType === Node.TEXT_NODE)
          .map((node) => node.textContent)
          .join('')
      expect(await chip.evaluate(shown)).toBe('@Ada Lovelace')
      expect(await chip.getAttribute('title')).toBe('@adaking — Ada King')

      // Edited around the mention, it stays a mention of Ada, as written.
      const edited = await editTo(a, old, 'hi @Ada Lovelace, the engine tomorrow?', 'the engine tomorrow?')
      expect(await edited.locator('.mention').allTextContents()).toEqual(['@Ada Lovelace (now Ada King)'])
      const after = await host.call('alice', 'GET', `/api/messages/${message.id}/`)
      expect(after.mentions).toEqual([
        expect.objectContaining({ id: 'ada', displayName: 'Ada King', writtenAs: 'Ada Lovelace' }),
      ])
    } finally {
      await alice.context.close()
    }
  })

  test('the list an earlier @query found narrows at once as the query grows: Enter before the answer picks whom the text names', async () => {
    const group = await openGroup(
      'Bake sale',
      ['bob', 'charlie'],
      ['bob', 'Who bakes the scones?'],
      ['alice', 'charlie'],
    )
    const { page, m: a } = group.one
    const keys = page.keyboard
    const { list, names } = suggestions(a.root)
    // Searches with a query get no answer here: what the list shows after more typing is the widget's own doing.
    const searchWithQuery = /\/members\/\?(.*&)?q=/
    const held: Route[] = []
    try {
      await a.composer.click()
      await keys.type('Scones: @')
      await eventually(async () => (await names()).sort()).toEqual([
        'Bob Brown @bob',
        'Charlie Chen @charlie',
      ])
      await page.route(searchWithQuery, (route) => void held.push(route))
      // Bob is the active option, the one Enter would pick.
      if ((await names())[0] !== 'Bob Brown @bob') await keys.press('ArrowDown')
      expect(await a.root.locator('[role=option][aria-selected=true]').textContent()).toContain('Bob Brown')

      const asked = page.waitForRequest((request) => /[?&]q=ch(&|$)/.test(request.url()))
      await keys.type('ch')
      await asked
      // "@ch" names Charlie, not Bob: the list shows him alone, and Enter picks him.
      expect(await names()).toEqual(['Charlie Chen @charlie'])
      expect(await boxState(a.composer)).toMatchObject({ controls: 'mentions', active: 'mention-0' })
      await keys.press('Enter')
      await list.waitFor({ state: 'detached' })
      expect((await boxState(a.composer)).value).toBe('Scones: @Charlie Chen ')
      expect(held.length).toBeGreaterThan(0)
    } finally {
      await group.close()
    }
  })

  test('the edit box suggests members too: Escape closes the list, then the edit; a member picked by keyboard is mentioned once saved', async () => {
    const { host, browser } = shared
    const chat = await createGroup('alice', 'Bins', ['bob', 'charlie'])
    await say('alice', chat.id, '@Bob Brown takes the bins out tonight', ['bob'])
    const open = async (user: string) => {
      const { context, page } = await openAs(browser, host, user, '/messages/')
      const m = messagesPage(page)
      await m.chat('Bins').click()
      await m.message('bins out').waitFor()
      return { context, page, m }
    }
    const [alice, charlie] = await Promise.all([open('alice'), open('charlie')])
    const [a, c] = [alice.m, charlie.m]
    const keys = alice.page.keyboard
    const { list, names } = suggestions(a.root)
    const editor = a.root.getByRole('textbox', { name: 'Edit your message' })
    const mine = a.message('bins out')
    const startEdit = async () => {
      await mine.hover()
      await mine.getByRole('button', { name: 'Edit' }).click()
      await eventually(async () => (await focused(alice.page)).label).toBe('Edit your message')
    }
    try {
      await startEdit()
      expect((await boxState(editor)).autocomplete).toBe('list')

      // The caret is at the end: "@ch" offers Charlie alone; Escape closes the list and leaves the edit open.
      await keys.type(', @ch')
      await eventually(names).toEqual(['Charlie Chen @charlie'])
      expect(await boxState(editor)).toMatchObject({ controls: 'mentions', active: 'mention-0' })
      await shoot(alice.page, 'edit-suggestions')
      await keys.press('Escape')
      await list.waitFor({ state: 'detached' })
      expect(await boxState(editor)).toMatchObject({
        value: '@Bob Brown takes the bins out tonight, @ch',
        controls: null,
        active: null,
      })
      // Escape again cancels the edit, as before: the message is as it was.
      await keys.press('Escape')
      await editor.waitFor({ state: 'detached' })
      expect(await mine.locator('.body').textContent()).toBe('@Bob Brown takes the bins out tonight')
      expect((await focused(alice.page)).label).toBe('Edit')

      // Again: Enter picks Charlie (and does not save), then Enter saves.
      await startEdit()
      await keys.type(', @ch')
      await eventually(names).toEqual(['Charlie Chen @charlie'])
      await keys.press('Enter')
      await list.waitFor({ state: 'detached' })
      expect((await boxState(editor)).value).toBe('@Bob Brown takes the bins out tonight, @Charlie Chen ')
      await keys.type('brings them back')
      // A message arriving meanwhile draws the conversation again: the draft stays as it is.
      await say('bob', chat.id, 'Deal')
      await a.message('Deal').waitFor()
      expect((await boxState(editor)).value).toBe(
        '@Bob Brown takes the bins out tonight, @Charlie Chen brings them back',
      )
      await keys.press('Enter')
      await editor.waitFor({ state: 'detached' })
      const edited = a.message('brings them back')
      await edited.locator('.edited').waitFor()
      expect(await edited.locator('.mention').allTextContents()).toEqual(['@Bob Brown', '@Charlie Chen'])
      const history = await historyFrom(alice.page, chat.id)
      expect(history.messages.find((m) => m.body.endsWith('brings them back'))).toMatchObject({
        body: '@Bob Brown takes the bins out tonight, @Charlie Chen brings them back',
        mentions: [{ id: 'bob' }, { id: 'charlie' }],
      })

      // Charlie sees the chip marked as his, and the message says it mentions him.
      const received = c.message('brings them back')
      await received.locator('.edited').waitFor()
      expect(await received.locator('.mention.me').textContent()).toBe('@Charlie Chen')
      expect(await received.getAttribute('class')).toContain('mentions-me')
      expect(await received.locator('.visually-hidden', { hasText: 'Mentions you' }).count()).toBe(1)
    } finally {
      await Promise.all([alice.context.close(), charlie.context.close()])
    }
  })

  test('a muted chat shows an @ in the accent colour for an unread mention, and reading clears it', async () => {
    const { host, browser } = shared
    const club = await createGroup('alice', 'Book club', ['bob', 'dana'])
    await host.call('bob', 'POST', `/api/chats/${club.id}/mute/`, { muted: true })
    const other = await host.call('dana', 'POST', '/api/dms/', { userId: 'bob' })
    await say('dana', other.id, 'Lunch tomorrow?')
    const bob = await openAs(browser, host, 'bob', '/messages/')
    try {
      const b = messagesPage(bob.page)
      const row = b.chat('Book club')
      await row.waitFor()
      // Live: a plain message counts in grey, a mention adds the @.
      await say('alice', club.id, 'Next book: Middlemarch')
      await row.locator('.badge.muted', { hasText: '1' }).waitFor()
      expect(await row.locator('.badge.mention').count()).toBe(0)
      await say('dana', club.id, '@Bob Brown you choose the next one', ['bob'])
      const at = row.locator('.badge.mention')
      await at.waitFor()
      expect(await at.textContent()).toBe('@')
      await row.locator('.badge.muted', { hasText: '2' }).waitFor()
      expect(await row.locator('.visually-hidden', { hasText: '1 unread mention' }).count()).toBe(1)
      const colours = await row.evaluate((button) => {
        const background = (selector: string) =>
          getComputedStyle(button.querySelector(selector)!).backgroundColor
        return { at: background('.badge.mention'), count: background('.badge.muted') }
      })
      expect(colours.at).not.toBe(colours.count)
      await shoot(bob.page, 'muted-mention')

      // After a reload the server's count says the same.
      await bob.page.reload()
      await b.chat('Book club').locator('.badge.mention').waitFor()

      // Reading the chat clears both.
      await b.chat('Book club').click()
      await b.message('you choose').waitFor()
      await b.chat('Dana').click()
      await b.message('Lunch tomorrow').waitFor()
      await eventually(() => b.chat('Book club').locator('.badge').count()).toBe(0)
      const chat = await host.call('bob', 'GET', `/api/chats/${club.id}/`)
      expect(chat).toMatchObject({ unreadCount: 0, unreadMentionCount: 0 })
    } finally {
      await bob.context.close()
    }
  })

  test('the list and a mention in light and dark, narrow and right to left: axe finds nothing serious; screenshots', async () => {
    const { host, browser } = shared
    const team = await createGroup('erin', 'Launch team', ['alice', 'bob', 'charlie', 'dana'])
    await say('bob', team.id, 'Slides are ready for review')
    await say('erin', team.id, 'Great work @Alice Anderson, can you and @Bob Brown present them on Monday?', [
      'alice',
      'bob',
    ])
    await say('alice', team.id, 'Sure, see https://example.com/slides @Erin Evans', ['erin'])

    for (const viewport of [
      { width: 1100, height: 760 },
      { width: 390, height: 760 },
    ]) {
      const alice = await openAs(browser, host, 'alice', '/messages/', viewport)
      try {
        const a = messagesPage(alice.page)
        await a.chat('Launch team').click()
        await a.message('present them').locator('.mention.me').waitFor()
        await shoot(alice.page, `mention-${viewport.width}`)
        await a.composer.click()
        await alice.page.keyboard.type('Thanks @')
        await suggestions(a.root).options.nth(3).waitFor()
        await alice.page.keyboard.press('ArrowDown')
        await shoot(alice.page, `suggestions-${viewport.width}`)
      } finally {
        await alice.context.close()
      }
    }

    // Right to left, in the DM widget.
    await host.call('alice', 'POST', '/api/dms/', { userId: 'bob' })
    const arabic = await openAs(browser, host, 'alice', '/host/dm/bob?lang=ar', { width: 390, height: 760 })
    try {
      const dm = arabic.page.locator('palaver-dm')
      await dm.locator('button.toggle').click()
      await dm.locator('textarea').click()
      await arabic.page.keyboard.type('شكرا @bo')
      await dm.getByRole('option', { name: 'Bob Brown @bob' }).waitFor()
      await shoot(arabic.page, 'suggestions-rtl')
    } finally {
      await arabic.context.close()
    }
  })
})
