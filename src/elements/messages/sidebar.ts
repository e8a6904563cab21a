import { html, nothing } from 'lit'
import type { ChatView, SearchResultView } from '../../client/index.js'
import type { PalaverConfig } from '../config.js'
import type { DraftBook } from '../conversation/drafts.js'
import type { Translator } from '../i18n/index.js'
import { renderChatList } from './chat-list.js'
import type { ChatListStore, ListFilter } from './chat-list-store.js'
import { type DesktopNotifications, renderBell } from './desktop-notifications.js'
import { pageIcons } from './icons.js'
import { type MessageSearch, renderResults } from './search.js'

export interface SidebarContext {
  i18n: Translator
  config: PalaverConfig
  list: ChatListStore | null
  search: MessageSearch
  selectedId: number | null
  /** The open chat's conversation is on screen (its unread count is not shown). */
  reading: boolean
  /** The people the viewer blocked: a group's last message from one of them is not shown in the list. */
  blockedIds: ReadonlySet<string>
  drafts: DraftBook | null
  /** Whether a DM's other person is online now. */
  online(chat: ChatView): boolean
  /** Null where the browser cannot show them (no bell then). */
  notifications: DesktopNotifications | null
  toggleNotifications(): void
  newChat(): void
  browseRooms(): void
  choose(chat: ChatView): void
  openResult(result: SearchResultView): void
}

const LOAD_MORE_PX = 240

/** The list side of the page: title and actions, the search box, kind filters, the chats and message results. */
export function renderSidebar(ctx: SidebarContext) {
  const t = ctx.i18n
  const { config, list, search } = ctx
  const viewerId = config.viewer?.id ?? null
  const filters: Array<[ListFilter, string]> = [['all', t.t('filterAll')]]
  if (list?.kinds.includes('dm')) filters.push(['dm', t.t('filterDms')])
  filters.push(['group', t.t('filterGroups')])
  if (list?.kinds.includes('room')) filters.push(['room', t.t('filterRooms')])
  const chats = list?.chats ?? []
  const onKey = (event: KeyboardEvent) => {
    if (event.key !== 'Escape' || !search.query) return
    event.preventDefault()
    search.clear()
  }
  return html`
    <div class="side-head">
      <h1 id="chats-heading">${t.t('chats')}</h1>
      ${ctx.notifications ? renderBell(ctx.notifications, t, ctx.toggleNotifications) : nothing}
      ${
        config.enableRooms
          ? html`<button type="button" class="icon-button wide browse" aria-label=${t.t('browseRooms')}
              title=${t.t('browseRooms')} @click=${ctx.browseRooms}>${pageIcons.compass}</button>`
          : nothing
      }
      <button type="button" class="icon-button new-chat" aria-label=${t.t('newChat')} title=${t.t('newChat')}
        ?disabled=${!list} @click=${ctx.newChat}>${pageIcons.compose}</button>
    </div>
    <label class="search">
      ${pageIcons.search}
      <input type="search" part="search" aria-label=${t.t('searchAll')} placeholder=${t.t('searchPlaceholder')}
        autocomplete="off" .value=${search.query} @keydown=${onKey}
        @input=${(event: Event) => search.input((event.target as HTMLInputElement).value)} />
    </label>
    ${
      filters.length > 2
        ? html`<div class="filters" role="group" aria-label=${t.t('chatList')}>
            ${filters.map(
              ([
                filter,
                label,
              ]) => html`<button type="button" aria-pressed=${list?.filter === filter ? 'true' : 'false'}
                @click=${() => list?.setQuery(list.search, filter)}>${label}</button>`,
            )}
          </div>`
        : nothing
    }
    <div class="scroll" @scroll=${(event: Event) => onScroll(event, list)}>
      ${search.active ? html`<h2 class="section">${t.t('chats')}</h2>` : nothing}
      ${renderChatList(chats, {
        i18n: t,
        viewerId,
        selectedId: ctx.selectedId,
        reading: ctx.reading,
        blockedIds: ctx.blockedIds,
        drafts: ctx.drafts,
        online: ctx.online,
        open: ctx.choose,
      })}
      ${
        list && !list.loading && chats.length === 0
          ? html`<p class="quiet">${search.active || list.filter !== 'all' ? t.t('noResults') : t.t('noChats')}</p>`
          : nothing
      }
      ${list?.loading ? html`<p class="quiet">${t.t('loading')}</p>` : nothing}
      ${
        list?.nextCursor && !list.loading
          ? html`<div class="more"><button type="button" class="button secondary" @click=${() => list.loadMore()}>${t.t('loadMore')}</button></div>`
          : nothing
      }
      ${
        search.query.trim().length >= 2
          ? html`<h2 class="section">${t.t('messages')}</h2>
            ${renderResults(search, { i18n: t, viewerId, openResult: ctx.openResult })}`
          : nothing
      }
    </div>
  `
}

function onScroll(event: Event, list: ChatListStore | null): void {
  const scroller = event.currentTarget as HTMLElement
  if (scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < LOAD_MORE_PX) void list?.loadMore()
}

/** A first page that does not fill the list's height is followed by the next one. */
export function fillList(scroller: HTMLElement | null, list: ChatListStore | null): void {
  if (!scroller || !list?.nextCursor || list.loading || list.error) return
  if (scroller.scrollHeight - scroller.clientHeight < LOAD_MORE_PX) void list.loadMore()
}
