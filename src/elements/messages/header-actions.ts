import { css, html, nothing } from 'lit'
import type { ChatView } from '../../client/index.js'
import { forwardBlock, type PalaverBlockButton } from '../block-button.js'
import type { Translator } from '../i18n/index.js'
import { icons } from '../icons.js'
import type { PalaverMuteButton } from '../mute-button.js'
import { isMuted } from '../muting.js'
import type { MenuAction } from './actions-menu.js'
import { pageIcons } from './icons.js'

type Action = 'members' | 'mute' | 'unread' | 'block' | 'leave' | 'delete'

/** What the chat header's actions are drawn from. */
export interface ActionsContext {
  chat: ChatView
  i18n: Translator
  viewerId: string | null
  narrow: boolean
  /** The header: the actions' events come from it, and its shadow root holds the hidden buttons. */
  header: HTMLElement & { renderRoot: HTMLElement | DocumentFragment }
}

/** The actions the viewer has in the chat, the most used first. */
function actionsOf({ chat, viewerId }: ActionsContext): Action[] {
  const actions: Action[] = []
  if (chat.kind !== 'dm') actions.push('members')
  if (chat.role !== null) actions.push('mute')
  if (chat.kind === 'dm' && chat.peer && chat.peer.id !== viewerId && chat.role !== null)
    actions.push('block')
  if (chat.role !== null) actions.push('unread')
  if (chat.permissions.leave) actions.push('leave')
  if (chat.permissions.delete) actions.push('delete')
  return actions
}

/**
 * A button for each action; on a narrow screen, where more than two would crowd the title, the
 * first and a menu of the others. The menu's Mute and Block open the mute and block buttons' own
 * popups (their buttons hidden), under the menu's button.
 */
export function renderActions(context: ActionsContext) {
  const actions = actionsOf(context)
  if (!context.narrow || actions.length <= 2) return actions.map((action) => renderAction(context, action))
  const [first, ...rest] = actions as [Action, ...Action[]]
  const hidden = rest.filter((action) => action === 'mute' || action === 'block')
  return html`${renderAction(context, first)}<span class="more">
    <palaver-actions-menu label=${context.i18n.t('chatActions')}
      .actions=${rest.map((action) => menuAction(context, action))}></palaver-actions-menu>
    ${hidden.map((action) => renderAction(context, action))}
  </span>`
}

function emit(header: HTMLElement, type: string): void {
  header.dispatchEvent(new CustomEvent(type, { bubbles: true, composed: true }))
}

function renderAction({ chat, i18n: t, header }: ActionsContext, action: Action) {
  switch (action) {
    case 'members':
      return html`<button type="button" class="icon-button members" title=${t.t('members')}
        @click=${() => emit(header, 'palaver-members')}>${icons.users}<span class="visually-hidden">${t.t('members')}</span>
        <span class="count">${t.number(chat.memberCount)}</span></button>`
    case 'mute':
      return html`<palaver-mute-button .i18n=${t} ?muted=${isMuted(chat)} .until=${chat.mutedUntil}></palaver-mute-button>`
    case 'block':
      return html`<palaver-block-button .i18n=${t} name=${chat.peer!.displayName} ?blocked=${chat.peerBlocked}
        @palaver-block=${(event: CustomEvent<{ blocked: boolean }>) => forwardBlock(event, chat.peer!, header)}></palaver-block-button>`
    case 'unread':
      return html`<button type="button" class="icon-button mark-unread" aria-label=${t.t('markUnread')} title=${t.t('markUnread')}
        @click=${() => emit(header, 'palaver-mark-unread')}>${pageIcons.markUnread}</button>`
    case 'leave':
      return html`<button type="button" class="icon-button leave" aria-label=${t.t('leaveChat')} title=${t.t('leaveChat')}
        @click=${() => emit(header, 'palaver-leave')}>${pageIcons.leave}</button>`
    case 'delete':
      return html`<button type="button" class="icon-button danger delete" aria-label=${t.t('deleteChat')}
        title=${t.t('deleteChat')} @click=${() => emit(header, 'palaver-delete')}>${icons.trash}</button>`
    default:
      return nothing
  }
}

function menuAction({ chat, i18n: t, header }: ActionsContext, action: Action): MenuAction {
  // Mute and Block do what their hidden buttons do, and give the focus back to the menu's button.
  const activate = (selector: string) => () => {
    const opener = header.renderRoot.querySelector<HTMLElement>('palaver-actions-menu')!
    header.renderRoot.querySelector<PalaverMuteButton | PalaverBlockButton>(selector)?.activate(opener)
  }
  const muted = isMuted(chat)
  const items: Record<Action, () => MenuAction> = {
    members: () => ({
      label: t.t('members'),
      icon: icons.users,
      opens: 'dialog',
      run: () => emit(header, 'palaver-members'),
    }),
    mute: () => ({
      label: t.t(muted ? 'unmuteNotifications' : 'muteNotifications'),
      icon: muted ? icons.bellOff : icons.bell,
      ...(muted ? {} : { opens: 'menu' as const }),
      run: activate('palaver-mute-button'),
    }),
    block: () => ({
      label: t.t(chat.peerBlocked ? 'unblockUser' : 'blockUser', { name: chat.peer!.displayName }),
      icon: icons.ban,
      run: activate('palaver-block-button'),
    }),
    unread: () => ({
      label: t.t('markUnread'),
      icon: pageIcons.markUnread,
      run: () => emit(header, 'palaver-mark-unread'),
    }),
    leave: () => ({
      label: t.t('leaveChat'),
      icon: pageIcons.leave,
      opens: 'dialog',
      run: () => emit(header, 'palaver-leave'),
    }),
    delete: () => ({
      label: t.t('deleteChat'),
      icon: icons.trash,
      danger: true,
      opens: 'dialog',
      run: () => emit(header, 'palaver-delete'),
    }),
  }
  return items[action]()
}

/** The header's actions, and the narrow header's menu. */
export const actionStyles = css`
  .actions {
    display: flex;
    align-items: center;
    gap: 2px;
  }
  .actions .icon-button {
    width: 38px;
    height: 38px;
  }
  .actions .icon-button svg {
    width: 20px;
    height: 20px;
  }
  .members {
    display: inline-flex;
    gap: 6px;
    width: auto !important;
    padding: 0 12px;
    font-weight: 600;
    font-size: 0.9em;
  }
  .narrow .members {
    padding: 0;
    width: 38px !important;
  }
  .narrow .count {
    display: none;
  }
  .danger:hover:not(:disabled) {
    color: var(--palaver-danger);
  }
  /* the narrow header's menu; the mute and block popups it opens hang from its button */
  .more {
    position: relative;
    display: inline-flex;
  }
  .more palaver-mute-button,
  .more palaver-block-button {
    position: absolute;
    inset-inline-end: 0;
    top: 0;
    width: 0;
    height: 100%;
  }
  .more palaver-mute-button::part(mute),
  .more palaver-block-button::part(block) {
    display: none;
  }
`
