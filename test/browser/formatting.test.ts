import { describe, expect, test } from 'vitest'
import { chromiumAvailable, eventually, hostAndBrowser, openAs, openDm } from './harness.js'
import { messagesPage, seriousViolations } from './messages-helpers.js'

describe.skipIf(!chromiumAvailable)('formatting in a message', () => {
  const shared = hostAndBrowser({ transport: 'websocket' })

  test('shows *bold*, _italic_, ~struck~, `code` and code blocks; code keeps its text as typed, and words with markers inside stay as they are', async () => {
    const chat = await shared.host.call('bob', 'POST', '/api/dms/', { userId: 'alice' })
    const bodies = [
      'This is *important*, _really_ and ~wrong~ (see *this*).',
      'Run `npm test` then `open https://example.com/*not*` please',
      'Here is the fix:\n```ts\nconst x = a_b_c * 2 * 3\nif (*p) go()\n```\nThanks!',
      'snake_case_name, 2*3*4, a * b * c and `` stay as typed',
      '<b> *still text* </b>',
      `\`\`\`\n${'long_line_'.repeat(40)}\n\`\`\``,
      '**Doubled** too, while `````` and ``` ``` stay as typed',
    ]
    const sent = []
    for (const body of bodies)
      sent.push(await shared.host.call('bob', 'POST', `/api/chats/${chat.id}/messages/`, { body }))
    // A reply quotes the first: its quote reads as the text, markers dropped.
    await shared.host.call('bob', 'POST', `/api/chats/${chat.id}/messages/`, {
      body: 'Said so',
      replyToId: sent[0].id,
    })
    const alice = await openAs(shared.browser, shared.host, 'alice', '/host/dm/bob')
    try {
      const dm = await openDm(alice.page)
      await eventually(() => dm.messages.count()).toBe(bodies.length + 1)
      expect(await dm.message('Said so').locator('.quote-text').textContent()).toBe(
        'This is important, really and wrong (see this).',
      )
      const body = (i: number) => dm.root.locator('.message .body').nth(i)
      const texts = (i: number, selector: string) => body(i).locator(selector).allTextContents()

      expect(await body(0).textContent()).toBe('This is important, really and wrong (see this).')
      expect(await texts(0, 'strong')).toEqual(['important', 'this'])
      expect(await texts(0, 'em')).toEqual(['really'])
      expect(await texts(0, 's')).toEqual(['wrong'])

      // Nothing inside code is a link or emphasis.
      expect(await texts(1, 'code')).toEqual(['npm test', 'open https://example.com/*not*'])
      expect(await body(1).locator('a, strong').count()).toBe(0)

      const block = body(2).locator('pre.code-block code')
      expect(await block.textContent()).toBe('const x = a_b_c * 2 * 3\nif (*p) go()')
      expect(await body(2).textContent()).toBe(
        `Here is the fix:${'const x = a_b_c * 2 * 3\nif (*p) go()'}Thanks!`,
      )
      expect(await block.evaluate((code) => getComputedStyle(code).fontFamily)).toMatch(/mono/i)

      expect(await body(3).textContent()).toBe('snake_case_name, 2*3*4, a * b * c and `` stay as typed')
      expect(await body(3).locator('strong, em, code').count()).toBe(0)
      expect(await body(4).textContent()).toBe('<b> still text </b>')
      expect(await body(4).locator('b').count()).toBe(0)
      expect(await texts(4, 'strong')).toEqual(['still text'])

      // A long line scrolls in its block instead of widening the bubble past the list.
      const overflow = await body(5).evaluate((b) => {
        const pre = b.querySelector('pre')!
        const bubble = b.closest('.bubble')!.getBoundingClientRect()
        return {
          scrolls: pre.scrollWidth > pre.clientWidth,
          inside: bubble.right <= b.closest('.log')!.getBoundingClientRect().right + 0.5,
        }
      })
      expect(overflow).toEqual({ scrolls: true, inside: true })
      // The keyboard reaches a block to scroll it, in every browser (Chromium alone focuses any scroller); axe agrees.
      expect((await seriousViolations(alice.page)).map((v) => v.id)).toEqual([])
      expect(await body(5).locator('pre').getAttribute('tabindex')).toBe('0')

      expect(await body(6).textContent()).toBe('Doubled too, while `````` and ``` ``` stay as typed')
      expect(await texts(6, 'strong')).toEqual(['Doubled'])
      expect(await body(6).locator('code').count()).toBe(0)
    } finally {
      await alice.context.close()
    }
  })

  test('in the message box, Ctrl+B and Ctrl+I put the selection, or the caret, between * or _', async () => {
    await shared.host.call('erin', 'POST', '/api/dms/', { userId: 'alice' })
    const alice = await openAs(shared.browser, shared.host, 'alice', '/host/dm/erin')
    try {
      const dm = await openDm(alice.page)
      const keys = alice.page.keyboard
      await dm.composer.fill('make it bold')
      await dm.composer.press('ControlOrMeta+a')
      await dm.composer.press('ControlOrMeta+b')
      expect(await dm.composer.inputValue()).toBe('*make it bold*')
      // The same text stays selected.
      expect(
        await dm.composer.evaluate((area: HTMLTextAreaElement) => [area.selectionStart, area.selectionEnd]),
      ).toEqual([1, 13])
      await dm.composer.press('End')
      await keys.type(' and ')
      await dm.composer.press('ControlOrMeta+i')
      await keys.type('this')
      expect(await dm.composer.inputValue()).toBe('*make it bold* and _this_')
      await dm.composer.press('Enter')
      const sent = dm.message('make it bold')
      await sent.locator('strong').waitFor()
      expect(await sent.locator('em').textContent()).toBe('this')
    } finally {
      await alice.context.close()
    }
  })

  test('a chat’s preview in the list shows the text without its markers, code keeping its own', async () => {
    const chat = await shared.host.call('bob', 'POST', '/api/chats/', {
      title: 'Deploys',
      memberIds: ['charlie'],
    })
    await shared.host.call('bob', 'POST', `/api/chats/${chat.id}/messages/`, {
      body: '*Ship it* _today_ with `npm run *ship*`:\n```\nmake all\n```',
    })
    const charlie = await openAs(shared.browser, shared.host, 'charlie', '/messages/')
    try {
      const m = messagesPage(charlie.page)
      await eventually(() => m.chat('Deploys').locator('.chat-preview').textContent()).toBe(
        'Bob Brown: Ship it today with npm run *ship*: make all',
      )
    } finally {
      await charlie.context.close()
    }
  })
})
