import { html, nothing, type TemplateResult } from 'lit'
import type {
  AttachmentView,
  MentionView,
  MessageView,
  OutboxItem,
  QuoteView,
  ReceiptStatus,
} from '../../client/index.js'
import { EVERYONE, mentionsUser } from '../../client/mentions.js'
import type { Translator } from '../i18n/index.js'
import { icons } from '../icons.js'
import { renderBody } from '../text.js'
import { palaverUrl } from '../urls.js'
import { type AttachmentContext, renderAttachments } from './attachments.js'
import type { EditDetail } from './editor.js'
import type { MemberSearch } from './mentions.js'
import { type PickerContext, type ReactionsContext, renderPicker, renderReactions } from './reactions.js'
import { type QuoteContext, renderQuote } from './replies.js'

/** What a message needs from the conversation around it: state of the open editor, confirm, picker, and the actions. */
export interface MessageContext extends ReactionsContext, PickerContext, QuoteContext, AttachmentContext {
  i18n: Translator
  /** Whether the viewer may answer messages here (they may post). */
  canReply: boolean
  /** Names over messages (groups and rooms; a DM has only two people). */
  showNames: boolean
  editingId: number | null
  confirmingId: number | null
  pickerId: number | null
  highlightId: number | null
  /** The message a tap chose on a touch screen: its toolbar shows. */
  chosenId: number | null
  /** Who an @query in the edit box suggests. */
  memberSearch: MemberSearch | null
  /** Whether the viewer may pin messages here. */
  canPin: boolean
  canEdit(message: MessageView): boolean
  canDelete(message: MessageView): boolean
  statusOf(message: MessageView): ReceiptStatus | null
  /** What a pending reply shows of the message it answers. */
  quoteFor(item: OutboxItem): QuoteView | null
  /** The files a pending message carries, as far as they are known here. */
  filesFor(item: OutboxItem): AttachmentView[]
  startReply(message: MessageView): void
  startEdit(message: MessageView): void
  saveEdit(message: MessageView, edit: EditDetail): void
  cancelEdit(message: MessageView): void
  askDelete(message: MessageView): void
  togglePin(message: MessageView): void
  confirmDelete(message: MessageView): void
  cancelDelete(message: MessageView): void
  openPicker(message: MessageView): void
  retry(item: OutboxItem): void
  discard(item: OutboxItem): void
  /** Puts a refused message's text back in the message box, to be changed and sent again. */
  restore(item: OutboxItem): void
}

/** Where a message sits in its run of messages from one sender. */
export interface Placement {
  /** First of a run: shows the avatar and the name. */
  first: boolean
  /** Last of a run: a little more space after it. */
  last: boolean
}

const statusIcon: Record<ReceiptStatus, TemplateResult> = {
  sent: icons.check,
  delivered: icons.checks,
  read: icons.checks,
}
const statusKey = { sent: 'statusSent', delivered: 'statusDelivered', read: 'statusRead' } as const

function avatar(message: MessageView, placement: Placement) {
  if (!placement.first) return html`<span class="avatar-space"></span>`
  const src = message.sender?.avatarUrl
  return src
    ? html`<img class="avatar" part="avatar" src=${palaverUrl(src)} alt="" width="32" height="32" loading="lazy" />`
    : html`<span class="avatar-space"></span>`
}

function meta(message: MessageView, ctx: MessageContext) {
  const date = new Date(message.createdAt)
  const status = ctx.statusOf(message)
  return html`<span class="meta">
    ${
      message.editedAt && !message.deleted
        ? html`<span class="edited" title=${ctx.i18n.t('editedAt', { time: ctx.i18n.fullDate(new Date(message.editedAt)) })}
            >${ctx.i18n.t('edited')}</span
          >`
        : nothing
    }
    <time datetime=${message.createdAt} title=${ctx.i18n.fullDate(date)}>${ctx.i18n.stamp(date)}</time>
    ${
      status
        ? html`<span class="status status-${status}" part="status" data-status=${status} title=${ctx.i18n.t(statusKey[status])}
            >${statusIcon[status]}<span class="visually-hidden">${ctx.i18n.t(statusKey[status])}</span></span
          >`
        : nothing
    }
  </span>`
}

const withEveryone = new WeakMap<MessageView, ReadonlyArray<MentionView | typeof EVERYONE>>()

/**
 * Whom a message mentions, EVERYONE last where it mentions everyone (so "@everyone" is it even where a
 * member is called so): one list per message, so one matcher from render to render (see findMentions).
 */
function mentionedBy(message: MessageView): ReadonlyArray<MentionView | typeof EVERYONE> {
  if (!message.mentionsEveryone) return message.mentions ?? []
  let list = withEveryone.get(message)
  if (!list) withEveryone.set(message, (list = [...(message.mentions ?? []), EVERYONE]))
  return list
}

function editor(message: MessageView, ctx: MessageContext) {
  const save = (event: CustomEvent<EditDetail>) => ctx.saveEdit(message, event.detail)
  return html`<palaver-message-editor .i18n=${ctx.i18n} .text=${message.body ?? ''} .mentioned=${mentionedBy(message)}
    .members=${ctx.memberSearch} @palaver-save=${save} @palaver-cancel=${() => ctx.cancelEdit(message)}></palaver-message-editor>`
}

