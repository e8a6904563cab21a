import type { Locator, Page } from 'playwright-core'
import { describe, expect, test } from 'vitest'
import {
  chromiumAvailable,
  dmWidget,
  eventually,
  hostAndBrowser,
  openAs,
  openDm,
  requestsSettled,
  send,
} from './harness.js'
import { focused, messagesPage } from './messages-helpers.js'

const transports = ['websocket', 'polling'] as const

describe.skipIf(!chromiumAvailable).each(transports)('DM widget over %s', (transport) => {
  const shared = hostAndBrowser({ transport })

  test('two people send, reply, react, edit and delete, each seen live by the other', async () => {
    const alice = await openAs(shared.browser, shared.host, 'alice', '/host/dm/bob')
    const bob = await openAs(shared.browser, shared.host, 'bob', '/host/dm/alice')
    try {
      const a = await openDm(alice.page)
      const b = await openDm(bob.page)
      await eventually(() => a.toggle.textContent()).toContain('Message Bob Brown')

      // send and receive, both ways
      await send(a.composer, 'Hello Bob')
      await b.message('Hello Bob').waitFor()
      await send(b.composer, 'Hi Alice, how are you?')
      await a.message('Hi Alice, how are you?').waitFor()
      await eventually(() => b.messages.count()).toBe(2)

      // typing shows on the other side
      await a.composer.pressSequentially('I am wri')
      await b.root.locator('.typing', { hasText: 'Alice Anderson is typing…' }).waitFor()
      await a.composer.fill('')

      // Bob has the conversation open at its end: Alice's message shows read
      await a.message('Hello Bob').locator('[data-status="read"]').waitFor()

      // reactions: Alice adds one to Bob's message, Bob adds the same, Alice removes hers
      await react(alice.page, a.message('Hi Alice'), '👍')
      await b.message('Hi Alice').locator('.reaction', { hasText: '1' }).waitFor()
      await b.message('Hi Alice').locator('.reaction').click()
      await a.message('Hi Alice').locator('.reaction', { hasText: '2' }).waitFor()
      await eventually(() => a.message('Hi Alice').locator('.reaction').getAttribute('aria-pressed')).toBe(
        'true',
      )
      await a.message('Hi Alice').locator('.reaction').click()
      await b.message('Hi Alice').locator('.reaction', { hasText: '1' }).waitFor()
      await eventually(() => b.message('Hi Alice').locator('.reaction').getAttribute('aria-label')).toContain(
        'You',
      )
      // and Bob reacts to Alice's message
      await react(bob.page, b.message('Hello Bob'), '🎉')
      await a.message('Hello Bob').locator('.reaction', { hasText: '🎉' }).waitFor()

      // edits, both ways
      await edit(a.message('Hello Bob'), 'Hello Bob (edited by Alice)')
      await b.message('Hello Bob (edited by Alice)').locator('.edited').waitFor()
      await edit(b.message('Hi Alice'), 'Hi Alice, all good here')
      await a.message('Hi Alice, all good here').waitFor()

      // deletes, both ways: the other side sees the indicator
      await remove(a.message('Hello Bob (edited by Alice)'))
      await b.root.locator('.message.deleted', { hasText: 'This message was deleted' }).waitFor()
      await remove(b.message('Hi Alice, all good here'))
      await eventually(() => a.root.locator('.message.deleted').count()).toBe(2)
      await eventually(() => b.root.locator('.message.deleted').count()).toBe(2)
    } finally {
      await alice.context.close()
      await bob.context.close()
    }
  })

  test('while the other types, the newest message stays in full view above the line that says so, whose dots keep still under reduced motion', async () => {
    const erin = await openAs(shared.browser, shared.host, 'erin', '/host/dm/bob')
    const bob = await openAs(shared.browser, shared.host, 'bob', '/host/dm/erin')
    try {
      const e = await openDm(erin.page)
      const b = await openDm(bob.page)
      await send(e.composer, 'Long day, tell you later')
      await send(e.composer, 'The last one, read at the end of the list')
      await b.message('The last one').waitFor()
      await e.composer.pressSequentially('And anoth')
      const typing = b.root.locator('.typing', { hasText: 'Erin Evans is typing…' })
      await typing.waitFor()
      const bubble = b.message('The last one').locator('.bubble')
      await eventually(async () => {
        const [last, line] = [await bubble.boundingBox(), await typing.boundingBox()]
        return last!.y + last!.height <= line!.y
      }).toBe(true)
      // The harness's browsers ask for reduced motion: over a whole bounce (1.2 s) no dot leaves its place.
      const tops = await typing.locator('.dots').evaluate(async (dots) => {
        const seen = new Set<number>()
        for (const end = performance.now() + 1500; performance.now() < end; ) {
          for (const dot of dots.children) seen.add(dot.getBoundingClientRect().top)
          await new Promise(requestAnimationFrame)
        }
        return [...seen]
      })
      expect(tops).toHaveLength(1)
    } finally {
      await erin.context.close()
      await bob.context.close()
    }
  })

  test('closing the panel releases the live connection; reopening catches up', async () => {
    const alice = await openAs(shared.browser, shared.host, 'alice', '/host/dm/charlie')
    try {
      const a = await openDm(alice.page)
      await send(a.composer, 'Are you there, Charlie?')
      await a.message('Are you there').waitFor()
      await eventually(() => connectionState(alice.page)).toBe('open')
      await a.composer.press('Escape')
      await a.panel.waitFor({ state: 'detached' })
      await eventually(() => connectionState(alice.page)).toBe('closed')
      // Focus went back to the toggle.
      await eventually(() =>
        alice.page.evaluate(() => document.activeElement?.shadowRoot?.activeElement?.className),
      ).toContain('toggle')

      const chat = await shared.host.call('charlie', 'POST', '/api/dms/', { userId: 'alice' })
      await shared.host.call('charlie', 'POST', `/api/chats/${chat.id}/messages/`, { body: 'Yes, here!' })
      await a.toggle.click()
      await a.message('Yes, here!').waitFor()
    } finally {
      await alice.context.close()
    }
  })

  test('before it is opened, the toggle counts the unread messages of the DM there is, without a live connection; looking creates no DM', async () => {
    const chat = await shared.host.call('erin', 'POST', '/api/dms/', { userId: 'dana' })
    for (const body of ['Hi Dana', 'Are you free on Friday?'])
      await shared.host.call('erin', 'POST', `/api/chats/${chat.id}/messages/`, { body })
    const dana = await openAs(shared.browser, shared.host, 'dana', '/host/dm/erin')
    const charlie = await openAs(shared.browser, shared.host, 'charlie', '/host/dm/erin')
    try {
      const d = dmWidget(dana.page)
      const unread = d.root.locator('[part=unread]')
      await d.root.getByRole('button', { name: 'Message Erin Evans, 2 unread messages' }).waitFor()
      expect(await unread.textContent()).toBe('2')
      expect(await connectionState(dana.page)).not.toBe('open')

      await d.toggle.press('Enter')
      await d.message('Are you free on Friday?').waitFor()
      await d.composer.press('Escape')
      await d.panel.waitFor({ state: 'detached' })
      // Read in the panel: the toggle counts nothing any more.
      await d.root.getByRole('button', { name: 'Message Erin Evans', exact: true }).waitFor()
      expect(await unread.count()).toBe(0)

      // Charlie has no DM with Erin: the toggle has no count, and showing it created none.
      const c = dmWidget(charlie.page)
      await c.toggle.waitFor()
      await requestsSettled(charlie.page)
      expect(await c.root.locator('[part=unread]').count()).toBe(0)
      const dms = await shared.host.call('charlie', 'GET', '/api/chats/?kind=dm')
      expect(dms.chats.map((x: { peer: { id: string } }) => x.peer.id)).not.toContain('erin')
    } finally {
      await dana.context.close()
      await charlie.context.close()
    }
  })

  test.runIf(transport === 'polling')(
    'a message that cannot reach the server waits as pending with Retry; one refused for good says why, with Edit (the text back in the box) and Discard, not Retry',
    async () => {
      const alice = await openAs(shared.browser, shared.host, 'alice', '/host/dm/dana')
      const page = alice.page
      try {
        const a = await openDm(page)
        const retry = (message: Locator) => message.locator('.failed-bar button', { hasText: 'Retry' })
        // Retry sends at once (the outbox may have tried again by itself meanwhile, leaving none to press).
        const retryNow = (message: Locator) =>
          retry(message)
            .click({ timeout: 2000 })
            .catch(() => {})
        // The server cannot be reached: the message shows at once, pending, with Retry.
        await page.route('**/api/chats/*/messages/', (route) =>
          route.request().method() === 'POST' ? route.abort('internetdisconnected') : route.fallback(),
        )
        await send(a.composer, 'Sent while offline')
        const pending = a.root.locator('.message.pending', { hasText: 'Sent while offline' })
        await pending.waitFor()
        await retry(pending).waitFor()
        // It is kept in localStorage, so a reload does not lose it.
        expect(await page.evaluate(() => Object.keys(localStorage).join())).toContain('palaver:outbox')
        await page.unroute('**/api/chats/*/messages/')
        await retryNow(pending)
        await a.root.locator('.message:not(.pending)', { hasText: 'Sent while offline' }).waitFor()
        await pending.waitFor({ state: 'detached' })

        // The server fails (503): it waits, with Retry, like a message sent offline.
        const answer = (status: number, code: string, message: string) =>
          page.route('**/api/chats/*/messages/', (route) =>
            route.request().method() === 'POST'
              ? route.fulfill({
                  status,
                  contentType: 'application/json',
                  body: JSON.stringify({ error: { code, message } }),
                })
              : route.fallback(),
          )
        await answer(503, 'unavailable', 'Down for a moment')
        await send(a.composer, 'Sent while down')
        const stalled = a.root.locator('.message.pending.stalled', { hasText: 'Sent while down' })
        await retry(stalled).waitFor()
        await page.unroute('**/api/chats/*/messages/')
        await retryNow(stalled)
        await a.root.locator('.message:not(.pending)', { hasText: 'Sent while down' }).waitFor()

        // Refused as not signed in: Retry, which goes through once signed in again.
        await answer(401, 'unauthenticated', 'Sign in first')
        await send(a.composer, 'Refused once')
        const signedOut = a.root.locator('.message.failed', { hasText: 'Refused once' })
        await signedOut.locator('[role=alert]', { hasText: 'Not sent: Sign in first' }).waitFor()
        await page.unroute('**/api/chats/*/messages/')
        await signedOut.getByRole('button', { name: 'Retry' }).click()
        await a.root.locator('.message:not(.pending)', { hasText: 'Refused once' }).waitFor()

        // Refused for good (Dana blocked Alice): it says why and offers no Retry: Discard takes it away.
        await answer(403, 'forbidden', 'You may not write to this person')
        await send(a.composer, 'Refused for good')
        const refused = a.root.locator('.message.failed', { hasText: 'Refused for good' })
        const alert = refused.locator('[role=alert]')
        await alert.filter({ hasText: 'Not sent: You may not write to this person' }).waitFor()
        expect(await alert.getByRole('button').allTextContents()).toEqual(['Edit', 'Discard'])
        await alert.getByRole('button', { name: 'Discard' }).click()
        await refused.waitFor({ state: 'detached' })

        // Refused for what it says (a site's moderator): Edit puts its text back in the box, to change and send.
        await answer(403, 'forbidden', 'Links to that site are not allowed here')
        await send(a.composer, 'See spam.example')
        const moderated = a.root.locator('.message.failed', { hasText: 'See spam.example' })
        await moderated.getByRole('button', { name: 'Edit' }).click()
        await moderated.waitFor({ state: 'detached' })
        expect(await a.composer.inputValue()).toBe('See spam.example')
        await eventually(async () => (await focused(page)).label).toBe('Write a message')
        await page.unroute('**/api/chats/*/messages/')
        await a.composer.fill('See the notes')
        await a.composer.press('Enter')
        await a.root.locator('.message:not(.pending)', { hasText: 'See the notes' }).waitFor()

        const dm = await shared.host.call('dana', 'POST', '/api/dms/', { userId: 'alice' })
        const history = await shared.host.call('dana', 'GET', `/api/chats/${dm.id}/messages/`)
        expect(history.messages.map((m: { body: string }) => m.body)).toEqual([
          'Sent while offline',
          'Sent while down',
          'Refused once',
          'See the notes',
        ])
      } finally {
        await alice.context.close()
      }
    },
  )

  test('by keyboard, a DM that cannot be loaded says so, and Escape on the toggle (which keeps the focus) closes the panel', async () => {
    // Alice has no DM with Erin: the panel has to start one, and cannot.
    const alice = await openAs(shared.browser, shared.host, 'alice', '/host/dm/erin')
    const { page } = alice
    try {
      await page.route('**/api/dms/', (route) => route.abort('internetdisconnected'))
      const toggle = page.locator('palaver-dm button.toggle')
      await toggle.focus()
      await page.keyboard.press('Enter')
      await page.locator('palaver-dm .panel [role=alert]', { hasText: 'could not be loaded' }).waitFor()
      expect(
        await toggle.evaluate(
          (button) =>
            button.getRootNode() instanceof ShadowRoot &&
            (button.getRootNode() as ShadowRoot).activeElement === button,
        ),
      ).toBe(true)
      await page.keyboard.press('Escape')
      await page.locator('palaver-dm .panel').waitFor({ state: 'detached' })
      expect(await toggle.getAttribute('aria-expanded')).toBe('false')
      // Closed, Escape on the toggle is the page's own: the widget does not take it.
      const taken = await toggle.evaluate((button) => {
        const event = new KeyboardEvent('keydown', {
          key: 'Escape',
          bubbles: true,
          composed: true,
          cancelable: true,
        })
        button.dispatchEvent(event)
        return event.defaultPrevented
      })
      expect(taken).toBe(false)
      // Open again once the line is back: the DM loads.
      await page.unroute('**/api/dms/')
      await page.keyboard.press('Enter')
      await page.getByRole('textbox', { name: 'Write a message' }).waitFor()
    } finally {
      await alice.context.close()
    }
  })

  test.runIf(transport === 'websocket')(
    "the panel's header links to the chat on the messages page, which opens it there",
    async () => {
      const erin = await openAs(shared.browser, shared.host, 'erin', '/host/dm/bob')
      try {
        const dm = await openDm(erin.page)
        await send(dm.composer, 'More on the big page')
        const link = dm.root.getByRole('link', { name: 'Open in Messages' })
        const chatId = await dm.root.locator('palaver-conversation').getAttribute('chat-id')
        expect(await link.getAttribute('href')).toBe(`/messages/#chat=${chatId}`)
        await link.click()
        const page = messagesPage(erin.page)
        await page.title.filter({ hasText: 'Bob Brown' }).waitFor()
        await page.message('More on the big page').waitFor()
      } finally {
        await erin.context.close()
      }
    },
  )

  test('an anonymous visitor gets a sign-in link back to the page', async () => {
    const visitor = await openAs(shared.browser, shared.host, null, '/host/dm/bob?from=profile')
    try {
      const link = visitor.page.locator('palaver-dm a.login')
      await link.waitFor()
      expect(await link.getAttribute('href')).toBe(
        `/login?next=${encodeURIComponent('/host/dm/bob?from=profile')}`,
      )
    } finally {
      await visitor.context.close()
    }
  })
})

/** The connection state the page's shared runtime reports (through the widget's conversation, if any). */
async function connectionState(page: Page): Promise<string> {
  // A string, so that the test runner does not rewrite the dynamic import.
  return page.evaluate(`(async () => {
    const src = document.querySelector('script[type=module]').src
    const { runtimeFor } = await import(src)
    const client = await runtimeFor('/messages').client()
    return client.connection.state
  })()`)
}

async function react(page: Page, message: Locator, emoji: string) {
  await message.hover()
  await message.locator('[data-action="react"]').click()
  await message.getByRole('button', { name: `React with ${emoji}` }).click()
  await message.locator('.reaction', { hasText: emoji }).waitFor()
  void page
}

async function edit(message: Locator, text: string) {
  await message.hover()
  const id = await message.getAttribute('data-id')
  await message.locator('[data-action="edit"]').click()
  // While editing, the text is in the editor: find the message by its id.
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
