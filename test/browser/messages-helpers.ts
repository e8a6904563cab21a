import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type { Page, WebSocketRoute } from 'playwright-core'
import { expect } from 'vitest'

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
    /** The header's Members button (its name ends with the count). */
    members: root.locator('palaver-chat-header').getByRole('button', { name: /^Members/ }),
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
      /** The message action a button is (`data-action`: reply, react, edit…). */
      action: el?.dataset.action ?? null,
      label: el?.getAttribute('aria-label') ?? null,
      text: el?.textContent?.trim() ?? '',
      inDialog: Boolean(el?.closest('dialog')),
      /** The message the focus is in (0: none). */
      messageId: Number(el?.closest<HTMLElement>('[data-id]')?.dataset.id ?? 0),
    }
  })
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

/** Presses Tab until the focus is on the control named `label`. */
export async function tabTo(page: Page, label: string, max = 30): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab')
    if ((await focused(page)).label === label) return
  }
  throw new Error(`Tab never reached ${label}`)
}

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

/** axe in light and dark mode (nothing serious), and a screenshot of each in `folder`; the page ends light. */
export async function shootLightAndDark(page: Page, folder: string, name: string): Promise<void> {
  for (const theme of ['light', 'dark'] as const) {
    await page.evaluate((dark) => document.documentElement.classList.toggle('dark', dark), theme === 'dark')
    await page.waitForTimeout(300)
    expect(await seriousViolations(page), `${name}-${theme}`).toEqual([])
    await page.screenshot({ path: join(folder, `${name}-${theme}.png`) })
  }
  await page.evaluate(() => document.documentElement.classList.remove('dark'))
}

interface Caller {
  call<T = any>(user: string, method: string, path: string, body?: unknown): Promise<T>
}

/** What other people do in a test, through the API: make a group, say something (mentioning `mentionIds`). `shared.host` is read at each call (it starts before the tests). */
export function chatCalls(shared: { host: Caller }) {
  return {
    group: (owner: string, title: string, memberIds: string[]) =>
      shared.host.call(owner, 'POST', '/api/chats/', { title, memberIds }),
    say: (user: string, chatId: number, body: string, mentionIds?: string[]) =>
      shared.host.call(user, 'POST', `/api/chats/${chatId}/messages/`, {
        body,
        ...(mentionIds && { mentionIds }),
      }),
  }
}

/** A lived-in account for Alice: a busy group, two DMs (one unread), a room and a team chat with unread messages. */
export async function seedShowcase(host: Caller): Promise<{ hikeId: number }> {
  const say = (user: string, chatId: number, body: string) =>
    host.call(user, 'POST', `/api/chats/${chatId}/messages/`, { body })
  const design = await host.call('erin', 'POST', '/api/chats/', {
    title: 'Design team',
    memberIds: ['alice'],
  })
  await say('erin', design.id, 'The new mockups are up in the shared folder')
  const room = await host.call('charlie', 'POST', '/api/rooms/', {
    contentType: 'video',
    objectId: 'public-launch',
  })
  await host.call('charlie', 'POST', `/api/chats/${room.id}/join/`)
  await host.call('alice', 'POST', `/api/chats/${room.id}/join/`)
  await say('charlie', room.id, 'Great launch video, congrats everyone!')
  await host.call('alice', 'POST', `/api/chats/${room.id}/mark-as-read/`, {})
  const bob = await host.call('alice', 'POST', '/api/dms/', { userId: 'bob' })
  await say('bob', bob.id, 'Did you get the tickets for Friday?')
  await say('alice', bob.id, 'Yes, two seats in row 5 🎟️')
  const hike = await host.call('alice', 'POST', '/api/chats/', {
    title: 'Weekend hike',
    memberIds: ['bob', 'charlie', 'dana'],
  })
  await say('bob', hike.id, 'Who is in for Saturday? The forecast looks great ☀️')
  await say('charlie', hike.id, 'I am! Which trail are we doing?')
  const loop = await say(
    'alice',
    hike.id,
    'Let’s do the ridge loop, about 14 km with a lunch stop at the lake.',
  )
  await say('dana', hike.id, 'Count me in. I will bring snacks 🥨')
  await say('bob', hike.id, 'Meet at the station at 8:30?')
  await host.call('dana', 'POST', `/api/messages/${(loop as { id: number }).id}/reactions/`, { emoji: '👍' })
  await host.call('bob', 'POST', `/api/messages/${(loop as { id: number }).id}/reactions/`, { emoji: '👍' })
  await host.call('alice', 'POST', `/api/chats/${hike.id}/mark-as-read/`, {})
  const dana = await host.call('dana', 'POST', '/api/dms/', { userId: 'alice' })
  await say('dana', dana.id, 'Could you look at my slides before Monday?')
  await say('dana', dana.id, 'No rush, tomorrow is fine 🙂')
  await say('erin', design.id, 'Feedback welcome before Thursday')
  return { hikeId: hike.id }
}

/**
 * Routes the page's WebSocket through a proxy that keeps back the frames `drop` picks (counted in
 * `dropped`); `resync()` then tells the page that it missed events, as the server does.
 */
export async function lossyWebSocket(
  page: Page,
  drop: (frame: { type: string; chatId?: number }) => boolean,
) {
  let socket: WebSocketRoute | null = null
  let cursor = 0
  const proxy = {
    dropped: 0,
    resync: () => socket!.send(JSON.stringify({ type: 'resync', cursor })),
  }
  await page.routeWebSocket(/\/messages\/ws\b/, (ws) => {
    socket = ws
    ws.connectToServer().onMessage((message) => {
      const frame = JSON.parse(String(message))
      cursor = Math.max(cursor, frame.cursor ?? 0)
      if (drop(frame)) proxy.dropped++
      else ws.send(message)
    })
  })
  return proxy
}
