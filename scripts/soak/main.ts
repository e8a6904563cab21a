// `npm run soak [-- --minutes 10]`: a steady mixed load against one server process; reports the
// server's memory, handles and event-loop delay at the start and at the end (growth should be flat).
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import WebSocket from 'ws'

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    users: { type: 'string', default: '60' },
    rate: { type: 'string', default: '30' },
  },
})
const MINUTES = Number(values.minutes)
const USERS = Number(values.users)
const RATE = Number(values.rate)

const url = process.env.DATABASE_URL ?? join(mkdtempSync(join(tmpdir(), 'palaver-soak-')), 'soak.sqlite')
const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/soak/server.ts', url], {
  stdio: ['ignore', 'pipe', 'inherit'],
})
const stats: Array<Record<string, number>> = []
const port = await new Promise<number>((resolve) => {
  let buffer = ''
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString()
    let end = buffer.indexOf('\n')
    while (end >= 0) {
      const line = buffer.slice(0, end)
      buffer = buffer.slice(end + 1)
      const ready = /^READY (\d+)/.exec(line)
      if (ready) resolve(Number(ready[1]))
      if (line.startsWith('STATS ')) stats.push(JSON.parse(line.slice(6)))
      end = buffer.indexOf('\n')
    }
  })
})
const origin = `http://127.0.0.1:${port}`
const api = async (user: string, method: string, path: string, body?: unknown) => {
  const response = await fetch(`${origin}/messages${path}`, {
    method,
    headers: { 'x-user': user, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  return response.status === 204 ? null : ((await response.json()) as any)
}

const users = Array.from({ length: USERS }, (_, i) => `soak${i}`)
for (const user of users) await api(user, 'GET', '/api/chats/')
const groups: Array<{ id: number; members: string[] }> = []
for (let g = 0; g < USERS / 6; g++) {
  const members = users.slice(g * 6, g * 6 + 6)
  groups.push({
    id: (await api(members[0]!, 'POST', '/api/chats/', { title: `g${g}`, memberIds: members.slice(1) })).id,
    members,
  })
}

// Two thirds hold a WebSocket that reconnects now and then; the rest long-poll.
const sockets = new Set<WebSocket>()
let running = true
let received = 0
const holdSocket = (user: string) => {
  if (!running) return
  const ws = new WebSocket(`${origin.replace('http', 'ws')}/messages/ws`, { headers: { 'x-user': user } })
  sockets.add(ws)
  ws.on('message', () => received++)
  ws.on('error', () => {})
  ws.on('close', () => {
    sockets.delete(ws)
    setTimeout(() => holdSocket(user), 200)
  })
  setTimeout(() => ws.close(), 20_000 + Math.random() * 40_000).unref()
}
const poll = async (user: string) => {
  let cursor = (await api(user, 'GET', '/api/events/')).cursor
  while (running) {
    const answer = await api(user, 'GET', `/api/events/?after=${cursor}&wait=10`).catch(() => null)
    if (answer) {
      received += answer.events.length
      cursor = answer.cursor
    }
  }
}
for (const [i, user] of users.entries()) {
  if (i % 3 === 2) void poll(user)
  else holdSocket(user)
}

let sent = 0
const started = Date.now()
const deadline = started + MINUTES * 60_000
while (Date.now() < deadline) {
  const group = groups[sent % groups.length]!
  const user = group.members[sent % group.members.length]!
  const roll = Math.random()
  const message = await api(user, 'POST', `/api/chats/${group.id}/messages/`, {
    body: `message ${sent} ${'lorem '.repeat(sent % 20)}`,
  })
  if (roll < 0.2)
    await api(group.members[0]!, 'POST', `/api/messages/${message.id}/reactions/`, { emoji: '👍' })
  else if (roll < 0.3) await api(user, 'PATCH', `/api/messages/${message.id}/`, { body: `edited ${sent}` })
  else if (roll < 0.35) await api(user, 'DELETE', `/api/messages/${message.id}/`)
  else if (roll < 0.5) await api(user, 'POST', `/api/chats/${group.id}/typing/`, { isTyping: true })
  if (sent % 50 === 0) await api(user, 'GET', `/api/chats/${group.id}/messages/`)
  sent++
  await new Promise((resolve) => setTimeout(resolve, 1000 / RATE))
}
running = false
for (const ws of sockets) ws.close()
await new Promise((resolve) => setTimeout(resolve, 6000))
child.kill('SIGTERM')

const first = stats[1] ?? stats[0]
const last = stats.at(-1)
console.log(
  `\nSoak: ${MINUTES} min, ${USERS} users (${sockets.size} sockets at the end), ${sent} sends, ${received} deliveries`,
)
console.log(
  '| | rss MB | heap MB | handles | connections | loop delay p99 ms | max ms |\n|---|---|---|---|---|---|---|',
)
for (const [label, s] of [
  ['start', first],
  ['end', last],
] as const) {
  if (s)
    console.log(
      `| ${label} | ${s.rssMb} | ${s.heapUsedMb} | ${s.handles} | ${s.connections} | ${s.loopDelayP99Ms} | ${s.loopDelayMaxMs} |`,
    )
}
const peakHeap = Math.max(...stats.map((s) => s.heapUsedMb ?? 0))
console.log(`peak heap ${peakHeap} MB over ${stats.length} samples`)
