import { OpenAPIHono } from '@hono/zod-openapi'
import { HTTPException } from 'hono/http-exception'
import type { Embed } from '../embed.js'
import { PalaverError } from '../errors.js'
import type { Hub } from '../realtime/hub.js'
import type { Context } from '../services/context.js'
import { isUnavailable } from '../storage/unavailable.js'
import { crossOriginApi, crossOriginAssets } from './cors.js'
import type { ApiEnv } from './env.js'
import { attachmentRoutes, UPLOAD_PATH } from './routes/attachments.js'
import { avatarRoutes } from './routes/avatars.js'
import { chatRoutes } from './routes/chats.js'
import { directoryRoutes } from './routes/directory.js'
import { eventRoutes } from './routes/events.js'
import { messageRoutes } from './routes/messages.js'
import { metricsRoutes } from './routes/metrics.js'
import { pageRoutes } from './routes/pages.js'
import { checkSameOrigin } from './security.js'
import type { StaticAssets } from './static.js'
import { viewerOfRequest } from './viewer.js'

function errorResponse(error: PalaverError): Response {
  const headers = new Headers()
  const retryAfter = (error.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds
  if (retryAfter !== undefined) headers.set('retry-after', String(retryAfter))
  return Response.json(error.toJSON(), { status: error.status, headers })
}

/** Maps anything thrown to the contract's error shape; only a real fault becomes a 500 (and is logged). */
function toErrorResponse(error: unknown): Response {
  if (error instanceof PalaverError) return errorResponse(error)
  if (error instanceof HTTPException) {
    const code =
      error.status === 413 ? 'too_large' : error.status === 401 ? 'unauthenticated' : 'invalid_input'
    return errorResponse(new PalaverError(code, error.message || 'Invalid request'))
  }
  if (isUnavailable(error)) {
    return errorResponse(
      new PalaverError('unavailable', 'The database is unavailable; try again shortly', {
        retryAfterSeconds: 1,
      }),
    )
  }
  console.error('[palaver] internal error', error)
  return Response.json({ error: { code: 'internal', message: 'Something went wrong' } }, { status: 500 })
}

/** The web-standard core: a Hono app under the base path that answers every API route. */
export function createApi(ctx: Context, hub: Hub, assets: StaticAssets, embed: Embed): OpenAPIHono<ApiEnv> {
  const { options } = ctx
  const app = new OpenAPIHono<ApiEnv>({ strict: false }).basePath(
    options.basePath,
  ) as unknown as OpenAPIHono<ApiEnv>

  app.onError((error) => toErrorResponse(error))
  app.notFound(() => errorResponse(new PalaverError('not_found', 'No such route')))
  // First, so that a preflight is answered before any other check, and every answer, errors included,
  // carries the headers.
  app.use('/static/*', crossOriginAssets)
  if (options.allowedOrigins.length > 0) app.use('*', crossOriginApi(options.allowedOrigins))
  // Before the middleware: an avatar is the same for everyone, and a page shows many.
  avatarRoutes(app)
  metricsRoutes(app, ctx.metrics, options.metricsToken)

  app.use('*', async (c, next) => {
    const length = Number(c.req.header('content-length') ?? 0)
    // A file upload has the attachment size limit, which its route applies as it reads the body.
    const upload = c.req.method === 'POST' && UPLOAD_PATH.test(c.req.path)
    const maxBytes = upload && options.attachments ? options.attachments.maxSize : options.limits.bodyBytes
    // A body without a length (chunked) is measured as a route reads it, which stops at the limit.
    if (length > maxBytes) throw new PalaverError('too_large', `A request body has at most ${maxBytes} bytes`)
    checkSameOrigin(c.req.raw, options.allowedOrigins)
    c.set('ctx', ctx)
    c.set('hub', hub)
    c.set('viewer', await viewerOfRequest(ctx, c.req.raw))
    await next()
  })

  chatRoutes(app)
  messageRoutes(app)
  attachmentRoutes(app)
  directoryRoutes(app)
  eventRoutes(app)
  pageRoutes(app, assets, embed)

  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Palaver',
      version: '0.1.0',
      description: 'Messaging API: chats, messages, reactions, receipts, rooms and search.',
    },
  })
  return app
}
