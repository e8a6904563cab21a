import type { ChatSummary, MemberMarks, MessageView, ReactionView, UserView } from '../schemas.js'

export type { ChatSummary, EventPayloads } from '../schemas.js'

import type { Chat, Role } from '../storage/schema.js'
import type { NewEvent } from './context.js'

/**
 * The payloads of persisted events. They are the same for every recipient (serialized once);
 * what differs per viewer (unread counts, receipt status) the client derives or fetches.
 */

export const iso = (ms: number) => new Date(ms).toISOString()

export const chatSummary = (chat: Chat): ChatSummary => ({
  id: chat.id,
  kind: chat.kind,
  customTitle: chat.title,
  room:
    chat.content_type && chat.object_id ? { contentType: chat.content_type, objectId: chat.object_id } : null,
  memberCount: chat.member_count,
  createdAt: iso(chat.created_at),
  lastActivityAt: iso(chat.last_activity_at),
})

export const chatCreatedEvent = (chat: Chat): NewEvent => ({
  type: 'chat.created',
  chatId: chat.id,
  data: { chat: chatSummary(chat) },
})

export const chatUpdatedEvent = (chat: Chat): NewEvent => ({
  type: 'chat.updated',
  chatId: chat.id,
  data: { chat: chatSummary(chat) },
})

export const chatDeletedEvent = (chatId: number, memberIds: readonly string[]): NewEvent[] =>
  // One event per member: once the chat is gone, membership no longer tells who may see its events.
  memberIds.map((userId) => ({ type: 'chat.deleted', chatId: null, userId, data: { chatId } }))

export const memberAddedEvent = (chat: Chat, user: UserView, role: Role): NewEvent => ({
  type: 'member.added',
  chatId: chat.id,
  userId: user.id,
  data: { chatId: chat.id, user, role, chat: chatSummary(chat) },
})

export const memberRemovedEvent = (chat: Chat, userId: string, promotedIds: readonly string[]): NewEvent => ({
  type: 'member.removed',
  chatId: chat.id,
  userId,
  data: { chatId: chat.id, userId, promotedIds, chat: chatSummary(chat) },
})

export const messageEvent = (
  type: 'message.created' | 'message.updated',
  message: MessageView,
): NewEvent => ({
  type,
  chatId: message.chatId,
  messageId: message.id,
  data: { message },
})

export const messageDeletedEvent = (message: MessageView): NewEvent => ({
  type: 'message.deleted',
  chatId: message.chatId,
  messageId: message.id,
  data: { messageId: message.id, chatId: message.chatId, message },
})

export const reactionEvent = (chatId: number, messageId: number, reactions: ReactionView[]): NewEvent => ({
  type: 'reaction.updated',
  chatId,
  messageId,
  data: { chatId, messageId, reactions },
})

export const receiptEvent = (chatId: number, marks: MemberMarks[]): NewEvent => ({
  type: 'receipt.updated',
  chatId,
  data: { chatId, marks },
})
