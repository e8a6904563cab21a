import { type Catalog, en, type MessageKey } from './en.js'

export type { Catalog, MessageKey }

/** The other languages' catalogs, each a chunk of its own in the bundle: a page fetches the one it speaks, and English none. */
const loaders = new Map<string, () => Promise<Catalog>>([
  ['ar', () => import('./ar.js').then((m) => m.ar)],
  ['de', () => import('./de.js').then((m) => m.de)],
  ['es', () => import('./es.js').then((m) => m.es)],
  ['fr', () => import('./fr.js').then((m) => m.fr)],
  ['lt', () => import('./lt.js').then((m) => m.lt)],
])
/** The catalogs at hand: English, and those loadTranslator fetched. */
const catalogs = new Map<string, Catalog>([['en', en]])
const rtlLanguages = new Set(['ar', 'fa', 'he', 'ur'])

type Params = Record<string, string | number>
type PluralKey = { [K in MessageKey]: Catalog[K] extends string ? never : K }[MessageKey]
type TextKey = Exclude<MessageKey, PluralKey>

/** The language a widget speaks: its `locale` attribute, else the page's `<html lang>`, else English. */
export function resolveLocale(element: Element): string {
  const wanted = element.getAttribute('locale') || element.ownerDocument.documentElement.lang || 'en'
  try {
    return Intl.getCanonicalLocales(wanted)[0] ?? 'en'
  } catch {
    return 'en'
  }
}

const languageOf = (locale: string) => locale.split('-')[0]!.toLowerCase()

/** Every UI string, plural and date of one locale; the strings come from the catalog of its language (English until that is loaded). */
export class Translator {
  readonly locale: string
  readonly language: string
  readonly dir: 'ltr' | 'rtl'
  readonly #catalog: Catalog
  readonly #plurals: Intl.PluralRules
  readonly #numbers: Intl.NumberFormat
  readonly #percents: Intl.NumberFormat
  readonly #time: Intl.DateTimeFormat
  readonly #dayAndTime: Intl.DateTimeFormat
  readonly #full: Intl.DateTimeFormat
  readonly #day: Intl.DateTimeFormat
  readonly #relative: Intl.RelativeTimeFormat
  readonly #list: Intl.ListFormat
  readonly #sizes = new Map<string, Intl.NumberFormat>()

