import { css, html } from 'lit'
import { excerptOf, type MessageView, type QuoteView } from '../../client/index.js'
import type { Translator } from '../i18n/index.js'
import { icons } from '../icons.js'
import { oneLine } from '../text.js'

export interface QuoteContext {
  i18n: Translator
  viewerId: string | null
  nameOf(userId: string): string
  /** Brings the answered message into view and highlights it (loading its part of the history if need be). */
  showOriginal(quote: Pick<QuoteView, 'id'>): void
}

function senderName(quote: QuoteView, ctx: QuoteContext): string {
  if (quote.senderId === ctx.viewerId) return ctx.i18n.t('you')
  return quote.sender?.displayName ?? ctx.nameOf(quote.senderId)
}

/**
 * What a reply answers, above its text: the sender's name and the start of their message (or that
 * it was deleted). It is a button that shows the original.
 */
export function renderQuote(quote: QuoteView, ctx: QuoteContext) {
  const t = ctx.i18n
  // Named by what it shows (a hidden "Quote:" first), so that what is seen is what is said.
  return html`<button type="button" class="quote ${quote.deleted ? 'quote-deleted' : ''}" part="quote"
    data-quote=${quote.id} title=${t.t('showOriginal')} @click=${() => ctx.showOriginal(quote)}>
    <span class="visually-hidden">${t.t('quote')}</span>
    <span class="quote-name">${senderName(quote, ctx)}</span>
    <span class="quote-text" dir="auto">${quote.excerpt === null ? t.t('originalDeleted') : oneLine(quote.excerpt) || t.t('attachmentPreview')}</span>
  </button>`
}

/** "Replying to Alice" */
export function replyingToText(message: MessageView, ctx: QuoteContext): string {
  if (message.senderId === ctx.viewerId) return ctx.i18n.t('replyingToOwn')
  return ctx.i18n.t('replyingTo', { name: message.sender?.displayName ?? ctx.nameOf(message.senderId) })
}

/** Above the composer while a reply is being written: whom it answers, the start of their message, and Cancel. */
export function renderReplyBar(message: MessageView, ctx: QuoteContext, cancel: () => void) {
  const t = ctx.i18n
  return html`<div class="reply-bar" part="reply-bar">
    ${icons.reply}
    <div class="reply-bar-text">
      <span class="reply-bar-title">${replyingToText(message, ctx)}</span>
      <span class="reply-bar-excerpt" dir="auto">${oneLine(excerptOf(message.body ?? '')) || t.t('attachmentPreview')}</span>
    </div>
    <button type="button" class="icon-button" data-action="cancel-reply" aria-label=${t.t('cancelReply')}
      title=${t.t('cancelReply')} @click=${cancel}>${icons.close}</button>
  </div>`
}

/** The quote in a bubble and the bar above the composer: a bar on the side where the text starts. */
export const replyStyles = css`
  .quote {
    display: flex;
    flex-direction: column;
    align-items: stretch;
    gap: 1px;
    width: 100%;
    min-width: 8em;
    margin: 1px 0 5px;
    padding: 4px 10px 5px;
    border: 0;
    border-inline-start: 3px solid var(--palaver-quote-bar);
    border-radius: 10px;
    border-start-start-radius: 4px;
    border-end-start-radius: 4px;
    background: var(--palaver-quote-bg);
    color: inherit;
    font-size: 0.86em;
    line-height: 1.3;
    text-align: start;
  }
  .quote:hover {
    background: var(--palaver-quote-bg-hover);
  }
  .own:not(.failed) .quote {
    --palaver-quote-bar: color-mix(in srgb, var(--palaver-bubble-own-fg) 75%, transparent);
    --palaver-quote-bg: color-mix(in srgb, var(--palaver-bubble-own-fg) 14%, transparent);
    --palaver-quote-bg-hover: color-mix(in srgb, var(--palaver-bubble-own-fg) 22%, transparent);
  }
  .quote-name {
    font-weight: 600;
    color: var(--palaver-quote-name);
  }
  .own:not(.failed) .quote-name {
    color: inherit;
  }
  .quote-text {
    display: -webkit-box;
    -webkit-box-orient: vertical;
    -webkit-line-clamp: 2;
    line-clamp: 2;
    overflow: hidden;
    white-space: pre-line;
  }
  .quote-deleted .quote-text {
    font-style: italic;
  }

  .reply-bar {
    display: flex;
    align-items: center;
    gap: 10px;
    margin: 8px 12px 0;
    padding-block: 4px;
    padding-inline: 10px 4px;
    border-inline-start: 3px solid var(--palaver-quote-bar);
    border-radius: var(--palaver-radius-small);
    background: var(--palaver-surface);
    font-size: 0.85em;
  }
  .reply-bar > svg {
    flex: none;
    width: 18px;
    height: 18px;
    color: var(--palaver-accent);
  }
  :host(:dir(rtl)) .reply-bar > svg,
  :host(:dir(rtl)) [data-action='reply'] svg {
    transform: scaleX(-1);
  }
  .reply-bar-text {
    display: flex;
    flex-direction: column;
    flex: 1;
    min-width: 0;
  }
  .reply-bar-title {
    font-weight: 600;
    color: var(--palaver-quote-name);
  }
  .reply-bar-excerpt {
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
    color: var(--palaver-muted);
  }
  .reply-bar .icon-button {
    flex: none;
    width: 30px;
    height: 30px;
  }
`
