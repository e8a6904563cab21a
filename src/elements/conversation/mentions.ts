import { css, html, nothing, type ReactiveController, type ReactiveControllerHost } from 'lit'
import type { UserView } from '../../client/index.js'
import { EVERYONE } from '../../client/mentions.js'
import type { Translator } from '../i18n/index.js'
import { icons } from '../icons.js'
import { type Mentionable, mentionIdsIn } from '../text.js'
import { palaverUrl } from '../urls.js'

/** What an @query offers: members, and `@everyone` first where the viewer may use it. */
export type Suggestion = UserView | typeof EVERYONE

/** Finds the members of the chat that an @query suggests (the viewer left out), and everyone. */
export type MemberSearch = (query: string) => Promise<Suggestion[]>

/** Whom a text mentions: members by id, and everyone or not. */
export interface Named {
  mentionIds: string[]
  mentionsEveryone: boolean
}

/**
 * Whether an @query asks for everyone: two letters at least ("@ev"), so that a member's name that starts
 * with an "e" is not one keystroke from a message to every member.
 */
export const asksForEveryone = (query: string): boolean =>
  query.length >= 2 && EVERYONE.displayName.startsWith(query.toLowerCase())

/** A name is rarely longer: past this many characters after `@` nothing is suggested. */
const MAX_QUERY = 40
const DEBOUNCE_MS = 120

/**
 * The `@query` the caret is in: an `@` at the start or after whitespace, then up to the caret text
 * without a line break that does not start with a space (names have spaces: "@Ada Lo").
 */
export function mentionQueryAt(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(Math.max(0, caret - MAX_QUERY - 1), caret)
  const at = before.lastIndexOf('@')
  if (at < 0) return null
  const start = caret - before.length + at
  const query = before.slice(at + 1)
  if (/^\s|\n/.test(query) || (start > 0 && !/\s/.test(text[start - 1]!))) return null
  return { start, query }
}

/** An element with one text box: the `textarea` of its render root, drawn from its `value`. */
export type MentionHost = ReactiveControllerHost & { value: string; readonly renderRoot: ParentNode }

/**
 * The @mention suggestions of a text box (the composer's, an edit's): which members the `@query` at
 * the caret matches (asked for after a pause in the typing), which of them is active, and whom the
 * text names after a pick. The box drives a listbox, as in the ARIA combobox pattern: the host binds
 * the handlers below and `renderMentionList`. The list closes when nothing matches, so a name with
 * spaces can be typed on while it still matches; Escape or a pick closes it for that `@` until the
 * caret leaves it.
 */
export class MentionSuggestions implements ReactiveController {
  /** The members offered (everyone first, where offered); empty while the list is closed. */
  options: Suggestion[] = []
  active = 0
  #token: { start: number; query: string } | null = null
  /** Where the `@` is whose list was closed by Escape or a pick. */
  #dismissed = -1
  /** The members picked from the list (for `named`), EVERYONE among them when picked; a draft keeps them. */
  picked: Mentionable[] = []
  #timer: ReturnType<typeof setTimeout> | undefined
  #asked = 0

  constructor(
    private readonly host: MentionHost,
    private readonly search: () => MemberSearch | null,
  ) {
    host.addController(this)
  }

  get open(): boolean {
    return this.options.length > 0
  }

  /** The text box's aria-controls while the list is open. */
  get listId(): string | undefined {
    return this.open ? 'mentions' : undefined
  }

  /** The text box's aria-activedescendant: the active option's id. */
  get activeId(): string | undefined {
    return this.open ? `mention-${this.active}` : undefined
  }

  hostDisconnected(): void {
    this.close()
  }

  /** The active option stays in view as the arrows move: the list scrolls, and nothing around it. */
  hostUpdated(): void {
    const list = this.host.renderRoot.querySelector('#mentions')
    const option = list?.querySelector<HTMLElement>('[aria-selected="true"]')
    if (!list || !option) return
    const top = option.offsetTop
    const bottom = top + option.offsetHeight
    if (top < list.scrollTop) list.scrollTop = top
    else if (bottom > list.scrollTop + list.clientHeight) list.scrollTop = bottom - list.clientHeight
  }

  /** The box's `input`: the text changed. */
  readonly onInput = (event: Event): void => {
    const area = event.target as HTMLTextAreaElement
    this.follow(area.value, area.selectionStart)
  }

  /** The box's `keyup` and `click`: the caret may have moved to another `@` or out of one. */
  readonly onCaret = (event: Event): void => {
    const area = event.target as HTMLTextAreaElement
    if (event.type === 'click' || /^(Arrow(Left|Right)|Home|End)$/.test((event as KeyboardEvent).key))
      this.follow(area.value, area.selectionStart)
  }

  readonly onBlur = (): void => this.close()

  /** Puts the member's name in place of the @query, the caret after it and the focus in the box. */
  async choose(user: Suggestion): Promise<void> {
    const area = this.host.renderRoot.querySelector('textarea')
    const picked = area && this.pick(area.value, user)
    if (!picked) return
    this.host.value = picked.text
    await this.host.updateComplete
    area.setSelectionRange(picked.caret, picked.caret)
    area.focus()
  }

