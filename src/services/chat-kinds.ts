import type { ChatKind } from '../storage/schema.js'

/** Chats whose kind is remembered at most; past it, the memory starts over. */
const CAPACITY = 10_000

/**
 * The kinds of the chats this process has loaded. A chat's kind never changes and its id is never used
 * again, so what is remembered stays true: a send can tell a chat where membership alone decides who
 * posts from a room, whose host has a say, without asking the database.
 */
export class ChatKinds {
  private readonly known = new Map<number, ChatKind>()

  get(chatId: number): ChatKind | undefined {
    return this.known.get(chatId)
  }

  remember(chatId: number, kind: ChatKind): void {
    if (this.known.size >= CAPACITY && !this.known.has(chatId)) this.known.clear()
    this.known.set(chatId, kind)
  }
}
