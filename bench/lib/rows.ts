import {
  chatMessageCount,
  FLAG_DELETED,
  FLAG_EDITED,
  lastMessageId,
  messageBody,
  type Plan,
} from './dataset.js'

/** One table's rows, produced lazily in insertion order. */
export interface TableSource {
  table: string
  columns: readonly string[]
  count: number
  rows(): Iterable<unknown[]>
}

/** Palaver's tables as the plan fills them, parents before children. */
export function tableSources(plan: Plan): TableSource[] {
  const { users, chats, config } = plan
  const userId = (u: number) => users[u]!.id
  const memberCount = chats.reduce((sum, chat) => sum + chat.members.length, 0)
  const tailFrom = Math.max(1, config.messages - config.eventTail + 1)

  return [
    {
      table: 'palaver_users',
      columns: ['id', 'username', 'name', 'email', 'avatar_url', 'search_text', 'updated_at'],
      count: users.length,
      *rows() {
        for (const u of users) {
          const searchText = [u.username, u.name, u.email].join('\n').toLowerCase()
          yield [u.id, u.username, u.name, u.email, null, searchText, chats[0]?.createdAt ?? 0]
        }
      },
    },
    {
      table: 'palaver_chats',
      columns: [
        'id',
        'kind',
        'title',
        'dm_key',
        'content_type',
        'object_id',
        'created_by',
        'created_at',
        'last_activity_at',
        'room_activity_at',
        'member_count',
      ],
      count: chats.length,
      *rows() {
        for (const [c, chat] of chats.entries()) {
          const last = lastMessageId(plan, c)
          const lastAt = last > 0 ? plan.createdAt[last - 1]! : chat.createdAt
          yield [
            chat.id,
            chat.kind,
            chat.title,
            chat.dmKey,
            chat.contentType,
            chat.objectId,
            userId(chat.members[0]!),
            chat.createdAt,
            Math.max(chat.createdAt, lastAt),
            chat.kind === 'room' ? Math.max(chat.createdAt, lastAt) : null,
            chat.members.length,
          ]
        }
      },
    },
    {
      table: 'palaver_members',
      columns: [
        'id',
        'chat_id',
        'user_id',
        'role',
        'joined_at',
        'last_read_message_id',
        'last_delivered_message_id',
      ],
      count: memberCount,
      *rows() {
        let id = 0
        for (const [c, chat] of chats.entries()) {
          // Everyone's client has fetched the newest messages (so reading history writes nothing);
          // read marks lag behind for about half the memberships.
          const delivered = chatMessageCount(plan, c) > 0 ? lastMessageId(plan, c) : 0
          const marks = plan.lastRead[c]!
          for (const [k, user] of chat.members.entries()) {
            const role = chat.kind === 'dm' || (chat.kind === 'group' && k === 0) ? 'admin' : 'member'
            yield [
              ++id,
              chat.id,
              userId(user),
              role,
              chat.createdAt,
              marks[k]!,
              Math.max(delivered, marks[k]!),
            ]
          }
        }
      },
    },
    {
      table: 'palaver_messages',
      columns: ['id', 'chat_id', 'sender_id', 'body', 'client_id', 'created_at', 'edited_at', 'deleted_at'],
      count: config.messages,
      *rows() {
        for (let id = 1; id <= config.messages; id++) {
          const at = plan.createdAt[id - 1]!
          const flag = plan.flags[id - 1]
          yield [
            id,
            plan.chatOf[id - 1]! + 1,
            userId(plan.senderOf[id - 1]!),
            messageBody(plan, id),
            null,
            at,
            flag === FLAG_EDITED ? at + 60_000 : null,
            flag === FLAG_DELETED ? at + 30_000 : null,
          ]
        }
      },
    },
    {
      table: 'palaver_reactions',
      columns: ['message_id', 'user_id', 'emoji', 'created_at'],
      count: plan.reactions.length,
      *rows() {
        for (const r of plan.reactions) yield [r.messageId, userId(r.user), r.emoji, r.createdAt]
      },
    },
    {
      // The tail of the log: message.created events of the newest messages, cursor = message id
      // (older events count as pruned by retention); see eventCounters.
      table: 'palaver_events',
      columns: ['cursor', 'type', 'chat_id', 'user_id', 'message_id', 'payload', 'created_at'],
      count: config.messages - tailFrom + 1,
      *rows() {
        for (let id = tailFrom; id <= config.messages; id++) {
          const at = plan.createdAt[id - 1]!
          const chatId = plan.chatOf[id - 1]! + 1
          const sender = users[plan.senderOf[id - 1]!]!
          const deleted = plan.flags[id - 1] === FLAG_DELETED
          const payload = deleted
            ? '{"redacted":true}'
            : JSON.stringify({
                message: {
                  id,
                  chatId,
                  senderId: sender.id,
                  sender: {
                    id: sender.id,
                    username: sender.username,
                    name: sender.name,
                    displayName: sender.name,
                    avatarUrl: '',
                  },
                  body: messageBody(plan, id),
                  clientId: null,
                  createdAt: new Date(at).toISOString(),
                  editedAt: null,
                  deleted: false,
                  reactions: [],
                  receipt: null,
                },
              })
          yield [id, 'message.created', chatId, null, id, payload, at]
        }
      },
    },
  ]
}

/**
 * Counters after loading: `event_cursor` is the last cursor written; `pruned_through` (where the
 * schema has retention) the last cursor before the tail that was kept. Counters a schema lacks are skipped.
 */
export const eventCounters = (plan: Plan) => ({
  event_cursor: plan.config.messages,
  pruned_through: Math.max(0, plan.config.messages - plan.config.eventTail),
})
