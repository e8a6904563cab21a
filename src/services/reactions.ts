import { forbidden, invalid, notFound, PalaverError } from '../errors.js'
import type { ReactionView } from '../schemas.js'
import { loadChat, memberWith } from './access.js'
import { type Context, transact } from './context.js'
import { reactionEvent } from './events.js'
import type { Viewer } from './users.js'
import { reactionsOf } from './views.js'

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' })
// A grapheme is an emoji when it holds a pictographic character or is a keycap or flag sequence.
const emojiGrapheme = /^(?:\p{Extended_Pictographic}|\p{Regional_Indicator}{2}|[0-9#*]\uFE0F?\u20E3)/u
const pictographic = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20E3/u

/** Accepts exactly one emoji grapheme (with its modifiers and joiners); text is refused. */
export function validateEmoji(raw: string): string {
  const emoji = raw.trim()
  const graphemes = [...segmenter.segment(emoji)]
  if (
    graphemes.length !== 1 ||
    !emojiGrapheme.test(emoji) ||
    !pictographic.test(emoji) ||
    /\p{L}/u.test(emoji)
  ) {
    throw invalid('emoji must be a single emoji')
  }
  if (emoji.length > 32) throw invalid('emoji is too long')
  return emoji
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
    .selectAll()
    .where('id', '=', messageId)
    .executeTakeFirst()
  if (!message) throw notFound('Message')
  const access = await loadChat(ctx, ctx.db, message.chat_id, viewer).catch((error: unknown) => {
    throw error instanceof PalaverError && error.code === 'not_found' ? notFound('Message') : error
  })
  if (!ctx.options.allowReactions) throw forbidden('Reactions are disabled on this site')
  memberWith(access, 'react')
  if (message.deleted_at !== null) throw new PalaverError('conflict', 'This message was deleted')
  return transact(ctx, async (tx) => {
    const removed = await tx.db
      .deleteFrom('palaver_reactions')
      .where('message_id', '=', messageId)
      .where('user_id', '=', viewer.id)
      .where('emoji', '=', emoji)
      .executeTakeFirst()
    const action = removed.numDeletedRows > 0n ? 'removed' : 'added'
    if (action === 'added') {
      await tx.db
        .insertInto('palaver_reactions')
        .values({ message_id: messageId, user_id: viewer.id, emoji, created_at: tx.now })
        .execute()
    }
    const reactions = (await reactionsOf(tx.db, [messageId])).get(messageId) ?? []
    tx.emit(reactionEvent(message.chat_id, messageId, reactions))
    return { action, emoji, reactions }
  })
}
