// Server-side hooks: e-mail the members of a chat who are offline when a message arrives.
// Run it: npx tsx examples/hooks-email.ts   (in your app, import from 'palaver' and 'palaver/node')
import { once } from 'node:events'
import { mkdirSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import { createPalaver, type HookEvent, type Palaver } from '../src/index.js'
import { attachWebSocket, toNodeHandler } from '../src/node/index.js'

export interface Mail {
  to: string
  subject: string
  text: string
}
/** Your mail service (nodemailer, an API client…); this one prints. */
export interface Mailer {
  send(mail: Mail): Promise<void> | void
}
export const consoleMailer: Mailer = {
  send: (mail) => console.log(`[mail to ${mail.to}] ${mail.subject}\n${mail.text}\n`),
}

// The host's users: their e-mail addresses stay with the host.
const users = [
  { id: 'alice', username: 'alice', name: 'Alice Example', email: 'alice@example.com' },
  { id: 'bob', username: 'bob', name: 'Bob Example', email: 'bob@example.com' },
  { id: 'carol', username: 'carol', name: 'Carol Example', email: 'carol@example.com' },
]

/**
 * After each stored message: one e-mail to every other member who is not connected now and did not mute
 * the chat, and to those it mentions, muted or not (as chat apps let a mention through a mute): all of
 * them when it mentions everyone.
 */
export function emailOfflineMembers(palaver: Palaver, mailer: Mailer, siteUrl: string): () => void {
  return palaver.on('message.created', async (event: HookEvent<'message.created'>) => {
    const { message } = event.data // typed: the MessageView clients receive
    // Not those who muted it, unless it mentions everyone (@everyone goes through a mute, as a mention does).
    const members = await palaver.memberIds(message.chatId, message.mentionsEveryone ? {} : { muted: false })
    const mentioned = new Set(message.mentions?.map((user) => user.id)) // members it names, muted or not
    const offline = users.filter(
      (user) =>
        user.id !== message.senderId &&
        (members.includes(user.id) || mentioned.has(user.id)) &&
        !palaver.isOnline(user.id),
    )
    const from = message.sender?.displayName ?? 'Someone'
    await Promise.all(
      offline.map((user) =>
        mailer.send({
          to: user.email,
          subject: mentioned.has(user.id) ? `${from} mentioned you` : `New message from ${from}`,
          text: `${from} wrote:\n\n${message.body}\n\nReply at ${siteUrl}/messages/`,
        }),
      ),
    )
  })
}

export async function start({ port = 3000, database = 'data/palaver.sqlite', mailer = consoleMailer } = {}) {
  const palaver = await createPalaver({
    database: { sqlite: database },
    // Sign in with the user id as a bearer token: fine for trying it out, never for production.
    getUser: (request) => {
      const id = request.headers.get('authorization')?.replace(/^Bearer /, '')
      return users.find((user) => user.id === id) ?? null
    },
  })
  for (const user of users) await palaver.users.upsert(user)

  const messages = toNodeHandler(palaver)
  const server = createServer((req, res) => messages(req, res))
  const sockets = attachWebSocket(server, palaver)
  server.listen(port)
  await once(server, 'listening')
  const url = `http://localhost:${(server.address() as AddressInfo).port}`
  emailOfflineMembers(palaver, mailer, url)
  return {
    url,
    async close() {
      sockets.close()
      server.closeAllConnections()
      server.close()
      await palaver.close()
    },
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  mkdirSync('data', { recursive: true })
  const { url } = await start({ port: Number(process.env.PORT ?? 3000) })
  const curl = `curl -H 'authorization: Bearer alice' -H 'content-type: application/json'`
  console.log(`Listening on ${url}. As alice, write to carol (offline): her "e-mail" prints here.`)
  console.log(`  ${curl} -d '{"userId":"carol"}' ${url}/messages/api/dms/`)
  console.log(`  ${curl} -d '{"body":"Hi Carol"}' ${url}/messages/api/chats/<the id above>/messages/`)
}
