/**
 * What the server and the widgets both decide about a file: its type, and how long an upload waits. No Node imports: the widget
 * bundle includes this file, and must not pull in files.ts (image-size, Buffer).
 */

/** Whether `type` is one of `accepted`, where a pattern may end in `*` ("image/*", "application/vnd.oasis.*"). */
export function typeAccepted(type: string, accepted: readonly string[]): boolean {
  return accepted.some((pattern) =>
    pattern.endsWith('*') ? type.startsWith(pattern.slice(0, -1)) : type === pattern,
  )
}

/** How long an upload waits for a message to be sent with it (the sweep then deletes it; a draft drops it). */
export const UNSENT_ATTACHMENT_TTL_MS = 24 * 3600 * 1000
