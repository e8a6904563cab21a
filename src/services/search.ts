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

/** A window grows this far (candidates read at once) when the viewer may not see most of what matches. */
const MAX_READ = 1600

/**
 * Full-text search across the chats the viewer is a member of. A page is a window: the `limit` newest
 * matches older than `before`, best first; `nextBefore` is where the next window starts (null when no
 * older match can exist), so that paging neither repeats nor skips a match.
 */
export async function searchMessages(
  ctx: Context,
  viewer: Viewer,
  query: { q: string; chatId?: number | undefined; limit?: number | undefined; before?: number | undefined },
): Promise<{ results: SearchResultView[]; nextBefore: number | null }> {
  if (query.q.length > ctx.options.limits.searchQueryLength) {
    throw new PalaverError(
      'too_large',
      `A search has at most ${ctx.options.limits.searchQueryLength} characters`,
    )
  }
  const terms = searchTerms(query.q)
  if (terms.length === 0) throw invalid('Type at least one word to search for')
  const limit = query.limit ?? 20
  const { before } = query
  // What the viewer blocked is hidden from them, in search too: left out of the window, which stays full.
  const hidden = new Set(await blockedIds(ctx.db, viewer.id))
  const access = new Map<number, ChatAccess | null>()
  const look: Look = (match, from, size, seen) =>
    searchWindow(
      ctx,
      viewer,
      { terms, match, chatId: query.chatId, before: from },
      size,
      access,
      (hit) => !hidden.has(hit.senderId) && !seen?.has(hit.messageId),
    )
  const page = await pageOf(look, before, limit)
  const { nextBefore } = page
  if (page.hits.length === 0) return { results: [], nextBefore }

  const candidates = page.hits
  const matches = await ctx.dialect.matchWords(ctx.db, wordsOf(candidates.map((c) => c.body)), terms)
  const scores = relevance(
    candidates.map((c) => c.body),
    terms.length,
    matches,
  )
  const best = candidates
    .map((candidate, i) => ({ candidate, score: scores[i]! }))
    .sort((a, b) => b.score - a.score || b.candidate.messageId - a.candidate.messageId)
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
  const [chats, messages] = await Promise.all([
    chatViews(ctx, ctx.db, viewer, [...new Set(best.map((c) => access.get(c.chatId)!))]),
    rows.then((found) => messageViews(ctx, ctx.db, found, viewer)),
  ])
  const chatById = new Map(chats.map((c) => [c.id, c]))
  const views = new Map(messages.map((view) => [view.id, view]))
  const results: SearchResultView[] = []
  for (const { messageId, chatId, body } of best) {
    const message = views.get(messageId)
    const chat = chatById.get(chatId)
    if (!message || !chat) continue
    results.push({
      message,
      chat: { id: chat.id, kind: chat.kind, title: chat.title },
      snippet: snippet(body, matches),
    })
  }
  return { results, nextBefore }
}

interface Window {
  hits: SearchCandidate[]
  nextBefore: number | null
}

type Look = (
  match: TermMatch,
  before: number | undefined,
  limit: number,
  seen?: ReadonlySet<number>,
) => Promise<Window>

/**
 * Whole words first: they answer from the index directly and rank higher. Words that only start with a
 * term (what someone still typing means) count when whole words are too few for one page in all: then
 * every whole-word match is on the first page, and the pages go on with the others. Whether they are too
 * few is asked of the whole history on every page, so that a page never changes the rule midway.
 */
async function pageOf(look: Look, before: number | undefined, limit: number): Promise<Window> {
  const page = await look('exact', before, limit)
  if (page.hits.length === limit || page.nextBefore !== null) return page
  const whole = before === undefined ? page : await look('exact', undefined, limit)
  if (whole.hits.length === limit || whole.nextBefore !== null) return page
  const seen = new Set(whole.hits.map((hit) => hit.messageId))
  if (before !== undefined) return look('prefix', before, limit, seen)
  const rest = await look('prefix', undefined, limit - seen.size, seen)
  return { hits: [...whole.hits, ...rest.hits], nextBefore: rest.nextBefore }
}

/**
 * The `limit` newest matches older than `before` in chats the viewer may still see, and where the next
 * window starts: just under the last match it took, or under everything it read when it stopped early.
 * Membership is checked by the database; what the host decides (a room it now hides, a kind of chat the
 * site switched off) and `keep` are checked here, reading further when some had to be left out. `access`
 * remembers each chat's answer across calls.
 */
async function searchWindow(
  ctx: Context,
  viewer: Viewer,
  request: { terms: string[]; match: TermMatch; chatId: number | undefined; before: number | undefined },
  limit: number,
  access: Map<number, ChatAccess | null>,
  keep: (hit: SearchCandidate) => boolean,
): Promise<Window> {
  await catchUpSearchIndex(ctx)
  const { chatId, before, ...rest } = request
  // One more than needed tells whether an older match exists.
  for (let size = limit + 1; ; size = Math.min(size * 4, MAX_READ)) {
    const hits = await ctx.dialect.searchCandidates(ctx.db, {
      viewerId: viewer.id,
      ...rest,
      ...(chatId === undefined ? {} : { chatId }),
      ...(before === undefined ? {} : { before }),
      limit: size,
    })
    const unknown = [...new Set(hits.map((h) => h.chatId))].filter((id) => !access.has(id))
    const loaded = await loadChats(ctx, ctx.db, unknown, viewer)
    for (const id of unknown) access.set(id, loaded.get(id) ?? null)
    const visible = hits.filter((h) => access.get(h.chatId) && keep(h))
    const complete = hits.length < size
    if (visible.length > limit)
      return { hits: visible.slice(0, limit), nextBefore: visible[limit - 1]!.messageId }
    if (complete) return { hits: visible, nextBefore: null }
    if (visible.length === limit || size >= MAX_READ)
      return { hits: visible, nextBefore: hits.at(-1)!.messageId }
  }
}
