import { type ConnectionTransport, type RealtimeTallies, type RouteSource, TRANSPORTS } from '../metrics.js'
import { blockedEitherWay, blocksWith } from '../services/blocks.js'
import type { Context } from '../services/context.js'
import { EVENTS_CHANNEL } from '../services/context.js'
import { isGuest } from '../services/guests.js'
import { ROOM_CHANGED_CHANNEL } from '../services/rooms.js'
import { TYPING_CHANNEL, type TypingSignal } from '../services/typing.js'
import type { Viewer } from '../services/users.js'
import { DeliveryMarks } from './delivered.js'
import { type Frame, headCursor, prunedThrough, readAll, readVisible } from './log.js'
import { Presence } from './presence.js'
import { stillWatchable, unwatchedFrame, type Watches } from './watch.js'

/** How a transport hands frames to its client. */
export interface Sink {
  /** A persisted event; `cursor` is what the client hands back to resume. */
  event(frame: Frame): void
  /** Typing, presence and control messages: not in the log, no cursor. */
  ephemeral(json: string): void
  /**
   * Asked after each event of a catch-up: `true` to go on; a promise that settles once the client has read
   * enough (or is gone), so that a long backlog streams at the client's pace instead of tripping the cap on
   * unread data; or `false` when this answer is full and the client comes back for the rest (long-polling).
   * Without it, a catch-up never waits.
   */
  room?(): boolean | Promise<void>
}

/** One live connection of one user, whatever its transport. */
export class Subscriber {
  cursor = 0
  readonly chats = new Set<number>()
  readonly watching = new Set<number>()
  /** Frames routed while the subscriber catches up from the database; null once live. */
  queue: Frame[] | null = []
  /** Frames were let go from a full queue during the catch-up: the log has them, so it is read again. */
  overflowed = false
  closed = false
  /** Events handed to the transport so far (read for the metrics). */
  sent = 0

  /** Told of each message handed to this subscriber, to record the delivery. */
  onMessage: ((frame: Frame) => void) | undefined

  constructor(
    /** Whose connection it is, as the host's getUser answered when it opened (room rules are asked about them). */
    readonly viewer: Viewer,
    readonly sink: Sink,
    readonly transport: ConnectionTransport,
  ) {}

  get userId(): string {
    return this.viewer.id
  }

  /** Live connections (WebSocket, SSE) make their user "online"; a long-poll is only a visit. */
  get streaming(): boolean {
    return this.transport !== 'long-polling'
  }

  /** Hands one event to the transport (the only place that does). */
  send(frame: Frame): void {
    this.cursor = frame.cursor
    this.sent++
    this.sink.event(frame)
    if (frame.type === 'message.created') this.onMessage?.(frame)
  }

  deliver(frame: Frame): void {
    if (this.closed) return
    if (this.queue) {
      if (this.queue.length >= MAX_CATCH_UP_QUEUE) {
        this.queue = []
        this.overflowed = true
      }
      this.queue.push(frame)
      return
    }
    // Anything at or before the cursor was already sent: the client never sees an event twice.
    if (frame.cursor <= this.cursor) return
    this.send(frame)
  }
}

const CATCH_UP_PAGE = 500
/** Frames routed to one catching-up subscriber beyond this are let go and read from the log instead. */
const MAX_CATCH_UP_QUEUE = 5000
const TAIL_PAGE = 1000
const TYPING_EXPIRES_MS = 6000
/**
 * How often the rooms watched without being a member are asked about again: a host's rule may close one
 * (a video made private) while a connection reads it, and a watch is otherwise checked only as it begins.
 */
const WATCH_RECHECK_MS = 60_000
/** How long frames that arrived ahead of a gap wait for it to fill before the log is read. */
const GAP_WAIT_MS = 25
/** More frames than this waiting behind a gap: forget them and read the log instead. */
const MAX_EARLY = 10_000

/**
 * The process-wide fan-out. One tailer reads each new event from the log once (woken by pub/sub,
 * and by a timer so that a lost notification only delays delivery), serializes it once, and routes
 * it in memory to the subscribers of its chat and of the user it is about.
 */
