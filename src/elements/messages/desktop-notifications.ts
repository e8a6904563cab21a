import { html } from 'lit'
import type { ChatView, MessageView } from '../../client/index.js'
import { mentionsUser } from '../../client/mentions.js'
import type { Translator } from '../i18n/index.js'
import { isMuted } from '../muting.js'
import { oneLine } from '../text.js'
import { palaverUrl } from '../urls.js'
import { chatTitle } from './chat-list.js'
import { pageIcons } from './icons.js'

/** A notification's text is a preview: longer ones end in "…" here rather than wherever the system cuts them. */
const PREVIEW_CHARS = 120

export interface DesktopNotificationsOptions {
  basePath: string
  viewerId: string
  /** Whether the viewer blocked this person. */
  blocked(userId: string): boolean
  /** Whether the viewer has this chat's conversation on screen now. */
  onScreen(chatId: number): boolean
  /** Opens a chat on the page (a click on its notification). */
  open(chatId: number): void
}

/**
 * The messages page's desktop notifications, opt-in per viewer: the choice is kept in localStorage
 * per base path and viewer, the browser's permission is asked for on the viewer's click only, and a
 * message notifies while the page is open and the viewer is not looking at its chat. No push service:
 * webhooks are for reaching people who have no Palaver page open.
 */
export class DesktopNotifications {
  /** Whether the browser has the Notification API at all (the control is not shown where it has not). */
  static readonly supported = typeof Notification === 'function'
  #wanted: boolean
  readonly #key: string

  constructor(private readonly options: DesktopNotificationsOptions) {
    this.#key = `palaver:notifications:${options.basePath}:${options.viewerId}`
    this.#wanted = read(this.#key) === 'on'
  }

  /** The browser said no: only its site settings can change that. */
  get blocked(): boolean {
    return Notification.permission === 'denied'
  }

  get on(): boolean {
    return this.#wanted && Notification.permission === 'granted'
  }

  /** Turns them off, or on, asking for the permission first when the browser has not been asked (a click's gesture). */
  async toggle(): Promise<void> {
    if (this.blocked) return
    const permission = this.on
      ? 'off'
      : Notification.permission === 'default'
        ? await Notification.requestPermission()
        : Notification.permission
    this.#wanted = permission === 'granted'
    write(this.#key, this.#wanted ? 'on' : null)
  }

  /** A new message in `chat` (as the list has it): a notification, when the viewer wants one for it. */
  notify(message: MessageView, chat: ChatView, t: Translator): void {
    const { viewerId } = this.options
    if (!this.on || message.senderId === viewerId || this.options.blocked(message.senderId)) return
    if ((isMuted(chat) && !mentionsUser(message, viewerId)) || this.options.onScreen(chat.id)) return
    const name = message.sender?.displayName ?? t.t('unknownUser')
    const title =
      chat.kind === 'dm' ? name : t.t('notificationTitle', { name, chat: chatTitle(chat, t, viewerId) })
    const notification = new Notification(title, {
      body: preview(message),
      tag: `palaver:${this.options.basePath}:${chat.id}`,
      ...(message.sender && { icon: palaverUrl(message.sender.avatarUrl) }),
    })
    notification.onclick = () => {
      window.focus()
      this.options.open(chat.id)
      notification.close()
    }
  }
}

/** The text as written (mentions too), on one line and clipped; a message of files alone names them. */
function preview(message: MessageView): string {
  const text = [...oneLine(message.body ?? '')]
  if (text.length > PREVIEW_CHARS) return `${text.slice(0, PREVIEW_CHARS - 1).join('')}…`
  return text.join('') || (message.attachments ?? []).map((file) => `📎 ${file.name}`).join(', ')
}

/**
 * The sidebar's bell: a toggle button, off a bell with a "+" and on a ringing one in the accent colour
 * (not the crossed-out bell of a muted chat); blocked by the browser, it says so and does nothing.
 */
export function renderBell(notifications: DesktopNotifications, t: Translator, toggle: () => void) {
  const { on, blocked } = notifications
  const label = t.t('desktopNotifications')
  return html`<button type="button" class="icon-button wide bell" aria-label=${label}
    title=${blocked ? t.t('notificationsBlocked') : label} aria-pressed=${on ? 'true' : 'false'}
    aria-disabled=${blocked ? 'true' : 'false'} @click=${toggle}>${on ? pageIcons.bellRing : pageIcons.bellPlus}</button>`
}

/** localStorage, where the browser lets the page have it. */
function read(key: string): string | null {
  try {
    return localStorage.getItem(key)
  } catch {
    return null
  }
}

function write(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(key)
    else localStorage.setItem(key, value)
  } catch {
    // Storage is blocked or full: the choice lasts as long as the page.
  }
}
