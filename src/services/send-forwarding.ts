import type { PubSub } from '../realtime/pubsub.js'
import type { NotStored, StoredMessage } from '../storage/dialect.js'
import type { Commits, NewSend } from './context.js'
import type { ChangeOptions } from './group-commit.js'

/** Where a process hears the sends handed to it: the channel name ends with its node id. */
const SENDS_CHANNEL = 'palaver:sends:'
/** Where a process hears what became of the sends it handed on. */
const ANSWERS_CHANNEL = 'palaver:stored:'
/** A writer that has not answered within this long is passed over, and the send is stored here. */
const ANSWER_WITHIN_MS = 1000
/** How long a writer that did not answer is passed over (it may have crashed: presence forgets it later). */
const PASSED_OVER_MS = 10_000

/** How a refused send travels back: the kind, which the caller turns into the error it would have had. */
export interface RefusalCodec {
  /** The kind of a refusal, or undefined for any other failure (the database failed, say). */
  kindOf(error: unknown): NotStored | undefined
  errorOf(kind: NotStored): Error
}

interface Handed {
  id: number
  send: NewSend
  chatId: number | undefined
}

type Answer =
  | { id: number; stored: StoredMessage }
  | { id: number; refused: NotStored }
  /** The writer could not store it (not a refusal): the sender's process stores it itself. */
  | { id: number; failed: true }

interface Waiting {
  handed: Handed
  timer: NodeJS.Timeout
  resolve(stored: StoredMessage): void
  reject(error: unknown): void
}

/**
 * One writer of sends per deployment. On PostgreSQL every batch of sends costs a statement, a WAL flush
 * and one turn of the event counter's row lock, which is held through the flush. Processes that each
 * commit their own small batches queue behind each other's flushes on that lock; one process committing
 * everyone's sends in its batches pays one flush for all of them. So each process hands its sends over
 * pub/sub to the live process whose id sorts first (see Presence.liveNodes), which stores them and
 * answers; every process then routes the events as usual.
 *
 * Correctness never rests on there being one writer: any process may store any send (the counter lock
 * orders them). A writer that does not answer in time is passed over and the send is stored where it
 * arrived; only sends with a clientId are handed on, so a send stored twice that way lands once (the
 * second attempt finds the first, as a client's retry would).
 */
export class SendForwarding {
  private nextId = 1
  private readonly waiting = new Map<number, Waiting>()
  /** Sends to hand on, by writer, published once per turn of the event loop. */
  private readonly outgoing = new Map<string, Handed[]>()
  /** Answers to give, by the process that handed the sends, published once per turn. */
  private readonly answers = new Map<string, Answer[]>()
  private readonly passedOver = new Map<string, number>()
  private readonly fallbacks = new Set<Promise<unknown>>()
  private unsubscribe: Array<() => void> = []
  private flushing = false

  constructor(
    private readonly pubsub: PubSub,
    private readonly node: string,
    /** The deployment's live processes, this one included, sorted. */
    private readonly liveNodes: () => readonly string[],
    private readonly commits: Commits,
    private readonly refusals: RefusalCodec,
  ) {}

  start(): void {
    this.unsubscribe = [
      this.pubsub.subscribe(SENDS_CHANNEL + this.node, (message) => this.receiveSends(message)),
      this.pubsub.subscribe(ANSWERS_CHANNEL + this.node, (message) => this.receiveAnswers(message)),
    ]
  }

  /** Stops listening; the sends still waiting for a writer are stored here, and awaited. */
  async stop(): Promise<void> {
    for (const off of this.unsubscribe) off()
    this.unsubscribe = []
    for (const [id, waiting] of this.waiting) this.storeHere(id, waiting)
    await Promise.allSettled([...this.fallbacks])
  }

