import type { Kysely } from 'kysely'
import { z } from 'zod'
import { DEFAULT_ATTACHMENT_TYPES } from './attachments/files.js'
import type { AttachmentStore } from './attachments/store.js'
import { defaultRateLimits, memoryRateLimiter, type RateLimiter, type RateLimits } from './http/rate-limit.js'
import type { PubSub } from './realtime/pubsub.js'
import type { UserView } from './schemas.js'
import type { MessageModerator } from './services/moderation.js'
import type { RoomResolver } from './services/rooms.js'
import type { DatabaseSchema } from './storage/schema.js'
import type { User, UserDirectory, UserProfile } from './users/types.js'
import { persistedEventTypes, type WebhookOptions } from './webhooks.js'

/** How Palaver reaches its database: a SQLite file, a PostgreSQL URL, or a Kysely instance the host owns. */
export type DatabaseOption =
  | {
      sqlite: string
      /**
       * 'normal' (the default): a commit does not wait for the disk; what was acknowledged survives the
       * process dying, not a power cut. 'full': every commit waits for the disk (an fsync on the event loop).
       */
      synchronous?: 'normal' | 'full'
    }
  | { postgres: string; schema?: string; poolSize?: number; applicationName?: string }
  | {
      /**
       * The host's own instance, whatever tables it was typed with: Palaver adds its own (`palaver_…`).
       */
      // biome-ignore lint/suspicious/noExplicitAny: a Kysely typed with the host's tables is not one typed with Palaver's.
      kysely: Kysely<any>
      dialect: 'sqlite' | 'postgres'
    }

export type Transport = 'auto' | 'websocket' | 'sse' | 'polling'

export interface PalaverOptions {
  database: DatabaseOption
  /** Tells who sends a request: a user with at least an id, or null for an anonymous visitor. */
  getUser(request: Request): Promise<UserProfile | null> | UserProfile | null
  /** Mount path of the pages and the API. */
  basePath?: string
  /** Where users live; defaults to Palaver's own table, filled by `palaver.users.upsert()` and by `getUser`. */
  users?: UserDirectory
  /** Whom a viewer may message or add; `'everyone'` or a list of user ids. */
  contacts?(viewer: User): Promise<'everyone' | readonly string[]> | 'everyone' | readonly string[]
  displayName?(user: UserProfile): string
  avatarUrl?(user: UserProfile): string
  /** Content types that may have rooms, each with the resolver that tells whether an object exists and who may see it. */
  rooms?: Record<string, RoomResolver>
  loginUrl?: string
  transport?: Transport
  messagesPerPage?: number
  chatsPerPage?: number
  /** CSS lengths the UI keeps clear for the host's own navigation. */
  layout?: { topOffset?: string; bottomOffset?: string }
  showDeletedMessageIndicators?: boolean
  enableDms?: boolean
  enableRooms?: boolean
  showRoomsOnMessagesPage?: boolean
  showDmsOnMessagesPage?: boolean
  allowRenamingRooms?: boolean
  allowRenamingDms?: boolean
  allowEditingMessages?: boolean
  allowDeletingMessages?: boolean
  allowReactions?: boolean
  limits?: Partial<Limits>
  /** Origins allowed to make cookie-authenticated writes and WebSocket upgrades, besides the request's own. */
  allowedOrigins?: readonly string[]
  /** Run pending migrations when the instance starts. */
  migrate?: boolean
  /** Real-time fan-out between processes; in-process by default. */
  pubsub?: PubSub
  /**
   * With `pubsub` (several processes): every process hands its sends (those with a clientId) to one of
   * them, which stores them all in its batches. Default true; false: each process stores its own.
   */
  singleWriter?: boolean
  /** Text-search configuration for PostgreSQL (`simple` works for every language). */
  searchLanguage?: string
  /** How long events stay in the log for clients to resume from (ms); older cursors must resync. */
  eventRetentionMs?: number
  /**
   * Per-user limits, and `guest`: per client address, every request of visitors not signed in (or `false`
   * for none); unset actions keep their defaults.
   */
  rateLimits?: Partial<RateLimits> | false
  /**
   * How many reverse proxies stand in front of the server, each appending its peer to X-Forwarded-For:
   * the client's address (for the guest limit) is the one the farthest saw. 0 (the default): the socket's.
   */
  trustProxy?: number
  /** Where limits are counted: in memory by default; `redisRateLimiter()` shares them across processes. */
  rateLimiter?: RateLimiter
  /**
   * Wraps the messages page in the host's own layout: gets the title, what goes in <head>, the body, and
   * the request with the user `getUser` found in it (null when signed out), so that the layout can show
   * the host's navigation and account as its other pages do.
   */
  pageLayout?(page: PageParts): string | Promise<string>
  /** How often each process checks the log even without a pub/sub notification (ms): the bound on delay when pub/sub fails. */
  logPollIntervalMs?: number
  /**
   * Serves `GET <basePath>/metrics` (Prometheus text) to a scraper that sends `Authorization: Bearer
   * <token>`. Without it there is no such route; `palaver.metrics` is there either way.
   */
  metricsToken?: string
  /**
   * Endpoints of the host's that get every persisted event (or those of their `events`) as a signed
   * POST, at least once and in order, from wherever the log is: see the README's Webhooks section.
   */
  webhooks?: WebhookOptions[]
  /** Files people send with messages; `false` turns them off. See the README's Attachments section. */
  attachments?: AttachmentOptions | false
  /**
   * Asked before each new message and each edit is stored: lets it through, stores another text instead, or
   * refuses it with a reason the sender is told. See the README's Moderation section.
   */
  moderateMessage?: MessageModerator
}

