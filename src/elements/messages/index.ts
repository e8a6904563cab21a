/**
 * The messages page, `<palaver-messages>`, and the parts only it uses: importing this module
 * defines them (each once per page).
 */
import { PalaverActionsMenu } from './actions-menu.js'
import { PalaverChatHeader } from './chat-header.js'
import { PalaverConfirmDialog } from './dialog.js'
import { PalaverMembersDialog } from './members-dialog.js'
import { PalaverMessages } from './page.js'
import { PalaverRoomsDialog } from './rooms-dialog.js'

export { ChatListStore, type ListFilter } from './chat-list-store.js'
export { snippetParts } from './search.js'
export {
  PalaverActionsMenu,
  PalaverChatHeader,
  PalaverConfirmDialog,
  PalaverMembersDialog,
  PalaverMessages,
  PalaverRoomsDialog,
}

const elements: Array<[string, CustomElementConstructor]> = [
  ['palaver-actions-menu', PalaverActionsMenu],
  ['palaver-chat-header', PalaverChatHeader],
  ['palaver-confirm-dialog', PalaverConfirmDialog],
  ['palaver-members-dialog', PalaverMembersDialog],
  ['palaver-rooms-dialog', PalaverRoomsDialog],
  ['palaver-messages', PalaverMessages],
]
for (const [name, element] of elements) if (!customElements.get(name)) customElements.define(name, element)
