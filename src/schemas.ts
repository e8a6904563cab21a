import { z } from '@hono/zod-openapi'

/**
 * The public contract: every request and answer body of the REST API, once.
 * The HTTP layer validates with these, the OpenAPI document is generated from them,
 * and services and the client take their types from them.
 */

/**
 * A whole number from `min` to `max`: a JSON number, or in a path or query string its decimal digits.
 * Nothing else stands for one, though Number() reads true, [5], "", " 5", "1e3" and "0x10" as numbers.
 */
export const wholeNumber = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.preprocess(
    (value) => (typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : value),
    z
      // Only for what is not a number: a number out of range is told so by the checks.
      .number({ error: (issue) => (issue.code === 'invalid_type' ? 'expected a whole number' : undefined) })
      .int()
      .min(min)
      .max(max),
  )
export const Id = wholeNumber(1)
const Time = z.string().openapi({ format: 'date-time', example: '2026-11-25T10:00:00.000Z' })

export const UserSchema = z
  .object({
    id: z.string(),
    username: z.string(),
    name: z.string(),
    displayName: z.string(),
    avatarUrl: z.string(),
  })
  .openapi('User')
export type UserView = z.infer<typeof UserSchema>

export const ReactionSchema = z
  .object({ emoji: z.string(), count: z.number().int(), userIds: z.array(z.string()) })
  .openapi('Reaction')
export type ReactionView = z.infer<typeof ReactionSchema>

export const ReceiptStatus = z.enum(['sent', 'delivered', 'read'])
export type ReceiptStatus = z.infer<typeof ReceiptStatus>

/** What a reply shows of the message it answers, as that message is now. */
export const QuoteSchema = z
  .object({
    id: z.number().int(),
    senderId: z.string(),
    sender: UserSchema.nullable(),
    /** The start of the answered message's text, at most 200 characters; null once it was deleted. */
    excerpt: z.string().nullable(),
    deleted: z.boolean(),
  })
  .openapi('Quote')
export type QuoteView = z.infer<typeof QuoteSchema>

/** A file shared in a chat. `url` serves it to those who may read the chat (pictures inline, the rest as downloads). */
export const AttachmentSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    /** Its media type, as accepted at upload ("image/png"). */
    type: z.string(),
    /** In bytes. */
    size: z.number().int(),
    /** Of a picture (png, jpeg, gif, webp), whose bytes were checked to be one; null for other files. */
    width: z.number().int().nullable(),
    height: z.number().int().nullable(),
    url: z.string(),
  })
  .openapi('Attachment')
export type AttachmentView = z.infer<typeof AttachmentSchema>

/**
 * A member a message mentions: the user as they are now, and the name the message's text writes them
 * with after its "@" (what a reader chips, so a rename does not undo it).
 */
export const MentionSchema = UserSchema.extend({
  writtenAs: z.string().openapi({
    description:
      'The name the text writes after "@" for this mention, found when the message was stored or last ' +
      'edited: "Ada Lovelace" in "hi @Ada Lovelace", also once she is renamed Ada King (`displayName` is ' +
      'her name now). A mention stored before Palaver recorded it, or one the text does not write, has ' +
      'the current display name.',
    example: 'Ada Lovelace',
  }),
}).openapi('Mention', {
  description:
    'A member a message mentions, as the user is now, with the name the text wrote them with: show ' +
    '"@" + writtenAs as written, and who it is now (displayName, username) beside it, e.g. in a title.',
})
export type MentionView = z.infer<typeof MentionSchema>

export const MessageSchema = z
  .object({
    id: z.number().int(),
    chatId: z.number().int(),
    senderId: z.string(),
    sender: UserSchema.nullable(),
    /** Null when the message was deleted. */
    body: z.string().nullable(),
    clientId: z.string().nullable(),
    /** The message this one answers, when it is a reply. */
    replyTo: QuoteSchema.nullable(),
    /**
     * The members this message mentions, in the order the sender named them; absent when it mentions
     * nobody. The body carries their names as the sender wrote them ("@Ada Lovelace"); this list says
     * whom they mean, each with that name (`writtenAs`) and their name now (`displayName`).
     */
    mentions: z.array(MentionSchema).optional(),
    mentionsEveryone: z
      .literal(true)
      .optional()
      .openapi({
        description:
          'Present (true) when the message mentions every member of its chat: its text writes "@everyone". ' +
          'It counts as a mention of each of them but the sender, in a muted chat too; absent otherwise.',
      }),
    /** The files sent with it, in the order given; absent when there are none (and once it was deleted). */
    attachments: z.array(AttachmentSchema).optional(),
    /** When it was pinned to its chat, and by whom; absent when it is not (see `GET /chats/:chatId/pins/`). */
    pinned: z.object({ at: Time, byId: z.string() }).optional(),
    createdAt: Time,
    editedAt: Time.nullable(),
    deleted: z.boolean(),
    reactions: z.array(ReactionSchema),
    /** For the sender only: how far the other members got. */
    receipt: z
      .object({
        status: ReceiptStatus,
        deliveredCount: z.number().int(),
        readCount: z.number().int(),
        recipientCount: z.number().int(),
      })
      .nullable(),
  })
  .openapi('Message')