function actions(message: MessageView, own: boolean, ctx: MessageContext) {
  if (message.deleted) return nothing
  const reply = ctx.canReply
  const react = ctx.canReact
  const edit = ctx.canEdit(message)
  const remove = ctx.canDelete(message)
  const pin = ctx.canPin
  if (!reply && !react && !edit && !remove && !pin) return nothing
  const t = ctx.i18n
  const replyLabel = own
    ? t.t('replyToOwn')
    : t.t('replyTo', { name: message.sender?.displayName ?? ctx.nameOf(message.senderId) })
  return html`<div class="actions" part="actions" role="group" aria-label=${t.t('messageActions')}>
    ${
      reply
        ? html`<button type="button" class="icon-button" data-action="reply" aria-label=${replyLabel} title=${t.t('reply')}
            @click=${() => ctx.startReply(message)}>${icons.reply}</button>`
        : nothing
    }
    ${
      react
        ? html`<button type="button" class="icon-button" data-action="react" aria-label=${t.t('react')} title=${t.t('react')}
            aria-expanded=${ctx.pickerId === message.id ? 'true' : 'false'} @click=${() => ctx.openPicker(message)}>
            ${icons.smile}
          </button>`
        : nothing
    }
    ${
      pin
        ? html`<button type="button" class="icon-button" data-action="pin" aria-label=${t.t(message.pinned ? 'unpin' : 'pin')}
            title=${t.t(message.pinned ? 'unpin' : 'pin')} @click=${() => ctx.togglePin(message)}>${icons.pin}</button>`
        : nothing
    }
    ${
      edit
        ? html`<button type="button" class="icon-button" data-action="edit" aria-label=${t.t('edit')} title=${t.t('edit')}
            @click=${() => ctx.startEdit(message)}>${icons.edit}</button>`
        : nothing
    }
    ${
      remove
        ? html`<button type="button" class="icon-button" data-action="delete" aria-label=${t.t('delete')} title=${t.t('delete')}
            @click=${() => ctx.askDelete(message)}>${icons.trash}</button>`
        : nothing
    }
  </div>`
}

function confirmDelete(message: MessageView, ctx: MessageContext) {
  const onKey = (event: KeyboardEvent) => {
    if (event.key !== 'Escape') return
    event.preventDefault()
    event.stopPropagation()
    ctx.cancelDelete(message)
  }
  return html`<div class="confirm" role="group" aria-label=${ctx.i18n.t('deleteConfirm')} @keydown=${onKey}>
    <span>${ctx.i18n.t('deleteConfirm')}</span>
    <span class="choices">
      <button type="button" class="button secondary small" data-action="cancel-delete" @click=${() => ctx.cancelDelete(message)}>
        ${ctx.i18n.t('cancel')}
      </button>
      <button type="button" class="button danger small" data-action="confirm-delete" @click=${() => ctx.confirmDelete(message)}>
        ${ctx.i18n.t('delete')}
      </button>
    </span>
  </div>`
}

/**
 * Its toolbar goes below the row where the list's top edge would cut it off above (the row is at the top of what the
 * list shows), where it shows above the bubble (not beside it: see conversation.styles). Decided as the row is hovered
 * or focused, before the toolbar shows, so it never moves while shown.
 */
function placeActions(event: Event) {
  const row = event.currentTarget as HTMLElement
  const bar = row.querySelector('.actions')
  const list = row.closest('.log')
  if (!bar || !list) return
  row.removeAttribute('data-below')
  row.toggleAttribute('data-below', bar.getBoundingClientRect().top < list.getBoundingClientRect().top)
}

