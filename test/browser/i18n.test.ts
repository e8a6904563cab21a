import { describe, expect, test } from 'vitest'
import { ar } from '../../src/elements/i18n/ar.js'
import { de } from '../../src/elements/i18n/de.js'
import { en } from '../../src/elements/i18n/en.js'
import { es } from '../../src/elements/i18n/es.js'
import { fr } from '../../src/elements/i18n/fr.js'
import { Translator } from '../../src/elements/i18n/index.js'
import { lt } from '../../src/elements/i18n/lt.js'

// Runs in Node: the catalogs and Intl need no browser.
describe('the widgets’ languages', () => {
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

  test('plurals follow Intl.PluralRules: English, Lithuanian and Arabic', () => {
    const english = new Translator('en')
    expect(english.plural('memberCount', 1)).toBe('1 member')
    expect(english.plural('memberCount', 3)).toBe('3 members')
    const lithuanian = new Translator('lt')
    expect([1, 2, 10, 21, 22, 1.5].map((n) => lithuanian.plural('memberCount', n))).toEqual([
      '1 narys',
      '2 nariai',
      '10 narių',
      '21 narys',
      '22 nariai',
      '1,5 nario',
    ])
    const arabic = new Translator('ar')
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

  test('dates and relative times come from Intl; unknown languages fall back to English', () => {
    const german = new Translator('de-AT')
    expect(german.t('send')).toBe('Senden')
    const now = Date.now()
    expect(german.ago(new Date(now - 5 * 60_000), now)).toBe('vor 5 Minuten')
    expect(new Translator('fr').ago(new Date(now - 86_400_000), now)).toBe('hier')
    const yesterday = new Date()
    yesterday.setDate(yesterday.getDate() - 1)
    expect(new Translator('es').dayLabel(yesterday)).toBe('Ayer')
    const unknown = new Translator('xx')
    expect(unknown.language).toBe('en')
    expect(unknown.t('messageUser', { name: 'Bob' })).toBe('Message Bob')
    expect(new Translator('en').names(['Alice', 'Bob', 'Carol'])).toBe('Alice, Bob, and Carol')
  })
})
