import { invalid, PalaverError } from '../errors.js'
import type { MessageView, SearchResultView } from '../schemas.js'
import type { SearchHit } from '../storage/dialect.js'
import { type ChatAccess, loadChat } from './access.js'
import type { Context } from './context.js'
import type { Viewer } from './users.js'
import { chatViews, messageViews } from './views.js'

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  )

/** Turns the database's marked snippet into HTML: everything escaped, matched words in `<mark>`. */
export function highlight(rawSnippet: string): string {
  return escapeHtml(rawSnippet).replaceAll('\u0001', '<mark>').replaceAll('\u0002', '</mark>')
}

/** The words of a query, without anything a search engine would read as syntax. */
export function searchTerms(query: string): string[] {
  return (query.normalize('NFKC').match(/[\p{L}\p{N}\p{M}]+/gu) ?? []).slice(0, 8)
}

/** Full-text search across the chats the viewer is a member of, best matches first. */
export async function searchMessages(
  ctx: Context,
  viewer: Viewer,
  query: { q: string; chatId?: number | undefined; limit?: number | undefined },
): Promise<{ results: SearchResultView[] }> {
  if (query.q.length > ctx.options.limits.searchQueryLength) {
    throw new PalaverError(
      'too_large',
      `A search has at most ${ctx.options.limits.searchQueryLength} characters`,
    )
  }
  const terms = searchTerms(query.q)
  if (terms.length === 0) throw invalid('Type at least one word to search for')
  const limit = query.limit ?? 20
  const { hits, access } = await visibleHits(ctx, viewer, terms, query.chatId, limit)
  if (hits.length === 0) return { results: [] }
  const ids = hits.map((h) => h.messageId)
  const rows = await ctx.db.selectFrom('palaver_messages').selectAll().where('id', 'in', ids).execute()
  const chats = await chatViews(ctx, ctx.db, viewer, [...new Set(hits.map((h) => access.get(h.chatId)!))])
  const chatById = new Map(chats.map((c) => [c.id, c]))
  const views = new Map<number, MessageView>()
  for (const chat of chats) {
    const inChat = rows.filter((r) => r.chat_id === chat.id)
    for (const view of await messageViews(ctx, ctx.db, chat.id, inChat, viewer)) views.set(view.id, view)
  }
  const results: SearchResultView[] = []
  for (const hit of hits) {
    const message = views.get(hit.messageId)
    const chat = chatById.get(hit.chatId)
    if (!message || !chat) continue
    results.push({
      message,
      chat: { id: chat.id, kind: chat.kind, title: chat.title },
      snippet: highlight(hit.rawSnippet),
    })
  }
  return { results }
}

/**
 * The best hits in chats the viewer may still see. Membership is checked by the database; what the host
 * decides (a room it now hides, a kind of chat the site switched off) is checked here, asking for more
 * hits when some had to be left out.
 */
async function visibleHits(
  ctx: Context,
  viewer: Viewer,
  terms: string[],
  chatId: number | undefined,
  limit: number,
): Promise<{ hits: SearchHit[]; access: Map<number, ChatAccess> }> {
  const access = new Map<number, ChatAccess | null>()
  for (let size = limit; ; size *= 4) {
    const hits = await ctx.dialect.searchMessages(ctx.db, {
      viewerId: viewer.id,
      terms,
      ...(chatId === undefined ? {} : { chatId }),
      limit: size,
    })
    for (const id of new Set(hits.map((h) => h.chatId))) {
      if (access.has(id)) continue
      const loaded = await loadChat(ctx, ctx.db, id, viewer).catch((error: unknown) => {
        if (error instanceof PalaverError && error.code === 'not_found') return null
        throw error
      })
      access.set(id, loaded)
    }
    const visible = hits.filter((h) => access.get(h.chatId))
    if (visible.length >= limit || hits.length < size || size >= 1000) {
      const seen = new Map([...access].filter((entry): entry is [number, ChatAccess] => entry[1] !== null))
      return { hits: visible.slice(0, limit), access: seen }
    }
  }
}
