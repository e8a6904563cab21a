import type { ReactiveController, ReactiveControllerHost } from 'lit'
import type { ChatView, MuteInput } from '../client/index.js'

type Mute = Pick<ChatView, 'muted' | 'mutedUntil'>

export { isMuted, unreadThatCounts } from '../client/unread.js'

/** The chat with the mute a view or a `chat.muted` event carries. */
export function withMute<T extends Mute>(chat: T, mute: Mute): T {
  return { ...chat, muted: mute.muted, mutedUntil: mute.mutedUntil }
}

/** The durations the mute menu offers, in hours (null: until unmuted). */
export const MUTE_HOURS = [1, 8, 24 * 7, null] as const

/** What the server is asked for a mute of `hours` from now (null: until unmuted). */
export function muteFor(hours: number | null, now = Date.now()): MuteInput {
  if (hours === null) return { muted: true }
  return { muted: true, until: new Date(now + hours * 3_600_000).toISOString() }
}

/** setTimeout's longest delay: a later expiry is looked at again then. */
const MAX_DELAY = 2 ** 31 - 1

/**
 * Renders its host again when the next of the mutes it shows runs out, so that an expired mute
 * shows as none without a word from the server; one timer, cleared when the host leaves the page.
 */
export class MuteExpiry implements ReactiveController {
  #timer: ReturnType<typeof setTimeout> | undefined
  #due = Number.POSITIVE_INFINITY

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly mutes: () => Iterable<Mute | null | undefined>,
  ) {
    host.addController(this)
  }

  hostConnected(): void {
    this.#schedule()
  }

  hostUpdated(): void {
    this.#schedule()
  }

  hostDisconnected(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#due = Number.POSITIVE_INFINITY
  }

  #schedule(): void {
    const now = Date.now()
    let next = Number.POSITIVE_INFINITY
    for (const mute of this.mutes()) {
      if (!mute?.muted || mute.mutedUntil === null) continue
      const until = Date.parse(mute.mutedUntil)
      if (until > now && until < next) next = until
    }
    if (next === this.#due) return
    this.hostDisconnected()
    if (next === Number.POSITIVE_INFINITY) return
    this.#due = next
    this.#timer = setTimeout(
      () => {
        this.#due = Number.POSITIVE_INFINITY
        this.host.requestUpdate()
      },
      Math.min(MAX_DELAY, next - now + 50),
    )
  }
}