  /** After the text changed or the caret moved. */
  follow(text: string, caret: number): void {
    const token = mentionQueryAt(text, caret)
    if (token?.start !== this.#dismissed) this.#dismissed = -1
    const search = this.search()
    if (!token || !search || token.start === this.#dismissed) {
      this.close()
      return
    }
    if (token.start === this.#token?.start && token.query === this.#token.query) return
    this.#token = token
    // Until the new query's answer comes, the list keeps only whom it still matches, as a directory
    // would (name or username containing it): Enter or a click never picks someone the text does not name.
    const q = token.query.trim().toLocaleLowerCase()
    const still = this.options.filter((user) =>
      'username' in user
        ? `${user.displayName}\n${user.username}`.toLocaleLowerCase().includes(q)
        : asksForEveryone(token.query),
    )
    if (still.length < this.options.length) {
      this.options = still
      this.active = 0
      this.host.requestUpdate()
    }
    const asked = ++this.#asked
    clearTimeout(this.#timer)
    this.#timer = setTimeout(async () => {
      const found = await search(token.query).catch(() => [])
      if (asked !== this.#asked) return
      this.options = found
      this.active = 0
      this.host.requestUpdate()
    }, DEBOUNCE_MS)
  }

  /** Arrows move, Enter and Tab pick, Escape closes: true when the key was the list's. */
  key(event: KeyboardEvent): boolean {
    if (!this.open || event.isComposing || event.shiftKey || event.altKey || event.ctrlKey || event.metaKey)
      return false
    const count = this.options.length
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      this.active = (this.active + (event.key === 'ArrowDown' ? 1 : count - 1)) % count
      this.host.requestUpdate()
    } else if (event.key === 'Escape') {
      this.#dismissed = this.#token?.start ?? -1
      this.close()
    } else if (event.key === 'Enter' || event.key === 'Tab') void this.choose(this.options[this.active]!)
    else return false
    event.preventDefault()
    event.stopPropagation()
    return true
  }

  /** Puts `@Display Name ` (or `@everyone `) in place of the `@query`: the new text and where the caret goes. */
  pick(text: string, user: Suggestion): { text: string; caret: number } | null {
    const token = this.#token
    if (!token) return null
    const name = `@${user.displayName} `
    const end = token.start + 1 + token.query.length
    this.picked = [...this.picked.filter((u) => u.id !== user.id), user]
    this.#dismissed = token.start
    this.close()
    return { text: text.slice(0, token.start) + name + text.slice(end), caret: token.start + name.length }
  }

  /**
   * Whom `text` mentions, in its order: the members picked, and those `already` mentioned (an edited
   * message's, EVERYONE too if it mentioned everyone) whose `@name` it still holds, as the message wrote
   * it or as they are called now; and everyone, picked or already, while the text writes `@everyone`.
   */
  named(text: string, already: readonly Mentionable[] = []): Named {
    const now = already.map(({ id, displayName }) => ({ id, displayName }))
    const ids = mentionIdsIn(text, [...already, ...now, ...this.picked])
    // EVERYONE's id is the empty one, which no member's is.
    return { mentionIds: ids.filter(Boolean), mentionsEveryone: ids.includes('') }
  }

  close(): void {
    clearTimeout(this.#timer)
    this.#asked++
    this.#token = null
    if (!this.open) return
    this.options = []
    this.host.requestUpdate()
  }
}

/** The list of members to pick (when open), and a status that says how many there are. */
export function renderMentionList(mentions: MentionSuggestions, t: Translator) {
  const { options, active } = mentions
  const option = (user: Suggestion, i: number) =>
    html`<li id="mention-${i}" role="option" aria-selected=${i === active ? 'true' : 'false'}
      @click=${() => void mentions.choose(user)}>
      ${
        'username' in user
          ? html`<img src=${palaverUrl(user.avatarUrl)} alt="" width="28" height="28" />`
          : html`<span class="everyone">${icons.users}</span>`
      }
      <span class="who" dir="auto">${user.displayName}
        <small>${'username' in user ? `@${user.username}` : `— ${t.t('mentionEveryone')}`}</small></span>
    </li>`
  // A press on an option keeps the focus in the text box.
  return html`<span class="visually-hidden" role="status">${mentions.open ? t.plural('mentionsFound', options.length) : ''}</span>
    ${
      mentions.open
        ? html`<ul id="mentions" class="popup mention-list" role="listbox" part="mention-list" aria-label=${t.t('mentionPeople')}
            @pointerdown=${(event: Event) => event.preventDefault()}>${options.map(option)}</ul>`
        : nothing
    }`
}

/** The list's look; where it opens (above or below its box) is the host's. */
export const mentionListStyles = css`
  .mention-list {
    max-height: min(18em, 40vh);
    margin: 0;
    padding: 4px;
    overflow-y: auto;
    list-style: none;
  }
  [role='option'] {
    display: flex;
    align-items: center;
    gap: 10px;
    padding: 6px 8px;
    border-radius: 8px;
    cursor: pointer;
  }
  [role='option']:hover {
    background: var(--palaver-surface);
  }
  [aria-selected='true'] {
    background: var(--palaver-accent-soft);
  }
  [role='option'] img,
  .everyone {
    flex: none;
    width: 28px;
    border-radius: 50%;
  }
  .who {
    min-width: 0;
    overflow: hidden;
    white-space: nowrap;
    text-overflow: ellipsis;
  }
  .who small {
    margin-inline-start: 2px;
    color: var(--palaver-muted);
    font-size: 0.85em;
  }
`
