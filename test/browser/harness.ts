import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core'
import { afterAll, beforeAll, expect } from 'vitest'
import { createPalaver, type Palaver, type PalaverOptions, type RoomResolver } from '../../src/index.js'
import { attachWebSocket, toNodeHandler } from '../../src/node/index.js'
import { DEMO_USERS } from '../helpers/server.js'

/**
 * Browser tests: a real Palaver (SQLite) behind node:http with WebSockets, a tiny host site that
 * embeds the widgets the way a real one does (palaver.embed.dm / .room), and Debian's Chromium
 * driven by playwright-core. The viewer is the `test-user` cookie.
 */

export const CHROMIUM = process.env.PALAVER_CHROMIUM ?? '/usr/bin/chromium'
const inCI = process.env.CI === 'true'

export const chromiumAvailable = existsSync(CHROMIUM)
if (!chromiumAvailable) {
  const line = `Chromium is not installed at ${CHROMIUM}`
  if (inCI) throw new Error(`${line}: CI requires it for the browser tests`)
  console.warn(`\n!!! ${line}: SKIPPING every browser test (apt-get install chromium) !!!\n`)
}

/** Chromium as this machine runs it; launch() gives every browser a fresh, temporary profile (user-data dir). */
export async function launchBrowser(): Promise<{ browser: Browser; close(): Promise<void> }> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  return {
    browser,
    async close() {
      await browser.close()
    },
  }
}

/** Videos the host knows: `public-*` rooms anyone reads and joins, `private-*` members only, anything else does not exist. */
export const videoRooms: RoomResolver = (objectId) => {
  if (objectId.startsWith('public-')) return { title: `Video ${objectId.slice(7)}`, access: 'public' }
  if (objectId.startsWith('private-')) return { title: `Private ${objectId.slice(8)}`, access: 'members' }
  return null
}

export interface Host {
  palaver: Palaver
  origin: string
  /** A REST call as `user`, through the real server. */
  call<T = any>(user: string, method: string, path: string, body?: unknown): Promise<T>
  /** Adds `count` messages to a chat straight into the database, in one transaction. */
  seedMessages(chatId: number, count: number, senders: readonly string[]): Promise<void>
  close(): Promise<void>
}

function cookie(req: IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=')
    if (key === name) return decodeURIComponent(value.join('='))
  }
  return null
}

function hostPage(title: string, body: string, query: URLSearchParams): string {
  const theme = query.get('theme')
  const lang = query.get('lang') ?? 'en'
  const dir = lang === 'ar' ? ' dir="rtl"' : ''
  return `<!doctype html>
<html lang="${lang}"${dir}${theme ? ` class="${theme}"` : ''}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>
  body { margin: 0; font-family: system-ui, sans-serif; background: #f6f7f9; color: #1f2328; }
  html.dark body { background: #0e1014; color: #e6e8ec; }
  main { max-width: 760px; margin: 0 auto; padding: 24px; }
  h1 { font-size: 1.4rem; margin: 0 0 16px; }
  .card { padding: 20px; border-radius: 14px; background: #fff; box-shadow: 0 1px 3px rgb(0 0 0 / 0.08); margin-bottom: 16px; }
  html.dark .card { background: #171a20; }
</style>
</head>
<body>
<main>
<h1>${title}</h1>
${body}
</main>
</body>
</html>`
}

export async function startHost(
  options: Partial<Omit<PalaverOptions, 'database' | 'getUser'>> = {},
): Promise<Host> {
  const palaver = await createPalaver({
    logPollIntervalMs: 200,
    rooms: { video: videoRooms },
    loginUrl: '/login',
    ...options,
    database: { sqlite: ':memory:' },
    getUser: (request) => {
      const match = /(?:^|;\s*)test-user=([^;]+)/.exec(request.headers.get('cookie') ?? '')
      return match ? { id: decodeURIComponent(match[1]!) } : null
    },
  })
  for (const user of DEMO_USERS) await palaver.users.upsert(user)
  const messages = toNodeHandler(palaver)

  const site = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://host.invalid')
    const send = (status: number, html: string) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
      res.end(html)
    }
    const locale = url.searchParams.get('locale')
    const embedOptions = locale ? { locale } : {}
    const dm = /^\/host\/dm\/([^/]+)$/.exec(url.pathname)
    if (dm) {
      const user = decodeURIComponent(dm[1]!)
      const name = DEMO_USERS.find((u) => u.id === user)?.name ?? user
      const body = `<div class="card"><p>Profile of ${name}.</p>${palaver.embed.dm(user, embedOptions)}</div>`
      return send(200, hostPage(`${name}`, body, url.searchParams))
    }
    const room = /^\/host\/room\/([^/]+)$/.exec(url.pathname)
    if (room) {
      const id = decodeURIComponent(room[1]!)
      return send(
        200,
        hostPage(
          `Video ${id}`,
          // The title the host knows its object by, as a site's template would pass it.
          palaver.embed.room('video', id, { ...embedOptions, title: `Video ${id.replace(/^\w+-/, '')}` }),
          url.searchParams,
        ),
      )
    }
    if (url.pathname === '/login')
      return send(
        200,
        hostPage('Sign in', `<p>Signed in as ${cookie(req, 'test-user') ?? 'nobody'}</p>`, url.searchParams),
      )
    send(404, hostPage('Not found', '', url.searchParams))
  }

  const server: Server = createServer((req, res) => messages(req, res, () => site(req, res)))
  const sockets = attachWebSocket(server, palaver, { heartbeatMs: 5000 })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    palaver,
    origin,
    async call(user, method, path, body) {
      const response = await fetch(`${origin}/messages${path}`, {
        method,
        headers: {
          cookie: `test-user=${encodeURIComponent(user)}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      const text = await response.text()
      if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`)
      return text ? JSON.parse(text) : null
    },
    async seedMessages(chatId, count, senders) {
      const start = Date.now() - count * 60_000
      await palaver.db.transaction().execute(async (tx) => {
        for (let i = 0; i < count; i += 500) {
          const rows = []
          for (let j = i; j < Math.min(count, i + 500); j++) {
            rows.push({
              chat_id: chatId,
              sender_id: senders[j % senders.length]!,
              body: `Message number ${j + 1}`,
              client_id: null,
              created_at: start + j * 60_000,
              edited_at: null,
              deleted_at: null,
            })
          }
          await tx.insertInto('palaver_messages').values(rows).execute()
        }
      })
    },
    async close() {
      sockets.close()
      server.closeAllConnections()
      server.close()
      await palaver.close()
    },
  }
}

