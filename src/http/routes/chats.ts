import { type OpenAPIHono, z } from '@hono/zod-openapi'
import {
  AddMembersInput,
  ChatDetailSchema,
  ChatListQuery,
  ChatListSchema,
  ChatSchema,
  CreateChatInput,
  HistoryQuery,
  HistorySchema,
  MarkReadInput,
  MemberSearchQuery,
  MemberSearchSchema,
  MessageSchema,
  MuteInput,
  PinsSchema,
  RenameChatInput,
  SendMessageInput,
  TypingInput,
  UnreadQuery,
  UnreadSchema,
} from '../../schemas.js'
import { createGroup, deleteChat, getChat, listChats, renameChat } from '../../services/chats.js'
import { addMembers, joinChat, leaveChat, removeMember, searchMembers } from '../../services/members.js'
import { history, sendMessage } from '../../services/messages.js'
import { muteChat } from '../../services/muting.js'
import { pinnedMessages } from '../../services/pins.js'
import { markAsRead, markAsUnread } from '../../services/receipts.js'
import { setTyping } from '../../services/typing.js'
import { unreadSummary } from '../../services/unread-total.js'
import type { ApiEnv } from '../env.js'
import { ChatParams, defineRoute, MemberParams } from '../route.js'

const tag = 'Chats'

