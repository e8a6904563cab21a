import { html, nothing } from 'lit'
import type { PalaverClient, RoomListItem } from '../../client/index.js'
import { PalaverDialog } from './dialog.js'
import { pageIcons } from './icons.js'

/**
 * "Browse rooms": the public rooms (GET /api/rooms/), each with its member count and Join, or Open
 * when the viewer is in it. Fires `palaver-joined` (the chat) and `palaver-open` (its id).
 */
export class PalaverRoomsDialog extends PalaverDialog {
  static override properties = {
    ...PalaverDialog.properties,
    client: { attribute: false },
    rooms: { state: true },
    error: { state: true },
    busyId: { state: true },
  }

  declare client: PalaverClient | null
  declare rooms: RoomListItem[] | null
  declare error: string | null
  declare busyId: number | null

  constructor() {
    super()
    this.client = null
    this.rooms = null
    this.error = null
    this.busyId = null
  }

  override connectedCallback(): void {
    super.connectedCallback()
    void this.#load()
  }

  async #load(): Promise<void> {
    try {
      this.rooms = (await this.client!.api.listRooms()).rooms
      await this.updateComplete
      this.renderRoot.querySelector<HTMLElement>('.rows button')?.focus()
    } catch (error) {
      this.error = (error as Error).message
    }
  }

  protected renderBody() {
    const t = this.i18n
    const rooms = this.rooms
    return html`
      ${
        rooms === null
          ? this.error
            ? nothing
            : html`<p>${t.t('loading')}</p>`
          : rooms.length === 0
            ? html`<p>${t.t('noRooms')}</p>`
            : html`<ul class="rows" aria-label=${this.label}>
                ${rooms.map(({ chat, isMember }) => {
                  const title = chat.title
                  return html`<li class="row" data-chat-id=${chat.id}>
                    <span class="avatar large room" aria-hidden="true">${pageIcons.hash}</span>
                    <span class="who"><strong>${title}</strong><span>${t.plural('memberCount', chat.memberCount)}</span></span>
                    ${
                      isMember
                        ? html`<button type="button" class="button secondary small open" aria-label=${t.t('openChat', { name: title })}
                            @click=${() => this.#emit('palaver-open', chat.id)}>${t.t('open')}</button>`
                        : chat.permissions.join
                          ? html`<button type="button" class="button small join" aria-label=${t.t('joinRoom', { name: title })}
                              ?disabled=${this.busyId === chat.id} @click=${() => this.#join(chat.id)}>${t.t('join')}</button>`
                          : nothing
                    }
                  </li>`
                })}
              </ul>`
      }
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
    `
  }

  async #join(chatId: number): Promise<void> {
    this.busyId = chatId
    try {
      const chat = await this.client!.api.join(chatId)
      this.rooms = (this.rooms ?? []).map((room) =>
        room.chat.id === chatId
          ? { chat: { ...room.chat, memberCount: chat.memberCount }, isMember: true }
          : room,
      )
      this.error = null
      this.#emit('palaver-joined', chat)
      await this.updateComplete
      this.renderRoot.querySelector<HTMLElement>(`[data-chat-id="${chatId}"] .open`)?.focus()
    } catch (error) {
      this.error = (error as Error).message
    } finally {
      this.busyId = null
    }
  }

  #emit(type: string, detail: unknown): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }))
  }
}
