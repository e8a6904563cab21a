import { type ChatDetailView, Emitter, type PalaverClient, type UserView } from '../client/index.js'
import type { Translator } from './i18n/index.js'
import type { Runtime } from './runtime.js'

export interface BlockListEvents {
  /** The viewer blocked or unblocked someone (here, on another device, or as found after a resync). */
  change: { userId: string; blocked: boolean }
}

/**
 * The people the viewer blocked, for every widget on the page: the config's `blockedUserIds`, kept
 * current by `user.blocked` events, by the viewer's own block and unblock, and by a resync.
 */
export class BlockList extends Emitter<BlockListEvents> {
  readonly #ids: Set<string>
  /** The DMs asked for since the latest change, while on their way. */
  readonly #dms = new Map<number, Promise<ChatDetailView>>()

  constructor(
    ids: Iterable<string>,
    private readonly getChat: (chatId: number) => Promise<ChatDetailView>,
  ) {
    super()
    this.#ids = new Set(ids)
  }

  has(userId: string): boolean {
    return this.#ids.has(userId)
  }

  /** A copy of the set, for a property that is compared by identity. */
  snapshot(): ReadonlySet<string> {
    return new Set(this.#ids)
  }

  /** Records a block or an unblock; a change is told once, however many times it is heard. */
  set(userId: string, blocked: boolean): void {
    if (this.#ids.has(userId) === blocked) return
    if (blocked) this.#ids.add(userId)
    else this.#ids.delete(userId)
    this.#dms.clear()
    this.emit('change', { userId, blocked })
  }

  /**
   * The DM with someone as the server has it after the latest change (who may write in it, its unread
   * count). Every widget that shows it asks as it hears of the change, and they share one request.
   */
  fetchDm(chatId: number): Promise<ChatDetailView> {
    const asked = this.#dms.get(chatId)
    if (asked) return asked
    const request = this.getChat(chatId)
    const done = () => {
      if (this.#dms.get(chatId) === request) this.#dms.delete(chatId)
    }
    request.then(done, done)
    this.#dms.set(chatId, request)
    return request
  }

  /** The whole set as the server has it now. */
  replace(ids: Iterable<string>): void {
    const next = new Set(ids)
    for (const id of [...this.#ids]) if (!next.has(id)) this.set(id, false)
    for (const id of next) this.set(id, true)
  }
}

/** The first wait before a failed fetch of the list is tried again; it doubles, up to a minute. */
const RETRY_MS = 2000

/**
 * A block list that follows the client's connection: `user.blocked` events, and the server's list
 * after a resync (the events missed meanwhile are gone). A fetch of that list that fails is tried
 * again until one works, rather than shown in a notice: the reader did nothing and could do nothing
 * about it, but a stale list keeps showing someone they blocked on another device. The console says
 * why, for the site's developers.
 */
export function followBlocks(client: PalaverClient, ids: Iterable<string>): BlockList {
  const blocks = new BlockList(ids, (chatId) => client.api.getChat(chatId))
  let fetches = 0
  let retry: ReturnType<typeof setTimeout> | undefined
  const refetch = (failures: number): void => {
    clearTimeout(retry)
    // Only the latest fetch counts (a resync during a retry's wait or request starts afresh).
    const attempt = ++fetches
    client.api.blockedUsers().then(
      ({ users }) => {
        if (attempt === fetches) blocks.replace(users.map((user) => user.id))
      },
      (error: unknown) => {
        if (attempt !== fetches) return
        const wait = Math.min(RETRY_MS * 2 ** failures, 60_000)
        console.warn(
          `[palaver] the people the viewer blocked could not be fetched after a resync (${(error as Error)?.message ?? error}); trying again in ${wait / 1000} s`,
        )
        retry = setTimeout(() => refetch(failures + 1), wait)
      },
    )
  }
  client.connection.on('user.blocked', (event) => blocks.set(event.data.userId, event.data.blocked))
  client.connection.on('resync', () => refetch(0))
  return blocks
}

/**
 * Blocks or unblocks someone for every widget of the runtime: the block list changes at once (the
 * event that follows changes nothing more). When that fails nothing changes, and `say` tells the
 * person so in the words every widget uses. Resolves whether it worked.
 */
export async function sendBlock(
  runtime: Runtime,
  user: Pick<UserView, 'id' | 'displayName'>,
  blocked: boolean,
  i18n: Translator,
  say: (text: string) => void,
): Promise<boolean> {
  try {
    const [client, blocks] = await Promise.all([runtime.client(), runtime.blocks()])
    const result = blocked ? await client.api.blockUser(user.id) : await client.api.unblockUser(user.id)
    blocks.set(result.userId, result.blocked)
    return true
  } catch {
    say(i18n.t(blocked ? 'blockFailed' : 'unblockFailed', { name: user.displayName }))
    return false
  }
}
