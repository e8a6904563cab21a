import type { ChatView } from '../../client/index.js'
import type { Translator } from '../i18n/index.js'
import { unreadThatCounts } from '../muting.js'

/**
 * The tab's title while the messages page is on it: how many chats wait for the viewer, in front of
 * the host's own title ("(3) Messages"). A muted chat counts only when it mentions the viewer. The
 * host's title stays the host's: one it sets meanwhile becomes the rest of the title, and it is put
 * back as it is when the page goes.
 */
export class TabBadge {
  private base = ''
  /** The title this badge last wrote (null: none yet). */
  private shown: string | null = null
  private prefix = ''
  private readonly watch = new MutationObserver(() => {
    const title = document.title
    if (title === this.shown) return
    // A title made from the one shown (`document.title += …`) does not get the count twice.
    this.base = title.startsWith(this.prefix) ? title.slice(this.prefix.length) : title
    this.apply()
  })

  start(): void {
    this.base = document.title
    this.watch.observe(document.head, { subtree: true, childList: true, characterData: true })
  }

  stop(): void {
    this.watch.disconnect()
    if (this.shown !== null && document.title === this.shown) document.title = this.base
    this.shown = null
    this.prefix = ''
  }

  /**
   * Counts again over every chat of the viewer, not only those the list shows now (a search hides some);
   * `reading` is the chat whose conversation the viewer has on screen (it is being read).
   */
  update(
    chats: Iterable<Pick<ChatView, 'id' | 'muted' | 'mutedUntil' | 'unreadCount' | 'unreadMentionCount'>>,
    reading: number | null,
    t: Translator,
  ): void {
    const now = Date.now()
    let count = 0
    for (const chat of chats) {
      if (unreadThatCounts(chat, now) > 0 && chat.id !== reading) count++
    }
    this.prefix = count ? `${t.t('tabBadge', { count })} ` : ''
    this.apply()
  }

  private apply(): void {
    const title = this.prefix + this.base
    if (document.title !== title) this.shown = document.title = title
  }
}