/** One stored message: avatar, name, bubble (text, or the editor, or the deleted indicator), meta, reactions, actions. */
export function renderMessage(message: MessageView, placement: Placement, own: boolean, ctx: MessageContext) {
  const t = ctx.i18n
  const name = own ? t.t('you') : (message.sender?.displayName ?? t.t('unknownUser'))
  const editing = ctx.editingId === message.id
  const mentionsMe = !own && mentionsUser(message, ctx.viewerId)
  const toolbar = editing || ctx.confirmingId === message.id ? nothing : actions(message, own, ctx)
  const classes = [
    'message',
    own ? 'own' : 'other',
    placement.first ? 'first' : '',
    placement.last ? 'last' : '',
    message.deleted ? 'deleted' : '',
    ctx.highlightId === message.id ? 'highlight' : '',
    editing ? 'editing' : '',
    mentionsMe ? 'mentions-me' : '',
    toolbar !== nothing && ctx.chosenId === message.id ? 'chosen' : '',
  ].join(' ')
  return html`<div class=${classes} part="message ${own ? 'own-message' : 'other-message'}" data-key="m:${message.id}"
    data-id=${message.id} @pointerenter=${placeActions} @focusin=${placeActions}>
    ${own ? nothing : avatar(message, placement)}
    <div class="content">
      ${
        placement.first && ctx.showNames && !own
          ? html`<div class="name" part="sender">${name}</div>`
          : html`<span class="visually-hidden">${name}</span>`
      }
      ${mentionsMe ? html`<span class="visually-hidden">${t.t('mentionsYou')}</span>` : nothing}
      <div class="bubble" part="bubble">
        ${message.replyTo && !message.deleted && !editing ? renderQuote(message.replyTo, ctx) : nothing}
        ${message.deleted ? nothing : renderAttachments(message.attachments ?? [], ctx)}
        ${
          message.deleted
            ? html`<span class="body deleted-text">${t.t('deletedMessage')}</span>`
            : editing
              ? editor(message, ctx)
              : message.body
                ? html`<span class="body" part="body" dir="auto">${renderBody(message.body, mentionedBy(message), own ? null : ctx.viewerId, (name) => t.t('mentionNowCalled', { name }))}</span>`
                : nothing
        }
        ${editing ? nothing : meta(message, ctx)}
      </div>
      ${renderReactions(message, ctx)}
      ${ctx.confirmingId === message.id ? confirmDelete(message, ctx) : nothing}
      ${ctx.pickerId === message.id ? renderPicker(message, ctx) : nothing}
    </div>
    ${toolbar}
  </div>`
}

/**
 * One of my messages still in the outbox: "Sending…", with Retry once an attempt could not reach the server, or
 * refused with the server's reason and Discard (and Retry only where signing in again may let it through). Refused
 * because its files were swept (not sent within a day) and no bytes were held to upload again: names them where
 * known (choose them again), and Send without them.
 */
export function renderPending(item: OutboxItem, placement: Placement, ctx: MessageContext) {
  const t = ctx.i18n
  const failed = item.state === 'failed'
  // Still pending after a failed attempt: the server could not be reached (offline); it is retried by itself.
  const stalled = !failed && item.error !== null
  const reason = failed ? item.error?.message : null
  const gone = failed && item.error?.code === 'attachment_gone'
  // Failed is refused (400, 403, 404...): sent again, it would be refused again, unless for a lapsed sign-in.
  const again = !failed || item.error?.code === 'unauthenticated'
  const lost = gone ? item.error!.attachmentIds!.map((id) => item.fileNames?.[id]).filter(Boolean) : []
  const quote = ctx.quoteFor(item)
  return html`<div class="message own pending ${failed ? 'failed' : ''} ${stalled ? 'stalled' : ''} ${placement.first ? 'first' : ''} ${placement.last ? 'last' : ''}"
    part="message own-message pending-message" data-key="p:${item.clientId}">
    <div class="content">
      <span class="visually-hidden">${t.t('you')}</span>
      <div class="bubble" part="bubble">
        ${quote ? renderQuote(quote, ctx) : nothing}
        ${renderPendingFiles(item, ctx)}
        ${item.body ? html`<span class="body" part="body" dir="auto">${renderBody(item.body)}</span>` : nothing}
        <span class="meta">
          ${
            failed
              ? html`<span class="status status-failed">${icons.alert}<span>${t.t('notSent')}</span></span>`
              : html`<span class="status status-pending">${icons.clock}<span class="visually-hidden">${t.t('sending')}</span></span>`
          }
        </span>
      </div>
      ${
        failed || stalled
          ? html`<div class="failed-bar" role=${failed ? 'alert' : 'status'}>
              <span>${gone ? t.t('filesGone') : reason ? t.t('notSentReason', { reason }) : t.t('notSent')}
                ${lost.length ? t.t('chooseAgain', { files: lost.join(', ') }) : nothing}</span>
              ${
                // Two templates, not one button with two labels: where what it does changes (the outbox found the
                // files gone just then), it is another button, so a press begun on Retry never lands as "Send
                // without the missing files".
                again
                  ? html`<button type="button" class="button small" @click=${() => ctx.retry(item)}>${t.t('retry')}</button>`
                  : gone && (item.body || item.attachmentIds.length)
                    ? html`<button type="button" class="button small" @click=${() => ctx.retry(item)}>${t.t('sendWithoutFiles')}</button>`
                    : nothing
              }
              ${
                // Refused for what it says (a moderator, a block): its text is not lost with it.
                !again && !gone && item.body && !item.attachmentIds.length && ctx.canReply
                  ? html`<button type="button" class="button small" @click=${() => ctx.restore(item)}>${t.t('edit')}</button>`
                  : nothing
              }
              <button type="button" class="button secondary small" @click=${() => ctx.discard(item)}>${t.t('discard')}</button>
            </div>`
          : nothing
      }
    </div>
  </div>`
}

/** A pending message's files: as they will show once sent, or only how many (after a reload). */
function renderPendingFiles(item: OutboxItem, ctx: MessageContext) {
  const files = ctx.filesFor(item)
  if (files.length > 0 || item.attachmentIds.length === 0) return renderAttachments(files, ctx)
  return html`<span class="body">${ctx.i18n.t('attachmentPreview')}</span>`
}
