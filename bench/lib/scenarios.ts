import type { Palaver } from '../../src/palaver.js'
import { USER_HEADER } from './databases.js'
import { chatMessageCount, chatsPerUser, FLAG_DELETED, HEAVY_USER, type Plan } from './dataset.js'
import { int, pick, rng, shuffle, WeightedSampler } from './random.js'

export type ScenarioId = 'history' | 'chatList' | 'unread' | 'search'

/** One request of a scenario; `tag` groups requests for the detail table (chat kind, search word). */
export interface Call {
  path: string
  user: string
  tag: string
}

export interface Scenario {
  id: ScenarioId
  title: string
  /** The p95 target on SQLite, in ms; PostgreSQL's is twice that. */
  targetMs: number
  warmup: Call[]
  calls: Call[]
  /** The tags of `calls`, in the order the detail table lists them. */
  tags: string[]
  notes: string[]
}

export interface SearchWord {
  word: string
  rank: number
}

const PAGE = 50

/**
 * Chats whose newest page has reactions and at least one message of a member who opens it (so the
 * page carries receipts), each with such a viewer. Read from the plan, so both databases get the same requests.
 */
function historyCandidates(plan: Plan) {
  const reacted = new Set(plan.reactions.map((r) => r.messageId))
  const candidates: Array<{ chatId: number; kind: string; messages: number; viewers: string[] }> = []
  for (const [c, chat] of plan.chats.entries()) {
    const count = chatMessageCount(plan, c)
    if (count < PAGE || chat.members.length < 2) continue
    const from = plan.offsets[c]! + count - PAGE
    const page = plan.messageIds.subarray(from, from + PAGE)
    if (!page.some((id) => reacted.has(id))) continue
    const senders = new Set<number>()
    for (const id of page) if (plan.flags[id - 1] !== FLAG_DELETED) senders.add(plan.senderOf[id - 1]!)
    if (senders.size === 0) continue
    candidates.push({
      chatId: chat.id,
      kind: chat.kind,
      messages: count,
      viewers: [...senders].map((u) => plan.users[u]!.id),
    })
  }
  return candidates
}

/** Words spread over the frequency range: from very common (top 1%) to rare (bottom half). */
export function searchWords(plan: Plan): SearchWord[] {
  const size = plan.vocabulary.length
  const ranks = [5, 25, 100, 400, Math.min(size - 1, 1500), Math.min(size - 1, 3000)]
  return [...new Set(ranks)].map((rank) => ({ word: plan.vocabulary[rank - 1]!, rank }))
}

