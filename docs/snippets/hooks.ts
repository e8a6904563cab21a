// The README's hooks block, type-checked by `npm test` (test/hooks.test.ts covers the behaviour).
import type { MessageView, Palaver } from 'palaver'

declare const palaver: Palaver
declare const mailer: { notifyOfflineMembers(message: MessageView): Promise<void> }

// #region readme
palaver.on('message.created', async ({ data: { message } }) => {
  await mailer.notifyOfflineMembers(message) // after commit, once per change, errors isolated
})
// #endregion
