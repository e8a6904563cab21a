import type { Viewer } from './users.js'

/**
 * Someone not signed in, reading a public room whose host lets visitors read it (`RoomObject.guestsRead`).
 * Only ever a reader: never a member, never online, with no blocks, no unread counts and nothing to write.
 * The empty id matches no user (user ids have at least one character), so every query about "the viewer"
 * finds nothing of theirs.
 */
export const GUEST: Viewer = Object.freeze({ id: '', username: '', name: '', displayName: '', avatarUrl: '' })

export const isGuest = (viewer: Viewer): boolean => viewer.id === ''
