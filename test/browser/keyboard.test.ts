import { describe, expect, test } from 'vitest'
import { chromiumAvailable, dmWidget, eventually, hostAndBrowser, openAs, openDm, send } from './harness.js'
import { focused } from './messages-helpers.js'

describe.skipIf(!chromiumAvailable)('keyboard only', () => {
  const shared = hostAndBrowser({ transport: 'websocket' })

  test('open, send, edit, react, delete and close the DM with Tab, Enter and Escape', async () => {
    const alice = await openAs(shared.browser, shared.host, 'alice', '/host/dm/bob')
    const page = alice.page
    const keys = page.keyboard
    try {
      const dm = dmWidget(page)
      await dm.toggle.waitFor()
      await keys.press('Tab')
      expect((await focused(page)).className).toContain('toggle')

      // Enter opens the panel with the focus in the message box.
      await keys.press('Enter')
      await eventually(async () => (await focused(page)).label).toBe('Write a message')

      // Type and send with Enter; Shift+Enter would have been a new line.
      await keys.type('Hello by keyboard')
      await keys.press('Enter')
      await dm.message('Hello by keyboard').waitFor()
      await dm.message('Hello by keyboard').locator('[data-status]').waitFor()

      // Back from the box: the paperclip, then the newest message's actions (Delete, then Edit).
      await keys.press('Shift+Tab')
      expect((await focused(page)).label).toBe('Attach files')
      await keys.press('Shift+Tab')
      expect((await focused(page)).action).toBe('delete')
      await keys.press('Shift+Tab')
      expect((await focused(page)).action).toBe('edit')

      // Enter edits; Escape cancels and gives the focus back.
      await keys.press('Enter')
      await eventually(async () => (await focused(page)).label).toBe('Edit your message')
      await keys.press('Escape')
      await eventually(async () => (await focused(page)).action).toBe('edit')
      await eventually(() => dm.panel.isVisible()).toBe(true)

      // Enter again, type, Enter saves.
      await keys.press('Enter')
      await eventually(async () => (await focused(page)).label).toBe('Edit your message')
      await keys.type(' (edited)')
      await keys.press('Enter')
      await dm.message('Hello by keyboard (edited)').locator('.edited').waitFor()
      await eventually(async () => (await focused(page)).action).toBe('edit')

      // React (past Pin): the picker opens on its first emoji; Enter picks it.
      await keys.press('Shift+Tab')
      expect((await focused(page)).action).toBe('pin')
      await keys.press('Shift+Tab')
      expect((await focused(page)).action).toBe('react')
      await keys.press('Enter')
      await eventually(async () => (await focused(page)).label).toBe('React with 👍')
      await keys.press('Enter')
      await dm.message('Hello by keyboard').locator('.reaction', { hasText: '👍' }).waitFor()
      await eventually(async () => (await focused(page)).action).toBe('react')

      // Reply comes first among the actions; before it, the reaction itself is a button that says who reacted.
      await keys.press('Shift+Tab')
      expect((await focused(page)).action).toBe('reply')
      await keys.press('Shift+Tab')
      const reaction = await focused(page)
      expect(reaction.className).toContain('reaction')
      expect(reaction.label).toContain('You')

      // Delete: Tab to it (past Reply, React, Pin and Edit), Enter asks, Tab to confirm, Enter deletes.
      for (let i = 0; i < 5; i++) await keys.press('Tab')
      expect((await focused(page)).action).toBe('delete')
      await keys.press('Enter')
      await eventually(async () => (await focused(page)).action).toBe('cancel-delete')
      await keys.press('Tab')
      expect((await focused(page)).action).toBe('confirm-delete')
      await keys.press('Enter')
      await dm.root.locator('.message.deleted').waitFor()
      await eventually(async () => (await focused(page)).label).toBe('Write a message')

      // Escape closes the panel and returns to the toggle.
      await keys.press('Escape')
      await dm.panel.waitFor({ state: 'detached' })
      expect((await focused(page)).className).toContain('toggle')
    } finally {
      await alice.context.close()
    }
  })

  test('the emoji picker is one Tab stop: the arrows move between its emoji and wrap, Home and End, Enter reacts', async () => {
    for (const [user, peer, lang] of [
      ['erin', 'dana', 'en'],
      ['bob', 'erin', 'ar'],
    ] as const) {
      const opened = await openAs(shared.browser, shared.host, user, `/host/dm/${peer}?lang=${lang}`)
      const page = opened.page
      const keys = page.keyboard
      /** Presses each key in turn; then the emoji with the focus. */
      const press = async (...presses: string[]) => {
        for (const key of presses) await keys.press(key)
        return (await focused(page)).text
      }
      try {
        const dm = dmWidget(page)
        await dm.toggle.click()
        // The message box, in either language.
        await send(dm.root.getByRole('textbox'), `Pick one for me (${lang})`)
        const message = dm.message(`Pick one for me (${lang})`)
        await message.locator('[data-status]').waitFor()
        await message.locator('[data-action="react"]').focus()

        if (lang === 'ar') {
          // Right to left the arrows are mirrored: Left goes on to the next emoji, Right back, and wraps.
          await keys.press('Enter')
          await eventually(async () => (await focused(page)).text).toBe('👍')
          expect(await press('ArrowLeft')).toBe('❤️')
          expect(await press('ArrowRight', 'ArrowRight')).toBe('🔥')
          await press('Escape')
          continue
        }

        // Open from React: the focus on its first emoji, each emoji a button named for what it does.
        await keys.press('Enter')
        await eventually(async () => (await focused(page)).label).toBe('React with 👍')
        const picker = message.getByRole('toolbar', { name: 'Choose a reaction' })
        expect(await picker.getByRole('button').count()).toBe(8)
        await picker.getByRole('button', { name: 'React with 🔥' }).waitFor()

        // Right and Left move, and wrap at both ends; Home and End go to the ends.
        expect(await press('ArrowRight')).toBe('❤️')
        expect(await press('ArrowLeft', 'ArrowLeft')).toBe('🔥')
        expect(await press('ArrowRight')).toBe('👍')
        expect(await press('End')).toBe('🔥')
        expect(await press('Home')).toBe('👍')
        expect(await press('ArrowRight', 'ArrowRight')).toBe('😂')

        // One Tab stop: Tab leaves the picker (to the message's Reply), Shift+Tab comes back to the emoji left on.
        await keys.press('Tab')
        expect((await focused(page)).action).toBe('reply')
        expect(await press('Shift+Tab')).toBe('😂')
        await keys.press('Shift+Tab')
        expect((await focused(page)).className).not.toContain('picker-emoji')
        expect(await press('Tab')).toBe('😂')

        // Escape closes it on the React button; the panel stays open.
        await keys.press('Escape')
        await picker.waitFor({ state: 'detached' })
        expect((await focused(page)).action).toBe('react')
        await eventually(() => dm.panel.isVisible()).toBe(true)

        // Opened again, on its first emoji; the arrows and Enter react with the emoji they moved to.
        await keys.press('Enter')
        await eventually(async () => (await focused(page)).text).toBe('👍')
        expect(await press('ArrowLeft', 'ArrowLeft')).toBe('🙏')
        await keys.press('Enter')
        await message.locator('.reaction', { hasText: '🙏' }).waitFor()
        await eventually(async () => (await focused(page)).action).toBe('react')
        expect(await message.locator('.reaction').count()).toBe(1)
      } finally {
        await opened.context.close()
      }
    }
  })

  test('the Up arrow in an empty message box edits my last message; the focus comes back to the box', async () => {
    const charlie = await openAs(shared.browser, shared.host, 'charlie', '/host/dm/dana')
    const page = charlie.page
    const keys = page.keyboard
    try {
      const dm = await openDm(page)
      await send(dm.composer, 'First of mine')
      await send(dm.composer, 'Second of mine')
      await dm.message('Second of mine').locator('[data-status]').waitFor()
      // Dana writes last: the arrow still finds Charlie's own newest message, not hers.
      await shared.host.call(
        'dana',
        'POST',
        `/api/chats/${await dm.root.locator('palaver-conversation').getAttribute('chat-id')}/messages/`,
        {
          body: 'Dana answers',
        },
      )
      await dm.message('Dana answers').waitFor()

      // Something written: the arrow is the caret's, nothing opens.
      await dm.composer.focus()
      await keys.type('draft')
      await keys.press('ArrowUp')
      expect(await dm.root.locator('palaver-message-editor').count()).toBe(0)
      await dm.composer.fill('')

      // Empty: the arrow edits 'Second of mine'; Enter saves and the box has the focus again.
      await keys.press('ArrowUp')
      await eventually(async () => (await focused(page)).label).toBe('Edit your message')
      expect(await dm.root.getByRole('textbox', { name: 'Edit your message' }).inputValue()).toBe(
        'Second of mine',
      )
      await keys.type(', edited')
      await keys.press('Enter')
      await dm.message('Second of mine, edited').locator('.edited').waitFor()
      await eventually(async () => (await focused(page)).label).toBe('Write a message')

      // Escape cancels an edit begun so, and gives the box the focus back too.
      await keys.press('ArrowUp')
      await eventually(async () => (await focused(page)).label).toBe('Edit your message')
      await keys.press('Escape')
      await eventually(async () => (await focused(page)).label).toBe('Write a message')
      expect(await dm.root.locator('palaver-message-editor').count()).toBe(0)
      await eventually(() => dm.panel.isVisible()).toBe(true)
    } finally {
      await charlie.context.close()
    }
  })
})
