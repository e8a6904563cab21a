import { html, nothing, type ReactiveElement, type TemplateResult } from 'lit'
import type { MessageSearchResult, SearchResultView } from '../../client/index.js'
import type { Translator } from '../i18n/index.js'
import { listTime } from './chat-list.js'

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'" }

/**
 * A search snippet rebuilt from its text: the server escapes everything and marks the matches with
 * `<mark>`; here only `<mark>` becomes an element and every other piece is put in as text, so even
 * a snippet that were not escaped could not add markup.
 */
export function snippetParts(snippet: string): Array<string | TemplateResult> {
  const parts: Array<string | TemplateResult> = []
  let marked = false
  for (const piece of snippet.split(/(<\/?mark>)/)) {
    if (piece === '<mark>') marked = true
    else if (piece === '</mark>') marked = false
    else if (piece) {
      const text = piece.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_, name: string) => ENTITIES[name]!)
      parts.push(marked ? html`<mark>${text}</mark>` : text)
    }
  }
  return parts
}

export interface SearchContext {
  i18n: Translator
  viewerId: string | null
  openResult(result: SearchResultView): void
}

/** Message search results: each a button that opens its chat at the message; then "Show more results". */
export function renderResults(search: MessageSearch, ctx: SearchContext) {
  const t = ctx.i18n
  const { results } = search
  if (!results) return search.busy ? html`<p class="quiet">${t.t('loading')}</p>` : nothing
  if (results.length === 0) return html`<p class="quiet">${t.t('noResults')}</p>`
  // The first new result takes the focus (the button stays where it was when none came).
  const more = async (event: Event) => {
    const root = (event.currentTarget as Element).getRootNode() as ShadowRoot
    await search.more()
    await (root.host as ReactiveElement).updateComplete
    root.querySelectorAll<HTMLElement>('.result')[results.length]?.focus()
  }
  return html`<ul class="results" part="search-results" aria-label=${t.t('searchResults')}>
    ${results.map((result) => {
      const sender =
        result.message.senderId === ctx.viewerId ? t.t('you') : result.message.sender?.displayName
      return html`<li>
        <button type="button" class="result" part="search-result" data-message-id=${result.message.id}
          @click=${() => ctx.openResult(result)}>
          <span class="chat-line">
            <span class="chat-title">${result.chat.title}</span>
            <time class="chat-time" datetime=${result.message.createdAt}>${listTime(result.message.createdAt, t)}</time>
          </span>
          <span class="snippet">${sender ? html`<span class="sender">${sender}: </span>` : nothing}${snippetParts(result.snippet)}</span>
        </button>
      </li>`
    })}
  </ul>
  ${
    search.nextBefore === null
      ? nothing
      : html`<div class="more"><button type="button" class="button secondary" @click=${more}>${t.t('moreResults')}</button></div>`
  }`
}

const SEARCH_DELAY_MS = 250

/**
 * The search box's state: what is typed, and (from two characters, a moment after the typing stops)
 * the message results. `onQuery` hears each settled query (the chat list filters by it too).
 */
export class MessageSearch {
  query = ''
  results: SearchResultView[] | null = null
  /** Where the next page of results starts; null when there is none. */
  nextBefore: number | null = null
  busy = false
  #timer: ReturnType<typeof setTimeout> | undefined
  #searches = 0

  constructor(
    private readonly options: {
      search(q: string, before?: number): Promise<MessageSearchResult>
      onQuery(q: string): void
      onChange(): void
      onError(error: Error): void
    },
  ) {}

  get active(): boolean {
    return this.query.trim() !== ''
  }

  input(value: string): void {
    this.query = value
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => this.#run(), SEARCH_DELAY_MS)
    this.options.onChange()
  }

  clear(): void {
    this.query = ''
    clearTimeout(this.#timer)
    this.#run()
  }

  /** Appends the next page of results. */
  async more(): Promise<void> {
    if (!this.busy && this.nextBefore !== null) await this.#load(this.nextBefore)
  }

  #run(): void {
    const q = this.query.trim()
    this.options.onQuery(q)
    if (q.length >= 2) {
      void this.#load()
      return
    }
    this.#searches++
    this.busy = false
    this.results = null
    this.options.onChange()
  }

  async #load(before?: number): Promise<void> {
    const search = ++this.#searches
    this.busy = true
    this.options.onChange()
    try {
      const page = await this.options.search(this.query.trim(), before)
      if (search !== this.#searches) return
      this.results = before ? [...this.results!, ...page.results] : page.results
      this.nextBefore = page.nextBefore
    } catch (error) {
      if (search === this.#searches) this.options.onError(error as Error)
    } finally {
      if (search === this.#searches) {
        this.busy = false
        this.options.onChange()
      }
    }
  }
}
