import { oneLine } from '../client/formatting.js'

/**
 * The text side of message search, the same on every database: which words a query has, how well a
 * message matches them, and the snippet that shows why. The database only finds candidates and says
 * which words match a term (its lower-casing, accent folding and, for a PostgreSQL language, stemming).
 */

/** How a word of a message matches a term of the query. */
export type TermMatch = 'exact' | 'prefix'

/** For each word of some messages that matches a term: the term's index and how it matches. */
export type WordMatches = ReadonlyMap<string, { term: number; match: TermMatch }>

const wordPattern = /[\p{L}\p{N}\p{M}]+/gu

/** The words of a query, without anything a search engine would read as syntax. */
export function searchTerms(query: string): string[] {
  return (query.normalize('NFKC').match(wordPattern) ?? []).slice(0, 8)
}

/** The distinct words of some texts, as the matcher is asked about them. */
export function wordsOf(texts: Iterable<string>): string[] {
  const words = new Set<string>()
  for (const text of texts) for (const word of text.match(wordPattern) ?? []) words.add(word)
  return [...words]
}

// BM25's saturation and length normalisation; a word that only starts with a term counts less than the term.
const saturation = 1.2
const lengthWeight = 0.75
const prefixWeight = 0.5

/**
 * How relevant each message is: BM25 over the candidates (the rarer a term among them, the more it
 * counts), with whole-word matches above prefix matches.
 */
export function relevance(bodies: readonly string[], termCount: number, matches: WordMatches): number[] {
  const counts = bodies.map((body) => {
    const words = body.match(wordPattern) ?? []
    const perTerm = new Array<number>(termCount).fill(0)
    for (const word of words) {
      const found = matches.get(word)
      if (found) perTerm[found.term]! += found.match === 'exact' ? 1 : prefixWeight
    }
    return { length: words.length, perTerm }
  })
  const averageLength = counts.reduce((sum, c) => sum + c.length, 0) / Math.max(1, counts.length) || 1
  const idf = Array.from({ length: termCount }, (_, t) => {
    const having = counts.filter((c) => c.perTerm[t]! > 0).length
    return Math.log(1 + (counts.length - having + 0.5) / (having + 0.5))
  })
  return counts.map(({ length, perTerm }) =>
    perTerm.reduce((score, tf, t) => {
      const norm = saturation * (1 - lengthWeight + (lengthWeight * length) / averageLength)
      return score + (idf[t]! * tf * (saturation + 1)) / (tf + norm)
    }, 0),
  )
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  )

const snippetWords = 24

/**
 * The text around the best match as HTML: the body as a chat's preview reads it (on one line, without
 * formatting markers), everything escaped, matched words in `<mark>`. The whole text when it is short,
 * otherwise the window of words holding the most matches, with an ellipsis where it was cut.
 */
export function snippet(message: string, matches: WordMatches): string {
  // Markers dropped before the window is cut, so that none is left without its pair at an edge.
  const body = oneLine(message)
  const words = [...body.matchAll(wordPattern)].map((m) => ({
    start: m.index,
    end: m.index + m[0].length,
    hit: matches.has(m[0]),
  }))
  let from = 0
  let to = words.length
  if (words.length > snippetWords) {
    let best = 0
    let bestScore = -1
    let score = 0
    for (let i = 0; i < words.length; i++) {
      score += words[i]!.hit ? 1 : 0
      if (i >= snippetWords) score -= words[i - snippetWords]!.hit ? 1 : 0
      if (i >= snippetWords - 1 && score > bestScore) [best, bestScore] = [i - snippetWords + 1, score]
    }
    // Start a few words before the window's first match (moving the window forward keeps its matches).
    const firstHit = words.findIndex((w, i) => i >= best && w.hit)
    from = Math.max(0, Math.min(words.length - snippetWords, firstHit - 3))
    to = from + snippetWords
  }
  let out = from > 0 ? '…' : ''
  let at = from > 0 ? words[from]!.start : 0
  for (const word of words.slice(from, to)) {
    if (!word.hit) continue
    out += `${escapeHtml(body.slice(at, word.start))}<mark>${escapeHtml(body.slice(word.start, word.end))}</mark>`
    at = word.end
  }
  const end = to < words.length ? words[to - 1]!.end : body.length
  return `${out}${escapeHtml(body.slice(at, end))}${to < words.length ? '…' : ''}`
}
