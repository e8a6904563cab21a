import { html, nothing } from 'lit'
import type { MessageView } from '../../client/index.js'
import type { Translator } from '../i18n/index.js'

export const QUICK_EMOJI = ['👍', '❤️', '😂', '🎉', '😮', '😢', '🙏', '🔥'] as const

export interface ReactionsContext {
  i18n: Translator
  viewerId: string | null
  canReact: boolean
  nameOf(userId: string): string
  react(message: MessageView, emoji: string): void
}

/**
 * The reactions under a message: one button per emoji with its count; pressed when the viewer is
 * among those who reacted (selecting it again removes theirs). Who reacted shows on hover and on
 * keyboard focus (a tooltip), and is in the button's accessible name.
 */
export function renderReactions(message: MessageView, ctx: ReactionsContext) {
  if (message.reactions.length === 0) return nothing
  return html`<div class="reactions" part="reactions">
    ${message.reactions.map((reaction) => {
      const mine = ctx.viewerId !== null && reaction.userIds.includes(ctx.viewerId)
      const names = ctx.i18n.names(
        reaction.userIds.map((id) => (id === ctx.viewerId ? ctx.i18n.t('you') : ctx.nameOf(id))),
      )
      const label = ctx.i18n.t(mine ? 'reactionByYou' : 'reactionBy', {
        emoji: reaction.emoji,
        count: reaction.count,
        names,
      })
      return html`<span class="reaction-wrap">
        <button
          type="button"
          class="reaction ${mine ? 'mine' : ''}"
          part="reaction"
          aria-pressed=${mine ? 'true' : 'false'}
          aria-label=${label}
          ?disabled=${!ctx.canReact}
          @click=${() => ctx.react(message, reaction.emoji)}
        >
          <span aria-hidden="true">${reaction.emoji}</span>
          <span class="count" aria-hidden="true">${ctx.i18n.number(reaction.count)}</span>
        </button>
        <span class="tooltip" aria-hidden="true">${names}</span>
      </span>`
    })}
  </div>`
}

export interface PickerContext {
  i18n: Translator
  react(message: MessageView, emoji: string): void
  closePicker(message: MessageView): void
}

/**
 * The small emoji picker, a toolbar: one Tab stop, the emoji it was left on (the first when it opens). Left and
 * Right move between the emoji (mirrored right to left) and wrap, Home and End go to the ends, Enter or Space
 * picks; Escape closes it and returns to the React button.
 */
export function renderPicker(message: MessageView, ctx: PickerContext) {
  const onKey = (event: KeyboardEvent) => {
    if (event.key === 'Escape') {
      event.stopPropagation()
      event.preventDefault()
      ctx.closePicker(message)
      return
    }
    const buttons = [...(event.currentTarget as HTMLElement).children] as HTMLElement[]
    const index = buttons.indexOf(event.target as HTMLElement)
    const step = ctx.i18n.dir === 'rtl' ? -1 : 1
    const next = { ArrowRight: index + step, ArrowLeft: index - step, Home: 0, End: -1 }[event.key]
    if (next === undefined) return
    event.preventDefault()
    // The emoji moved to is the toolbar's Tab stop (a click picks, and closes the picker).
    for (const button of buttons) button.tabIndex = -1
    const to = buttons.at(next % buttons.length)!
    to.tabIndex = 0
    to.focus()
  }
  return html`<div class="picker" part="picker" role="toolbar" aria-label=${ctx.i18n.t('emojiPicker')} @keydown=${onKey}>
    ${QUICK_EMOJI.map(
      (emoji, index) =>
        html`<button
          type="button"
          class="picker-emoji"
          tabindex=${index ? -1 : 0}
          aria-label=${ctx.i18n.t('reactWith', { emoji })}
          @click=${() => ctx.react(message, emoji)}
        >
          <span aria-hidden="true">${emoji}</span>
        </button>`,
    )}
  </div>`
}
