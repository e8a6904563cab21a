import type { OpenAPIHono } from '@hono/zod-openapi'
import {
  EditMessageInput,
  MessageSchema,
  PinInput,
  ReactionInput,
  ToggleReactionResult,
} from '../../schemas.js'
import { deleteMessage, editMessage, getMessage } from '../../services/messages.js'
import { pinMessage } from '../../services/pins.js'
import { toggleReaction } from '../../services/reactions.js'
import type { ApiEnv } from '../env.js'
import { defineRoute, MessageParams } from '../route.js'

const tag = 'Messages'

export function messageRoutes(app: OpenAPIHono<ApiEnv>): void {
  defineRoute(
    app,
    {
      method: 'get',
      path: '/api/messages/{messageId}/',
      summary: 'A message',
      tag,
      params: MessageParams,
      ok: 200,
      response: MessageSchema,
    },
    ({ c, viewer, params }) => getMessage(c.var.ctx, viewer, params.messageId),
  )
  defineRoute(
    app,
    {
      method: 'patch',
      path: '/api/messages/{messageId}/',
      summary: 'Edit my message',
      tag,
      params: MessageParams,
      body: EditMessageInput,
      ok: 200,
      response: MessageSchema,
    },
    ({ c, viewer, params, body }) => editMessage(c.var.ctx, viewer, params.messageId, body),
  )
  defineRoute(
    app,
    {
      method: 'delete',
      path: '/api/messages/{messageId}/',
      summary: 'Delete my message',
      tag,
      params: MessageParams,
      ok: 204,
    },
    ({ c, viewer, params }) => deleteMessage(c.var.ctx, viewer, params.messageId),
  )
  defineRoute(
    app,
    {
      method: 'post',
      path: '/api/messages/{messageId}/reactions/',
      summary: 'Toggle my reaction',
      rateLimit: 'react',
      tag,
      params: MessageParams,
      body: ReactionInput,
      ok: 200,
      response: ToggleReactionResult,
    },
    ({ c, viewer, params, body }) => toggleReaction(c.var.ctx, viewer, params.messageId, body.emoji),
  )
  defineRoute(
    app,
    {
      method: 'post',
      path: '/api/messages/{messageId}/pin/',
      summary: 'Pin the message to its chat, or unpin it',
      errors: { 409: 'conflict: the message was deleted, or its chat has as many pins as it may keep' },
      tag,
      params: MessageParams,
      body: PinInput,
      ok: 200,
      response: MessageSchema,
    },
    ({ c, viewer, params, body }) => pinMessage(c.var.ctx, viewer, params.messageId, body.pinned),
  )
}
