// The README's moderation block, type-checked by `npm test` (test/moderation.test.ts covers the behaviour).
import type { PalaverOptions } from 'palaver'

declare function spamScore(userId: string, text: string): Promise<number>
declare function createPalaver(options: Partial<PalaverOptions>): Promise<unknown>

// #region readme
const palaver = await createPalaver({
  // …
  async moderateMessage({ chatId, sender, body, attachmentIds, editOf }) {
    if ((await spamScore(sender.id, body)) > 0.9) return { refuse: 'This looks like spam' }
    if (/darn/i.test(body)) return { body: body.replace(/darn/gi, '****') }
    return undefined // the text is stored as written
  },
})
// #endregion

export { palaver }
