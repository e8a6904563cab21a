import { type OpenAPIHono, z } from '@hono/zod-openapi'
import type { Context as HonoContext } from 'hono'
import { readAtMost } from '../attachments/files.js'
import { invalid, PalaverError } from '../errors.js'
import { ErrorSchema, Id, UserId } from '../schemas.js'
import { GUEST, isGuest } from '../services/guests.js'
import type { Viewer } from '../services/users.js'
import type { ApiEnv } from './env.js'
import { enforceGuestLimit, enforceRateLimit, type RateLimitedAction } from './rate-limit.js'

export const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: ErrorSchema } },
})

/** Every route may answer these; listing them once keeps the OpenAPI document honest. */
export const errorResponses = {
  400: errorResponse('Invalid input'),
  401: errorResponse('Not signed in'),
  403: errorResponse('Not allowed'),
  404: errorResponse('Not found (also for chats the viewer may not see)'),
  409: errorResponse('Conflict'),
  413: errorResponse('Too large'),
  429: errorResponse('Rate limited'),
  503: errorResponse('The database is unavailable: try again after Retry-After'),
}

type Schema = z.ZodType
type Out<S> = S extends z.ZodType ? z.output<S> : undefined

export interface RouteSpec<P, Q, B> {
  method: 'get' | 'post' | 'patch' | 'delete'
  /** OpenAPI style: `/api/chats/{chatId}/`. */
  path: string
  summary: string
  tag: string
  params?: P
  query?: Q
  body?: B
  /** Success status and the schema of its body (none for 204). */
  ok: 200 | 201 | 204
  response?: Schema
  /** Routes anyone may call; all others answer 401 to anonymous visitors. */
  anonymous?: boolean
  /**
   * Routes a visitor who is not signed in calls as the guest (services/guests.ts), who may read the rooms
   * their hosts open to guests and nothing else: every check the route makes for a viewer refuses the rest.
   */
  guests?: boolean
  /** The per-user limit this route counts against. */
  rateLimit?: RateLimitedAction
  /** Refusals of this route alone, beyond those every route may answer: status → what it means. */
  errors?: Record<number, string>
  /** Other successes, with the same body as `ok`'s: status → when. */
  alsoOk?: Record<number, string>
}

export interface RouteInput<P, Q, B> {
  c: HonoContext<ApiEnv>
  viewer: Viewer
  params: Out<P>
  query: Out<Q>
  body: Out<B>
}

/** One part of a request (`where`: path, query or body) as `schema` reads it, or a 400 naming the field. */
export function parse<S extends Schema>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value)
  if (!result.success) {
    const issue = result.error.issues[0]!
    const field = issue.path.length > 0 ? `${where}.${issue.path.join('.')}` : where
    throw invalid(`Invalid ${field}: ${issue.message}`, {
      issues: result.error.issues.map(({ path, message, code }) => ({ path, message, code })),
    })
  }
  return result.data
}

/**
 * The query string as `schema` reads it, one value a name: a name it knows given twice is refused rather
 * than one of them picked (a proxy that picks the other would see another request).
 */
function queryOf(c: HonoContext<ApiEnv>, schema: Schema): Record<string, string> {
  const known = schema instanceof z.ZodObject ? schema.shape : {}
  for (const [name, values] of Object.entries(c.req.queries())) {
    if (values.length > 1 && Object.hasOwn(known, name))
      throw invalid(`Invalid query.${name}: given more than once`)
  }
  return c.req.query()
}

async function readJson(c: HonoContext<ApiEnv>): Promise<unknown> {
  // Read only up to the limit, whatever Content-Length said or did not say (a chunked body).
  const maxBytes = c.var.ctx.options.limits.bodyBytes
  const bytes = await readAtMost(c.req.raw.body, maxBytes)
  if (bytes === null) throw new PalaverError('too_large', `A request body has at most ${maxBytes} bytes`)
  // No body, or an empty one (fetch's POST without a body): the schema decides (optional bodies default).
  if (bytes.byteLength === 0) return undefined
  const type = c.req.header('content-type') ?? ''
  if (!/^application\/json\b/i.test(type)) throw invalid('Send the body as application/json')
  try {
    return JSON.parse(new TextDecoder().decode(bytes))
  } catch {
    throw invalid('The body is not valid JSON')
  }
}

/**
 * Declares one route of the public API: the same zod schemas validate the request, type the
 * handler and describe the route in the OpenAPI document.
 */
export function defineRoute<
  P extends Schema | undefined,
  Q extends Schema | undefined,
  B extends Schema | undefined,
>(
  app: OpenAPIHono<ApiEnv>,
  spec: RouteSpec<P, Q, B>,
  handler: (input: RouteInput<P, Q, B>) => Promise<unknown>,
): void {
  app.openAPIRegistry.registerPath({
    method: spec.method,
    path: spec.path,
    summary: spec.summary,
    tags: [spec.tag],
    request: {
      ...(spec.params ? { params: spec.params as unknown as z.ZodObject } : {}),
      ...(spec.query ? { query: spec.query as unknown as z.ZodObject } : {}),
      ...(spec.body
        ? { body: { required: true, content: { 'application/json': { schema: spec.body as Schema } } } }
        : {}),
    },
    responses: {
      ...Object.fromEntries(
        Object.entries({ [spec.ok]: 'Success', ...spec.alsoOk }).map(([status, description]) => [
          status,
          spec.response
            ? { description, content: { 'application/json': { schema: spec.response } } }
            : { description: 'Done' },
        ]),
      ),
      ...errorResponses,
      ...Object.fromEntries(
        Object.entries(spec.errors ?? {}).map(([status, what]) => [status, errorResponse(what)]),
      ),
    },
  })
  // strict: false matches with or without the trailing slash only when the route is declared without it.
  const honoPath = spec.path.replace(/\{(\w+)\}/g, ':$1').replace(/\/$/, '')
  app.on(spec.method.toUpperCase(), honoPath, async (c) => {
    const viewer = c.get('viewer') ?? (spec.guests ? GUEST : null)
    if (!viewer && !spec.anonymous) throw new PalaverError('unauthenticated', 'Sign in to use messages')
    const { options } = c.var.ctx
    // A guest has no id to count by: every request of theirs counts against their address instead.
    if (viewer && isGuest(viewer)) await enforceGuestLimit(options, c.req.raw.headers, c.env.remoteAddress)
    else if (spec.rateLimit && viewer)
      await enforceRateLimit(options.rateLimiter, options.rateLimits, spec.rateLimit, viewer.id)
    const params = (spec.params ? parse(spec.params, c.req.param(), 'path') : undefined) as Out<P>
    const query = (spec.query ? parse(spec.query, queryOf(c, spec.query), 'query') : undefined) as Out<Q>
    const body = (spec.body ? parse(spec.body, await readJson(c), 'body') : undefined) as Out<B>
    const result = await handler({ c, viewer: viewer!, params, query, body }).catch((error: unknown) => {
      // What a guest may not read, signing in may open: asked to sign in, as before there were guests.
      if (
        viewer &&
        isGuest(viewer) &&
        error instanceof PalaverError &&
        ['not_found', 'forbidden'].includes(error.code)
      )
        throw new PalaverError('unauthenticated', 'Sign in to use messages')
      throw error
    })
    if (result instanceof Response) return result
    if (spec.ok === 204) return c.body(null, 204)
    return c.json(result as object, spec.ok)
  })
}

export const ChatParams = z.object({ chatId: Id })
export const MessageParams = z.object({ messageId: Id })
export const AttachmentParams = z.object({ attachmentId: Id })
export const MemberParams = ChatParams.extend({ userId: UserId })
