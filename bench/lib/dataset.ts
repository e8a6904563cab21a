import { gauss, int, mix, pick, rng, shuffle, WeightedSampler } from './random.js'

/**
 * The synthetic data set: who exists, which chats they are in, who said what when, who reacted,
 * and how far everyone has read. The plan (everything but message text) is built in memory from a
 * seed; message bodies are derived from (seed, message id) when the rows are written, so every
 * database gets exactly the same rows and a cached database can be re-planned without re-reading it.
 */

export interface DatasetConfig {
  name: 'full' | 'quick'
  seed: number
  users: number
  chats: number
  messages: number
  /** Big content-object rooms. */
  rooms: number
  roomSize: readonly [number, number]
  /** The chats of the heavy user (u0001). */
  heavyChats: number
  vocabulary: number
  /** Newest messages whose message.created events stay in the log (older ones count as pruned). */
  eventTail: number
}

/** Bump when the generator changes, so cached databases are regenerated. */
export const GENERATOR_VERSION = 1

export const FULL: DatasetConfig = {
  name: 'full',
  seed: 20_240_601,
  users: 2000,
  chats: 10_000,
  messages: 1_000_000,
  rooms: 50,
  roomSize: [200, 1000],
  heavyChats: 500,
  vocabulary: 4000,
  eventTail: 20_000,
}

export const QUICK: DatasetConfig = {
  name: 'quick',
  seed: 20_240_601,
  users: 500,
  chats: 1500,
  messages: 50_000,
  rooms: 10,
  roomSize: [50, 300],
  heavyChats: 200,
  vocabulary: 3000,
  eventTail: 2000,
}

export const HEAVY_USER = 'u0001'
export const ROOM_CONTENT_TYPE = 'topic'
const DAY = 86_400_000
export const EPOCH = Date.UTC(2024, 0, 1)
const CHAT_SPAN = 60 * DAY
const MESSAGE_SPAN = 365 * DAY

export const EMOJI = ['👍', '❤️', '😂', '🎉', '😮', '😢', '🙏', '👀'] as const
const EMOJI_SAMPLER = new WeightedSampler([40, 20, 15, 8, 6, 4, 4, 3])

export const FLAG_DELETED = 1
export const FLAG_EDITED = 2

export interface PlannedUser {
  id: string
  username: string
  name: string
  email: string
}

export interface PlannedChat {
  id: number
  kind: 'dm' | 'group' | 'room'
  title: string | null
  dmKey: string | null
  contentType: string | null
  objectId: string | null
  createdAt: number
  /** User indices, in joining order; the first one created the chat. */
  members: number[]
}

export interface PlannedReaction {
  messageId: number
  user: number
  emoji: string
  createdAt: number
}

export interface Plan {
  config: DatasetConfig
  vocabulary: string[]
  users: PlannedUser[]
  chats: PlannedChat[]
  /** Per message (index = id - 1): chat index, sender user index, time, flags. */
  chatOf: Int32Array
  senderOf: Int32Array
  createdAt: Float64Array
  flags: Uint8Array
  /** Message ids of chat c are messageIds[offsets[c] .. offsets[c + 1]), ascending. */
  offsets: Int32Array
  messageIds: Int32Array
  reactions: PlannedReaction[]
  /** Read marks per chat, aligned with chat.members. */
  lastRead: Int32Array[]
}

