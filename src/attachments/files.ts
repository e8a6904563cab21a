import { imageSize } from 'image-size'

// The type check is shared with the widgets (types.ts has no Node imports); the server's callers find it here.
export { typeAccepted } from './types.js'

/** The types a browser shows inline as a picture, by what image-size calls them. */
const pictures: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
}

/** What a site accepts by default: pictures, documents, archives, sound and video people share in chats. */
export const DEFAULT_ATTACHMENT_TYPES = [
  ...Object.keys(pictures),
  'application/pdf',
  'text/plain',
  'text/csv',
  'text/markdown',
  'application/json',
  'application/zip',
  'application/msword',
  'application/vnd.ms-excel',
  'application/vnd.ms-powerpoint',
  'application/vnd.openxmlformats-officedocument.*',
  'application/vnd.oasis.opendocument.*',
  'audio/mpeg',
  'audio/mp4',
  'audio/ogg',
  'audio/wav',
  'audio/webm',
  'video/mp4',
  'video/webm',
]

/** A Content-Type as stored: lower case, without parameters ("text/plain; charset=utf-8" → "text/plain"). */
export function mediaTypeOf(contentType: string | undefined): string | null {
  const type = contentType?.split(';')[0]?.trim().toLowerCase() ?? ''
  return /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/.test(type) ? type : null
}

/** Whether files of this type are shown inline as pictures (after `inspectPicture` checked the bytes). */
export const isPicture = (type: string) => type in pictures

/**
 * The size of a picture, after checking that its bytes are of the type it claims: a file sent as
 * image/png is shown inline as one, so it must be one. Null when they are not.
 */
export function inspectPicture(type: string, data: Uint8Array): { width: number; height: number } | null {
  try {
    const size = imageSize(data)
    if (size.type !== pictures[type] || !size.width || !size.height) return null
    return { width: size.width, height: size.height }
  } catch {
    return null
  }
}

/**
 * A file name as stored and shown: no control characters, no path (a name is never a path here, but a
 * browser saving the download would read "../" as one), at most 200 characters; "file" when nothing is left.
 */
export function cleanFileName(name: string | undefined): string {
  const cleaned = (name ?? '')
    .normalize('NFC')
    .replace(/\p{Cc}|\p{Cf}/gu, '')
    .replace(/[/\\]/g, '_')
    .trim()
  const characters = [...cleaned]
  const kept = characters.length > 200 ? characters.slice(characters.length - 200).join('') : cleaned
  return kept.replace(/^\.+/, '').trim() || 'file'
}

/** Reads a request body up to `max` bytes; null once it is longer (the rest is not read). */
export async function readAtMost(
  body: ReadableStream<Uint8Array> | null,
  max: number,
): Promise<Uint8Array | null> {
  if (!body) return new Uint8Array(0)
  const chunks: Uint8Array[] = []
  let length = 0
  const reader = body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    length += value.byteLength
    if (length > max) {
      await reader.cancel().catch(() => {})
      return null
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks, length)
}