  constructor(locale: string) {
    const language = languageOf(locale)
    const catalog = catalogs.get(language)
    this.#catalog = catalog ?? en
    // Formats follow the catalog's language when the locale's own has no catalog, so a page reads as one language.
    this.locale = catalog ? locale : 'en'
    this.language = catalog ? language : 'en'
    this.dir = rtlLanguages.has(this.language) ? 'rtl' : 'ltr'
    this.#plurals = new Intl.PluralRules(this.locale)
    this.#numbers = new Intl.NumberFormat(this.locale)
    this.#percents = new Intl.NumberFormat(this.locale, { style: 'percent' })
    this.#time = new Intl.DateTimeFormat(this.locale, { hour: 'numeric', minute: '2-digit' })
    this.#dayAndTime = new Intl.DateTimeFormat(this.locale, {
      month: 'short',
      day: 'numeric',
      hour: 'numeric',
      minute: '2-digit',
    })
    this.#full = new Intl.DateTimeFormat(this.locale, { dateStyle: 'full', timeStyle: 'short' })
    this.#day = new Intl.DateTimeFormat(this.locale, { weekday: 'long', month: 'long', day: 'numeric' })
    this.#relative = new Intl.RelativeTimeFormat(this.locale, { numeric: 'auto' })
    this.#list = new Intl.ListFormat(this.locale, { style: 'long', type: 'conjunction' })
  }

  /** A string of the catalog with `{name}` placeholders filled in. */
  t(key: TextKey, params: Params = {}): string {
    return fill(this.#catalog[key] as string, params, this.#numbers)
  }

  /** The plural form for `count` (Intl.PluralRules picks the category: one/few/many/… per language). */
  plural(key: PluralKey, count: number, params: Params = {}): string {
    const forms = this.#catalog[key] as Catalog[PluralKey]
    const form = forms[this.#plurals.select(count)] ?? forms.other
    return fill(form, { ...params, count }, this.#numbers)
  }

  number(value: number): string {
    return this.#numbers.format(value)
  }

  /** A share (0.4) as the locale writes it: "40%", "40 %"… */
  percent(share: number): string {
    return this.#percents.format(share)
  }

  /** "740 bytes", "12 kB", "3.4 MB" in the locale's own words (a kilobyte is 1024 bytes here). */
  fileSize(bytes: number): string {
    const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte'] as const
    let unit = 0
    let value = bytes
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024
      unit++
    }
    const digits = value < 10 ? 1 : 0
    const key = `${units[unit]}${digits}`
    let format = this.#sizes.get(key)
    if (!format) {
      // Bytes in words: the short form does not inflect ("16 byte" in English).
      const options = { style: 'unit', unit: units[unit], unitDisplay: unit ? 'short' : 'long' } as const
      format = new Intl.NumberFormat(this.locale, { ...options, maximumFractionDigits: digits })
      this.#sizes.set(key, format)
    }
    return format.format(value)
  }

  /** "14:05" */
  clock(date: Date): string {
    return this.#time.format(date)
  }

  /** The time for a message: the clock today, else the date and the clock. */
  stamp(date: Date, now = new Date()): string {
    return sameDay(date, now) ? this.#time.format(date) : this.#dayAndTime.format(date)
  }

  /** The whole date and time (for a tooltip or a screen reader). */
  fullDate(date: Date): string {
    return this.#full.format(date)
  }

  /** A day separator: "Today", "Yesterday", or the date. */
  dayLabel(date: Date, now = new Date()): string {
    if (sameDay(date, now)) return this.t('today')
    const yesterday = new Date(now)
    yesterday.setDate(now.getDate() - 1)
    if (sameDay(date, yesterday)) return this.t('yesterday')
    return this.#day.format(date)
  }

  /** "5 minutes ago", "yesterday" (Intl.RelativeTimeFormat). */
  ago(date: Date, now = Date.now()): string {
    const seconds = Math.round((date.getTime() - now) / 1000)
    const units: Array<[Intl.RelativeTimeFormatUnit, number]> = [
      ['year', 31_536_000],
      ['month', 2_592_000],
      ['week', 604_800],
      ['day', 86_400],
      ['hour', 3600],
      ['minute', 60],
    ]
    for (const [unit, size] of units) {
      if (Math.abs(seconds) >= size) return this.#relative.format(Math.round(seconds / size), unit)
    }
    return this.#relative.format(0, 'second')
  }

  /** "Alice, Bob and Carol" */
  names(names: readonly string[]): string {
    return this.#list.format(names)
  }
}

function fill(text: string, params: Params, numbers: Intl.NumberFormat): string {
  return text.replace(/\{(\w+)\}/g, (match, name: string) => {
    const value = params[name]
    if (value === undefined) return match
    return typeof value === 'number' ? numbers.format(value) : value
  })
}

function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate()
}

const translators = new Map<string, Translator>()

/** One translator per locale (formatters are costly to build); English while the locale's catalog is still to be loaded. */
export function translator(locale: string): Translator {
  const language = languageOf(locale)
  if (loaders.has(language) && !catalogs.has(language)) return translator('en')
  let found = translators.get(locale)
  if (!found) translators.set(locale, (found = new Translator(locale)))
  return found
}

/** The translator of a locale once its language's catalog has arrived; English if it could not be fetched (the next call tries again). */
export async function loadTranslator(locale: string): Promise<Translator> {
  const language = languageOf(locale)
  const load = loaders.get(language)
  if (load && !catalogs.has(language)) {
    try {
      catalogs.set(language, await load())
    } catch {
      // English meanwhile: a widget in the wrong language beats none.
    }
  }
  return translator(locale)
}