/** What `pageLayout` wraps: the messages page's parts, and whom it is for. */
export interface PageParts {
  title: string
  /** The widget bundle's script tag (and what else Palaver needs in <head>). */
  head: string
  /** The <palaver-messages> element. */
  body: string
  request: Request
  /** The signed-in user as Palaver shows them, or null. */
  viewer: UserView | null
}

export interface AttachmentOptions {
  /** Where the bytes go: Palaver's database by default; `diskAttachmentStore(dir)` or the host's own. */
  store?: AttachmentStore
  /** The largest file, in bytes (default 10 MiB). */
  maxSize?: number
  /** Accepted media types; a pattern may end in `*` ("image/*"). Default: pictures, documents, sound, video. */
  types?: readonly string[]
  /** How many files one message may carry (default 10). */
  perMessage?: number
}

export interface ResolvedAttachments {
  store: AttachmentStore | undefined
  maxSize: number
  types: readonly string[]
  perMessage: number
}

export interface Limits {
  messageLength: number
  titleLength: number
  membersPerChat: number
  bodyBytes: number
  searchQueryLength: number
}

export type ResolvedOptions = Required<
  Omit<
    PalaverOptions,
    'users' | 'pubsub' | 'limits' | 'layout' | 'rooms' | 'metricsToken' | 'attachments' | 'moderateMessage'
  >
> & {
  moderateMessage: MessageModerator | undefined
  attachments: ResolvedAttachments | false
  metricsToken: string | undefined
  users: UserDirectory | undefined
  pubsub: PubSub | undefined
  rooms: Record<string, RoomResolver>
  limits: Limits
  layout: { topOffset: string; bottomOffset: string }
}

const fn = <T>() => z.custom<T>((value) => typeof value === 'function', { message: 'expected a function' })

const databaseSchema = z.union([
  z.object({ sqlite: z.string().min(1), synchronous: z.enum(['normal', 'full']).optional() }).strict(),
  z
    .object({
      postgres: z.string().startsWith('postgres'),
      schema: z
        .string()
        .regex(/^[a-z_][a-z0-9_]*$/, 'expected a lower-case SQL identifier')
        .optional(),
      poolSize: z.number().int().min(1).max(200).optional(),
      applicationName: z.string().max(60).optional(),
    })
    .strict(),
  z
    .object({
      kysely: z.custom<Kysely<DatabaseSchema>>((v) => typeof v === 'object' && v !== null),
      dialect: z.enum(['sqlite', 'postgres']),
    })
    .strict(),
])

const positive = (max: number) => z.number().int().min(1).max(max)

