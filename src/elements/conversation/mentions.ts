import type { ReactiveController, ReactiveControllerHost } from 'lit'
import type { UserView } from '../../client/index.js'
import { mentionIdsIn } from '../text.js'

/** Finds the members of the chat that an @query suggests (the viewer left out). */
export type MemberSearch = (query: string) => Promise<UserView[]>

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

/**
 * The composer's @mention suggestions, without the markup: which members the `@query` at the caret
 * matches (asked for after a pause in the typing), which of them is active, and whom the text names
 * after a pick. The list closes when nothing matches, so a name with spaces can be typed on while it
 * still matches; Escape or a pick closes it for that `@` until the caret leaves it.
 */
export class MentionSuggestions implements ReactiveController {
  /** The members offered; empty while the list is closed. */
  options: UserView[] = []
  active = 0
  private token: { start: number; query: string } | null = null
  /** Where the `@` is whose list was closed by Escape or a pick. */
  private dismissed = -1
  private picked: UserView[] = []
  private timer: ReturnType<typeof setTimeout> | undefined
  private asked = 0

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly search: () => MemberSearch | null,
    /** Enter or Tab picked the active member. */
    private readonly choose: (user: UserView) => void,
  ) {
    host.addController(this)
  }

  get open(): boolean {
    return this.options.length > 0
  }

  hostDisconnected(): void {
    this.close()
  }

  /** After the text changed or the caret moved. */
  follow(text: string, caret: number): void {
    const token = mentionQueryAt(text, caret)
    if (token?.start !== this.dismissed) this.dismissed = -1
    const search = this.search()
    if (!token || !search || token.start === this.dismissed) {
      this.close()
      return
    }
    if (token.start === this.token?.start && token.query === this.token.query) return
    this.token = token
    const asked = ++this.asked
    clearTimeout(this.timer)
    this.timer = setTimeout(async () => {
      const found = await search(token.query).catch(() => [])
      if (asked !== this.asked) return
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
      this.dismissed = this.token?.start ?? -1
      this.close()
    } else if (event.key === 'Enter' || event.key === 'Tab') this.choose(this.options[this.active]!)
    else return false
    event.preventDefault()
    event.stopPropagation()
    return true
  }

  /** Puts `@Display Name ` in place of the `@query`: the new text and where the caret goes. */
  pick(text: string, user: UserView): { text: string; caret: number } | null {
    const token = this.token
    if (!token) return null
    const name = `@${user.displayName} `
    const end = token.start + 1 + token.query.length
    this.picked = [...this.picked.filter((u) => u.id !== user.id), user]
    this.dismissed = token.start
    this.close()
    return { text: text.slice(0, token.start) + name + text.slice(end), caret: token.start + name.length }
  }

  /** The picked members whose `@name` is still in `text`; forgets them all for the next message. */
  take(text: string): string[] {
    const ids = mentionIdsIn(text, this.picked)
    this.picked = []
    return ids
  }

  close(): void {
    clearTimeout(this.timer)
    this.asked++
    this.token = null
    if (!this.open) return
    this.options = []
    this.host.requestUpdate()
  }
}
