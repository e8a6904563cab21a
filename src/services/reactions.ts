import { forbidden, invalid, notFound, PalaverError } from '../errors.js'
import type { ReactionView } from '../schemas.js'
import { messageColumns } from '../storage/schema.js'
import { loadChat, memberWith } from './access.js'
import { type Context, transact } from './context.js'
import { reactionEvent } from './events.js'
import type { Viewer } from './users.js'
import { reactionsOf } from './views.js'

// One emoji, as Unicode's emoji sequences (UTS #51) define it: a flag (two regional indicators), a keycap,
// or pictographs joined by ZWJ, each with at most one presentation selector or skin-tone modifier and an
// optional tag sequence (subdivision flags such as Scotland's).
const tags = '(?:[\\u{E0020}-\\u{E007E}]+\\u{E007F})?'
const element = `\\p{Extended_Pictographic}(?:\\uFE0F|\\p{Emoji_Modifier})?${tags}`
const emojiSequence = new RegExp(
  `^(?:\\p{Regional_Indicator}{2}|[0-9#*]\\uFE0F?\\u20E3|${element}(?:\\u200D${element})*)$`,
  'u',
)
const keycap = /^([0-9#*])\uFE0F?\u20E3$/u
const pictograph = /(\p{Extended_Pictographic})\uFE0F?(?!\p{Emoji_Modifier})/gu

/**
 * The fully-qualified form, so that "❤" and "❤️" (or "👍" and "👍️") count as one reaction: a pictograph
 * shown as text by default gets the emoji presentation selector, a redundant selector goes.
 */
function qualify(emoji: string): string {
  const key = keycap.exec(emoji)
  if (key) return `${key[1]}\uFE0F\u20E3`
  return emoji.replace(pictograph, (_, base: string) =>
    /\p{Emoji_Presentation}/u.test(base) ? base : `${base}\uFE0F`,
  )
}

/** Accepts exactly one emoji (with its modifiers and joiners) and answers its fully-qualified form; text is refused. */
export function validateEmoji(raw: string): string {
  const emoji = raw.trim()
  if (emoji.length > 32 || !emojiSequence.test(emoji)) throw invalid('emoji must be a single emoji')
  return qualify(emoji)
}

/** Adds the viewer's reaction, or removes it when they already reacted with that emoji. */
export async function toggleReaction(
  ctx: Context,
  viewer: Viewer,
  messageId: number,
  rawEmoji: string,
): Promise<{ action: 'added' | 'removed'; emoji: string; reactions: ReactionView[] }> {
  const emoji = validateEmoji(rawEmoji)
  const message = await ctx.db
    .selectFrom('palaver_messages')
    .select(messageColumns)
    .where('id', '=', messageId)
    .executeTakeFirst()
  if (!message) throw notFound('Message')
  const access = await loadChat(ctx, ctx.db, message.chat_id, viewer).catch((error: unknown) => {
    throw error instanceof PalaverError && error.code === 'not_found' ? notFound('Message') : error
  })
  if (!ctx.options.allowReactions) throw forbidden('Reactions are disabled on this site')
  memberWith(access, 'react')
  if (message.deleted_at !== null) throw new PalaverError('conflict', 'This message was deleted')
  return transact(
    ctx,
    async (tx) => {
      // On PostgreSQL the row stays locked until this commits: a delete of the message (or of its chat)
      // waits for the reaction, or the reaction finds it gone. (SQLite has one writer.)
      const now = await tx.db
        .selectFrom('palaver_messages')
        .select('deleted_at')
        .where('id', '=', messageId)
        .$if(ctx.dialect.name === 'postgres', (q) => q.forShare())
        .executeTakeFirst()
      if (!now) throw notFound('Message')
      if (now.deleted_at !== null) throw new PalaverError('conflict', 'This message was deleted')
      const removed = await tx.db
        .deleteFrom('palaver_reactions')
        .where('message_id', '=', messageId)
        .where('user_id', '=', viewer.id)
        .where('emoji', '=', emoji)
        .executeTakeFirst()
      const action = removed.numDeletedRows > 0n ? 'removed' : 'added'
      if (action === 'added') {
        // A concurrent identical toggle may have added it first: the reaction is there either way.
        await tx.db
          .insertInto('palaver_reactions')
          .values({ message_id: messageId, user_id: viewer.id, emoji, created_at: tx.now })
          .onConflict((oc) => oc.columns(['message_id', 'emoji', 'user_id']).doNothing())
          .execute()
      }
      const reactions = (await reactionsOf(tx.db, [messageId])).get(messageId) ?? []
      tx.emit(reactionEvent(message.chat_id, messageId, reactions))
      return { action, emoji, reactions }
    },
    { chatId: message.chat_id },
  )
}