const optionsSchema = z
  .object({
    database: databaseSchema,
    getUser: fn<PalaverOptions['getUser']>(),
    basePath: z
      .string()
      .regex(/^(\/[A-Za-z0-9._~-]+)*$/, 'expected a path such as /messages, without a trailing slash')
      .default('/messages'),
    users: z.custom<UserDirectory>((v) => typeof v === 'object' && v !== null).optional(),
    contacts: fn<NonNullable<PalaverOptions['contacts']>>().default(() => () => 'everyone' as const),
    displayName: fn<NonNullable<PalaverOptions['displayName']>>().optional(),
    avatarUrl: fn<NonNullable<PalaverOptions['avatarUrl']>>().optional(),
    rooms: z
      .record(z.string().regex(/^[a-z0-9_.-]+$/i), fn<RoomResolver>())
      .default({})
      // Looked up by what a request names: "constructor" or "__proto__" must not find Object's own.
      .transform((rooms): Record<string, RoomResolver> => Object.assign(Object.create(null), rooms)),
    loginUrl: z.string().min(1).default('/login'),
    transport: z.enum(['auto', 'websocket', 'sse', 'polling']).default('auto'),
    messagesPerPage: positive(200).default(50),
    chatsPerPage: positive(200).default(30),
    layout: z
      .object({ topOffset: z.string().default('0px'), bottomOffset: z.string().default('0px') })
      .strict()
      .default({ topOffset: '0px', bottomOffset: '0px' }),
    showDeletedMessageIndicators: z.boolean().default(true),
    enableDms: z.boolean().default(true),
    enableRooms: z.boolean().default(true),
    showRoomsOnMessagesPage: z.boolean().default(true),
    showDmsOnMessagesPage: z.boolean().default(true),
    allowRenamingRooms: z.boolean().default(false),
    allowRenamingDms: z.boolean().default(true),
    allowEditingMessages: z.boolean().default(true),
    allowDeletingMessages: z.boolean().default(true),
    allowReactions: z.boolean().default(true),
    limits: z
      .object({
        messageLength: positive(100_000).default(4000),
        titleLength: positive(1000).default(120),
        membersPerChat: positive(100_000).default(1000),
        bodyBytes: positive(10_000_000).default(64 * 1024),
        searchQueryLength: positive(1000).default(200),
      })
      .strict()
      .default({
        messageLength: 4000,
        titleLength: 120,
        membersPerChat: 1000,
        bodyBytes: 64 * 1024,
        searchQueryLength: 200,
      }),
    // As browsers send them in Origin: `https://www.example.com/` and `HTTPS://WWW.example.com` both match.
    allowedOrigins: z.array(z.url().transform((url) => new URL(url).origin)).default([]),
    migrate: z.boolean().default(true),
    pubsub: z.custom<PubSub>((v) => typeof v === 'object' && v !== null).optional(),
    singleWriter: z.boolean().default(true),
    searchLanguage: z
      .string()
      .regex(/^[a-z_]+$/)
      .default('simple'),
    rateLimits: z
      .union([
        z.literal(false),
        z
          .partialRecord(
            z.enum(['send', 'typing', 'react', 'createChat', 'search', 'upload', 'guest']),
            z.object({ limit: z.number().int().min(1), windowMs: z.number().int().min(100) }).strict(),
          )
          .transform((given) => ({ ...defaultRateLimits, ...given })),
      ])
      .default(defaultRateLimits),
    trustProxy: z.number().int().min(0).max(10).default(0),
    rateLimiter: z
      .custom<RateLimiter>(
        (v) => typeof v === 'object' && v !== null && typeof (v as RateLimiter).hit === 'function',
      )
      .default(() => memoryRateLimiter()),
    pageLayout: fn<NonNullable<PalaverOptions['pageLayout']>>().optional(),
    eventRetentionMs: z
      .number()
      .int()
      .min(60_000)
      .default(7 * 24 * 3600 * 1000),
    logPollIntervalMs: z.number().int().min(50).max(60_000).default(1000),
    // Long enough not to be guessed; the characters a header carries as they are.
    metricsToken: z
      .string()
      .regex(/^[\x21-\x7e]{16,200}$/, 'expected 16 to 200 printable characters without spaces')
      .optional(),
    moderateMessage: fn<MessageModerator>().optional(),
    webhooks: z
      .array(
        z
          .object({
            url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }),
            secret: z.string().min(16, 'expected a secret of at least 16 characters'),
            events: z.array(z.enum(persistedEventTypes)).min(1).optional(),
            name: z.string().min(1).max(200).optional(),
          })
          .strict(),
      )
      .refine((hooks) => new Set(hooks.map((h) => h.name ?? h.url)).size === hooks.length, {
        message: 'two webhooks share a name (or a URL): give each its own `name`',
      })
      .default([]),
    attachments: z
      .union([
        z.literal(false),
        z
          .object({
            store: z
              .custom<AttachmentStore>(
                (v) =>
                  typeof v === 'object' &&
                  v !== null &&
                  ['put', 'get', 'delete'].every(
                    (m) => typeof (v as Record<string, unknown>)[m] === 'function',
                  ),
                { message: 'expected a store with put, get and delete' },
              )
              .optional(),
            maxSize: positive(1024 * 1024 * 1024).default(10 * 1024 * 1024),
            types: z
              .array(
                z
                  .string()
                  .regex(
                    /^[a-z0-9.+-]+\/([a-z0-9.+-]+\*?|\*)$/,
                    'expected a media type such as image/png or image/*',
                  ),
              )
              .min(1)
              .default(DEFAULT_ATTACHMENT_TYPES),
            perMessage: positive(50).default(10),
          })
          .strict(),
      ])
      .default({
        store: undefined,
        maxSize: 10 * 1024 * 1024,
        types: DEFAULT_ATTACHMENT_TYPES,
        perMessage: 10,
      }),
  })
  .strict()

/** Fills in the defaults and fails fast, naming the first wrong option. */
export function resolveOptions(options: PalaverOptions): ResolvedOptions {
  const parsed = optionsSchema.safeParse(options)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const name = issue.path.join('.') || '(options)'
    throw new TypeError(`Invalid Palaver option \`${name}\`: ${issue.message}`)
  }
  return parsed.data as ResolvedOptions
}
