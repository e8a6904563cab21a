import { html, nothing } from 'lit'
import type { ChatView } from '../../client/index.js'
import type { Draft, DraftBook } from '../conversation/drafts.js'
import type { Translator } from '../i18n/index.js'
import { icons } from '../icons.js'
import { isMuted } from '../muting.js'
import { withDot } from '../presence.js'
import { oneLine } from '../text.js'
import { palaverUrl } from '../urls.js'
import { pageIcons } from './icons.js'

type Titled = Pick<ChatView, 'id' | 'kind' | 'title' | 'customTitle' | 'peer'>

/** The title the viewer sees, in their language where the server's default would be English. */
export function chatTitle(chat: Titled, t: Translator, viewerId: string | null): string {
  if (chat.customTitle) return chat.customTitle
  if (chat.kind === 'group') return t.t('untitledGroup')
  if (chat.kind === 'dm' && chat.peer?.id === viewerId) return t.t('selfChat')
  return chat.title
}

const TONES = 6

/** A DM shows the partner's avatar (with a dot while they are online); a room a hash; a group its initials on a colour of its own. */
export function chatAvatar(chat: Titled, title: string, size: 'small' | 'large', online: boolean) {
  if (chat.kind === 'dm' && chat.peer)
    return withDot(html`<img class="avatar ${size}" src=${palaverUrl(chat.peer.avatarUrl)} alt="" />`, online)
  if (chat.kind === 'room')
    return html`<span class="avatar ${size} room" aria-hidden="true">${pageIcons.hash}</span>`
  const initials = title
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((word) => [...word][0]!.toLocaleUpperCase())
    .join('')
  return html`<span class="avatar ${size} tone-${chat.id % TONES}" aria-hidden="true">${initials}</span>`
}

const formats = new Map<string, Record<'weekday' | 'date' | 'year', Intl.DateTimeFormat>>()

/** When a chat was last active, as chat lists show it: the time today, the weekday this week, else the date. */
export function listTime(iso: string, t: Translator, now = new Date()): string {
  const date = new Date(iso)
  let f = formats.get(t.locale)
  if (!f) {
    f = {
      weekday: new Intl.DateTimeFormat(t.locale, { weekday: 'short' }),
      date: new Intl.DateTimeFormat(t.locale, { month: 'short', day: 'numeric' }),
      year: new Intl.DateTimeFormat(t.locale, { dateStyle: 'short' }),
    }
    formats.set(t.locale, f)
  }
  if (date.toDateString() === now.toDateString()) return t.clock(date)
  const days = (now.getTime() - date.getTime()) / 86_400_000
  if (days < 6) return f.weekday.format(date)
  return date.getFullYear() === now.getFullYear() ? f.date.format(date) : f.year.format(date)
}

function preview(chat: ChatView, t: Translator, ctx: ChatListContext): string {
  const message = chat.lastMessage
  const viewerId = ctx.viewerId
  if (!message) return t.t('noMessages')
  if (chat.kind !== 'dm' && ctx.blockedIds.has(message.senderId)) return t.t('blockedMessage')
  const body = oneLine(message.body ?? '')
  // An empty text is a message of files alone (a list's preview does not carry them).
  const text = message.deleted ? t.t('deletedMessage') : body || t.t('attachmentPreview')
  if (message.senderId === viewerId) return t.t('lastMessageYou', { text })
  if (chat.kind !== 'dm' && message.sender)
    return t.t('announceMessage', { name: message.sender.displayName, text })
  return text
}

/** A draft left in a chat, in its place: "Draft:" in the danger colour, then its text (or that files wait). */
function draftPreview(draft: Draft, t: Translator) {
  const text = draft.text.replace(/\s+/g, ' ').trim() || t.t('attachmentPreview')
  return html`<span class="draft-label" part="draft-label">${t.t('draftLabel')}</span> ${text}`
}

export interface ChatListContext {
  i18n: Translator
  viewerId: string | null
  selectedId: number | null
  /** The open chat's count is not shown while its conversation is on screen (reading clears it). */
  reading: boolean
  /** The people the viewer blocked (what they wrote last in a group or room is not shown). */
  blockedIds: ReadonlySet<string>
  /** What the viewer left unsent in each chat. */
  drafts: DraftBook | null
  /** Whether a DM's other person is online now. */
  online(chat: ChatView): boolean
  open(chat: ChatView, event: Event): void
}

/** A muted chat's bell, named for screen readers; its tooltip says until when. */
function muteMark(chat: ChatView, t: Translator) {
  const label = chat.mutedUntil
    ? t.t('mutedUntil', { time: t.fullDate(new Date(chat.mutedUntil)) })
    : t.t('muted')
  return html`<span class="mute-mark" part="muted" role="img" aria-label=${t.t('muted')} title=${label}>${icons.bellOff}</span>`
}