const FIRST = [
  'Ada',
  'Ben',
  'Chloe',
  'Dmitri',
  'Elena',
  'Farid',
  'Greta',
  'Hiro',
  'Ines',
  'Jonas',
  'Kofi',
  'Lena',
  'Mateo',
  'Nadia',
  'Omar',
  'Priya',
  'Quentin',
  'Rosa',
  'Sven',
  'Tariq',
  'Uma',
  'Viktor',
  'Wen',
  'Ximena',
  'Yusuf',
  'Zoë',
  'Anouk',
  'Bruno',
  'Camille',
  'Darius',
  'Émile',
  'Freya',
  'Gustav',
  'Hana',
  'Ivo',
  'Jade',
]
const LAST = [
  'Almeida',
  'Berg',
  'Costa',
  'Dubois',
  'Eriksen',
  'Fischer',
  'García',
  'Hoffmann',
  'Ivanova',
  'Jensen',
  'Kowalski',
  'Laurent',
  'Müller',
  'Nakamura',
  'Okafor',
  'Petrov',
  'Quinn',
  'Rossi',
  'Schmidt',
  'Tanaka',
  'Urbano',
  'Vasquez',
  'Weber',
  'Xu',
  'Yilmaz',
  'Zhang',
  'Novak',
  'Moreau',
  'Lindqvist',
  'Haddad',
]

/** Pronounceable made-up words, most frequent first (Zipf rank = index). */
export function makeVocabulary(size: number, seed: number): string[] {
  const random = rng(mix(seed, 1))
  const onsets = [
    'b',
    'd',
    'f',
    'g',
    'h',
    'k',
    'l',
    'm',
    'n',
    'p',
    'r',
    's',
    't',
    'v',
    'z',
    'ch',
    'sh',
    'tr',
    'br',
    'st',
  ]
  const vowels = ['a', 'e', 'i', 'o', 'u', 'ai', 'ou', 'ea']
  const codas = ['', '', '', 'n', 'r', 's', 'l', 'm', 'k', 't']
  const words = new Set<string>()
  while (words.size < size) {
    const syllables = random() < 0.35 ? 2 : random() < 0.8 ? 3 : 4
    let word = ''
    for (let s = 0; s < syllables; s++) word += pick(random, onsets) + pick(random, vowels)
    word += pick(random, codas)
    words.add(word)
  }
  return [...words]
}

function zipf(size: number, exponent: number): WeightedSampler {
  const weights = new Float64Array(size)
  for (let r = 0; r < size; r++) weights[r] = 1 / (r + 1) ** exponent
  return new WeightedSampler(weights)
}