export class Hub {
  /** The newest cursor this process has routed. */
  head = 0
  private readonly byChat = new Map<number, Set<Subscriber>>()
  private readonly byUser = new Map<string, Set<Subscriber>>()
  /** Who types where now (by `chatId:userId`): the signal, when it was heard, and the timer that expires it. */
  private readonly typing = new Map<
    string,
    { signal: TypingSignal; heardAt: number; timer: NodeJS.Timeout }
  >()
  /**
   * When each user's last long-poll ended, for the last few seconds: typing heard after it was not told to
   * that user, who had no poll waiting (see typingSincePoll). Oldest first.
   */
  private readonly pollEnded = new Map<string, number>()
  private unsubscribe: Array<() => void> = []
  private timer: NodeJS.Timeout | undefined
  private recheckTimer: NodeJS.Timeout | undefined
  private tailing = false
  private tailAgain = false
  /**
   * Frames that arrived (from this process's commits or another's, by pub/sub) before one with a smaller
   * cursor: cursors are gap-free and commit in order, so they wait for it, to be routed in order.
   */
  private readonly early = new Map<number, { frame: Frame; source: LiveSource }>()
  private gapTimer: NodeJS.Timeout | undefined
  readonly presence: Presence
  private readonly deliveries: DeliveryMarks
  /** Events sent to subscribers that have gone (the live ones keep their own count). */
  private readonly sentByGone = byTransport()
  /** Events routed, by where this process had them from (for the metrics). */
  private readonly routedFrom: Record<RouteSource, number> = { commit: 0, pubsub: 0, log: 0 }

  constructor(
    private readonly ctx: Context,
    private readonly pollIntervalMs: number,
  ) {
    this.presence = new Presence(ctx.pubsub, (userId, online) => void this.routePresence(userId, online))
    this.deliveries = new DeliveryMarks(ctx, 1000, {
      self: this.presence.node,
      nodes: () => this.presence.liveNodes(),
    })
  }

  async start(): Promise<void> {
    this.head = await headCursor(this.ctx.db)
    this.unsubscribe = [
      this.ctx.pubsub.subscribe(EVENTS_CHANNEL, (message) => this.receiveEvents(message)),
      this.ctx.pubsub.subscribe(TYPING_CHANNEL, (message) => this.routeTyping(message)),
      this.ctx.pubsub.subscribe(ROOM_CHANGED_CHANNEL, (message) => {
        const chatId = Number(message)
        if (Number.isSafeInteger(chatId)) void this.recheckWatches(chatId)
      }),
    ]
    this.ctx.committed.add(this.routeCommitted)
    this.timer = setInterval(() => void this.tail(), this.pollIntervalMs)
    this.timer.unref()
    this.recheckTimer = setInterval(() => void this.recheckWatches(), WATCH_RECHECK_MS)
    this.recheckTimer.unref()
    this.presence.start()
    this.deliveries.start()
  }

  async stop(): Promise<void> {
    clearInterval(this.timer)
    clearInterval(this.recheckTimer)
    clearTimeout(this.gapTimer)
    this.ctx.committed.delete(this.routeCommitted)
    this.presence.stop()
    for (const off of this.unsubscribe) off()
    for (const { timer } of this.typing.values()) clearTimeout(timer)
    this.typing.clear()
    // Let a tail in progress finish before the database goes away.
    while (this.tailing) await new Promise((resolve) => setTimeout(resolve, 5))
    await this.deliveries.stop()
  }

  /** Writes the "delivered" marks still waiting for their interval (see DeliveryMarks.writePending). */
  writeDeliveredMarks(): Promise<void> {
    return this.deliveries.writePending()
  }

  get connectionCount(): number {
    let n = 0
    for (const set of this.byUser.values()) n += set.size
    return n
  }

  /**
   * What the metrics read: connections and events sent, by transport (summed now, not counted as events
   * go), and events routed, by where they came from.
   */
  tallies(): RealtimeTallies {
    const connections = byTransport()
    const eventsSent = { ...this.sentByGone }
    for (const set of this.byUser.values()) {
      for (const sub of set) {
        connections[sub.transport]++
        eventsSent[sub.transport] += sub.sent
      }
    }
    return { connections, eventsSent, routed: { ...this.routedFrom }, head: this.head }
  }