export type MessageView = z.infer<typeof MessageSchema>

export const ChatKind = z.enum(['dm', 'group', 'room'])
export const RoomAccess = z.enum(['public', 'members', 'hidden'])
export type RoomAccess = z.infer<typeof RoomAccess>

export const ChatSchema = z
  .object({
    id: z.number().int(),
    kind: ChatKind,
    /** The title as the viewer should see it (a DM shows the other person's name unless renamed). */
    title: z.string(),
    customTitle: z.string().nullable(),
    room: z.object({ contentType: z.string(), objectId: z.string(), access: RoomAccess }).nullable(),
    /** The other person of a DM. */
    peer: UserSchema.nullable(),
    memberCount: z.number().int(),
    /** The viewer's role, or null when they are not a member (reading a public room). */
    role: z.enum(['admin', 'member']).nullable(),
    unreadCount: z.number().int(),
    /** How many of the unread messages mention the viewer (counted even when the chat is muted). */
    unreadMentionCount: z.number().int(),
    lastReadMessageId: z.number().int(),
    /** In a DM: whether the viewer blocked the other person (neither may then write in it). */
    peerBlocked: z.boolean(),
    /** Whether the viewer muted the chat: its messages still come, but ask for no attention. */
    muted: z.boolean(),
    /** When the viewer's mute ends; null when it lasts until they unmute, or when they did not mute. */
    mutedUntil: Time.nullable(),
    /**
     * Whether the viewer marked the chat unread, to come back to it: it asks for attention as one unread
     * message would, until they next read it (mark-as-read, which opening it does).
     */
    markedUnread: z.boolean(),
    /** The newest message as a preview: its text, not its quote, mentions or files (an empty text: files alone). */
    lastMessage: MessageSchema.omit({
      reactions: true,
      receipt: true,
      replyTo: true,
      mentions: true,
      mentionsEveryone: true,
      attachments: true,
    }).nullable(),
    createdAt: Time,
    lastActivityAt: Time,
    permissions: z.object({
      post: z.boolean(),
      react: z.boolean(),
      rename: z.boolean(),
      manageMembers: z.boolean(),
      delete: z.boolean(),
      join: z.boolean(),
      leave: z.boolean(),
      /** Whether a message of the viewer's may mention everyone: any member of a group, a room's admins. */
      mentionEveryone: z.boolean(),
      /** Whether the viewer may pin and unpin messages: any member of a DM or group who may post, a room's admins. */
      pin: z.boolean(),
    }),
  })
  .openapi('Chat')
export type ChatView = z.infer<typeof ChatSchema>

export const MemberSchema = z
  .object({
    user: UserSchema,
    role: z.enum(['admin', 'member']),
    joinedAt: Time,
    lastReadMessageId: z.number().int(),
  })
  .openapi('Member')
export type MemberView = z.infer<typeof MemberSchema>

export const ChatDetailSchema = ChatSchema.extend({ members: z.array(MemberSchema) }).openapi('ChatDetail')
export type ChatDetailView = z.infer<typeof ChatDetailSchema>

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.enum([
        'invalid_input',
        'unauthenticated',
        'forbidden',
        'not_found',
        'attachment_gone',
        'conflict',
        'too_large',
        'rate_limited',
        'unavailable',
      ]),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi('Error')

// ---- inputs ----

const trimmedText = z.string().transform((s) => s.trim())
/**
 * Text without control characters, which PostgreSQL cannot store (a NUL) or a page would not show, nor
 * lone surrogates, which are no UTF-8 (SQLite would keep their bytes, PostgreSQL a U+FFFD).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
const printable = /^[^\0-\x1f\x7f\p{Cs}]*$/u
/** A user's id as the host gave it: printable text (PostgreSQL cannot even compare a NUL). */
export const UserId = z
  .string()
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
  .regex(/^[^\0-\x1f\x7f]{1,200}$/, 'expected a user id: 1 to 200 printable characters')

/**
 * The users a message mentions. Only members of the chat other than the sender count: anyone else
 * named here is left out of the message's `mentions`, as a member who left by the time it is stored is.
 */