  /** Stores a send through the deployment's writer, or here when this process is it. */
  store(send: NewSend, options: ChangeOptions): Promise<StoredMessage> {
    const writer = send.clientId === null ? this.node : this.writer()
    if (writer === this.node) return this.commits.runBulk(send, options)
    return new Promise<StoredMessage>((resolve, reject) => {
      const id = this.nextId++
      const handed: Handed = { id, send, chatId: options.chatId }
      const timer = setTimeout(() => {
        const waiting = this.waiting.get(id)
        if (!waiting) return
        this.passedOver.set(writer, Date.now() + PASSED_OVER_MS)
        this.storeHere(id, waiting)
      }, ANSWER_WITHIN_MS)
      this.waiting.set(id, { handed, timer, resolve, reject })
      this.queue(this.outgoing, writer, handed)
    })
  }

  /** The first live process not passed over; this one is always live and never passed over. */
  private writer(): string {
    const now = Date.now()
    return this.liveNodes().find((node) => node === this.node || (this.passedOver.get(node) ?? 0) <= now)!
  }

  private storeHere(id: number, waiting: Waiting): void {
    clearTimeout(waiting.timer)
    this.waiting.delete(id)
    const { send, chatId } = waiting.handed
    const stored = this.commits.runBulk(send, { chatId })
    this.fallbacks.add(stored)
    stored.then(waiting.resolve, waiting.reject).finally(() => this.fallbacks.delete(stored))
  }

  /** Sends another process handed to this one: stored in this process's batches, answered by the batch. */
  private receiveSends(message: string): void {
    const parsed = parse(message) as { from?: unknown; sends?: unknown } | undefined
    if (typeof parsed?.from !== 'string' || !Array.isArray(parsed.sends)) return
    const from = parsed.from
    for (const item of parsed.sends as unknown[]) {
      if (!isHanded(item)) continue
      const { id, send, chatId } = item
      // Stored here even when this process no longer sorts first: it is never handed on again.
      this.commits.runBulk(send, { chatId }).then(
        (stored) => this.queue(this.answers, from, { id, stored }),
        (error: unknown) => {
          const refused = this.refusals.kindOf(error)
          this.queue(this.answers, from, refused ? { id, refused } : { id, failed: true })
        },
      )
    }
  }

  private receiveAnswers(message: string): void {
    const answers = parse(message)
    if (!Array.isArray(answers)) return
    for (const answer of answers as Answer[]) {
      if (typeof answer !== 'object' || answer === null) continue
      const waiting = this.waiting.get(answer.id)
      if (!waiting) continue // Stored here meanwhile (the answer came late): that outcome stands.
      if ('failed' in answer) {
        this.storeHere(answer.id, waiting)
        continue
      }
      clearTimeout(waiting.timer)
      this.waiting.delete(answer.id)
      if ('stored' in answer) waiting.resolve(answer.stored)
      else waiting.reject(this.refusals.errorOf(answer.refused))
    }
  }

  private queue<T>(into: Map<string, T[]>, node: string, item: T): void {
    let list = into.get(node)
    if (!list) into.set(node, (list = []))
    list.push(item)
    if (this.flushing) return
    // What the requests of this turn (or the answers of this batch) hand on goes in one message each.
    this.flushing = true
    setImmediate(() => this.flush())
  }

  private flush(): void {
    this.flushing = false
    for (const [writer, sends] of this.outgoing)
      void this.pubsub.publish(SENDS_CHANNEL + writer, JSON.stringify({ from: this.node, sends }))
    for (const [node, answers] of this.answers)
      void this.pubsub.publish(ANSWERS_CHANNEL + node, JSON.stringify(answers))
    this.outgoing.clear()
    this.answers.clear()
  }
}

/** Only processes of the deployment publish here; this keeps a malformed message from throwing. */
const isHanded = (item: unknown): item is Handed =>
  typeof item === 'object' &&
  item !== null &&
  typeof (item as Handed).id === 'number' &&
  typeof (item as Handed).send === 'object' &&
  (item as Handed).send !== null

function parse(message: string): unknown {
  try {
    return JSON.parse(message)
  } catch {
    return undefined
  }
}
