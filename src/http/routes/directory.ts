import { type OpenAPIHono, z } from '@hono/zod-openapi'
import { PalaverError } from '../../errors.js'
import {
  ChatDetailSchema,
  DmInput,
  RoomInput,
  SearchQuery,
  SearchResultsSchema,
  UserId,
  UserSchema,
  UserSearchQuery,
  wholeNumber,
} from '../../schemas.js'
import { blockedUsers, setBlocked } from '../../services/blocks.js'
import { findDm, getChat, getOrCreateDm } from '../../services/chats.js'
import { browseRooms, getOrCreateRoom } from '../../services/rooms.js'
import { searchMessages } from '../../services/search.js'
import { suggestPeople } from '../../services/suggestions.js'
import { chatViews } from '../../services/views.js'
import type { ApiEnv } from '../env.js'
import { defineRoute } from '../route.js'

const UserParams = z.object({ userId: UserId })
const BlockSchema = z.object({ userId: z.string(), blocked: z.boolean() }).openapi('Block')

const RoomListSchema = z.object({
  rooms: z.array(z.object({ chat: ChatDetailSchema.omit({ members: true }), isMember: z.boolean() })),
})

export function directoryRoutes(app: OpenAPIHono<ApiEnv>): void {
  defineRoute(
    app,
    {
      method: 'get',
      path: '/api/users/search/',
      summary:
        'Find people by name, username or e-mail, within my contact list; without q, suggest the people I share the most recent DMs and groups with',
      rateLimit: 'search',
      tag: 'Users',
      query: UserSearchQuery,
      ok: 200,
      response: z.object({ users: z.array(UserSchema) }),
    },
    async ({ c, viewer, query }) => {
      const q = query.q?.trim() ?? ''
      const limit = query.limit ?? 20
      if (q === '') return { users: await suggestPeople(c.var.ctx, viewer, { chatId: query.chatId, limit }) }
      return { users: await c.var.ctx.users.search(viewer, q, limit) }
    },
  )
  defineRoute(
    app,
    {
      method: 'get',
      path: '/api/users/blocked/',
      summary: 'The people I blocked, in the order I blocked them',
      tag: 'Users',
      ok: 200,
      response: z.object({ users: z.array(UserSchema) }),
    },
    async ({ c, viewer }) => ({ users: await blockedUsers(c.var.ctx, viewer) }),
  )
  for (const blocked of [true, false])
    defineRoute(
      app,
      {
        method: 'post',
        path: blocked ? '/api/users/{userId}/block/' : '/api/users/{userId}/unblock/',
        summary: blocked ? 'Block a user: neither of us may write to the other any more' : 'Unblock a user',
        tag: 'Users',
        params: UserParams,
        ok: 200,
        response: BlockSchema,
      },
      ({ c, viewer, params }) => setBlocked(c.var.ctx, viewer, params.userId, blocked),
    )
  defineRoute(
    app,
    {
      method: 'get',
      path: '/api/rooms/',
      summary: 'Public rooms to browse',
      tag: 'Rooms',
      query: z.object({ limit: wholeNumber(1, 100).optional() }),
      ok: 200,
      response: RoomListSchema,
    },
    async ({ c, viewer, query }) => {
      const ctx = c.var.ctx
      const found = await browseRooms(ctx, viewer, query.limit ?? 50)
      const views = await chatViews(
        ctx,
        ctx.db,
        viewer,
        found.map(({ chat, room, member }) => ({ chat, member, room })),
      )
      return { rooms: views.map((chat, i) => ({ chat, isMember: found[i]!.isMember })) }
    },
  )
  defineRoute(
    app,
    {
      method: 'post',
      path: '/api/rooms/',
      summary: 'The room of a content object (created on first use)',
      guests: true,
      tag: 'Rooms',
      body: RoomInput,
      ok: 200,
      response: ChatDetailSchema,
    },
    async ({ c, viewer, body }) => {
      const { chat } = await getOrCreateRoom(c.var.ctx, viewer, body.contentType, body.objectId)
      return getChat(c.var.ctx, viewer, chat.id).catch((error: unknown) => {
        // A members-only room the viewer is not in: it exists, but they may not read it.
        if (error instanceof PalaverError && error.code === 'not_found') {
          throw new PalaverError('forbidden', 'Only members may read this room')
        }
        throw error
      })
    },
  )
  defineRoute(
    app,
    {
      method: 'get',
      path: '/api/dms/',
      summary: 'The DM with a user, if I am in one (never created here: chat is null when there is none)',
      tag: 'Chats',
      query: z.object({ userId: UserId }),
      ok: 200,
      response: z.object({ chat: ChatDetailSchema.nullable() }),
    },
    async ({ c, viewer, query }) => ({ chat: await findDm(c.var.ctx, viewer, query.userId) }),
  )
  defineRoute(
    app,
    {
      method: 'post',
      path: '/api/dms/',
      summary: 'The DM with a user (created on first use)',
      rateLimit: 'createChat',
      tag: 'Chats',
      body: DmInput,
      ok: 200,
      response: ChatDetailSchema,
    },
    ({ c, viewer, body }) => getOrCreateDm(c.var.ctx, viewer, body.userId),
  )
  defineRoute(
    app,
    {
      method: 'get',
      path: '/api/search/',
      summary: 'Search messages in my chats',
      rateLimit: 'search',
      tag: 'Messages',
      query: SearchQuery,
      ok: 200,
      response: SearchResultsSchema,
    },
    ({ c, viewer, query }) => searchMessages(c.var.ctx, viewer, query),
  )
}
