import type { ResolvedOptions } from './options.js'

const escapeAttribute = (value: string) =>
  value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  )

export interface EmbedOptions {
  /** A locale for the widget's strings and dates (else `<html lang>`). */
  locale?: string
  /** `light`, `dark`, or `auto` (follow the system / the host's `<html>` class or attribute). */
  theme?: 'light' | 'dark' | 'auto'
}

/**
 * HTML snippets for any template engine: the script tag and the elements, attributes escaped.
 * The script tag is safe to include more than once per page (browsers load a module once).
 */
export class Embed {
  constructor(
    private readonly options: ResolvedOptions,
    private readonly bundle: () => string | null,
  ) {}

  /** The `<script type="module">` that defines the elements, at its versioned, long-cached URL. */
  script(): string {
    const file = this.bundle() ?? 'palaver.js'
    return `<script type="module" src="${escapeAttribute(`${this.options.basePath}/static/${file}`)}"></script>`
  }

  /** The DM widget for a conversation with `userId` (for a profile page); `userName` labels its button at once. */
  dm(userId: string, options: EmbedOptions & { userName?: string } = {}): string {
    const attributes = this.attributes({
      'user-id': userId,
      'user-name': options.userName,
      ...this.common(options),
    })
    return `${this.script()}<palaver-dm ${attributes}></palaver-dm>`
  }

  /** The room widget of a content object; `title` (the object's) names it at once, and to a visitor not signed in. */
  room(contentType: string, objectId: string, options: EmbedOptions & { title?: string } = {}): string {
    const attributes = this.attributes({
      'content-type': contentType,
      'object-id': objectId,
      'room-title': options.title,
      ...this.common(options),
    })
    return `${this.script()}<palaver-room ${attributes}></palaver-room>`
  }

  /** The whole messages page as one element. */
  messages(options: EmbedOptions = {}): string {
    return `${this.script()}<palaver-messages ${this.attributes(this.common(options))}></palaver-messages>`
  }

  private common(options: EmbedOptions): Record<string, string | undefined> {
    return { 'base-path': this.options.basePath, locale: options.locale, theme: options.theme }
  }

  private attributes(values: Record<string, string | undefined>): string {
    return Object.entries(values)
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => `${name}="${escapeAttribute(value!)}"`)
      .join(' ')
  }
}
