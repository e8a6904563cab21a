import { z } from 'zod'
import { PalaverError } from '../errors.js'
import { Id, SendMessageInput } from '../schemas.js'

/** What a client may say over the WebSocket; every action may carry an `id` the acknowledgement echoes. */
export const ClientMessage = z.discriminatedUnion('action', [
  z
    .object({
      action: z.literal('send'),
      id: z.string().max(100).optional(),
      chatId: Id,
      ...SendMessageInput.shape,
    })
    .strict(),
  z
    .object({
      action: z.literal('typing'),
      id: z.string().max(100).optional(),
      chatId: Id,
      isTyping: z.boolean(),
    })
    .strict(),
  z.object({ action: z.literal('watch'), id: z.string().max(100).optional(), chatId: Id }).strict(),
  z.object({ action: z.literal('unwatch'), id: z.string().max(100).optional(), chatId: Id }).strict(),
  z.object({ action: z.literal('ping'), id: z.string().max(100).optional() }).strict(),
])
export type ClientMessage = z.infer<typeof ClientMessage>

/** Parses one frame from a client; anything malformed is an invalid_input error with a reason. */
export function parseClientMessage(text: string): ClientMessage {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new PalaverError('invalid_input', 'The frame is not valid JSON')
  }
  const result = ClientMessage.safeParse(value)
  if (!result.success) {
    const issue = result.error.issues[0]!
    const field = issue.path.length > 0 ? ` ${issue.path.join('.')}` : ''
    throw new PalaverError('invalid_input', `Invalid frame${field}: ${issue.message}`)
  }
  return result.data
}

/**
 * The `id` of a frame that was refused as malformed, when it carried one a client could have chosen: the
 * error's acknowledgement echoes it, so that the request it answers does not wait for an answer forever.
 */
export function requestIdOf(text: string | null): string | undefined {
  try {
    const id = text === null ? undefined : (JSON.parse(text) as { id?: unknown } | null)?.id
    return typeof id === 'string' && id.length <= 100 ? id : undefined
  } catch {
    return undefined
  }
}

export const ackFrame = (id: string | undefined, result: unknown) =>
  JSON.stringify({ type: 'ack', id: id ?? null, ok: true, result: result ?? null })

export const errorFrame = (id: string | undefined, error: PalaverError) =>
  JSON.stringify({ type: 'ack', id: id ?? null, ok: false, ...error.toJSON() })
