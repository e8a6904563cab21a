import { randomUUID } from 'node:crypto'
import type { PubSub } from './pubsub.js'

export const PRESENCE_CHANNEL = 'palaver:presence'
const HEARTBEAT_MS = 15_000
/** A process that stops sending heartbeats (it crashed) takes its users offline after this long. */
const NODE_EXPIRES_MS = 40_000

interface PresenceMessage {
  node: string
  /** Every user this process has online: the heartbeat, which also corrects any lost change. */
  users?: string[]
  /** A change: users who came online here, or went. */
  joined?: string[]
  left?: string[]
  /** The process is stopping: forget it (its users go offline unless another process has them). */
  gone?: boolean
}

/**
 * Who is online, across tabs and processes. Ephemeral like typing: it travels by pub/sub only.
 * Each process announces the set of users it serves; a user is online while any process has them.
 */
export class Presence {
  /** This process, as the others know it. */
  readonly node = randomUUID()
  private readonly connections = new Map<string, number>()
  /** Users kept online by polling clients until the time given (epoch ms). */
  private readonly polling = new Map<string, number>()
  private readonly nodes = new Map<string, { users: Set<string>; seenAt: number }>()
  private timer: NodeJS.Timeout | undefined
  private unsubscribe: () => void = () => {}

  constructor(
    private readonly pubsub: PubSub,
    private readonly onChange: (userId: string, online: boolean) => void,
  ) {}

  start(): void {
    this.unsubscribe = this.pubsub.subscribe(PRESENCE_CHANNEL, (message) => this.receive(message))
    this.timer = setInterval(() => this.heartbeat(), HEARTBEAT_MS)
    this.timer.unref()
    // Said at once, so that the other processes count this one before its first heartbeat is due.
    this.heartbeat()
  }

  stop(): void {
    clearInterval(this.timer)
    this.connections.clear()
    this.polling.clear()
    this.announce({ node: this.node, users: [], gone: true })
    this.unsubscribe()
  }

  /** The processes of the deployment that are alive as far as this one knows, itself included, sorted. */
  liveNodes(): string[] {
    const now = Date.now()
    const live = [...this.nodes].filter(([, { seenAt }]) => now - seenAt < NODE_EXPIRES_MS).map(([n]) => n)
    if (!live.includes(this.node)) live.push(this.node)
    return live.sort()
  }

  isOnline(userId: string): boolean {
    const now = Date.now()
    for (const { users, seenAt } of this.nodes.values())
      if (users.has(userId) && now - seenAt < NODE_EXPIRES_MS) return true
    return false
  }

  connected(userId: string): void {
    const before = this.isLocal(userId)
    this.connections.set(userId, (this.connections.get(userId) ?? 0) + 1)
    if (!before) this.announce({ node: this.node, joined: [userId] })
  }

  disconnected(userId: string): void {
    const count = (this.connections.get(userId) ?? 0) - 1
    if (count > 0) this.connections.set(userId, count)
    else this.connections.delete(userId)
    if (!this.isLocal(userId)) this.announce({ node: this.node, left: [userId] })
  }

  /** A polling client counts as online until its next poll is overdue. */
  polled(userId: string, forMs: number): void {
    const before = this.isLocal(userId)
    this.polling.set(userId, Date.now() + forMs)
    if (!before) this.announce({ node: this.node, joined: [userId] })
  }

  /** Constant time, so ten thousand connections do not cost ten thousand squared. */
  private isLocal(userId: string): boolean {
    return this.connections.has(userId) || (this.polling.get(userId) ?? 0) > Date.now()
  }

  private localUsers(): Set<string> {
    const now = Date.now()
    const users = new Set(this.connections.keys())
    for (const [userId, until] of this.polling) {
      if (until > now) users.add(userId)
      else this.polling.delete(userId)
    }
    return users
  }

  private heartbeat(): void {
    this.announce({ node: this.node, users: [...this.localUsers()] })
    // Forget processes that went quiet, telling subscribers about the users they took with them.
    const now = Date.now()
    for (const [node, entry] of this.nodes) {
      if (now - entry.seenAt < NODE_EXPIRES_MS) continue
      this.nodes.delete(node)
      for (const userId of entry.users) if (!this.isOnline(userId)) this.onChange(userId, false)
    }
  }

  private announce(message: PresenceMessage): void {
    // Applied here directly, so this process's own users show even while pub/sub is down.
    this.apply(message)
    void this.pubsub.publish(PRESENCE_CHANNEL, JSON.stringify(message))
  }

  private receive(raw: string): void {
    let message: PresenceMessage
    try {
      message = JSON.parse(raw) as PresenceMessage
    } catch {
      return
    }
    if (message.node === this.node) return
    const newcomer = !this.nodes.has(message.node) && message.gone !== true
    this.apply(message)
    // A process that just started hears from this one at once, not at its next heartbeat.
    if (newcomer) this.heartbeat()
  }

  private apply(message: PresenceMessage): void {
    const entry = this.nodes.get(message.node) ?? { users: new Set<string>(), seenAt: 0 }
    const strings = (list: unknown) => (Array.isArray(list) ? list.filter((u) => typeof u === 'string') : [])
    const full = Array.isArray(message.users) ? strings(message.users) : null
    const affected = full
      ? new Set([...entry.users, ...full])
      : new Set([...strings(message.joined), ...strings(message.left)])
    const wasOnline = new Map([...affected].map((u) => [u, this.isOnline(u)]))
    if (full) entry.users = new Set(full)
    for (const userId of strings(message.joined)) entry.users.add(userId)
    for (const userId of strings(message.left)) entry.users.delete(userId)
    entry.seenAt = Date.now()
    if (message.gone === true) this.nodes.delete(message.node)
    else this.nodes.set(message.node, entry)
    for (const [userId, was] of wasOnline) {
      const now = this.isOnline(userId)
      if (now !== was) this.onChange(userId, now)
    }
  }
}
