import { css, html, nothing } from 'lit'
import { type ChatView, type Connection, Emitter, type PalaverApi } from '../client/index.js'
import type { BlockList } from './blocking.js'

/** At most this many people per GET /api/presence/. */
const PER_REQUEST = 100
/**
 * How often everyone shown is asked about again. Presence events reach only people who share a DM or a
 * group, and a page shows others too: a room's members, search results, the people of a group left since.
 */
const REFRESH_MS = 60_000

/**
 * Who among the people the widgets show is online, for every widget of one runtime. A view names the
 * people it shows (`show`); they are asked about in one request per task, everyone shown again each
 * time the connection is ready (nobody told it who came and went while it was down) and every minute
 * (see REFRESH_MS), and `presence` frames keep it current in between.
 */
export class OnlineList extends Emitter<{ change: undefined }> {
  readonly #online = new Set<string>()
  readonly #shown = new Set<string>()
  /** Who to ask about at the end of this task. */
  readonly #asking = new Set<string>()
  /** Frames heard so far, and the count at each person's latest: an answer asked for before that is older news. */
  #heard = 0
  readonly #heardAt = new Map<string, number>()

  constructor(
    private readonly api: PalaverApi,
    private readonly connection: Connection,
    blocks: BlockList,
  ) {
    super()
    connection.on('presence', ({ data }) => {
      if (!this.#shown.has(data.userId)) return
      this.#heardAt.set(data.userId, ++this.#heard)
      this.#set(data.userId, data.online)
    })
    connection.on('ready', () => this.#ask(this.#shown))
    setInterval(() => {
      if (connection.state === 'open' && this.#shown.size > 0) this.#ask(this.#shown)
    }, REFRESH_MS)
    // The server tells nothing of someone blocked; after an unblock it answers again.
    blocks.on('change', ({ userId, blocked }) => (blocked ? this.#set(userId, false) : this.#ask([userId])))
  }

  has(userId: string | undefined): boolean {
    return userId !== undefined && this.#online.has(userId)
  }

  /** The people a view shows, as often as it renders: only those new to the list are asked about. */
  show(userIds: Iterable<string | undefined>): void {
    for (const id of userIds) {
      if (!id || this.#shown.has(id)) continue
      this.#shown.add(id)
      // Before the connection is ready, its 'ready' asks about everyone shown.
      if (this.connection.state === 'open') this.#ask([id])
    }
  }

  #ask(userIds: Iterable<string>): void {
    if (this.#asking.size === 0) queueMicrotask(() => this.#flush())
    for (const id of userIds) this.#asking.add(id)
  }

  #flush(): void {
    const ids = [...this.#asking]
    this.#asking.clear()
    const asked = this.#heard
    for (let i = 0; i < ids.length; i += PER_REQUEST) {
      const part = ids.slice(i, i + PER_REQUEST)
      this.api.presence(part).then(
        ({ online }) => {
          for (const id of part) if ((this.#heardAt.get(id) ?? 0) <= asked) this.#set(id, online.includes(id))
        },
        // Best effort, as on the server: the next 'ready' asks again.
        () => {},
      )
    }
  }

  #set(userId: string, online: boolean): void {
    if (this.#online.has(userId) === online) return
    if (online) this.#online.add(userId)
    else this.#online.delete(userId)
    this.emit('change', undefined)
  }
}

/** The other person of a DM, whose presence it shows (nobody in a self-chat, a group or a room). */
export function peerOf(chat: Pick<ChatView, 'kind' | 'peer'> | null, viewerId: string | null | undefined) {
  const id = chat?.kind === 'dm' ? chat.peer?.id : undefined
  return id === viewerId ? undefined : id
}

/** An avatar with a green dot at its lower end while its person is online (the view says so in words too). */
export function withDot(avatar: unknown, online: boolean) {
  return html`<span class="peer">${avatar}${online ? html`<span class="online" part="online"></span>` : nothing}</span>`
}

export const onlineStyles = css`
  .peer {
    position: relative;
    flex: none;
    display: flex;
  }
  .online {
    position: absolute;
    inset-inline-end: 0;
    bottom: 0;
    width: 27%;
    height: 27%;
    border-radius: 50%;
    background: var(--palaver-success);
    /* A ring of the background around it, so it reads as a dot on any picture. */
    box-shadow: 0 0 0 2px var(--palaver-bg);
  }
`