  /**
   * Brings a subscriber live: replays what it missed after `after` (or starts from now when null),
   * then hands it the frames routed meanwhile, so nothing is skipped and nothing is sent twice.
   */
  async connect(sub: Subscriber, after: number | null): Promise<void> {
    addTo(this.byUser, sub.userId, sub)
    sub.onMessage = (frame) => {
      // Members only: a reader of a public room is not a recipient.
      if (frame.chatId !== null && frame.messageId !== null && sub.chats.has(frame.chatId)) {
        this.deliveries.note(frame.chatId, sub.userId, frame.messageId)
      }
    }
    // A guest is no one: never online, and no one's polls to remember.
    const guest = isGuest(sub.viewer)
    if (sub.streaming && !guest) this.presence.connected(sub.userId)
    try {
      const chats = await this.ctx.db
        .selectFrom('palaver_members')
        .select('chat_id')
        .where('user_id', '=', sub.userId)
        .execute()
      for (const { chat_id } of chats) this.follow(sub, chat_id)
      sub.cursor = after ?? this.head
      if (after !== null && (await this.mustResync(after))) {
        sub.cursor = Math.max(this.head, await headCursor(this.ctx.db))
        sub.sink.ephemeral(`{"type":"resync","cursor":${sub.cursor}}`)
      }
      if (await this.catchUp(sub)) {
        // Live in the same turn as the check that the log had nothing more: no frame falls in between.
        const queued = sub.queue ?? []
        sub.queue = null
        for (const frame of queued) sub.deliver(frame)
        if (!sub.streaming && !guest) this.typingSincePoll(sub)
      }
    } catch (error) {
      this.disconnect(sub)
      throw error
    }
  }

  disconnect(sub: Subscriber): void {
    if (sub.closed) return
    // A guest was never online and has no polls to remember.
    if (!isGuest(sub.viewer)) {
      if (sub.streaming) this.presence.disconnected(sub.userId)
      else this.pollHasEnded(sub.userId)
    }
    sub.closed = true
    this.sentByGone[sub.transport] += sub.sent
    removeFrom(this.byUser, sub.userId, sub)
    for (const chatId of sub.chats) removeFrom(this.byChat, chatId, sub)
    for (const chatId of sub.watching) removeFrom(this.byChat, chatId, sub)
  }

  /** Starts sending a public room's events to a subscriber who is not a member (the caller checked access). */
  watch(sub: Subscriber, chatId: number): void {
    sub.watching.add(chatId)
    addTo(this.byChat, chatId, sub)
  }

  /** Watches what a stream was opened with, and tells the client of those it no longer may (see stillWatchable). */
  watchAll(sub: Subscriber, { watching, unwatched }: Watches): void {
    for (const chatId of watching) this.watch(sub, chatId)
    for (const chatId of unwatched) sub.sink.ephemeral(unwatchedFrame(chatId))
  }

  unwatch(sub: Subscriber, chatId: number): void {
    sub.watching.delete(chatId)
    if (!sub.chats.has(chatId)) removeFrom(this.byChat, chatId, sub)
  }

  /**
   * Asks again whether each subscriber may still read the rooms it watches without being a member (done
   * every minute). One it may not (its room closed or gone) is no longer sent, and the client is told so with
   * `{"type":"unwatched","chatId":…}`. A subscriber whose check fails (the database is away) keeps its watches
   * until the next round. With `only`, just that room, at once: the host said its object changed.
   */
  async recheckWatches(only?: number): Promise<void> {
    const subscribers =
      only === undefined
        ? [...this.byUser.values()].flatMap((set) => [...set])
        : [...(this.byChat.get(only) ?? [])]
    for (const sub of subscribers) {
      const watched = (only === undefined ? [...sub.watching] : [only]).filter(
        (chatId) => sub.watching.has(chatId) && !sub.chats.has(chatId),
      )
      if (watched.length === 0) continue
      let readable: Set<number>
      try {
        readable = new Set((await stillWatchable(this.ctx, sub.viewer, watched)).watching)
      } catch {
        continue
      }
      for (const chatId of watched) {
        // Unwatched, or a member now, while it was asked about: nothing to take back.
        if (readable.has(chatId) || sub.closed || !sub.watching.has(chatId) || sub.chats.has(chatId)) continue
        this.unwatch(sub, chatId)
        sub.sink.ephemeral(unwatchedFrame(chatId))
      }
    }
  }

