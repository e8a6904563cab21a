// The README's "Mount it in your app" block, type-checked by `npm test`.
declare const mySessions: {
  fromCookie(cookie: string | null): Promise<{ userId: string; username: string; fullName: string } | null>
}

// #region readme
import { createPalaver } from 'palaver'
import { attachWebSocket, toNodeHandler } from 'palaver/node'

const palaver = await createPalaver({
  database: { sqlite: './data/palaver.sqlite' }, // or { postgres: process.env.DATABASE_URL }
  getUser: async (request) => {
    const session = await mySessions.fromCookie(request.headers.get('cookie')) // your own sign-in
    return session ? { id: session.userId, username: session.username, name: session.fullName } : null
  },
})
// #endregion

export { attachWebSocket, palaver, toNodeHandler }