export function buildScenarios(plan: Plan, iterations: number, warmup: number): Scenario[] {
  const random = rng(plan.config.seed ^ 0x5eed)
  const total = iterations + warmup
  const split = (calls: Call[]) => ({ warmup: calls.slice(0, warmup), calls: calls.slice(warmup) })

  // (1) History: random chats with reactions and receipts, newest page of 50. Chats are opened in
  // proportion to their traffic (a busy room is opened more often than a quiet DM).
  const candidates = historyCandidates(plan)
  const opened = new WeightedSampler(candidates.map((c) => c.messages))
  const history: Call[] = []
  for (let i = 0; i < total; i++) {
    const chat = candidates[opened.sample(random)]!
    history.push({
      path: `/api/chats/${chat.chatId}/messages/?limit=${PAGE}`,
      user: pick(random, chat.viewers),
      tag: chat.kind,
    })
  }
  const byKind = new Map<string, number>()
  for (const c of candidates) byKind.set(c.kind, (byKind.get(c.kind) ?? 0) + 1)

  // (2) Chat list of the heavy user (first page, with unread counts and last messages).
  const heavyIndex = plan.users.findIndex((u) => u.id === HEAVY_USER)
  const perUser = chatsPerUser(plan)
  const chatList: Call[] = Array.from({ length: total }, () => ({
    path: '/api/chats/',
    user: HEAVY_USER,
    tag: `${HEAVY_USER} (${perUser[heavyIndex]} chats)`,
  }))
  const heavyUnread = plan.chats.filter((chat, c) => {
    const k = chat.members.indexOf(heavyIndex)
    if (k < 0 || chatMessageCount(plan, c) === 0) return false
    return plan.lastRead[c]![k]! < plan.messageIds[plan.offsets[c + 1]! - 1]!
  }).length

  // (2b) The heavy user's unread total over all their chats, which the messages page asks for beside the
  // chat list's first page (the title counts the chats not loaded yet).
  const unread: Call[] = Array.from({ length: total }, () => ({
    path: '/api/unread/',
    user: HEAVY_USER,
    tag: chatList[0]!.tag,
  }))

  // (3) Search: words of varied frequency, by users in 50–500 chats (the heavy user among them).
  const searchers = shuffle(
    random,
    plan.users.filter((_, u) => perUser[u]! >= 50 && perUser[u]! <= 500 && u !== heavyIndex),
  )
    .slice(0, 24)
    .map((u) => u.id)
  searchers.push(HEAVY_USER)
  const words = searchWords(plan)
  const search: Call[] = []
  for (let i = 0; i < total; i++) {
    const { word, rank } = words[i % words.length]!
    search.push({
      path: `/api/search/?q=${encodeURIComponent(word)}`,
      user: searchers[int(random, 0, searchers.length - 1)]!,
      tag: `"${word}" (rank ${rank})`,
    })
  }
  const searcherChats = searchers.map((id) => perUser[plan.users.findIndex((u) => u.id === id)]!)

  return [
    {
      id: 'history',
      title: 'History page (50 messages)',
      targetMs: 5,
      ...split(history),
      tags: ['dm', 'group', 'room'],
      notes: [
        `GET /messages/api/chats/:id/messages/?limit=50 on ${candidates.length} candidate chats whose newest page has reactions and the viewer's own messages (receipts) — ${[...byKind].map(([k, n]) => `${n} ${k}s`).join(', ')}; each chat picked in proportion to its number of messages, the viewer among the members who wrote on that page`,
      ],
    },
    {
      id: 'chatList',
      title: 'Chat list (heavy user)',
      targetMs: 20,
      ...split(chatList),
      tags: [chatList[0]!.tag],
      notes: [
        `GET /messages/api/chats/ as ${HEAVY_USER}, member of ${perUser[heavyIndex]} chats, ${heavyUnread} of them with unread messages (first page: 30 chats)`,
      ],
    },
    {
      id: 'unread',
      title: 'Unread total (heavy user)',
      targetMs: 20,
      ...split(unread),
      tags: [unread[0]!.tag],
      notes: [
        `GET /messages/api/unread/ as ${HEAVY_USER}: the unread messages of all ${perUser[heavyIndex]} chats (${heavyUnread} with any), of each chat with any, and the total`,
      ],
    },
    {
      id: 'search',
      title: 'Message search',
      targetMs: 30,
      ...split(search),
      tags: words.map(({ word, rank }) => `"${word}" (rank ${rank})`),
      notes: [
        `GET /messages/api/search/?q=<word> for ${words.length} words (Zipf ranks ${words.map((w) => w.rank).join(', ')} of ${plan.vocabulary.length}), by ${searchers.length} users in ${Math.min(...searcherChats)}–${Math.max(...searcherChats)} chats`,
      ],
    },
  ]
}

/** Sends one request through Palaver's web-standard handler and reads the whole body. */
export async function send(palaver: Palaver, call: Call): Promise<string> {
  const response = await palaver.fetch(
    new Request(`http://bench.local${palaver.options.basePath}${call.path}`, {
      headers: { [USER_HEADER]: call.user },
    }),
  )
  const text = await response.text()
  if (response.status !== 200)
    throw new Error(`${call.path} as ${call.user}: HTTP ${response.status} ${text.slice(0, 300)}`)
  return text
}

export interface Timing {
  tag: string
  ms: number
}

/** Warm-up calls, then the timed ones, one at a time. */
export async function runScenario(palaver: Palaver, scenario: Scenario): Promise<Timing[]> {
  for (const call of scenario.warmup) await send(palaver, call)
  const timings: Timing[] = []
  for (const call of scenario.calls) {
    const started = performance.now()
    await send(palaver, call)
    timings.push({ tag: call.tag, ms: performance.now() - started })
  }
  return timings
}

export interface Stats {
  n: number
  p50: number
  p95: number
  p99: number
  mean: number
  max: number
}

/** Nearest-rank percentiles. */
export function stats(values: readonly number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN
  const sum = sorted.reduce((a, b) => a + b, 0)
  return {
    n: sorted.length,
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    mean: sum / sorted.length,
    max: sorted[sorted.length - 1] ?? Number.NaN,
  }
}