  /** Reads whatever the log has beyond the head and routes it; concurrent calls coalesce into one more pass. */
  async tail(): Promise<void> {
    if (this.tailing) {
      this.tailAgain = true
      return
    }
    this.tailing = true
    try {
      do {
        this.tailAgain = false
        for (;;) {
          const frames = await readAll(this.ctx.db, this.head, TAIL_PAGE)
          for (const frame of frames) {
            if (frame.cursor <= this.head) continue
            this.route(frame, 'log')
            this.head = frame.cursor
          }
          if (frames.length < TAIL_PAGE) break
        }
      } while (this.tailAgain)
    } catch (error) {
      // The database is unreachable for now: the timer tries again, and clients resume from their cursors.
      console.error('[palaver] reading the event log failed:', (error as Error).message)
    } finally {
      this.tailing = false
      this.routeEarly()
    }
  }

  /** Events this process just committed: routed without reading them back, in cursor order. */
  private readonly routeCommitted = (frames: readonly Frame[]): void => this.accept(frames, 'commit')

  /** Another process's events (or this one's, already routed), as eventsMessage wrote them. */
  private receiveEvents(message: string): void {
    const space = message.indexOf(' ')
    const last = Number(space < 0 ? message : message.slice(0, space))
    if (last <= this.head) return
    let frames: Frame[]
    try {
      frames = space < 0 ? [] : (JSON.parse(message.slice(space + 1)) as Frame[])
    } catch {
      frames = []
    }
    // Only a cursor (or nothing readable): what is new is read from the log.
    if (!Array.isArray(frames) || frames.length === 0) void this.tail()
    else this.accept(frames, 'pubsub')
  }

  /** Routes frames in cursor order: those that follow the head at once, the others once the gap fills. */
  private accept(frames: readonly Frame[], source: LiveSource): void {
    for (const frame of frames) {
      // The first to bring a frame keeps it (a process may hear its own commit again by pub/sub).
      if (frame.cursor > this.head && !this.early.has(frame.cursor))
        this.early.set(frame.cursor, { frame, source })
    }
    if (this.early.size > MAX_EARLY) {
      this.early.clear()
      void this.tail()
      return
    }
    this.routeEarly()
  }

  private routeEarly(): void {
    // A tail under way routes in order from the log; what waits here is taken up when it ends.
    if (this.tailing) return
    for (let next = this.early.get(this.head + 1); next; next = this.early.get(this.head + 1)) {
      this.early.delete(next.frame.cursor)
      this.route(next.frame, next.source)
      this.head = next.frame.cursor
    }
    for (const cursor of this.early.keys()) if (cursor <= this.head) this.early.delete(cursor)
    // A gap that does not fill by itself (its message lost, or still on its way): the log has it.
    if (this.early.size > 0 && !this.gapTimer) {
      this.gapTimer = setTimeout(() => {
        this.gapTimer = undefined
        if (this.early.size > 0) void this.tail()
      }, GAP_WAIT_MS)
      this.gapTimer.unref()
    }
  }

  private async mustResync(after: number): Promise<boolean> {
    if (after < (await prunedThrough(this.ctx.db))) return true
    return after > Math.max(this.head, await headCursor(this.ctx.db))
  }

  /**
   * Sends what the log holds after the subscriber's cursor, page by page, at the pace its transport takes
   * it. True once caught up: a page reached the end of the log with no wait for the client and no frame
   * let go from the queue, so what was routed meanwhile is little, and the caller sends it in the same turn.
   * False when the subscriber went away, or its transport wants no more for now (a full long-poll answer).
   */
  private async catchUp(sub: Subscriber): Promise<boolean> {
    for (;;) {
      sub.overflowed = false
      const frames = await readVisible(this.ctx.db, sub.userId, sub.cursor, CATCH_UP_PAGE, [...sub.watching])
      let waited = false
      for (const frame of frames) {
        if (sub.closed) return false
        sub.send(frame)
        const room = sub.sink.room?.() ?? true
        if (room === false) return false
        if (room !== true) {
          await room
          waited = true
        }
      }
      if (sub.closed) return false
      // After a wait, more may have come than should leave at once: the log has it, paced like the rest.
      if (frames.length < CATCH_UP_PAGE && !waited && !sub.overflowed) return true
    }
  }

