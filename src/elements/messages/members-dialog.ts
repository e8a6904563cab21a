import { css, html, nothing, type PropertyValues } from 'lit'
import type { ChatDetailView, MemberView, PalaverClient, UserView } from '../../client/index.js'
import { forwardBlock } from '../block-button.js'
import { type OnlineList, onlineStyles, withDot } from '../presence.js'
import { palaverUrl } from '../urls.js'
import { PalaverDialog } from './dialog.js'
import { pageIcons } from './icons.js'

type Tab = 'add' | 'manage'

/**
 * The "Members" dialog: an Add tab (search people, add them; admins; before anything is typed, the
 * people the viewer talks with most recently are suggested) and a Manage tab (everyone with
 * their role; admins remove; anyone blocks or unblocks another). Whoever of them is online has a dot on
 * their avatar (and "Online" after the name for a screen reader). Fires `palaver-chat` with the chat as
 * it is after a change, and `palaver-block` (a BlockRequest).
 */
export class PalaverMembersDialog extends PalaverDialog {
  static override properties = {
    ...PalaverDialog.properties,
    chat: { attribute: false },
    client: { attribute: false },
    viewerId: { attribute: false },
    blockedIds: { attribute: false },
    presence: { attribute: false },
    tab: {},
    found: { state: true },
    suggested: { state: true },
    searching: { state: true },
    error: { state: true },
    status: { state: true },
  }

  static override styles = [
    ...PalaverDialog.styles,
    onlineStyles,
    css`
      .tabs {
        display: flex;
        gap: 4px;
        padding: 4px;
        border-radius: 12px;
        background: var(--palaver-surface);
      }
      [role='tab'] {
        flex: 1;
        min-height: 34px;
        border: 0;
        border-radius: 9px;
        background: transparent;
        color: var(--palaver-muted);
        font-weight: 600;
      }
      [role='tab'][aria-selected='true'] {
        background: var(--palaver-bg);
        color: var(--palaver-fg);
        box-shadow: 0 1px 3px rgb(0 0 0 / 0.12);
      }
      h3 {
        margin: 0;
        color: var(--palaver-muted);
        font-size: 0.85em;
        font-weight: 600;
      }
      [role='tabpanel'] {
        display: flex;
        flex-direction: column;
        gap: 12px;
        min-height: 240px;
      }
    `,
  ]

  declare chat: ChatDetailView | null
  declare client: PalaverClient | null
  declare viewerId: string | null
  /** The people the viewer blocked. */
  declare blockedIds: ReadonlySet<string>
  /** The page's list of who is online. */
  declare presence: OnlineList | null
  declare tab: Tab
  declare found: UserView[] | null
  /** Whom the server suggests adding (the answer to an empty search), asked once the Add tab shows. */
  declare suggested: UserView[] | null
  declare searching: boolean
  declare error: string | null
  declare status: string
  #searchTimer: ReturnType<typeof setTimeout> | undefined
  #searches = 0
  #suggestionsAsked = false
  #offPresence: (() => void) | undefined

  constructor() {
    super()
    this.chat = null
    this.client = null
    this.viewerId = null
    this.blockedIds = new Set()
    this.presence = null
    this.tab = 'manage'
    this.found = null
    this.suggested = null
    this.searching = false
    this.error = null
    this.status = ''
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed)
    this.#offPresence ??= this.presence?.on('change', () => this.requestUpdate())
    // A group's members share it with the viewer, so the server tells of their comings and goings. Not a
    // room's: there, as in the search's results, only people the list follows for another view show.
    if (this.chat?.kind === 'group')
      this.presence?.show(this.chat.members.map((m) => m.user.id).filter((id) => id !== this.viewerId))
    if (this.tab === 'add' && this.#canManage && !this.#suggestionsAsked) void this.#suggest()
  }

  async #suggest(): Promise<void> {
    this.#suggestionsAsked = true
    try {
      this.suggested = (await this.client!.api.searchUsers('', { chatId: this.chat!.id, limit: 8 })).users
    } catch (error) {
      // Said as a failed search is: an empty Add tab would pass for nobody to suggest. Searching still works.
      this.error = (error as Error).message
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    this.#offPresence?.()
    this.#offPresence = undefined
  }