/** A host and a browser for the tests of a describe block: started before them, closed after them. */
export function hostAndBrowser(options: Parameters<typeof startHost>[0] = {}): {
  host: Host
  browser: Browser
} {
  const shared = {} as { host: Host; browser: Browser; close?: () => Promise<void> }
  beforeAll(async () => {
    shared.host = await startHost(options)
    ;({ browser: shared.browser, close: shared.close } = await launchBrowser())
  })
  afterAll(async () => {
    await shared.close?.()
    await shared.host?.close()
  })
  return shared
}

/** A browser context signed in as `user` (null: anonymous), with one page open at `path`; `touch`: a phone's (no hover). */
export async function openAs(
  browser: Browser,
  host: Host,
  user: string | null,
  path: string,
  viewport = { width: 1100, height: 900 },
  touch = false,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport,
    reducedMotion: 'reduce',
    hasTouch: touch,
    isMobile: touch,
  })
  if (user) await context.addCookies([{ name: 'test-user', value: user, url: host.origin }])
  const page = await context.newPage()
  // Fail at the step that waits too long, well inside the test's own timeout.
  page.setDefaultTimeout(8000)
  page.on('pageerror', (error) => console.error(`[page ${user}] ${error.message}`))
  await page.goto(`${host.origin}${path}`)
  return { context, page }
}

/** The DM panel's pieces, found through the shadow roots (Playwright's locators pierce open ones). */
export function dmWidget(page: Page) {
  const root = page.locator('palaver-dm')
  return {
    root,
    toggle: root.locator('button.toggle'),
    panel: root.locator('.panel'),
    composer: root.getByRole('textbox', { name: 'Write a message' }),
    messages: root.locator('.message'),
    message: (text: string) => root.locator('.message', { has: page.locator('.body', { hasText: text }) }),
  }
}

export function roomWidget(page: Page) {
  const root = page.locator('palaver-room')
  return {
    root,
    count: root.locator('[part="member-count"]'),
    join: root.locator('header button.join'),
    leave: root.locator('header button.leave'),
    composer: root.getByRole('textbox', { name: 'Write a message' }),
    messages: root.locator('.message'),
    message: (text: string) => root.locator('.message', { has: page.locator('.body', { hasText: text }) }),
  }
}

/** Opens the DM panel and waits for the composer. */
export async function openDm(page: Page): Promise<ReturnType<typeof dmWidget>> {
  const dm = dmWidget(page)
  await dm.toggle.click()
  await dm.composer.waitFor()
  return dm
}

/** Chromium sends at most `bytesPerSecond` from this page (uploads take a while, their progress shows). */
export async function slowUploads(page: Page, bytesPerSecond = 96 * 1024): Promise<void> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Network.enable')
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: bytesPerSecond,
  })
}

/** Sends a message through the composer (typing, then Enter). */
export async function send(composer: Locator, text: string): Promise<void> {
  await composer.fill(text)
  await composer.press('Enter')
}

/**
 * Resolves once every request `page` has asked for so far has been seen here (a counter of requests is then
 * final): a request the page makes after a timer that fires after them is seen after them.
 */
export async function requestsSettled(page: Page): Promise<void> {
  const barrier = page.waitForRequest((request) => request.url().endsWith('/after-the-requests'))
  await page.evaluate(() =>
    new Promise((resolve) => setTimeout(resolve, 250)).then(() => fetch('/after-the-requests')),
  )
  await barrier
}

/** expect.poll with room for a loaded machine (two browsers and servers per test file, files in parallel). */
export function eventually<T>(fn: () => T | Promise<T>) {
  return expect.poll(fn, { timeout: 10_000, interval: 50 })
}
