import type { Translator } from '../i18n/index.js'

/**
 * The tab's title while the messages page is on it: how many chats wait for the viewer, in front of
 * the host's own title ("(3) Messages"), as the Chats tab of a small screen shows it. The host's
 * title stays the host's: one it sets meanwhile becomes the rest of the title, and it is put
 * back as it is when the page goes.
 */
export class TabBadge {
  #base = ''
  /** The title this badge last wrote (null: none yet). */
  #shown: string | null = null
  #prefix = ''
  readonly #watch = new MutationObserver(() => {
    const title = document.title
    if (title === this.#shown) return
    // A title made from the one shown (`document.title += …`) does not get the count twice.
    this.#base = title.startsWith(this.#prefix) ? title.slice(this.#prefix.length) : title
    this.#apply()
  })

  start(): void {
    this.#base = document.title
    this.#watch.observe(document.head, { subtree: true, childList: true, characterData: true })
  }

  stop(): void {
    this.#watch.disconnect()
    if (this.#shown !== null && document.title === this.#shown) document.title = this.#base
    this.#shown = null
    this.#prefix = ''
  }

  /** `count`: the chats that wait for the viewer (ChatListStore.unreadChatCount). */
  update(count: number, t: Translator): void {
    this.#prefix = count ? `${t.t('tabBadge', { count })} ` : ''
    this.#apply()
  }

  #apply(): void {
    const title = this.#prefix + this.#base
    if (document.title !== title) this.#shown = document.title = title
  }
}
