import { css, html } from 'lit'
import type { ChatDetailView, MessageView } from '../../client/index.js'
import type { Translator } from '../i18n/index.js'
import { icons } from '../icons.js'

/** A message from someone the viewer blocked, in a group or a room: one quiet line, shown on demand. */
export function renderHidden(message: MessageView, i18n: Translator, show: () => void) {
  return html`<div class="message other first last hidden-message" part="message other-message hidden-message"
    data-key="m:${message.id}" data-id=${message.id}>
    <span class="avatar-space"></span>
    <div class="hidden-line">
      ${icons.ban}<span>${i18n.t('blockedMessage')}</span>
      <button type="button" class="link-button" data-action="show" aria-label=${i18n.t('showBlockedMessage')}
        @click=${show}>${i18n.t('show')}</button>
    </div>
  </div>`
}

/**
 * What a DM shows instead of the composer when a block stands in it: to the blocker, whom they blocked
 * and Unblock; to the other, only that they cannot reply (they are not told why).
 */
export function renderDmNotice(chat: ChatDetailView, i18n: Translator, unblock: () => void) {
  const name = chat.peer?.displayName ?? chat.title
  if (chat.peerBlocked) {
    return html`<div class="dm-notice" part="blocked-notice">
      ${icons.ban}<span>${i18n.t('youBlocked', { name })}</span>
      <button type="button" class="button secondary small unblock" aria-label=${i18n.t('unblockUser', { name })}
        @click=${unblock}>${i18n.t('unblock')}</button>
    </div>`
  }
  return html`<div class="dm-notice" part="blocked-notice">${icons.lock}<span>${i18n.t('cantReply')}</span></div>`
}

export const blockedStyles = css`
  .hidden-line {
    display: inline-flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 6px;
    padding: 4px 12px;
    border: 1px dashed var(--palaver-border);
    border-radius: 18px;
    color: var(--palaver-muted);
    font-size: 0.85em;
  }
  .hidden-line svg,
  .dm-notice svg {
    flex: none;
    width: 1.1em;
    height: 1.1em;
  }
  .link-button {
    padding: 2px 4px;
    border: 0;
    border-radius: 6px;
    background: transparent;
    color: var(--palaver-accent);
    font: inherit;
    font-weight: 600;
    text-decoration: underline;
    cursor: pointer;
  }
  .dm-notice {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    justify-content: center;
    gap: 8px 10px;
    margin: 8px 12px 12px;
    padding: 10px 14px;
    border-radius: var(--palaver-radius-small);
    background: var(--palaver-surface);
    color: var(--palaver-muted);
    font-size: 0.92em;
    text-align: center;
  }
  .dm-notice span {
    color: var(--palaver-fg);
  }
`