  private follow(sub: Subscriber, chatId: number): void {
    sub.chats.add(chatId)
    addTo(this.byChat, chatId, sub)
  }

  private unfollow(sub: Subscriber, chatId: number): void {
    sub.chats.delete(chatId)
    if (!sub.watching.has(chatId)) removeFrom(this.byChat, chatId, sub)
  }

  private route(frame: Frame, source: RouteSource): void {
    this.routedFrom[source]++
    const aboutUser = frame.userId ? this.byUser.get(frame.userId) : undefined
    // A newcomer follows the chat before its member.added is routed, so they get it with everything after.
    if (frame.type === 'member.added' && aboutUser && frame.chatId !== null) {
      for (const sub of aboutUser) this.follow(sub, frame.chatId)
    }
    const recipients = new Set(frame.chatId === null ? [] : this.byChat.get(frame.chatId))
    for (const sub of aboutUser ?? []) recipients.add(sub)
    for (const sub of recipients) sub.deliver(frame)
    if (frame.type === 'user.blocked' && frame.userId) void this.presenceAcrossBlock(frame.userId, frame.json)
    // Someone removed stops following the chat from the very next event.
    if (aboutUser && (frame.type === 'member.removed' || frame.type === 'chat.deleted')) {
      const chatId = frame.chatId ?? (JSON.parse(frame.json) as { data: { chatId: number } }).data.chatId
      for (const sub of aboutUser) this.unfollow(sub, chatId)
    }
  }

  /**
   * Tells everyone who shares a DM or a group with the user (and is connected here) that they came or went.
   * Not rooms: their members are the audience of a page, not each other's contacts, and a room of
   * thousands would hear of every arrival of every member (filling a room of 2,000 sent two million
   * presence frames); a room's client asks GET /api/presence/ for the people it shows. Nobody with a
   * block between them and the user is told.
   */
  private async routePresence(userId: string, online: boolean): Promise<void> {
    try {
      const [chats, blocked] = await Promise.all([
        this.ctx.db
          .selectFrom('palaver_members')
          .innerJoin('palaver_chats', 'palaver_chats.id', 'palaver_members.chat_id')
          .select('palaver_members.chat_id')
          .where('palaver_members.user_id', '=', userId)
          .where('palaver_chats.kind', '!=', 'room')
          .execute(),
        blockedEitherWay(this.ctx.db, userId),
      ])
      const json = `{"type":"presence","data":${JSON.stringify({ userId, online })}}`
      const recipients = new Set<Subscriber>()
      for (const { chat_id } of chats) for (const sub of this.byChat.get(chat_id) ?? []) recipients.add(sub)
      // A block hides presence both ways: neither is told when the other comes or goes.
      for (const sub of recipients) if (!sub.closed && !blocked.has(sub.userId)) sub.sink.ephemeral(json)
    } catch {
      // Presence is best-effort: a client asks again with GET /api/presence/ when it reconnects.
    }
  }

  /**
   * A block hides each one's presence from the other from now on, and an unblock shows it again: both are
   * told where they share a DM or a group, as routePresence would have told them. The blocked person
   * only sees the blocker go offline, as they would after reconnecting; they are not told of the block.
   */
  private async presenceAcrossBlock(blockerId: string, json: string): Promise<void> {
    const { userId: blockedId, blocked } = (
      JSON.parse(json) as { data: { userId: string; blocked: boolean } }
    ).data
    const pairs = [
      { to: blockedId, about: blockerId },
      { to: blockerId, about: blockedId },
    ].filter(({ to }) => this.byUser.has(to))
    if (pairs.length === 0) return
    try {
      if (!(await this.shareChat(blockerId, blockedId))) return
      // An unblock shows nothing while the other still blocks the one who unblocked.
      const hidden = blocked || (await blocksWith(this.ctx.db, blockerId, [blockedId])).has(blockedId)
      for (const { to, about } of pairs) {
        const online = !hidden && this.presence.isOnline(about)
        const json = `{"type":"presence","data":${JSON.stringify({ userId: about, online })}}`
        for (const sub of this.byUser.get(to) ?? []) if (!sub.closed) sub.sink.ephemeral(json)
      }
    } catch {
      // Presence is best-effort: a client asks again with GET /api/presence/ when it reconnects.
    }
  }

