import type { MemberMarks } from '../schemas.js'
import { type Context, transact } from '../services/context.js'
import { receiptEvent } from '../services/events.js'
import type { DeliveredMark } from '../storage/dialect.js'

const MARKS_PER_CHANGE = 25

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
      // Background changes of a few dozen marks each (one statement each on PostgreSQL), whole chats
      // each: they ride along with the batches a few at a time, so their receipts never come as one burst.
      // A chat's moved marks go out as one receipt.updated: its members get one event, not one per member.
      const changes = chunksOfWholeChats(marks, MARKS_PER_CHANGE).map((chunk) =>
        transact(
          this.ctx,
          async (tx) => {
            const byChat = new Map<number, MemberMarks[]>()
            for (const { chatId, ...moved } of await this.ctx.dialect.raiseDeliveredMarks(tx.db, chunk)) {
              let chat = byChat.get(chatId)
              if (!chat) byChat.set(chatId, (chat = []))
              chat.push(moved)
            }
            for (const [chatId, moved] of byChat) tx.emit(receiptEvent(chatId, moved))
          },
          { background: true },
        ),
      )
      await Promise.all(changes)
    } catch (error) {
      // Best effort: opening the chat marks it delivered anyway.
      console.warn('[palaver] could not record deliveries:', (error as Error).message)
    }
  }
}

/** Marks in chunks of about `size`, never splitting one chat's marks over two chunks. */
function chunksOfWholeChats(marks: readonly DeliveredMark[], size: number): DeliveredMark[][] {
  const sorted = [...marks].sort((a, b) => a.chatId - b.chatId)
  const chunks: DeliveredMark[][] = []
  let chunk: DeliveredMark[] = []
  for (const mark of sorted) {
    if (chunk.length >= size && chunk.at(-1)!.chatId !== mark.chatId) {
      chunks.push(chunk)
      chunk = []
    }
    chunk.push(mark)
  }
  if (chunk.length > 0) chunks.push(chunk)
  return chunks
}
