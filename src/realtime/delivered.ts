import type { MemberMarks } from '../schemas.js'
import { type Context, transact } from '../services/context.js'
import { receiptEvent } from '../services/events.js'
import type { DeliveredMark } from '../storage/dialect.js'

const MARKS_PER_CHANGE = 25
/**
 * The interval is cut into this many slices, and each slice writes the chats that fell due in it: each
 * chat's marks are written an interval after its first pending one, so the writes (and their receipts)
 * come spread over the interval instead of all at once, which stalled every delivery behind them.
 */
const SLICES = 20
const DELIVERED_CHANNEL = 'palaver:delivered'

/** The processes of a deployment, as this one knows them (see Presence). */
export interface Deployment {
  /** This process. */
  self: string
  /** Every process alive, this one included, in the same order in every process. */
  nodes(): readonly string[]
}

interface PendingMark extends DeliveredMark {
  /** Another process sent it here: it is written here, never sent on again. */
  forwarded: boolean
}

/** A forwarded mark on the wire: [chatId, userId, messageId]. */
type WireMark = [number, string, number]

/**
 * Moves members' "delivered" marks when their connection hands them a message, so the sender
 * sees "delivered" before anyone opens the chat. Batched: at most one write per chat per interval,
 * written an interval after the chat's first pending mark; rooms are left out (receipts are for DMs
 * and groups).
 *
 * With several processes, the members of one chat are connected to several of them. Each chat's marks
 * are written by one process (chosen by hashing the chat over the live processes), which the others
 * send theirs to by pub/sub: a chat gets one receipt.updated per interval, not one per process. Two
 * processes that see the deployment differently for a moment (one just started) only write twice.
 */
export class DeliveryMarks {
  /**
   * Pending marks by chat and member. A chat is added when it gets its first pending mark and removed when
   * they are written, so the map's order is the order the chats fall due.
   */
  private pending = new Map<number, { due: number; marks: Map<string, PendingMark> }>()
  private timer: NodeJS.Timeout | undefined
  private flushing: Promise<void> = Promise.resolve()
  private unsubscribe: () => void = () => {}
  private stopped = false

  constructor(
    private readonly ctx: Context,
    private readonly intervalMs: number,
    private readonly deployment: Deployment,
  ) {}

  start(): void {
    this.unsubscribe = this.ctx.pubsub.subscribe(`${DELIVERED_CHANNEL}:${this.deployment.self}`, (message) =>
      this.receive(message),
    )
  }

  note(chatId: number, userId: string, messageId: number, forwarded = false): void {
    if (this.stopped) return // the storage may be closing: a mark is best effort
    let chat = this.pending.get(chatId)
    if (!chat) {
      this.pending.set(chatId, (chat = { due: Date.now() + this.intervalMs, marks: new Map() }))
      this.schedule()
    }
    const known = chat.marks.get(userId)
    if (known && known.messageId >= messageId) {
      known.forwarded ||= forwarded
      return
    }
    chat.marks.set(userId, { chatId, userId, messageId, forwarded: forwarded || (known?.forwarded ?? false) })
  }

  /**
   * Writes every pending mark now instead of when its chat falls due, and resolves once they (and any
   * write in progress) are stored: on shutdown, and for a caller that must see no write come later.
   */
  async writePending(): Promise<void> {
    const batch: PendingMark[] = []
    for (const chat of this.pending.values()) batch.push(...chat.marks.values())
    this.pending.clear()
    this.flushing = this.flushing.then(() => this.flush(batch))
    await this.flushing
  }

  /** Stops taking marks (local or forwarded) and writes the pending ones, so a restart loses none. */
  async stop(): Promise<void> {
    this.stopped = true
    this.unsubscribe()
    clearTimeout(this.timer)
    this.timer = undefined
    await this.writePending()
  }

  /** Wakes up when the first chat falls due, but no sooner than a slice from now. */
  private schedule(): void {
    if (this.timer) return
    const first = this.pending.values().next()
    if (first.done) return
    const slice = this.intervalMs / SLICES
    this.timer = setTimeout(
      () => {
        this.timer = undefined
        const batch = this.takeDue()
        this.flushing = this.flushing.then(() => this.flush(batch))
        this.schedule()
      },
      Math.max(first.value.due - Date.now(), slice),
    )
    this.timer.unref()
  }

  /** The marks of every chat that is due, taken out of `pending`. */
  private takeDue(): PendingMark[] {
    const now = Date.now()
    const batch: PendingMark[] = []
    for (const [chatId, chat] of this.pending) {
      if (chat.due > now) break
      this.pending.delete(chatId)
      batch.push(...chat.marks.values())
    }
    return batch
  }

