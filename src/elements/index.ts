/**
 * palaver's web components, built only on palaver/client. Importing this module defines
 * `<palaver-dm>`, `<palaver-room>` and the pieces they share (`<palaver-conversation>`,
 * `<palaver-composer>`, `<palaver-message-editor>`, `<palaver-mute-button>`, `<palaver-block-button>`),
 * each once per page.
 */
import { PalaverBlockButton } from './block-button.js'
import { PalaverComposer } from './conversation/composer.js'
import { PalaverConversation } from './conversation/conversation.js'
import { PalaverMessageEditor } from './conversation/editor.js'
import { PalaverMuteButton } from './mute-button.js'
import { PalaverDm } from './widgets/dm.js'
import { PalaverRoom } from './widgets/room.js'

export { BlockList, type BlockListEvents } from './blocking.js'
export type { PalaverConfig } from './config.js'
export { QUICK_EMOJI } from './conversation/reactions.js'
export { ReceiptMarks } from './conversation/receipts.js'
export { ConversationStore, type StoreEvents, type TypingPerson } from './conversation/store.js'
export { loadTranslator, type MessageKey, resolveLocale, Translator, translator } from './i18n/index.js'
export { icons } from './icons.js'
export { ChatListStore, PalaverMessages, snippetParts } from './messages/index.js'
export { isMuted } from './muting.js'
export { Runtime, runtimeFor, whenOpen } from './runtime.js'
export { renderBody, safeHref } from './text.js'
export { applyLayout, base, controls, resolveMode, ThemeController, type ThemeMode, tokens } from './theme.js'
export { PalaverWidget } from './widgets/widget.js'
export {
  PalaverBlockButton,
  PalaverComposer,
  PalaverConversation,
  PalaverDm,
  PalaverMessageEditor,
  PalaverMuteButton,
  PalaverRoom,
}

/** Defines an element unless the page already has one by that name (the bundle loaded twice). */
export function define(name: string, element: CustomElementConstructor): void {
  if (!customElements.get(name)) customElements.define(name, element)
}

define('palaver-block-button', PalaverBlockButton)
define('palaver-composer', PalaverComposer)
define('palaver-conversation', PalaverConversation)
define('palaver-dm', PalaverDm)
define('palaver-message-editor', PalaverMessageEditor)
define('palaver-mute-button', PalaverMuteButton)
define('palaver-room', PalaverRoom)
