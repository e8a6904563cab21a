// Delivery latency per transport at a modest load: message sent (REST) → received by every other member.
// Usage: npx tsx bench/latency/main.ts [--groups 20] [--rate 50] [--seconds 10] [--postgres]
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import WebSocket from 'ws'

const { values } = parseArgs({
  options: {
    groups: { type: 'string', default: '20' },
    size: { type: 'string', default: '5' },
    rate: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '10' },
    postgres: { type: 'boolean', default: false },
  },
})
const GROUPS = Number(values.groups)
const SIZE = Number(values.size)
const RATE = Number(values.rate)
const SECONDS = Number(values.seconds)

type Transport = 'websocket' | 'sse' | 'polling'

async function startServer(): Promise<{ origin: string; child: ChildProcess }> {
  const url = values.postgres
    ? 'postgres://postgres@127.0.0.1:5432/test'
    : join(mkdtempSync(join(tmpdir(), 'palaver-latency-')), 'bench.sqlite')
  const profile = process.env.PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', process.env.PROFILE_DIR] : []
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', 'bench/latency/server.ts', url], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, PALAVER_SCHEMA: `palaver_latency_${Date.now()}` },
  })
  const port = await new Promise<number>((resolve) =>
    child.stdout!.on('data', (chunk: Buffer) => {
      const match = /READY (\d+)/.exec(chunk.toString())
      if (match) resolve(Number(match[1]))
    }),
  )
  return { origin: `http://127.0.0.1:${port}`, child }
}

async function api(origin: string, user: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${origin}/messages${path}`, {
    method,
    headers: { 'x-user': user, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
  return response.json() as Promise<any>
}

/** Calls `onEvent` for every message.created frame a user receives over the given transport. */
async function listen(origin: string, user: string, transport: Transport, onEvent: (frame: any) => void) {
  const stop = new AbortController()
  if (transport === 'websocket') {
    const ws = new WebSocket(`${origin.replace('http', 'ws')}/messages/ws`, { headers: { 'x-user': user } })
    ws.on('message', (data) => onEvent(JSON.parse(data.toString())))
    await new Promise((resolve) => ws.once('open', resolve))
    return () => ws.close()
  }
  if (transport === 'sse') {
    const response = await fetch(`${origin}/messages/api/events/stream/`, {
      headers: { 'x-user': user },
      signal: stop.signal,
    })
    void (async () => {
      const reader = response.body!.getReader()
      const decoder = new TextDecoder()
      let buffer = ''
      try {
        for (;;) {
          const { value, done } = await reader.read()
          if (done) return
          buffer += decoder.decode(value, { stream: true })
          let end = buffer.indexOf('\n\n')
          while (end >= 0) {
            for (const line of buffer.slice(0, end).split('\n'))
              if (line.startsWith('data: ')) onEvent(JSON.parse(line.slice(6)))
            buffer = buffer.slice(end + 2)
            end = buffer.indexOf('\n\n')
          }
        }
      } catch {}
    })()
    return () => stop.abort()
  }
  let cursor = (await api(origin, user, 'GET', '/api/events/')).cursor
  void (async () => {
    while (!stop.signal.aborted) {
      try {
        const answer = await fetch(`${origin}/messages/api/events/?after=${cursor}&wait=25`, {
          headers: { 'x-user': user },
          signal: stop.signal,
        }).then((r) => r.json() as Promise<any>)
        for (const frame of answer.events) onEvent(frame)
        cursor = answer.cursor
      } catch {}
    }
  })()
  return () => stop.abort()
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN

async function measure(origin: string, transport: Transport) {
  const sentAt = new Map<string, number>()
  const latencies: number[] = []
  const groups: Array<{ chatId: number; users: string[] }> = []
  const stops: Array<() => void> = []
  for (let g = 0; g < GROUPS; g++) {
    const users = Array.from({ length: SIZE }, (_, i) => `${transport}-g${g}-u${i}`)
    for (const user of users) await api(origin, user, 'GET', '/api/chats/')
    const chat = await api(origin, users[0]!, 'POST', '/api/chats/', {
      title: `g${g}`,
      memberIds: users.slice(1),
    })
    groups.push({ chatId: chat.id, users })
    for (const user of users) {
      stops.push(
        await listen(origin, user, transport, (frame) => {
          if (frame.type !== 'message.created') return
          const sent = sentAt.get(frame.data.message.clientId)
          if (sent !== undefined && frame.data.message.senderId !== user)
            latencies.push(performance.now() - sent)
        }),
      )
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 500))
  const total = RATE * SECONDS
  const started = performance.now()
  const sends: Promise<unknown>[] = []
  for (let n = 0; n < total; n++) {
    const due = started + (n * 1000) / RATE
    const wait = due - performance.now()
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    const group = groups[n % GROUPS]!
    const sender = group.users[n % SIZE]!
    const clientId = `${transport}-${n}`
    sentAt.set(clientId, performance.now())
    sends.push(
      api(origin, sender, 'POST', `/api/chats/${group.chatId}/messages/`, { body: `m${n}`, clientId }),
    )
  }
  await Promise.all(sends)
  const expected = total * (SIZE - 1)
  const deadline = Date.now() + 30_000
  while (latencies.length < expected && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 100))
  for (const stop of stops) stop()
  const sorted = [...latencies].sort((a, b) => a - b)
  return {
    transport,
    deliveries: latencies.length,
    expected,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
  }
}

const server = await startServer()
const rows = []
for (const transport of ['websocket', 'sse', 'polling'] as const)
  rows.push(await measure(server.origin, transport))
server.child.kill('SIGTERM')

console.log(
  `\nDelivery latency, ${values.postgres ? 'PostgreSQL' : 'SQLite'}: ${GROUPS} groups of ${SIZE}, ${RATE} msg/s for ${SECONDS} s`,
)
console.log('| transport | deliveries | p50 ms | p99 ms |\n|---|---|---|---|')
for (const r of rows)
  console.log(
    `| ${r.transport} | ${r.deliveries}/${r.expected} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} |`,
  )