  /** Whether two people are both members of a DM or a group (the chats whose members see each other's presence). */
  private async shareChat(a: string, b: string): Promise<boolean> {
    const row = await this.ctx.db
      .selectFrom('palaver_members as mine')
      .innerJoin('palaver_members as theirs', 'theirs.chat_id', 'mine.chat_id')
      .innerJoin('palaver_chats', 'palaver_chats.id', 'mine.chat_id')
      .select('mine.chat_id')
      .where('mine.user_id', '=', a)
      .where('theirs.user_id', '=', b)
      .where('palaver_chats.kind', '!=', 'room')
      .executeTakeFirst()
    return row !== undefined
  }

  private routeTyping(message: string): void {
    let signal: TypingSignal
    try {
      signal = JSON.parse(message) as TypingSignal
    } catch {
      return
    }
    const key = `${signal.chatId}:${signal.userId}`
    clearTimeout(this.typing.get(key)?.timer)
    this.typing.delete(key)
    if (signal.isTyping) {
      // Typing expires by itself a few seconds after the last signal, even if "stopped" never comes.
      const timer = setTimeout(() => {
        this.typing.delete(key)
        this.sendTyping({ ...signal, isTyping: false, at: Date.now() })
      }, TYPING_EXPIRES_MS)
      timer.unref()
      this.typing.set(key, { signal, heardAt: performance.now(), timer })
    }
    this.sendTyping(signal)
  }

  private sendTyping(signal: TypingSignal): void {
    const subs = this.byChat.get(signal.chatId)
    if (!subs) return
    const json = typingFrame(signal)
    for (const sub of subs) if (sub.userId !== signal.userId && !sub.closed) sub.sink.ephemeral(json)
  }

  /**
   * A poller hears nothing between two polls, and its client polls again at once after every answer, so
   * typing that began meanwhile is told at its next poll; else a poller would see the dots only when
   * someone started typing while it waited. Told once: only what was heard since that user's last poll
   * ended (all that is current, when it polled last longer ago than typing lasts).
   */
  private typingSincePoll(sub: Subscriber): void {
    const ended = this.pollEnded.get(sub.userId) ?? Number.NEGATIVE_INFINITY
    for (const { signal, heardAt } of this.typing.values()) {
      if (heardAt <= ended || signal.userId === sub.userId) continue
      if (sub.chats.has(signal.chatId) || sub.watching.has(signal.chatId))
        sub.sink.ephemeral(typingFrame(signal))
    }
  }

  private pollHasEnded(userId: string): void {
    const now = performance.now()
    // Moved to the end, so that the oldest stay first; those older than any typing now are let go.
    this.pollEnded.delete(userId)
    this.pollEnded.set(userId, now)
    for (const [user, at] of this.pollEnded) {
      if (at > now - TYPING_EXPIRES_MS) break
      this.pollEnded.delete(user)
    }
  }
}

const typingFrame = (signal: TypingSignal) =>
  `{"type":"typing","chatId":${signal.chatId},"data":${JSON.stringify(signal)}}`

/** Where a frame that did not come from reading the log came from. */
type LiveSource = Exclude<RouteSource, 'log'>

const byTransport = () =>
  Object.fromEntries(TRANSPORTS.map((t) => [t, 0])) as Record<ConnectionTransport, number>

function addTo<K>(index: Map<K, Set<Subscriber>>, key: K, sub: Subscriber): void {
  let set = index.get(key)
  if (!set) index.set(key, (set = new Set()))
  set.add(sub)
}

function removeFrom<K>(index: Map<K, Set<Subscriber>>, key: K, sub: Subscriber): void {
  const set = index.get(key)
  if (!set) return
  set.delete(sub)
  if (set.size === 0) index.delete(key)
}