const MentionIds = z.array(UserId).max(50, 'a message mentions at most 50 people')

const MentionsEveryone = z.boolean().openapi({
  description:
    'Mention every member of the chat; taken only when the text writes "@everyone". Any member of a group ' +
    'may, in a room only its admins (403 otherwise); refused in a DM (400).',
})

export const CreateChatInput = z
  .object({
    kind: z.literal('group').default('group'),
    title: trimmedText.optional(),
    memberIds: z.array(UserId).max(10_000).default([]),
  })
  .strict()
  .openapi('CreateChatInput')

export const RenameChatInput = z.object({ title: trimmedText }).strict().openapi('RenameChatInput')

export const SendMessageInput = z
  .object({
    body: z.string(),
    clientId: z.string().min(1).max(100).optional(),
    /** Makes the message a reply to this one, which must be a message of the same chat, not deleted. */
    replyToId: Id.optional(),
    mentionIds: MentionIds.optional(),
    mentionsEveryone: MentionsEveryone.optional(),
    /**
     * Files the sender uploaded to this chat (POST …/attachments/) that no message has yet; with any,
     * the body may be empty.
     */
    attachmentIds: z.array(Id).max(50).optional(),
  })
  .strict()
  .openapi('SendMessageInput')
export const EditMessageInput = z
  .object({
    body: z.string(),
    /** The members the edited text mentions; without it, the message keeps the mentions it had. */
    mentionIds: MentionIds.optional(),
    /** Whether the edited text mentions everyone; without it, the message does while its text writes "@everyone". */
    mentionsEveryone: MentionsEveryone.optional(),
  })
  .strict()
  .openapi('EditMessageInput')
export const ReactionInput = z
  .object({ emoji: z.string().min(1).max(64) })
  .strict()
  .openapi('ReactionInput')
export const MarkReadInput = z.object({ messageId: Id.optional() }).strict().openapi('MarkReadInput')
export const AddMembersInput = z
  .object({ userIds: z.array(UserId).min(1).max(1000) })
  .strict()
  .openapi('AddMembersInput')
export const MuteInput = z
  .object({
    muted: z.boolean(),
    /** When the mute ends by itself (with `muted: true`); without it, it lasts until unmuted. */
    until: z.iso.datetime({ offset: true }).optional(),
  })
  .strict()
  .refine((input) => input.muted || input.until === undefined, {
    message: 'until goes only with muted: true',
    path: ['until'],
  })
  .openapi('MuteInput')
export const PinInput = z.object({ pinned: z.boolean() }).strict().openapi('PinInput')
export const TypingInput = z.object({ isTyping: z.boolean() }).strict().openapi('TypingInput')
export const RoomInput = z
  .object({
    contentType: z.string().min(1).max(100).regex(printable, 'expected printable text'),
    objectId: z.string().min(1).max(200).regex(printable, 'expected printable text'),
  })
  .strict()
  .openapi('RoomInput')
export const DmInput = z.object({ userId: UserId }).strict().openapi('DmInput')

export const HistoryQuery = z.object({
  before: Id.optional(),
  after: Id.optional(),
  around: Id.optional(),
  limit: wholeNumber(1, 200).optional(),
})
export type HistoryQuery = z.infer<typeof HistoryQuery>

export const MemberSearchQuery = z.object({
  /** Matches name, username or e-mail; without it, the members who read the chat most recently come first. */
  q: z.string().max(200).optional(),
  limit: wholeNumber(1, 50).optional(),
})

export const MemberSearchSchema = z.object({ members: z.array(MemberSchema) }).openapi('MemberSearch')
export type MemberSearchView = z.infer<typeof MemberSearchSchema>

export const UploadQuery = z.object({
  /** The file's name as the sender's device had it (without one: "file"). */
  name: z.string().max(1000).optional(),
})

export const DownloadQuery = z.object({
  /**
   * Present (`?download`): the file comes as a download whatever its type. A page of another origin
   * cannot make a link download with the `download` attribute, which browsers ignore across origins.
   */
  download: z.string().max(10).optional(),
})

export const ChatListQuery = z.object({
  cursor: z.string().max(100).optional(),
  search: z.string().max(200).optional(),
  kind: ChatKind.optional(),
  limit: wholeNumber(1, 200).optional(),
})

export const UnreadQuery = z.object({ kind: ChatKind.optional() })

export const UserSearchQuery = z.object({
  q: z
    .string()
    .max(200)
    .optional()
    .openapi({ description: 'Empty or absent: suggestions instead of matches' }),
  limit: wholeNumber(1, 50).optional(),
  chatId: Id.optional().openapi({
    description: 'Suggestions for adding to this chat (one I may see): its members are left out',
  }),
})

