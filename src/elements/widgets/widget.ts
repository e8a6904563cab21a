import { html, LitElement, nothing } from 'lit'
import type { ChatView, MuteInput, UserView } from '../../client/index.js'
import { sendBlock } from '../blocking.js'
import type { PalaverConfig } from '../config.js'
import { loginHref } from '../config.js'
import { loadTranslator, resolveLocale, type Translator, translator } from '../i18n/index.js'
import { icons } from '../icons.js'
import { type Runtime, runtimeFor } from '../runtime.js'
import { applyLayout, ThemeController } from '../theme.js'

/**
 * What the embeddable widgets share: `base-path`, `locale` and `theme` attributes, the page's
 * runtime for that base path, the settings, the translator, the light/dark mode and a notice that
 * says what went wrong.
 */
export class PalaverWidget extends LitElement {
  static override properties = {
    basePath: { attribute: 'base-path' },
    locale: {},
    theme: {},
    config: { state: true },
    failure: { state: true },
    notice: { state: true },
  }

  declare basePath: string | null
  declare locale: string | null
  declare theme: string | null
  declare config: PalaverConfig | null
  /** Why the widget could not start (the server could not be reached). */
  declare failure: string | null
  /** What renderNotice() says for a few seconds (an action that failed). */
  declare notice: string

  protected readonly themeController = new ThemeController(this)
  protected i18n: Translator = translator('en')
  /** The locale i18n speaks, resolved before each update. */
  #spokenLocale: string | null = null
  #noticeTimer: ReturnType<typeof setTimeout> | undefined

  constructor() {
    super()
    this.basePath = null
    this.locale = null
    this.theme = null
    this.config = null
    this.failure = null
    this.notice = ''
  }

  protected get runtime(): Runtime {
    return runtimeFor(this.basePath)
  }

  override connectedCallback(): void {
    super.connectedCallback()
    void this.#loadConfig()
  }

  /** An update in another language than English waits for its catalog (a chunk of its own), so the widget never shows English first. */
  protected override async scheduleUpdate(): Promise<void> {
    const locale = resolveLocale(this)
    if (locale !== this.#spokenLocale) {
      this.#spokenLocale = locale
      this.i18n = await loadTranslator(locale)
    }
    super.scheduleUpdate()
  }

  async #loadConfig(): Promise<void> {
    try {
      this.config = await this.runtime.config()
      this.failure = null
      applyLayout(this, this.config.layout)
    } catch (error) {
      this.failure = (error as Error).message
    }
  }

  /** Sends the mute a mute button asked for: the chat as the server then sees it, or null when that failed (the button stays as it was, the notice says so). */
  protected async sendMute(chatId: number, input: MuteInput): Promise<ChatView | null> {
    try {
      const client = await this.runtime.client()
      return await client.api.muteChat(chatId, input)
    } catch {
      this.say(this.i18n.t('muteFailed'))
      return null
    }
  }

  /** Sends the block or unblock a block button asked for: whether it worked (when not, the button stays as it was and the notice says so). */
  protected sendBlock(user: Pick<UserView, 'id' | 'displayName'>, blocked: boolean): Promise<boolean> {
    return sendBlock(this.runtime, user, blocked, this.i18n, (text) => this.say(text))
  }

  /** Says `text` in the notice for five seconds. */
  protected say(text: string): void {
    this.notice = text
    clearTimeout(this.#noticeTimer)
    this.#noticeTimer = setTimeout(() => (this.notice = ''), 5000)
  }

  /** The notice (styled by theme.ts's toast): a polite live region, on the page before anything is said in it. */
  protected renderNotice() {
    return html`<div class="toasts" role="status" aria-live="polite">
      ${this.notice ? html`<div class="toast">${this.notice}</div>` : nothing}
    </div>`
  }

  /**
   * A link to the chat on the full messages page (`#chat=`), for a longer look, search or the other chats;
   * only where the page lists chats of its kind, and for a room only to its members (the page lists theirs).
   */
  protected pageLink(chat: ChatView | null) {
    const config = this.config
    const listed =
      chat?.kind === 'dm'
        ? config?.showDmsOnMessagesPage
        : chat?.kind === 'room' && chat.role !== null && config?.showRoomsOnMessagesPage
    if (!chat || !listed) return nothing
    const label = this.i18n.t('openInMessages')
    return html`<a class="icon-button wide" part="open-page" href="${this.runtime.basePath}/#chat=${chat.id}"
      aria-label=${label} title=${label}>${icons.expand}</a>`
  }

  /** The link an anonymous visitor gets, back to this page after signing in. */
  protected loginLink(text: string) {
    const href = this.config ? loginHref(this.config) : '#'
    return html`<a class="button login" part="login" href=${href}>${text}</a>`
  }
}
