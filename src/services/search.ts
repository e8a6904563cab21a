import { invalid, PalaverError } from '../errors.js'
import type { SearchResultView } from '../schemas.js'
import type { SearchCandidate } from '../storage/dialect.js'
import { messageColumns } from '../storage/schema.js'
import { type ChatAccess, loadChats } from './access.js'
import { blockedIds } from './blocks.js'
import type { Context } from './context.js'
import { catchUpSearchIndex } from './search-index.js'
import { relevance, searchTerms, snippet, type TermMatch, wordsOf } from './search-text.js'
import type { Viewer } from './users.js'
import { chatViews, messageViews } from './views.js'

/**
 * Relevance is judged among this many of the newest matches, so that a word in every tenth message
 * answers as fast as a rare one; more words reach further back.
 */
const CANDIDATES = 100

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
  // Whole words first: they answer from the index directly and rank higher. Words that only start with
  // a term (what someone still typing means) are looked for when whole words found too few.
  const access = new Map<number, ChatAccess | null>()
  const found = new Map<number, SearchCandidate>()
  for (const match of ['exact', 'prefix'] as const) {
    if (found.size >= limit) break
    for (const hit of await visibleCandidates(ctx, viewer, terms, match, query.chatId, limit, access)) {
      found.set(hit.messageId, hit)
    }
  }
  if (found.size === 0) return { results: [] }

  const candidates = [...found.values()]
  const matches = await ctx.dialect.matchWords(ctx.db, wordsOf(candidates.map((c) => c.body)), terms)
  const scores = relevance(
    candidates.map((c) => c.body),
    terms.length,
    matches,
  )
  const best = candidates
    .map((candidate, i) => ({ candidate, score: scores[i]! }))
    .sort((a, b) => b.score - a.score || b.candidate.messageId - a.candidate.messageId)
    .slice(0, limit)
    .map((ranked) => ranked.candidate)

  const rows = ctx.db
    .selectFrom('palaver_messages')
    .select(messageColumns)
    .where(
      'id',
      'in',
      best.map((c) => c.messageId),
    )
    .execute()
  const [chats, messages, blocked] = await Promise.all([
    chatViews(ctx, ctx.db, viewer, [...new Set(best.map((c) => access.get(c.chatId)!))]),
    rows.then((found) => messageViews(ctx, ctx.db, found, viewer)),
    blockedIds(ctx.db, viewer.id),
  ])
  // What people the viewer blocked write is hidden from them, in search results too.
  const hidden = new Set(blocked)
  const chatById = new Map(chats.map((c) => [c.id, c]))
  const views = new Map(messages.map((view) => [view.id, view]))
  const results: SearchResultView[] = []
  for (const { messageId, chatId, body } of best) {
    const message = views.get(messageId)
    const chat = chatById.get(chatId)
    if (!message || !chat || hidden.has(message.senderId)) continue
    results.push({
      message,
      chat: { id: chat.id, kind: chat.kind, title: chat.title },
      snippet: snippet(body, matches),
    })
  }
  return { results }
}

/**
 * The newest matches in chats the viewer may still see. Membership is checked by the database; what the
 * host decides (a room it now hides, a kind of chat the site switched off) is checked here, asking for
 * more when some had to be left out. `access` remembers each chat's answer across calls.
 */
async function visibleCandidates(
  ctx: Context,
  viewer: Viewer,
  terms: string[],
  match: TermMatch,
  chatId: number | undefined,
  limit: number,
  access: Map<number, ChatAccess | null>,
): Promise<SearchCandidate[]> {
  await catchUpSearchIndex(ctx)
  for (let size = Math.max(CANDIDATES, limit); ; size *= 4) {
    const hits = await ctx.dialect.searchCandidates(ctx.db, {
      viewerId: viewer.id,
      terms,
      match,
      ...(chatId === undefined ? {} : { chatId }),
      limit: size,
    })
    const unknown = [...new Set(hits.map((h) => h.chatId))].filter((id) => !access.has(id))
    const loaded = await loadChats(ctx, ctx.db, unknown, viewer)
    for (const id of unknown) access.set(id, loaded.get(id) ?? null)
    const visible = hits.filter((h) => access.get(h.chatId))
    if (visible.length >= limit || hits.length < size || size >= 1600) return visible
  }
}