export const SearchQuery = z.object({
  q: z.string().max(1000),
  chatId: Id.optional(),
  limit: wholeNumber(1, 100).optional(),
  before: Id.optional().openapi({
    description: 'Only matches older than this message id: the `nextBefore` of the page before',
  }),
})

export const ToggleReactionResult = z
  .object({ action: z.enum(['added', 'removed']), emoji: z.string(), reactions: z.array(ReactionSchema) })
  .openapi('ToggleReactionResult')

export const SearchResultSchema = z
  .object({
    message: MessageSchema,
    chat: z.object({ id: z.number().int(), kind: ChatKind, title: z.string() }),
    /** HTML: the text around the match, escaped, with the matched words in `<mark>`. */
    snippet: z.string(),
  })
  .openapi('SearchResult')
export type SearchResultView = z.infer<typeof SearchResultSchema>

export const SearchResultsSchema = z
  .object({
    /** The `limit` newest matches (older than `before`), best first. */
    results: z.array(SearchResultSchema),
    nextBefore: z.number().int().nullable().openapi({
      description: 'The `before` of the next page; null when no older match can exist',
    }),
  })
  .openapi('SearchResults')

export const HistorySchema = z
  .object({
    messages: z.array(MessageSchema),
    hasOlder: z.boolean(),
    hasNewer: z.boolean(),
  })
  .openapi('History')
export type HistoryView = z.infer<typeof HistorySchema>

/** A chat's pinned messages, the most recently pinned first. */
export const PinsSchema = z.object({ messages: z.array(MessageSchema) }).openapi('Pins')
export type PinsView = z.infer<typeof PinsSchema>

export const ChatListSchema = z
  .object({ chats: z.array(ChatSchema), nextCursor: z.string().nullable() })
  .openapi('ChatList')
export type ChatListView = z.infer<typeof ChatListSchema>

/** A chat with unread messages, as the unread total counts it. */
export const UnreadChatSchema = ChatSchema.pick({
  id: true,
  kind: true,
  unreadCount: true,
  unreadMentionCount: true,
  muted: true,
  mutedUntil: true,
  markedUnread: true,
}).openapi('UnreadChat')
export type UnreadChatView = z.infer<typeof UnreadChatSchema>

export const UnreadSchema = z
  .object({
    /** The unread messages that call for the viewer: of a muted chat only those that mention them. */
    unreadCount: z.number().int(),
    /** How many chats have such messages. */
    chatCount: z.number().int(),
    /**
     * Every chat with unread messages or marked unread, muted or not (a mute that runs out makes all of its
     * count), by id.
     */
    chats: z.array(UnreadChatSchema),
  })
  .openapi('Unread')
export type UnreadView = z.infer<typeof UnreadSchema>

// ---- events ----

/** A chat as events carry it: the same for every recipient (no viewer's title, role or unread count). */
export interface ChatSummary {
  id: number
  kind: z.infer<typeof ChatKind>
  customTitle: string | null
  room: { contentType: string; objectId: string } | null
  memberCount: number
  createdAt: string
  lastActivityAt: string
}

/** One member's high-water marks in a chat: they read, and received, every message up to these ids. */
export interface MemberMarks {
  userId: string
  lastReadMessageId: number
  lastDeliveredMessageId: number
}

/** The data of each persisted event type: what clients receive and what server-side hooks get. */
export interface EventPayloads {
  'message.created': { message: MessageView }
  'message.updated': { message: MessageView }
  'message.deleted': { messageId: number; chatId: number; message: MessageView }
  'reaction.updated': { chatId: number; messageId: number; reactions: ReactionView[] }
  /** Members whose marks moved, several in one event: a group's deliveries of one moment together. */
  'receipt.updated': { chatId: number; marks: MemberMarks[] }
  'chat.created': { chat: ChatSummary }
  'chat.updated': { chat: ChatSummary }
  'chat.deleted': { chatId: number }
  /** To the blocker alone, on each of their connections: they blocked or unblocked the user. */
  'user.blocked': { userId: string; blocked: boolean }
  /** To the member alone, on each of their connections: they muted or unmuted the chat. */
  'chat.muted': { chatId: number; muted: boolean; mutedUntil: string | null }
  /** To the member alone, on each of their connections: they marked the chat unread, or read it since. */
  'chat.marked': { chatId: number; markedUnread: boolean }
  'member.added': { chatId: number; user: UserView; role: 'admin' | 'member'; chat: ChatSummary }
  'member.removed': { chatId: number; userId: string; promotedIds: readonly string[]; chat: ChatSummary }
}