export function chatRoutes(app: OpenAPIHono<ApiEnv>): void {
  defineRoute(
    app,
    {
      method: 'get',
      path: '/api/chats/',
      summary: 'List my chats',
      tag,
      query: ChatListQuery,
      ok: 200,
      response: ChatListSchema,
    },
    ({ c, viewer, query }) => listChats(c.var.ctx, viewer, query),
  )
  defineRoute(
    app,
    {
      method: 'get',
      path: '/api/unread/',
      summary: 'My unread total over all my chats, and each chat with unread messages',
      tag,
      query: UnreadQuery,
      ok: 200,
      response: UnreadSchema,
    },
    ({ c, viewer, query }) => unreadSummary(c.var.ctx, viewer, query),
  )
  defineRoute(
    app,
    {
      method: 'post',
      path: '/api/chats/',
      summary: 'Create a group chat',
      rateLimit: 'createChat',
      tag,
      body: CreateChatInput,
      ok: 201,
      response: ChatDetailSchema,
    },
    ({ c, viewer, body }) => createGroup(c.var.ctx, viewer, body),
  )
  defineRoute(
    app,
    {
      method: 'get',
      path: '/api/chats/{chatId}/',
      summary: 'A chat with its members',
      guests: true,
      tag,
      params: ChatParams,
      ok: 200,
      response: ChatDetailSchema,
    },
    ({ c, viewer, params }) => getChat(c.var.ctx, viewer, params.chatId),
  )
  defineRoute(
    app,
    {
      method: 'patch',
      path: '/api/chats/{chatId}/',
      summary: 'Rename a chat',
      tag,
      params: ChatParams,
      body: RenameChatInput,
      ok: 200,
      response: ChatDetailSchema,
    },
    ({ c, viewer, params, body }) => renameChat(c.var.ctx, viewer, params.chatId, body.title),
  )
  defineRoute(
    app,
    {
      method: 'delete',
      path: '/api/chats/{chatId}/',
      summary: 'Delete a chat (admins)',
      tag,
      params: ChatParams,
      ok: 204,
    },
    ({ c, viewer, params }) => deleteChat(c.var.ctx, viewer, params.chatId),
  )
  defineRoute(
    app,
    {
      method: 'get',
      path: '/api/chats/{chatId}/messages/',
      summary: 'A page of history',
      guests: true,
      tag,
      params: ChatParams,
      query: HistoryQuery,
      ok: 200,
      response: HistorySchema,
    },
    ({ c, viewer, params, query }) => history(c.var.ctx, viewer, params.chatId, query),
  )
  defineRoute(
    app,
    {
      method: 'get',
      path: '/api/chats/{chatId}/pins/',
      summary: 'The pinned messages, the most recently pinned first',
      guests: true,
      tag,
      params: ChatParams,
      ok: 200,
      response: PinsSchema,
    },
    ({ c, viewer, params }) => pinnedMessages(c.var.ctx, viewer, params.chatId),
  )
  defineRoute(
    app,
    {
      method: 'post',
      path: '/api/chats/{chatId}/messages/',
      summary: 'Send a message',
      rateLimit: 'send',
      errors: {
        410: 'attachment_gone: a file it names is no longer kept (an upload no message took within a day)',
      },
      alsoOk: { 200: 'A retried send (a clientId already stored): the message its first attempt stored' },
      tag,
      params: ChatParams,
      body: SendMessageInput,
      ok: 201,
      response: MessageSchema,
    },
    async ({ c, viewer, params, body }) => {
      const { ctx } = c.var
      const { message, created } = await ctx.metrics.timeSend('http', performance.now(), () =>
        sendMessage(ctx, viewer, params.chatId, body),
      )
      // A retried send (same clientId) answers 200 with the message the first attempt stored.
      if (!created) return c.json(message, 200)
      return message
    },
  )
  defineRoute(
    app,
    {
      method: 'post',
      path: '/api/chats/{chatId}/mark-as-read/',
      summary: 'Mark the chat read up to the newest (or a given) message',
      tag,
      params: ChatParams,
      body: MarkReadInput.optional().default({}),
      ok: 200,
      response: z.object({
        lastReadMessageId: z.number().int(),
        unreadCount: z.number().int(),
        unreadMentionCount: z.number().int(),
      }),
    },
    ({ c, viewer, params, body }) => markAsRead(c.var.ctx, viewer, params.chatId, body.messageId),
  )
  defineRoute(
    app,
    {
      method: 'post',
      path: '/api/chats/{chatId}/mark-as-unread/',
      summary: 'Mark the chat unread for me, until I next read it',
      tag,
      params: ChatParams,
      ok: 200,
      response: ChatSchema,
    },
    ({ c, viewer, params }) => markAsUnread(c.var.ctx, viewer, params.chatId),
  )
  defineRoute(
    app,
    {
      method: 'get',
      path: '/api/chats/{chatId}/members/',
      summary: 'Members matching a search (what an @mention suggests)',
      rateLimit: 'search',
      tag,
      params: ChatParams,
      query: MemberSearchQuery,
      ok: 200,
      response: MemberSearchSchema,
    },
    async ({ c, viewer, params, query }) => ({
      members: await searchMembers(c.var.ctx, viewer, params.chatId, query),
    }),
  )
  defineRoute(
    app,
    {
      method: 'post',
      path: '/api/chats/{chatId}/members/add/',
      summary: 'Add members (admins)',
      tag,
      params: ChatParams,
      body: AddMembersInput,
      ok: 200,
      response: ChatDetailSchema,
    },
    ({ c, viewer, params, body }) => addMembers(c.var.ctx, viewer, params.chatId, body.userIds),
  )
  defineRoute(
    app,
    {
      method: 'delete',
      path: '/api/chats/{chatId}/members/{userId}/remove/',
      summary: 'Remove a member (admins)',
      tag,
      params: MemberParams,
      ok: 204,
    },
    ({ c, viewer, params }) => removeMember(c.var.ctx, viewer, params.chatId, params.userId),
  )
  defineRoute(
    app,
    {
      method: 'post',
      path: '/api/chats/{chatId}/join/',
      summary: 'Join a room',
      tag,
      params: ChatParams,
      ok: 200,
      response: ChatDetailSchema,
    },
    ({ c, viewer, params }) => joinChat(c.var.ctx, viewer, params.chatId),
  )
  defineRoute(
    app,
    {
      method: 'post',
      path: '/api/chats/{chatId}/leave/',
      summary: 'Leave a chat',
      tag,
      params: ChatParams,
      ok: 204,
    },
    ({ c, viewer, params }) => leaveChat(c.var.ctx, viewer, params.chatId),
  )
  defineRoute(
    app,
    {
      method: 'post',
      path: '/api/chats/{chatId}/mute/',
      summary: 'Mute the chat for me (until a time, or until unmuted), or unmute it',
      tag,
      params: ChatParams,
      body: MuteInput,
      ok: 200,
      response: ChatSchema,
    },
    ({ c, viewer, params, body }) => muteChat(c.var.ctx, viewer, params.chatId, body),
  )
  defineRoute(
    app,
    {
      method: 'post',
      path: '/api/chats/{chatId}/typing/',
      summary: 'Say whether I am typing',
      rateLimit: 'typing',
      tag,
      params: ChatParams,
      body: TypingInput,
      ok: 204,
    },
    ({ c, viewer, params, body }) => setTyping(c.var.ctx, viewer, params.chatId, body.isTyping),
  )
}
