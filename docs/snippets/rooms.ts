// The README's rooms block, type-checked by `npm test` (test/rooms.test.ts covers the behaviour).
import type { PalaverOptions } from 'palaver'

declare const db: { videos: { find(id: string): Promise<{ title: string; private: boolean } | null> } }
declare function createPalaver(options: Partial<PalaverOptions>): Promise<unknown>

// #region readme
const palaver = await createPalaver({
  // …
  rooms: {
    video: async (objectId, viewer) => {
      const video = await db.videos.find(objectId)
      if (!video) return null // the object does not exist: 404, and no room is ever created
      return { title: video.title, access: video.private ? 'members' : 'public' } // or 'hidden'
    },
  },
})
// #endregion

export { palaver }
