import type { ChatDetailView, MessageView, ReceiptStatus } from '../../client/index.js'

const rank: Record<ReceiptStatus, number> = { sent: 0, delivered: 1, read: 2 }

/**
 * How far the other members got, per member (their read and delivered high-water marks), as
 * receipt.updated events move them. A message of mine is read when every other member read it,
 * delivered when it reached every one of them (the server's rule, src/services/views.ts).
 */
export class ReceiptMarks {
  readonly #marks = new Map<string, { read: number; delivered: number }>()
  #minRead = 0
  #minDelivered = 0

  constructor(private readonly viewerId: string | null) {}

  /** Starts over from a chat's members (their read marks; delivered is at least read). */
  reset(chat: Pick<ChatDetailView, 'members'>): void {
    this.#marks.clear()
    for (const member of chat.members) {
      if (member.user.id === this.viewerId) continue
      const read = member.lastReadMessageId
      this.#marks.set(member.user.id, { read, delivered: read })
    }
    this.#recount()
  }

  update(userId: string, read: number, delivered: number): void {
    if (userId === this.viewerId) return
    const mark = this.#marks.get(userId) ?? { read: 0, delivered: 0 }
    this.#marks.set(userId, {
      read: Math.max(mark.read, read),
      delivered: Math.max(mark.delivered, delivered, read),
    })
    this.#recount()
  }

  add(userId: string): void {
    if (userId !== this.viewerId && !this.#marks.has(userId))
      this.#marks.set(userId, { read: 0, delivered: 0 })
    this.#recount()
  }

  remove(userId: string): void {
    this.#marks.delete(userId)
    this.#recount()
  }

  /** The status of one of my messages: the best of what the server said when it was loaded and what the marks say now. */
  status(message: MessageView): ReceiptStatus | null {
    if (message.senderId !== this.viewerId || message.deleted) return null
    const known = message.receipt?.status ?? 'sent'
    if (this.#marks.size === 0) return known
    const now: ReceiptStatus =
      message.id <= this.#minRead ? 'read' : message.id <= this.#minDelivered ? 'delivered' : 'sent'
    return rank[now] > rank[known] ? now : known
  }

  #recount(): void {
    let read = Number.POSITIVE_INFINITY
    let delivered = Number.POSITIVE_INFINITY
    for (const mark of this.#marks.values()) {
      read = Math.min(read, mark.read)
      delivered = Math.min(delivered, mark.delivered)
    }
    this.#minRead = this.#marks.size ? read : 0
    this.#minDelivered = this.#marks.size ? delivered : 0
  }
}
