/**
 * What the server and the widgets both decide about a file's type. No Node imports: the widget
 * bundle includes this file, and must not pull in files.ts (image-size, Buffer).
 */

/** Whether `type` is one of `accepted`, where a pattern may end in `*` ("image/*", "application/vnd.oasis.*"). */
export function typeAccepted(type: string, accepted: readonly string[]): boolean {
  return accepted.some((pattern) =>
    pattern.endsWith('*') ? type.startsWith(pattern.slice(0, -1)) : type === pattern,
  )
}
