import { readFileSync } from 'node:fs'
import type { Page } from 'playwright-core'
import { describe, expect, test } from 'vitest'
import { ar } from '../../src/elements/i18n/ar.js'
import { de } from '../../src/elements/i18n/de.js'
import { en } from '../../src/elements/i18n/en.js'
import { es } from '../../src/elements/i18n/es.js'
import { fr } from '../../src/elements/i18n/fr.js'
import { loadTranslator, Translator, translator } from '../../src/elements/i18n/index.js'
import { lt } from '../../src/elements/i18n/lt.js'
import { chromiumAvailable, dmWidget, hostAndBrowser, openDm } from './harness.js'

// Runs in Node: the catalogs and Intl need no browser.
describe('the widgets’ languages', () => {
  test('a language other than English is English until its catalog is loaded (first: no test loaded it yet)', async () => {
    expect(translator('es-MX').t('send')).toBe('Send')
    const spanish = await loadTranslator('es-MX')
    expect(spanish.t('send')).toBe('Enviar')
    expect(translator('es-MX')).toBe(spanish)
  })

  test('every catalog has every key, and every plural its language’s categories', () => {
    for (const [language, catalog] of Object.entries({ de, fr, es, lt, ar })) {
      expect(Object.keys(catalog).sort(), language).toEqual(Object.keys(en).sort())
      const categories = new Intl.PluralRules(language).resolvedOptions().pluralCategories
      for (const [key, value] of Object.entries(catalog)) {
        if (typeof value === 'string') continue
        for (const category of categories) {
          if (category === 'many' && ['de', 'fr', 'es'].includes(language)) continue
          expect(value[category as keyof typeof value], `${language}.${key}.${category}`).toBeDefined()
        }
      }
    }
  })

  test('plurals follow Intl.PluralRules: English, Lithuanian and Arabic', async () => {
    const english = new Translator('en')
    expect(english.plural('memberCount', 1)).toBe('1 member')
    expect(english.plural('memberCount', 3)).toBe('3 members')
    const lithuanian = await loadTranslator('lt')
    expect([1, 2, 10, 21, 22, 1.5].map((n) => lithuanian.plural('memberCount', n))).toEqual([
      '1 narys',
      '2 nariai',
      '10 narių',
      '21 narys',
      '22 nariai',
      '1,5 nario',
    ])
    const arabic = await loadTranslator('ar')
    expect(arabic.dir).toBe('rtl')
    expect([0, 1, 2, 3, 11, 100].map((n) => arabic.plural('memberCount', n))).toEqual([
      'لا أعضاء',
      'عضو واحد',
      'عضوان',
      `${arabic.number(3)} أعضاء`,
      `${arabic.number(11)} عضوًا`,
      `${arabic.number(100)} عضو`,
    ])
  })

  test('a file of a few bytes says so with the plural ("16 bytes", not "16 byte"); larger ones in short units', async () => {
    const english = new Translator('en')
    expect([1, 16, 740, 3 * 1024, 2.5 * 1024 * 1024].map((n) => english.fileSize(n))).toEqual([
      '1 byte',
      '16 bytes',
      '740 bytes',
      '3 kB',
      '2.5 MB',
    ])
    expect((await loadTranslator('fr')).fileSize(16)).toMatch(/^16\soctets$/)
    expect((await loadTranslator('lt')).fileSize(16)).toBe('16 baitų')
  })

  test('dates and relative times come from Intl; unknown languages fall back to English', async () => {
    const german = await loadTranslator('de-AT')
    expect(german.t('send')).toBe('Senden')
    const now = Date.now()
    expect(german.ago(new Date(now - 5 * 60_000), now)).toBe('vor 5 Minuten')
    expect((await loadTranslator('fr')).ago(new Date(now - 86_400_000), now)).toBe('hier')
    const yesterday = new Date()
    yesterday.setDate(yesterday.getDate() - 1)
    expect((await loadTranslator('es')).dayLabel(yesterday)).toBe('Ayer')
    const unknown = new Translator('xx')
    expect(unknown.language).toBe('en')
    expect(unknown.t('messageUser', { name: 'Bob' })).toBe('Message Bob')
    expect(new Translator('en').names(['Alice', 'Bob', 'Carol'])).toBe('Alice, Bob, and Carol')
  })
})

/** The build's manifest (the global setup built it): the bundle, and the chunk of each language's catalog. */
const manifest = JSON.parse(
  readFileSync(new URL('../../dist/static/manifest.json', import.meta.url), 'utf8'),
) as {
  bundle: string
  locales: Record<string, string>
}

/** The files a page fetches from Palaver's /static/, from before it starts loading. */
function staticRequests(page: Page): string[] {
  const files: string[] = []
  page.on('request', (request) => {
    const file = /\/messages\/static\/([^/?]+)/.exec(request.url())?.[1]
    if (file) files.push(file)
  })
  return files
}

describe.skipIf(!chromiumAvailable)('a catalog per language, fetched when a widget speaks it', () => {
  const shared = hostAndBrowser()

  async function newPage(user: string) {
    const context = await shared.browser.newContext({
      viewport: { width: 1100, height: 900 },
      reducedMotion: 'reduce',
    })
    await context.addCookies([{ name: 'test-user', value: user, url: shared.host.origin }])
    const page = await context.newPage()
    page.setDefaultTimeout(8000)
    return { context, page }
  }

  test('a German widget waits for German, shows no English meanwhile, and its conversation speaks German too', async () => {
    const { context, page } = await newPage('alice')
    try {
      const files = staticRequests(page)
      let release = () => {}
      const held = new Promise<void>((resolve) => (release = resolve))
      await page.route(`**/messages/static/${manifest.locales.de}`, async (route) => {
        await held
        await route.continue()
      })
      const config = page.waitForResponse((response) => response.url().includes('/api/config/'))
      await page.goto(`${shared.host.origin}/host/dm/bob?locale=de`)
      await config
      await page.waitForTimeout(300)
      // The settings are here, the German catalog is not: the widget shows nothing rather than English.
      expect(await page.locator('palaver-dm').evaluate((dm) => dm.shadowRoot?.textContent?.trim())).toBe('')
      release()
      const dm = dmWidget(page)
      await dm.toggle.filter({ hasText: /^\s*Nachricht\s*$/ }).waitFor()
      await dm.toggle.click()
      await dm.root.getByText('Noch keine Nachrichten. Sag hallo!').waitFor()
      await dm.root.getByRole('textbox', { name: 'Nachricht schreiben' }).waitFor()
      expect(files).toEqual([manifest.bundle, manifest.locales.de])
    } finally {
      await context.close()
    }
  })

  test('an English page fetches the bundle and no catalog', async () => {
    const { context, page } = await newPage('alice')
    try {
      const files = staticRequests(page)
      await page.goto(`${shared.host.origin}/host/dm/charlie`)
      const dm = await openDm(page)
      await dm.root.getByText('No messages yet. Say hello!').waitFor()
      expect(files).toEqual([manifest.bundle])
    } finally {
      await context.close()
    }
  })
})
