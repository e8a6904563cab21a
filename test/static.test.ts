import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases } from './helpers/databases.js'
import { startServer, type TestServer } from './helpers/server.js'

/** What the global setup built into dist/static: the bundle, a chunk per language but English, their maps. */
const manifest = JSON.parse(
  readFileSync(new URL('../dist/static/manifest.json', import.meta.url), 'utf8'),
) as {
  bundle: string
  locales: Record<string, string>
  files: string[]
}

describe('the widget bundle and its chunks', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startServer(databases[0]!)
  })
  afterAll(() => server.close())

  const get = (file: string, headers: Record<string, string> = {}) =>
    server.palaver.fetch(new Request(`http://palaver.test/messages/static/${file}`, { headers }))

  it('serves every file of the manifest at its hashed name, as JavaScript or JSON, cached for a year', async () => {
    expect(Object.keys(manifest.locales).sort()).toEqual(['ar', 'de', 'es', 'fr', 'lt'])
    expect(manifest.files).toEqual(
      expect.arrayContaining([manifest.bundle, `${manifest.bundle}.map`, ...Object.values(manifest.locales)]),
    )
    for (const file of manifest.files) {
      expect(file).toMatch(/-[A-Z0-9]{8}\.js(\.map)?$/)
      const response = await get(file)
      expect(response.status, file).toBe(200)
      expect(response.headers.get('content-type'), file).toBe(
        file.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'application/json; charset=utf-8',
      )
      expect(response.headers.get('cache-control'), file).toBe('public, max-age=31536000, immutable')
      await response.arrayBuffer()
    }
    expect((await get('de-NOTBUILT.js')).status).toBe(404)
  })

  it('answers palaver.js with the current bundle, uncached; the embed names the versioned one', async () => {
    const alias = await get('palaver.js')
    expect(alias.headers.get('cache-control')).toBe('no-cache')
    expect(await alias.text()).toBe(await (await get(manifest.bundle)).text())
    expect(server.palaver.embed.script()).toBe(
      `<script type="module" src="/messages/static/${manifest.bundle}"></script>`,
    )
  })

  it('imports no chunk up front, and each catalog relative to the bundle’s own URL (so also from palaver.js or another origin)', async () => {
    const bundle = await (await get(manifest.bundle)).text()
    expect(bundle).not.toMatch(/(from|import)\s*"\.\//)
    for (const file of Object.values(manifest.locales)) expect(bundle).toContain(`import("./${file}")`)
  })

  it('lets a page on any origin load them as module scripts (CORS), as public files without cookies', async () => {
    const page = { origin: 'https://www.example.test' }
    for (const file of [manifest.bundle, manifest.locales.de!, 'palaver.js']) {
      const response = await get(file, page)
      expect(response.status, file).toBe(200)
      expect(response.headers.get('access-control-allow-origin'), file).toBe('*')
      expect(response.headers.get('access-control-allow-credentials'), file).toBeNull()
      await response.arrayBuffer()
    }
  })
})

describe('the messages page', () => {
  const page = async (server: TestServer, user: string | null) => {
    const headers: Record<string, string> = user ? { 'x-test-user': user } : {}
    const response = await server.palaver.fetch(
      new Request('http://palaver.test/messages/?tab=chats', { headers }),
    )
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    return response.text()
  }

  it('is a bare page with the bundle and the element when the host gives no layout', async () => {
    const server = await startServer(databases[0]!)
    try {
      const html = await page(server, 'alice')
      expect(html).toContain(server.palaver.embed.script())
      expect(html).toContain('<palaver-messages base-path="/messages"></palaver-messages>')
    } finally {
      await server.close()
    }
  })

  it("goes through the host's pageLayout, which learns the request and whom it is for (and may wait)", async () => {
    const seen: Array<{ url: string; viewer: string | null }> = []
    const server = await startServer(databases[0]!, {
      pageLayout: async ({ title, head, body, request, viewer }) => {
        seen.push({ url: request.url, viewer: viewer?.id ?? null })
        await new Promise((resolve) => setTimeout(resolve, 5))
        return `<html><head><title>${title} · Site</title>${head}</head><body><nav>${viewer?.name ?? 'Sign in'}</nav>${body}</body></html>`
      },
    })
    try {
      const signedIn = await page(server, 'alice')
      expect(signedIn).toBe(
        `<html><head><title>Messages · Site</title>${server.palaver.embed.script()}</head>` +
          '<body><nav>Alice Anderson</nav><palaver-messages base-path="/messages"></palaver-messages></body></html>',
      )
      expect(await page(server, null)).toContain('<nav>Sign in</nav>')
      expect(seen).toEqual([
        { url: 'http://palaver.test/messages/?tab=chats', viewer: 'alice' },
        { url: 'http://palaver.test/messages/?tab=chats', viewer: null },
      ])
    } finally {
      await server.close()
    }
  })
})
