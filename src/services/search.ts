import { invalid, PalaverError } from '../errors.js'
import type { SearchResultView } from '../schemas.js'
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
  const hits = await ctx.dialect.searchMessages(ctx.db, {
    viewerId: viewer.id,
    terms,
    ...(query.chatId === undefined ? {} : { chatId: query.chatId }),
    limit: query.limit ?? 20,
  })
  if (hits.length === 0) return { results: [] }
  const ids = hits.map((h) => h.messageId)
  const [rows, chatRows, members] = await Promise.all([
    ctx.db.selectFrom('palaver_messages').selectAll().where('id', 'in', ids).execute(),
    ctx.db
      .selectFrom('palaver_chats')
      .selectAll()
      .where('id', 'in', [...new Set(hits.map((h) => h.chatId))])
      .execute(),
    ctx.db
      .selectFrom('palaver_members')
      .selectAll()
      .where('user_id', '=', viewer.id)
      .where('chat_id', 'in', [...new Set(hits.map((h) => h.chatId))])
      .execute(),
  ])
  const byId = new Map(rows.map((r) => [r.id, r]))
  const memberOf = new Map(members.map((m) => [m.chat_id, m]))
  const chats = await chatViews(
    ctx,
    ctx.db,
    viewer,
    chatRows.map((chat) => ({ chat, member: memberOf.get(chat.id) ?? null, room: null })),
  )
  const chatById = new Map(chats.map((c) => [c.id, c]))
  const views = new Map<number, Awaited<ReturnType<typeof messageViews>>[number]>()
  for (const chat of chatRows) {
    const inChat = rows.filter((r) => r.chat_id === chat.id)
    for (const view of await messageViews(ctx, ctx.db, chat.id, inChat, viewer)) views.set(view.id, view)
  }
  const results: SearchResultView[] = []
  for (const hit of hits) {
    const message = views.get(hit.messageId)
    const chat = chatById.get(hit.chatId)
    if (!message || !chat || !byId.has(hit.messageId)) continue
    results.push({
      message,
      chat: { id: chat.id, kind: chat.kind, title: chat.title },
      snippet: highlight(hit.rawSnippet),
    })
  }
  return { results }
}
