import { describe, expect, test } from 'vitest'
import {
  type ChatDetailView,
  type ConnectionEvents,
  Emitter,
  type MessageView,
  type PalaverClient,
  type PalaverEvent,
  type UnreadView,
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
    markedUnread: false,
  }) as unknown as ChatDetailView

const message = (id: number, chatId: number): MessageView =>
  ({ id, chatId, senderId: 'bob', body: 'Glaze day', createdAt: AT, mentions: [] }) as unknown as MessageView

describe('the chat list store', () => {
  test('a message for a chat whose fetch is on its way, answered before the message, fetches it again', async () => {
    const answers: Array<(chat: ChatDetailView) => void> = []
    const client = {
      api: {
        listChats: async () => ({ chats: [], nextCursor: null }),
        unread: async () => ({ unreadCount: 0, chatCount: 0, chats: [] }),
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
    expect(store.unreadChatCount()).toBe(1)
  })

  /** A store whose server has `loaded` on the list's first page and answers `GET /api/unread/` by hand. */
  async function withUnread(loaded: ChatDetailView[]) {
    const unread: Array<(answer: UnreadView) => void> = []
    const client = {
      api: {
        listChats: async () => ({ chats: loaded, nextCursor: 'more' }),
        unread: () => new Promise<UnreadView>((resolve) => unread.push(resolve)),
      },
    } as unknown as PalaverClient
    const live = new Live()
    const store = new ChatListStore(client, live as never, {} as PalaverConfig)
    const started = store.start('alice')
    return { store, live, unread, started }
  }
  const figure = (...chats: Array<[id: number, unreadCount: number]>): UnreadView => ({
    unreadCount: chats.reduce((sum, [, n]) => sum + n, 0),
    chatCount: chats.length,
    chats: chats.map(([id, unreadCount]) => ({
      id,
      kind: 'group',
      unreadCount,
      unreadMentionCount: 0,
      muted: false,
      mutedUntil: null,
      markedUnread: false,
    })),
  })
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0))

  test("counts the server's figure for the chats not loaded, and a loaded chat as the list has it, once", async () => {
    const { store, live, unread, started } = await withUnread([group(1, 2)])
    // The first page waits for the figure: its first paint counts the chats beyond it.
    await settle()
    expect(store.chats).toHaveLength(0)
    unread[0]!(figure([1, 2], [7, 4]))
    await started
    expect(store.chats).toHaveLength(1)
    expect(store.unreadChatCount()).toBe(2)
    // The chat on screen does not wait for the viewer.
    expect(store.unreadChatCount(7)).toBe(1)
    // A message in the loaded chat counts there; the server's older figure of it counts no more.
    live.hear({
      type: 'message.created',
      chatId: 1,
      cursor: 1,
      data: { message: message(9, 1) },
    } as PalaverEvent)
    expect(store.find(1)?.unreadCount).toBe(3)
    expect(store.unreadChatCount()).toBe(2)
    expect(unread).toHaveLength(1)
  })

  test('a chat not loaded that is left counts no more; one read is asked for again, also while the figure is on its way', async () => {
    const { store, live, unread, started } = await withUnread([])
    unread[0]!(figure([7, 4], [8, 1], [10, 2]))
    await started
    expect(store.unreadChatCount()).toBe(3)
    // Removed from a chat the list has not loaded: it counts no more, at once.
    live.hear({
      type: 'member.removed',
      chatId: 10,
      cursor: 1,
      data: { chatId: 10, userId: 'alice', promotedIds: [] },
    } as unknown as PalaverEvent)
    expect(store.unreadChatCount()).toBe(2)
    expect(unread).toHaveLength(1)

    const read = (cursor: number, chatId: number) =>
      live.hear({
        type: 'receipt.updated',
        chatId,
        cursor,
        data: { chatId, marks: [{ userId: 'alice', lastReadMessageId: 50, lastDeliveredMessageId: 50 }] },
      } as unknown as PalaverEvent)
    read(2, 7)
    expect(unread).toHaveLength(2)
    // Read again while that request is on its way: its answer may be older than this read, and is asked again.
    read(3, 8)
    unread[1]!(figure([8, 1]))
    await settle()
    expect(unread).toHaveLength(3)
    expect(store.unreadChatCount()).toBe(2)
    unread[2]!(figure())
    await settle()
    expect(store.unreadChatCount()).toBe(0)
    expect(unread).toHaveLength(3)
  })
})
