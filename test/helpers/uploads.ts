import { UNSENT_ATTACHMENT_TTL_MS } from '../../src/attachments/types.js'
import type { Palaver } from '../../src/index.js'

/**
 * A day goes by for some unsent uploads (those with these ids, or all of a user's): they are made older
 * than an upload is kept, and the sweep deletes them. Resolves to how many files it deleted.
 */
export async function uploadsSweptADayLater(
  palaver: Palaver,
  which: { ids: number[] } | { uploaderId: string },
): Promise<number> {
  const aged = palaver.db
    .updateTable('palaver_attachments')
    .set({ created_at: Date.now() - UNSENT_ATTACHMENT_TTL_MS - 3_600_000 })
    .where('message_id', 'is', null)
  await ('ids' in which
    ? aged.where('id', 'in', which.ids)
    : aged.where('uploader_id', '=', which.uploaderId)
  ).execute()
  return (await palaver.sweepAttachments()).deleted
}
