import { type OpenAPIHono, z } from '@hono/zod-openapi'
import { invalid } from '../../errors.js'
import { eventStream, longPoll } from '../../realtime/transports.js'
import { openingWatches } from '../../realtime/watch.js'
import { UserId, wholeNumber } from '../../schemas.js'
import { blocksWith } from '../../services/blocks.js'
import type { ApiEnv } from '../env.js'
import { defineRoute } from '../route.js'

const Cursor = wholeNumber(0)
const Watch = z
  .string()
  .regex(/^\d{1,15}(,\d{1,15}){0,49}$/, 'expected up to 50 comma-separated chat ids')
  .transform((s) => s.split(',').map(Number))

const EventsQuery = z.object({
  after: Cursor.optional(),
  wait: wholeNumber(0, 60).optional(),
  watch: Watch.optional(),
})

const EventSchema = z
  .object({
    cursor: z.number().int(),
    type: z.string(),
    chatId: z.number().int().nullable(),
    data: z.unknown(),
  })
  .openapi('Event')

const tag = 'Events'

export function eventRoutes(app: OpenAPIHono<ApiEnv>): void {
  defineRoute(
    app,
    {
      method: 'get',
      path: '/api/events/',
      summary: 'Events after a cursor (polling; `wait` long-polls for up to that many seconds)',
      guests: true,
      tag,
      query: EventsQuery,
      ok: 200,
      response: z.object({
        events: z.array(EventSchema),
        ephemeral: z.array(z.object({ type: z.string() }).passthrough()),
        cursor: z.number().int(),
      }),
    },
    async ({ c, viewer, query }) => {
      const watches = await openingWatches(c.var.ctx, viewer, query.watch ?? [])
      const body = await longPoll(c.var.hub, viewer, {
        after: query.after ?? null,
        waitSeconds: query.wait ?? 0,
        watches,
        signal: c.req.raw.signal,
      })
      return c.body(body, 200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
    },
  )
  defineRoute(
    app,
    {
      method: 'get',
      path: '/api/presence/',
      summary: 'Which of the given users are online now (within my contact list)',
      tag,
      query: z.object({
        userIds: z
          .string()
          .max(4000)
          .transform((s) => s.split(',').filter(Boolean))
          .pipe(z.array(UserId).max(100)),
      }),
      ok: 200,
      response: z.object({ online: z.array(z.string()) }),
    },
    async ({ c, viewer, query }) => {
      const [contacts, blocks] = await Promise.all([
        c.var.ctx.users.contactsOf(viewer),
        blocksWith(c.var.ctx.db, viewer.id, query.userIds),
      ])
      // Outside the contact list, or with a block either way: not the viewer's to know.
      const visible = query.userIds.filter(
        (id) => id === viewer.id || ((contacts === 'everyone' || contacts.has(id)) && !blocks.has(id)),
      )
      return { online: visible.filter((id) => c.var.hub.presence.isOnline(id)) }
    },
  )
  defineRoute(
    app,
    {
      method: 'get',
      path: '/api/events/stream/',
      summary: 'The same events as Server-Sent Events (resumes from Last-Event-ID)',
      guests: true,
      tag,
      query: EventsQuery.omit({ wait: true }),
      ok: 200,
    },
    async ({ c, viewer, query }) => {
      const lastEventId = c.req.header('last-event-id')
      let after = query.after ?? null
      if (lastEventId !== undefined && lastEventId !== '') {
        const parsed = Cursor.safeParse(lastEventId)
        if (!parsed.success) throw invalid('Last-Event-ID is not a cursor')
        after = parsed.data
      }
      const watches = await openingWatches(c.var.ctx, viewer, query.watch ?? [])
      const stream = eventStream(c.var.hub, viewer, { after, watches, signal: c.req.raw.signal })
      return new Response(stream, {
        headers: {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          'x-accel-buffering': 'no',
        },
      })
    },
  )
}