  get #canManage(): boolean {
    return this.chat?.permissions.manageMembers === true
  }

  protected renderBody() {
    const t = this.i18n
    const tab: Tab = this.#canManage ? this.tab : 'manage'
    return html`
      ${
        this.#canManage
          ? html`<div class="tabs" role="tablist" aria-label=${t.t('members')} @keydown=${this.#onTabKey}>
              ${this.#renderTab('add', t.t('addTab'), tab)} ${this.#renderTab('manage', t.t('manageTab'), tab)}
            </div>`
          : nothing
      }
      <div role="tabpanel" id="panel-${tab}" aria-labelledby=${this.#canManage ? `tab-${tab}` : 'dialog-title'}>
        ${tab === 'add' ? this.#renderAdd() : this.#renderManage()}
      </div>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      <p class="visually-hidden" role="status">${this.status}</p>
    `
  }

  #renderTab(tab: Tab, label: string, selected: Tab) {
    return html`<button type="button" role="tab" id="tab-${tab}" aria-controls="panel-${tab}"
      aria-selected=${tab === selected ? 'true' : 'false'} tabindex=${tab === selected ? 0 : -1}
      @click=${() => this.#select(tab)}>${label}</button>`
  }

  #renderAdd() {
    const t = this.i18n
    const members = new Set(this.chat?.members.map((m) => m.user.id))
    const suggested = this.suggested?.filter((user) => !members.has(user.id)) ?? []
    return html`<label class="field">
        ${pageIcons.search}
        <input type="search" class="people-search" aria-label=${t.t('searchPeople')} placeholder=${t.t('searchPeople')}
          autocomplete="off" autofocus @input=${this.#onSearch} />
      </label>
      ${
        this.found === null
          ? this.searching
            ? html`<p>${t.t('loading')}</p>`
            : suggested.length > 0
              ? html`<h3 id="suggested">${t.t('suggested')}</h3>
                  <ul class="rows suggested" aria-labelledby="suggested">${this.#addable(suggested, members, true)}</ul>`
              : nothing
          : this.found.length === 0
            ? html`<p>${t.t('noResults')}</p>`
            : html`<ul class="rows" aria-label=${t.t('searchResults')}>${this.#addable(this.found, members)}</ul>`
      }`
  }

  /** Rows of people with Add, or "Member" for those in the chat already. */
  #addable(users: UserView[], members: Set<string>, suggested = false) {
    const t = this.i18n
    return users.map(
      (user, i) => html`<li class="row">
        ${this.#person(user, user.displayName)}
        ${
          members.has(user.id)
            ? html`<span class="tag">${t.t('member')}</span>`
            : html`<button type="button" class="button small" aria-label=${t.t('addMember', { name: user.displayName })}
                @click=${() => this.#add(user, suggested ? i : -1)}>${t.t('add')}</button>`
        }
      </li>`,
    )
  }

  #renderManage() {
    const t = this.i18n
    const members = [...(this.chat?.members ?? [])].sort(byRoleThenName)
    return html`<ul class="rows" aria-label=${t.t('members')}>
      ${members.map((member) => {
        const you = member.user.id === this.viewerId
        const name = member.user.displayName
        return html`<li class="row" data-user-id=${member.user.id}>
          ${this.#person(member.user, you ? t.t('youSuffix', { name }) : name)}
          <span class="row-end"><span class="tag ${member.role}">${member.role === 'admin' ? t.t('admin') : t.t('member')}</span>
          ${
            you
              ? nothing
              : html`<palaver-block-button text .i18n=${t} name=${name} ?blocked=${this.blockedIds.has(member.user.id)}
                  @palaver-block=${(event: CustomEvent<{ blocked: boolean }>) => forwardBlock(event, member.user, this)}></palaver-block-button>`
          }
          ${
            this.#canManage && !you
              ? html`<button type="button" class="button secondary small remove" aria-label=${t.t('removeMember', { name })}
                  @click=${() => this.#removeMember(member)}>${t.t('remove')}</button>`
              : nothing
          }</span>
        </li>`
      })}
    </ul>`
  }

  /** A person's avatar, with a dot while they are online, and their name over their username. */
  #person(user: UserView, name: string) {
    const online = !!this.presence?.has(user.id)
    return html`${withDot(html`<img src=${palaverUrl(user.avatarUrl)} alt="" />`, online)}
      <span class="who">
        <strong>${name}</strong>${online ? html`<span class="visually-hidden">${this.i18n.t('online')}</span>` : nothing}
        <span><bdi>@${user.username}</bdi></span>
      </span>`
  }

  async #select(tab: Tab): Promise<void> {
    this.tab = tab
    await this.updateComplete
    this.renderRoot.querySelector<HTMLElement>(`#tab-${tab}`)?.focus()
  }

  /** Left and Right (mirrored in right-to-left) move between the tabs. */
  #onTabKey(event: KeyboardEvent): void {
    if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return
    event.preventDefault()
    void this.#select(this.tab === 'add' ? 'manage' : 'add')
  }

  #onSearch(event: Event): void {
    const q = (event.target as HTMLInputElement).value.trim()
    clearTimeout(this.#searchTimer)
    const search = ++this.#searches
    if (!q) {
      this.found = null
      this.searching = false
      return
    }
    this.searching = true
    this.#searchTimer = setTimeout(async () => {
      try {
        const { users } = await this.client!.api.searchUsers(q)
        if (search !== this.#searches) return
        this.found = users.filter((user) => user.id !== this.viewerId)
        this.error = null
      } catch (error) {
        if (search === this.#searches) this.error = (error as Error).message
      } finally {
        if (search === this.#searches) this.searching = false
      }
    }, 200)
  }

  /** Adds someone; the focus goes back to the search, or from the suggestion at `suggestion` to the next one. */
  async #add(user: UserView, suggestion: number): Promise<void> {
    if (!this.chat || !this.client) return
    try {
      this.#changed(await this.client.api.addMembers(this.chat.id, [user.id]))
      this.status = this.i18n.t('memberAdded', { name: user.displayName })
      this.error = null
      await this.updateComplete
      const next =
        suggestion < 0 ? [] : [...this.renderRoot.querySelectorAll<HTMLElement>('.suggested button')]
      ;(
        next[Math.min(suggestion, next.length - 1)] ??
        this.renderRoot.querySelector<HTMLElement>('.people-search')
      )?.focus()
    } catch (error) {
      this.error = (error as Error).message
    }
  }

  async #removeMember(member: MemberView): Promise<void> {
    if (!this.chat || !this.client) return
    const rows = [...this.renderRoot.querySelectorAll<HTMLElement>('.remove')]
    const index = rows.findIndex(
      (row) => row.closest('[data-user-id]')?.getAttribute('data-user-id') === member.user.id,
    )
    try {
      await this.client.api.removeMember(this.chat.id, member.user.id)
      this.#changed(await this.client.api.getChat(this.chat.id))
      this.status = this.i18n.t('memberRemoved', { name: member.user.displayName })
      this.error = null
      await this.updateComplete
      // The focus goes to the next one down (or the last one left, or the tab).
      const left = [...this.renderRoot.querySelectorAll<HTMLElement>('.remove')]
      ;(
        left[Math.min(index, left.length - 1)] ?? this.renderRoot.querySelector<HTMLElement>('#tab-manage')
      )?.focus()
    } catch (error) {
      this.error = (error as Error).message
    }
  }

  #changed(chat: ChatDetailView): void {
    this.chat = chat
    this.dispatchEvent(new CustomEvent('palaver-chat', { detail: chat, bubbles: true, composed: true }))
  }
}

function byRoleThenName(a: MemberView, b: MemberView): number {
  if (a.role !== b.role) return a.role === 'admin' ? -1 : 1
  return a.user.displayName.localeCompare(b.user.displayName)
}
