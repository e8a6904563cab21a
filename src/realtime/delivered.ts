import { type Context, transact } from '../services/context.js'
import { receiptEvent } from '../services/events.js'
import type { DeliveredMark } from '../storage/dialect.js'

/**
 * Moves members' "delivered" marks when their connection hands them a message, so the sender
 * sees "delivered" before anyone opens the chat. Batched: at most one write per member and chat
 * per interval; rooms are left out (receipts are for DMs and groups).
 */
export class DeliveryMarks {
  private pending = new Map<string, DeliveredMark>()
  private timer: NodeJS.Timeout | undefined
  private flushing: Promise<void> = Promise.resolve()

  constructor(
    private readonly ctx: Context,
    private readonly intervalMs: number,
  ) {}

  note(chatId: number, userId: string, messageId: number): void {
    const key = `${chatId}:${userId}`
    const known = this.pending.get(key)
    if (known && known.messageId >= messageId) return
    this.pending.set(key, { chatId, userId, messageId })
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined
        this.flushing = this.flushing.then(() => this.flush())
      }, this.intervalMs)
      this.timer.unref()
    }
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    await this.flushing
    this.pending.clear()
  }

  private async flush(): Promise<void> {
    const batch = [...this.pending.values()]
    this.pending.clear()
    if (batch.length === 0) return
    try {
      const receiving = await this.ctx.db
        .selectFrom('palaver_chats')
        .select('id')
        .where('id', 'in', [...new Set(batch.map((p) => p.chatId))])
        .where('kind', '!=', 'room')
        .execute()
      const chats = new Set(receiving.map((c) => c.id))
      const marks = batch.filter((p) => chats.has(p.chatId))
      if (marks.length === 0) return
      // One background change for all of them: one statement on PostgreSQL, however many members.
      await transact(
        this.ctx,
        async (tx) => {
          for (const moved of await this.ctx.dialect.raiseDeliveredMarks(tx.db, marks)) {
            tx.emit(
              receiptEvent(moved.chatId, moved.userId, moved.lastReadMessageId, moved.lastDeliveredMessageId),
            )
          }
        },
        { background: true },
      )
    } catch (error) {
      // Best effort: opening the chat marks it delivered anyway.
      console.warn('[palaver] could not record deliveries:', (error as Error).message)
    }
  }
}
