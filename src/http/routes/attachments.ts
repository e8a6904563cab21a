import { type OpenAPIHono, z } from '@hono/zod-openapi'
import type { Context as HonoContext } from 'hono'
import { isPicture, mediaTypeOf } from '../../attachments/files.js'
import { notFound, PalaverError } from '../../errors.js'
import { AttachmentSchema, DownloadQuery, UploadQuery } from '../../schemas.js'
import { openAttachment, uploadAttachment } from '../../services/attachments.js'
import { GUEST, isGuest } from '../../services/guests.js'
import type { ApiEnv } from '../env.js'
import { enforceGuestLimit } from '../rate-limit.js'
import { AttachmentParams, ChatParams, defineRoute, errorResponse, errorResponses, parse } from '../route.js'

const tag = 'Attachments'

/** The upload route's path, which the body-size middleware leaves to the route (files have their own limit). */
export const UPLOAD_PATH = /\/api\/chats\/\d+\/attachments\/?$/

/** A filename for Content-Disposition: ASCII for old clients, and the whole name as RFC 8187 UTF-8. */
function disposition(kind: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, '_')
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`
}

export function attachmentRoutes(app: OpenAPIHono<ApiEnv>): void {
  defineRoute(
    app,
    {
      method: 'post',
      path: '/api/chats/{chatId}/attachments/',
      summary:
        'Upload a file to send with a message: the raw bytes as the body, its media type as Content-Type, ?name= its name',
      tag,
      params: ChatParams,
      query: UploadQuery,
      rateLimit: 'upload',
      ok: 201,
      response: AttachmentSchema,
    },
    ({ c, viewer, params, query }) =>
      uploadAttachment(c.var.ctx, viewer, params.chatId, {
        name: query.name,
        type: mediaTypeOf(c.req.header('content-type')),
        body: c.req.raw.body,
      }),
  )

  const download = async (c: HonoContext<ApiEnv>) => {
    // Signed out: a guest, who may have the files of the rooms their hosts open to guests, and no other.
    const viewer = c.get('viewer') ?? GUEST
    if (isGuest(viewer)) await enforceGuestLimit(c.var.ctx.options, c.req.raw.headers, c.env.remoteAddress)
    const signIn = () => new PalaverError('unauthenticated', 'Sign in to use messages')
    const params = AttachmentParams.safeParse(c.req.param())
    if (!params.success) throw isGuest(viewer) ? signIn() : notFound('Attachment')
    const query = parse(DownloadQuery, c.req.query(), 'query')
    const { attachment, data } = await openAttachment(c.var.ctx, viewer, params.data.attachmentId).catch(
      (error: unknown) => {
        throw isGuest(viewer) && error instanceof PalaverError && error.code === 'not_found'
          ? signIn()
          : error
      },
    )
    const asDownload = query.download !== undefined || !isPicture(attachment.type)
    const etag = `"palaver-attachment-${attachment.id}"`
    const headers = {
      etag,
      // The bytes under an id never change; it is the viewer's own (private) cache.
      'cache-control': 'private, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
      // Opened on its own, a file is a document of this origin: it may run nothing.
      'content-security-policy': "default-src 'none'; img-src 'self'; media-src 'self'; sandbox",
      'content-disposition': disposition(asDownload ? 'attachment' : 'inline', attachment.name),
    }
    if (c.req.header('if-none-match') === etag) return c.body(null, 304, headers)
    return c.body(data as Uint8Array<ArrayBuffer>, 200, {
      ...headers,
      'content-type': attachment.type,
      'content-length': String(data.byteLength),
    })
  }
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/api/attachments/{attachmentId}/{name}',
    summary: 'A file: to its uploader before it is sent, then to whoever may read its chat',
    tags: [tag],
    request: { params: AttachmentParams.extend({ name: z.string() }), query: DownloadQuery },
    responses: {
      200: {
        description:
          'The bytes, as their media type (pictures inline, other files and ?download as downloads)',
      },
      304: { description: 'Not modified (If-None-Match)' },
      400: errorResponse('Invalid ?download'),
      401: errorResponse('Not signed in'),
      404: errorResponse('No such file, or not the viewer’s to see'),
      429: errorResponses[429],
      503: errorResponses[503],
    },
  })
  app.get('/api/attachments/:attachmentId/:name', download)
  app.get('/api/attachments/:attachmentId', download)
}
