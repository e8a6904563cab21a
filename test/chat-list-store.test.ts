import { describe, expect, test } from 'vitest'
import {
  type ChatDetailView,
  type ConnectionEvents,
  Emitter,
  type MessageView,
  type PalaverClient,
  type PalaverEvent,
} from '../src/client/index.js'
import type { PalaverConfig } from '../src/elements/config.js'
import { ChatListStore } from '../src/elements/messages/chat-list-store.js'

/** The live connection's events, as the page's connection brings them. */
class Live extends Emitter<ConnectionEvents> {
  hear(event: PalaverEvent): void {
    this.emit('event', event)
  }
}

const AT = '2026-12-07T00:00:00.000Z'

const group = (id: number, unreadCount: number): ChatDetailView =>
  ({
    id,
    kind: 'group',
    title: `Group ${id}`,
    role: 'member',
    lastMessage: null,
    lastActivityAt: AT,
    lastReadMessageId: 0,
    unreadCount,
    unreadMentionCount: 0,
    muted: false,
    mutedUntil: null,
  }) as unknown as ChatDetailView

const message = (id: number, chatId: number): MessageView =>
  ({ id, chatId, senderId: 'bob', body: 'Glaze day', createdAt: AT, mentions: [] }) as unknown as MessageView

describe('the chat list store', () => {
  test('a message for a chat whose fetch is on its way, answered before the message, fetches it again', async () => {
    const answers: Array<(chat: ChatDetailView) => void> = []
    const client = {
      api: {
        listChats: async () => ({ chats: [], nextCursor: null }),
        getChat: () => new Promise<ChatDetailView>((resolve) => answers.push(resolve)),
      },
    } as unknown as PalaverClient
    const live = new Live()
    const store = new ChatListStore(client, live as never, {} as PalaverConfig)
    await store.start('alice')

    // Alice is added to a new group: the list asks for it. Bob's first message comes before the answer,
    // which the server gave before that message was stored.
    live.hear({ type: 'chat.created', chatId: 9, cursor: 1, data: { chat: group(9, 0) } } as PalaverEvent)
    live.hear({
      type: 'message.created',
      chatId: 9,
      cursor: 2,
      data: { message: message(5, 9) },
    } as PalaverEvent)
    expect(answers).toHaveLength(1)
    answers[0]!(group(9, 0))
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(answers).toHaveLength(2)
    answers[1]!(group(9, 1))
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(store.find(9)?.unreadCount).toBe(1)
    expect(store.unreadTotal).toBe(1)
  })
})
