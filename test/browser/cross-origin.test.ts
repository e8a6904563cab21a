import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  chromiumAvailable,
  dmWidget,
  eventually,
  type Host,
  launchBrowser,
  send,
  startHost,
} from './harness.js'

/**
 * Widgets on a page of another origin than Palaver's: the page at 127.0.0.1:B loads the bundle from
 * Palaver at 127.0.0.1:A and names it in `base-path`. The two are one site (ports do not count), so
 * the viewer's cookie for 127.0.0.1 goes along once the widgets ask for it (`credentials: 'include'`),
 * and Palaver answers the page's origin because it is in `allowedOrigins`.
 */
const transports = ['websocket', 'sse', 'polling'] as const

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
)

describe.skipIf(!chromiumAvailable).each(transports)(
  'widgets on a page of another origin, over %s',
  (transport) => {
    let page: Server
    let pageOrigin: string
    /** A CDN in front of Palaver's `/static/`, on an origin of its own. */
    let cdn: Server
    let cdnOrigin: string
    let host: Host
    let browser: Browser
    let closeBrowser: () => Promise<void>

    beforeAll(async () => {
      page = createServer((req, res) => {
        const base = `${host.origin}/messages`
        const query = new URL(req.url ?? '/', 'http://page.invalid').searchParams
        const user = query.get('with') ?? 'bob'
        const scripts = query.has('cdn') ? `${cdnOrigin}/messages` : base
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Elsewhere</title>
        <script type="module" src="${scripts}/static/palaver.js"></script></head>
        <body><palaver-dm base-path="${base}" user-id="${user}"></palaver-dm></body></html>`)
      })
      page.listen(0, '127.0.0.1')
      await once(page, 'listening')
      pageOrigin = `http://127.0.0.1:${(page.address() as AddressInfo).port}`
      cdn = createServer(async (req, res) => {
        const upstream = await fetch(`${host.origin}${req.url}`)
        res.writeHead(upstream.status, {
          'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream',
          'access-control-allow-origin': upstream.headers.get('access-control-allow-origin') ?? '',
        })
        res.end(Buffer.from(await upstream.arrayBuffer()))
      })
      cdn.listen(0, '127.0.0.1')
      await once(cdn, 'listening')
      cdnOrigin = `http://127.0.0.1:${(cdn.address() as AddressInfo).port}`
      host = await startHost({ allowedOrigins: [pageOrigin], transport })
      ;({ browser, close: closeBrowser } = await launchBrowser())
    })
    afterAll(async () => {
      await closeBrowser?.()
      await host?.close()
      page?.close()
      cdn?.close()
    })

    async function open(user: string, peer: string, viaCdn = false) {
      const context = await browser.newContext({ viewport: { width: 1000, height: 800 } })
      await context.addCookies([{ name: 'test-user', value: user, url: host.origin }])
      const tab = await context.newPage()
      tab.setDefaultTimeout(8000)
      const failed: string[] = []
      tab.on('requestfailed', (request) => failed.push(`${request.url()}: ${request.failure()?.errorText}`))
      tab.on('console', (message) => {
        if (message.type() === 'error') failed.push(message.text())
      })
      await tab.goto(`${pageOrigin}/?with=${peer}${viaCdn ? '&cdn' : ''}`)
      return { context, tab, failed }
    }

    test('sign the viewer in with their cookie, send and receive live, and show avatars from Palaver’s origin', async () => {
      const alice = await open('alice', 'bob')
      const bob = await open('bob', 'alice')
      try {
        const a = dmWidget(alice.tab)
        const b = dmWidget(bob.tab)
        await a.toggle.click()
        await b.toggle.click()
        await eventually(() => a.toggle.textContent()).toContain('Message Bob Brown')
        await send(a.composer, 'Hello from another origin')
        await b.message('Hello from another origin').waitFor()
        await send(b.composer, 'And back')
        await a.message('And back').waitFor()
        // The default avatar is a path on Palaver's origin: loaded from there, not from the page's.
        const avatar = a.root.locator('.message img.avatar').first()
        await avatar.waitFor()
        expect(await avatar.evaluate((img: HTMLImageElement) => img.currentSrc)).toMatch(
          new RegExp(`^${host.origin}/messages/avatars/`),
        )
        await eventually(() => avatar.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(
          0,
        )
        expect([...alice.failed, ...bob.failed]).toEqual([])
      } finally {
        await alice.context.close()
        await bob.context.close()
      }
    })

    test('with the bundle from a CDN, avatars still load from Palaver’s origin', async () => {
      const { id } = await host.call('dana', 'POST', '/api/dms/', { userId: 'charlie' })
      await host.call('dana', 'POST', `/api/chats/${id}/messages/`, { body: 'Is the CDN up?' })
      const charlie = await open('charlie', 'dana', true)
      try {
        const c = dmWidget(charlie.tab)
        await c.toggle.click()
        await c.message('Is the CDN up?').waitFor()
        const avatar = c.root.locator('.message img.avatar').first()
        await avatar.waitFor()
        expect(await avatar.evaluate((img: HTMLImageElement) => img.currentSrc)).toMatch(
          new RegExp(`^${host.origin}/messages/avatars/`),
        )
        await eventually(() => avatar.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(
          0,
        )
        expect(charlie.failed).toEqual([])
      } finally {
        await charlie.context.close()
      }
    })

    test('a picture’s Download saves the file, where the download attribute alone would open it', async () => {
      const { id: chatId } = await host.call('alice', 'POST', '/api/dms/', { userId: 'bob' })
      const uploaded = await fetch(`${host.origin}/messages/api/chats/${chatId}/attachments/?name=dot.png`, {
        method: 'POST',
        headers: { cookie: 'test-user=alice', 'content-type': 'image/png' },
        body: PNG,
      })
      expect(uploaded.status).toBe(201)
      const { id } = await uploaded.json()
      await host.call('alice', 'POST', `/api/chats/${chatId}/messages/`, {
        body: 'A dot',
        attachmentIds: [id],
      })
      const bob = await open('bob', 'alice')
      try {
        const b = dmWidget(bob.tab)
        await b.toggle.click()
        await b.root.locator('.message .picture').click()
        const save = b.root.locator('dialog.lightbox[open]').getByRole('link', { name: 'Download dot.png' })
        const [download] = await Promise.all([bob.tab.waitForEvent('download'), save.click()])
        expect(download.suggestedFilename()).toBe('dot.png')
        expect(bob.tab.url()).toMatch(new RegExp(`^${pageOrigin}/`))
      } finally {
        await bob.context.close()
      }
    })
  },
)
