import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Page } from 'playwright-core'

/** The messages page's pieces, found through the shadow roots (Playwright's locators pierce open ones). */
export function messagesPage(page: Page) {
  const root = page.locator('palaver-messages')
  const conversation = root.locator('palaver-conversation')
  return {
    root,
    chats: root.locator('button.chat'),
    /** A chat of the list, by its title. */
    chat: (title: string) =>
      root.locator('button.chat', { has: page.locator('.chat-title', { hasText: title }) }),
    current: root.locator('button.chat[aria-current="true"]'),
    search: root.getByRole('searchbox', { name: 'Search chats and messages' }),
    results: root.locator('button.result'),
    title: root.locator('palaver-chat-header h2'),
    subtitle: root.locator('palaver-chat-header [part="subtitle"]'),
    button: (name: string) => root.getByRole('button', { name, exact: true }),
    composer: conversation.getByRole('textbox', { name: 'Write a message' }),
    messages: conversation.locator('.message'),
    message: (text: string) =>
      conversation.locator('.message', { has: page.locator('.body', { hasText: text }) }),
    dialog: root.locator('dialog[open]'),
    toast: root.locator('.toast'),
  }
}

/** What has focus, through the shadow roots. */
export function focused(page: Page) {
  return page.evaluate(() => {
    let element = document.activeElement
    while (element?.shadowRoot?.activeElement) element = element.shadowRoot.activeElement
    const el = element as HTMLElement | null
    return {
      tag: el?.tagName.toLowerCase() ?? null,
      className: typeof el?.className === 'string' ? el.className : '',
      label: el?.getAttribute('aria-label') ?? null,
      text: el?.textContent?.trim() ?? '',
      inDialog: Boolean(el?.closest('dialog')),
    }
  })
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

export interface AxeViolation {
  id: string
  impact: string | null
  help: string
  nodes: Array<{ target: unknown; failureSummary?: string }>
}

/** axe-core over the whole document (it walks open shadow roots): the serious and critical violations. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axeSource })
  const violations = await page.evaluate(
    `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations)`,
  )
  return (violations as AxeViolation[]).filter((v) => v.impact === 'serious' || v.impact === 'critical')
}