/** Builds everything but the message text. Deterministic in the config. */
export function makePlan(config: DatasetConfig): Plan {
  const random = rng(config.seed)
  const vocabulary = makeVocabulary(config.vocabulary, config.seed)

  // Users: u0001 is the heavy user (placed by hand); ~5% are very active and land in many chats.
  const users: PlannedUser[] = []
  const userWeights = new Float64Array(config.users)
  const activeUsers = Math.round(config.users * 0.05)
  for (let i = 0; i < config.users; i++) {
    const first = pick(random, FIRST)
    const last = pick(random, LAST)
    const username = `${first.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()}${i + 1}`
    users.push({
      id: `u${String(i + 1).padStart(4, '0')}`,
      username,
      name: `${first} ${last}`,
      email: `${username}@example.com`,
    })
    userWeights[i] = i === 0 ? 0 : i <= activeUsers ? 4 + 12 * random() : 0.5 + random()
  }
  const userSampler = new WeightedSampler(userWeights)

  // Chats: a few big rooms, 60% DMs, the rest groups of 3–30; kinds interleaved over time.
  const dmCount = Math.round(config.chats * 0.6)
  const groupCount = config.chats - dmCount - config.rooms
  const kinds: PlannedChat['kind'][] = shuffle(random, [
    ...Array<PlannedChat['kind']>(dmCount).fill('dm'),
    ...Array<PlannedChat['kind']>(groupCount).fill('group'),
    ...Array<PlannedChat['kind']>(config.rooms).fill('room'),
  ])
  const heavyRooms = Math.min(config.rooms, Math.round(config.heavyChats * 0.04))
  const heavyDms = Math.round(config.heavyChats * 0.3)
  const heavyGroups = config.heavyChats - heavyRooms - heavyDms
  const indicesOf = (kind: PlannedChat['kind']) => kinds.flatMap((k, i) => (k === kind ? [i] : []))
  const withHeavy = new Set([
    ...shuffle(random, indicesOf('dm')).slice(0, heavyDms),
    ...shuffle(random, indicesOf('group')).slice(0, heavyGroups),
    ...shuffle(random, indicesOf('room')).slice(0, heavyRooms),
  ])

  const dmKeys = new Set<string>()
  const chats: PlannedChat[] = []
  let roomNumber = 0
  for (let c = 0; c < config.chats; c++) {
    const kind = kinds[c]!
    const createdAt = EPOCH + Math.floor((c / config.chats) * CHAT_SPAN)
    let members: number[]
    let title: string | null = null
    let dmKey: string | null = null
    let contentType: string | null = null
    let objectId: string | null = null
    if (kind === 'dm') {
      for (;;) {
        members = withHeavy.has(c) ? [0, userSampler.sample(random)] : userSampler.sampleDistinct(random, 2)
        if (random() < 0.5) members.reverse()
        const pair = members.map((m) => users[m]!.id).sort()
        dmKey = JSON.stringify(pair)
        if (!dmKeys.has(dmKey)) break
      }
      dmKeys.add(dmKey)
    } else if (kind === 'group') {
      const size = Math.min(30, 3 + Math.floor(27 * random() ** 2.2))
      members = userSampler.sampleDistinct(random, size)
      if (withHeavy.has(c)) members[int(random, 1, members.length - 1)] = 0
      if (random() < 0.85) {
        const word = vocabulary[int(random, 0, Math.min(999, vocabulary.length - 1))]!
        title = `${word[0]!.toUpperCase()}${word.slice(1)} ${pick(random, ['team', 'project', 'crew', 'club', 'weekend', 'planning', 'support'])}`
      }
    } else {
      roomNumber++
      members = userSampler.sampleDistinct(random, int(random, config.roomSize[0], config.roomSize[1]))
      if (withHeavy.has(c)) members[int(random, 1, members.length - 1)] = 0
      title = `Topic ${roomNumber}`
      contentType = ROOM_CONTENT_TYPE
      objectId = `t${roomNumber}`
    }
    chats.push({ id: c + 1, kind, title, dmKey, contentType, objectId, createdAt, members })
  }

  // How busy each chat is: rooms carry ~20% of the traffic, groups ~60%, DMs ~20%, log-normal within a kind.
  const share = { dm: 0.2, group: 0.6, room: 0.2 }
  const raw = chats.map(
    (chat) => Math.exp(gauss(random)) * (chat.kind === 'group' ? Math.sqrt(chat.members.length) : 1),
  )
  const kindTotals = { dm: 0, group: 0, room: 0 }
  chats.forEach((chat, c) => {
    kindTotals[chat.kind] += raw[c]!
  })
  const chatSampler = new WeightedSampler(
    chats.map((chat, c) =>
      kindTotals[chat.kind] > 0 ? (raw[c]! / kindTotals[chat.kind]) * share[chat.kind] : 0,
    ),
  )

  const n = config.messages
  const chatOf = new Int32Array(n)
  const senderOf = new Int32Array(n)
  const createdAt = new Float64Array(n)
  const flags = new Uint8Array(n)
  const lastSent = new Map<number, number>()
  const reactions: PlannedReaction[] = []
  const start = EPOCH + CHAT_SPAN
  for (let i = 0; i < n; i++) {
    const id = i + 1
    const c = chatSampler.sample(random)
    const members = chats[c]!.members
    // A few members do most of the talking.
    const sender = members[Math.floor(members.length * random() ** 1.6)]!
    chatOf[i] = c
    senderOf[i] = sender
    createdAt[i] = start + Math.floor((i / n) * MESSAGE_SPAN) + int(random, 0, 999)
    const r = random()
    flags[i] = r < 0.005 ? FLAG_DELETED : r < 0.02 ? FLAG_EDITED : 0
    lastSent.set(c * config.users + sender, id)
    if (flags[i] !== FLAG_DELETED && random() < 0.05) {
      const count = random() < 0.55 ? 1 : random() < 0.55 ? 2 : random() < 0.6 ? 3 : int(random, 4, 6)
      const seen = new Set<string>()
      for (let k = 0; k < count; k++) {
        const emoji = EMOJI[EMOJI_SAMPLER.sample(random)]!
        const user = pick(random, members)
        const key = `${emoji}|${user}`
        if (seen.has(key)) continue
        seen.add(key)
        reactions.push({
          messageId: id,
          user,
          emoji,
          createdAt: createdAt[i]! + int(random, 1000, 7_200_000),
        })
      }
    }
  }

  // Messages of each chat, ascending (a counting sort by chat).
  const offsets = new Int32Array(config.chats + 1)
  for (let i = 0; i < n; i++) offsets[chatOf[i]! + 1]!++
  for (let c = 0; c < config.chats; c++) offsets[c + 1]! += offsets[c]!
  const fill = offsets.slice(0, config.chats)
  const messageIds = new Int32Array(n)
  for (let i = 0; i < n; i++) messageIds[fill[chatOf[i]!]!++] = i + 1

  // Read marks: about half the memberships are caught up; the rest lag 1–400 messages behind,
  // but never behind the member's own last message (sending marks the chat read).
  const lastRead = chats.map((chat, c) => {
    const from = offsets[c]!
    const count = offsets[c + 1]! - from
    const marks = new Int32Array(chat.members.length)
    chat.members.forEach((user, k) => {
      if (count === 0) return
      let mark = messageIds[from + count - 1]!
      if (random() >= 0.55) {
        const lag = Math.floor(Math.exp(random() * Math.log(400)))
        mark = lag >= count ? 0 : messageIds[from + count - 1 - lag]!
      }
      marks[k] = Math.max(mark, lastSent.get(c * config.users + user) ?? 0)
    })
    return marks
  })

  return {
    config,
    vocabulary,
    users,
    chats,
    chatOf,
    senderOf,
    createdAt,
    flags,
    offsets,
    messageIds,
    reactions,
    lastRead,
  }
}