/** Unread mentions of the viewer: an "@" in the accent colour, a muted chat's too. */
function mentionMark(count: number, t: Translator) {
  return html`<span class="badge mention" part="unread-mentions" aria-hidden="true">@</span>
    <span class="visually-hidden">${t.plural('unreadMentions', count)}</span>`
}

/**
 * The list of chats: one button per chat, the open one marked with aria-current. A DM whose other person
 * is online shows a dot on their avatar (and says "Online" after the name to a screen reader). A muted chat
 * shows a crossed-out bell and its unread count without the accent colour; unread mentions of the
 * viewer add an "@". A chat with a draft shows it instead of its last message, unless it is on screen.
 */
export function renderChatList(chats: readonly ChatView[], ctx: ChatListContext) {
  const t = ctx.i18n
  const now = Date.now()
  // One stop for Tab (the open chat, else the first); the arrows move within the list.
  const stop = chats.some((chat) => chat.id === ctx.selectedId) ? ctx.selectedId : chats[0]?.id
  return html`<ul class="chats" part="chat-list" aria-label=${t.t('chatList')} @keydown=${moveFocus} @focusin=${rove}>
    ${chats.map((chat) => {
      const title = chatTitle(chat, t, ctx.viewerId)
      const current = chat.id === ctx.selectedId
      // On screen, it is being read: no count, no mark, no draft.
      const reading = current && ctx.reading
      const unread = reading ? 0 : chat.unreadCount
      // Marked unread by the viewer, with no unread message to count: a dot where the count would be.
      const marked = !reading && !unread && chat.markedUnread
      const mentions = reading ? 0 : chat.unreadMentionCount
      const muted = isMuted(chat, now)
      const draft = reading ? null : ctx.drafts?.listed(chat.id)
      const online = ctx.online(chat)
      return html`<li>
        <button type="button" class="chat ${unread || marked ? 'unread' : ''} ${muted ? 'muted' : ''}" part="chat" data-chat-id=${chat.id}
          aria-current=${current ? 'true' : nothing} tabindex=${chat.id === stop ? 0 : -1} @click=${(event: Event) => ctx.open(chat, event)}>
          ${chatAvatar(chat, title, 'small', online)}
          <span class="chat-main">
            <span class="chat-line">
              <span class="chat-title">${title}</span>
              ${online ? html`<span class="visually-hidden">${t.t('online')}</span>` : nothing}
              ${muted ? muteMark(chat, t) : nothing}
              <time class="chat-time" datetime=${chat.lastActivityAt}>${listTime(chat.lastActivityAt, t)}</time>
            </span>
            <span class="chat-line">
              <span class="chat-preview">${draft ? draftPreview(draft, t) : preview(chat, t, ctx)}</span>
              ${mentions ? mentionMark(mentions, t) : nothing}
              ${
                unread
                  ? html`<span class="badge ${muted ? 'muted' : ''}" part="unread" aria-hidden="true">${t.number(unread)}</span>
                      <span class="visually-hidden">${t.plural('unreadCount', unread)}</span>`
                  : marked
                    ? html`<span class="badge dot ${muted ? 'muted' : ''}" part="unread" aria-hidden="true"></span>
                      <span class="visually-hidden">${t.t('markedUnread')}</span>`
                    : nothing
              }
            </span>
          </span>
        </button>
      </li>`
    })}
  </ul>`
}

/** The chat with the focus is the list's one Tab stop: Tab and Shift+Tab leave the list from it, and come back to it. */
function rove(event: FocusEvent): void {
  const target = event.target as HTMLElement
  if (!target.matches('button.chat')) return
  for (const button of (event.currentTarget as HTMLElement).querySelectorAll<HTMLElement>('button.chat'))
    button.tabIndex = button === target ? 0 : -1
}

/** Up and Down (Home, End) move between the chats, as in a listbox; Tab leaves the list. */
function moveFocus(event: KeyboardEvent): void {
  const keys = ['ArrowDown', 'ArrowUp', 'Home', 'End']
  if (!keys.includes(event.key)) return
  const list = event.currentTarget as HTMLElement
  const buttons = [...list.querySelectorAll<HTMLElement>('button.chat')]
  const index = buttons.indexOf(event.target as HTMLElement)
  if (index < 0) return
  event.preventDefault()
  const next =
    event.key === 'Home'
      ? 0
      : event.key === 'End'
        ? buttons.length - 1
        : Math.min(buttons.length - 1, Math.max(0, index + (event.key === 'ArrowDown' ? 1 : -1)))
  buttons[next]?.focus()
}