  private async flush(batch: readonly PendingMark[]): Promise<void> {
    if (batch.length === 0) return
    try {
      const chats = await this.receivingChats([...new Set(batch.map((p) => p.chatId))])
      const marks = this.ownMarks(batch.filter((p) => chats.has(p.chatId)))
      if (marks.length === 0) return
      // Background changes of a few dozen marks each, whole chats each: they go between or along with the
      // batches a few at a time, so their receipts never come as one burst.
      // A chat's moved marks go out as one receipt.updated: its members get one event, not one per member.
      await Promise.all(chunksOfWholeChats(marks, MARKS_PER_CHANGE).map((chunk) => this.raise(chunk)))
    } catch (error) {
      // Best effort: opening the chat marks it delivered anyway.
      console.warn('[palaver] could not record deliveries:', (error as Error).message)
    }
  }

  /** Which of these chats get receipts (they are not rooms), looking up only those of a kind not known yet. */
  private async receivingChats(chatIds: readonly number[]): Promise<Set<number>> {
    const { chatKinds } = this.ctx
    const unknown = chatIds.filter((id) => chatKinds.get(id) === undefined)
    if (unknown.length > 0) {
      const rows = await this.ctx.db
        .selectFrom('palaver_chats')
        .select(['id', 'kind'])
        .where('id', 'in', unknown)
        .execute()
      for (const row of rows) chatKinds.remember(row.id, row.kind)
    }
    return new Set(chatIds.filter((id) => (chatKinds.get(id) ?? 'room') !== 'room'))
  }

  /** The marks this process writes; the others go to the process that writes their chat's. */
  private ownMarks(marks: readonly PendingMark[]): DeliveredMark[] {
    const { self } = this.deployment
    const nodes = this.deployment.nodes()
    if (nodes.length < 2) return [...marks]
    const own: DeliveredMark[] = []
    const away = new Map<string, WireMark[]>()
    for (const mark of marks) {
      const owner = mark.forwarded ? self : ownerOf(mark.chatId, nodes)
      if (owner === self) own.push(mark)
      else {
        let list = away.get(owner)
        if (!list) away.set(owner, (list = []))
        list.push([mark.chatId, mark.userId, mark.messageId])
      }
    }
    for (const [node, list] of away)
      void this.ctx.pubsub.publish(`${DELIVERED_CHANNEL}:${node}`, JSON.stringify(list))
    return own
  }

  private receive(message: string): void {
    let marks: unknown
    try {
      marks = JSON.parse(message)
    } catch {
      return
    }
    if (!Array.isArray(marks)) return
    for (const mark of marks) {
      if (!Array.isArray(mark)) continue
      const [chatId, userId, messageId] = mark as unknown[]
      if (Number.isSafeInteger(chatId) && typeof userId === 'string' && Number.isSafeInteger(messageId))
        this.note(chatId as number, userId, messageId as number, true)
    }
  }

  /** One chunk of marks as one background change: a statement of its own where the dialect has one. */
  private raise(chunk: DeliveredMark[]): Promise<void> {
    const { ctx } = this
    const alone = ctx.dialect.raiseDeliveredMarksAlone
    if (alone) {
      return ctx.commits.runStatement(
        async (db, now) => {
          const receipts = await alone(db, chunk, now)
          return {
            value: undefined,
            record: receipts.map((r) => receiptEvent(r.chatId, r.marks)),
            answer: receipts.map((r) => ({
              cursor: r.cursor,
              type: 'receipt.updated',
              chat_id: r.chatId,
              user_id: null,
              message_id: null,
              payload: r.payload,
              created_at: now,
            })),
          }
        },
        { background: true },
      )
    }
    return transact(
      ctx,
      async (tx) => {
        const byChat = new Map<number, MemberMarks[]>()
        for (const { chatId, ...moved } of await ctx.dialect.raiseDeliveredMarks(tx.db, chunk)) {
          let chat = byChat.get(chatId)
          if (!chat) byChat.set(chatId, (chat = []))
          chat.push(moved)
        }
        for (const [chatId, moved] of byChat) tx.emit(receiptEvent(chatId, moved))
      },
      { background: true },
    )
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

/** The process that writes a chat's marks: the highest hash of the chat with each (rendezvous hashing). */
function ownerOf(chatId: number, nodes: readonly string[]): string {
  let owner = nodes[0]!
  let best = -1
  for (const node of nodes) {
    const score = fnv1a(`${node}:${chatId}`)
    if (score > best) {
      best = score
      owner = node
    }
  }
  return owner
}

/** FNV-1a, 32 bits: spreads short keys well enough to split chats between processes. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0
}