const WORD_SAMPLERS = new Map<number, WeightedSampler>()

/** The text of message `id`: Zipf-distributed words, a sentence or two. Null for a deleted message. */
export function messageBody(plan: Plan, id: number): string | null {
  if (plan.flags[id - 1] === FLAG_DELETED) return null
  const { vocabulary } = plan
  let sampler = WORD_SAMPLERS.get(vocabulary.length)
  if (!sampler) WORD_SAMPLERS.set(vocabulary.length, (sampler = zipf(vocabulary.length, 1)))
  const random = rng(mix(plan.config.seed, id))
  const count = Math.max(1, Math.min(60, Math.round(Math.exp(Math.log(8) + 0.7 * gauss(random)))))
  const words: string[] = []
  for (let k = 0; k < count; k++) {
    let word = vocabulary[sampler.sample(random)]!
    if (k === 0) word = word[0]!.toUpperCase() + word.slice(1)
    else if (random() < 0.06) word += ','
    words.push(word)
  }
  return `${words.join(' ')}${pick(random, ['', '.', '.', '.', '?', '!'])}`
}

export function chatMessageCount(plan: Plan, c: number): number {
  return plan.offsets[c + 1]! - plan.offsets[c]!
}

export function lastMessageId(plan: Plan, c: number): number {
  const count = chatMessageCount(plan, c)
  return count === 0 ? 0 : plan.messageIds[plan.offsets[c]! + count - 1]!
}

/** Users' number of chats, by user index. */
export function chatsPerUser(plan: Plan): Int32Array {
  const counts = new Int32Array(plan.users.length)
  for (const chat of plan.chats) for (const m of chat.members) counts[m]!++
  return counts
}

/** A fingerprint of what was generated, stored with a cached database. */
export function datasetKey(config: DatasetConfig): string {
  return JSON.stringify({ generator: GENERATOR_VERSION, ...config })
}
