/**
 * A load-generator process: holds a slice of the simulated clients, sends at the rate the coordinator
 * asks for and times every receipt. It speaks each system's wire protocol with the same `ws` client
 * (Socket.IO's Engine.IO framing by hand), so every system is driven by the same client code.
 */
import http from 'node:http'
import WebSocket from 'ws'
import { processStats } from './process-stats.js'
import {
  type ClientSpec,
  type IpcReply,
  type IpcRequest,
  makeBody,
  now,
  readMarker,
  type SystemKind,
  type Transport,
  type WorkerCollect,
  type WorkerCommand,
  type WorkerCounts,
} from './shared.js'

interface Client {
  spec: ClientSpec
  origin: string
  ready: boolean
  closed: boolean
  send(body: string, t: number, id: string): void
  close(): void
}

let system: SystemKind = 'floor'
let transport: Transport = 'ws'
let idle = false
let clients: Client[] = []
let phase = -1
let servers = 1
let seq = 0

let latencies: number[] = []
/** Send times of `latencies`, kept only when the phase is traced. */
let sendTimes: number[] | null = null
let cross: number[] = []
let acks: number[] = []
const sentAt = new Map<string, number>()
let counts: WorkerCounts = { sent: 0, received: 0, acked: 0, failed: 0, open: 0 }
let bytes = 0
let maxLagMs = 0

const streamAgent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY })
const restAgent = new http.Agent({ keepAlive: true, maxSockets: 64 })

/** A frame (or a long-poll answer holding several) that reached `client`: times each message in it. */
function received(client: Client, raw: string): void {
  let from = 0
  for (;;) {
    const at = raw.indexOf('rt|', from)
    if (at < 0) return
    from = at + 3
    const marker = readMarker(raw.slice(at, at + 64))
    if (!marker || marker.phase !== phase || marker.sender === client.spec.index) continue
    const latency = now() - marker.t
    latencies.push(latency)
    sendTimes?.push(marker.t)
    if (servers > 1 && marker.sender % servers !== client.spec.server) cross.push(latency)
    counts.received++
    bytes += raw.length
  }
}

function acknowledged(id: string, ok: boolean): void {
  const t = sentAt.get(id)
  if (t === undefined) return
  sentAt.delete(id)
  if (Number(id.slice(0, id.indexOf('.'))) !== phase) return
  if (ok) {
    counts.acked++
    acks.push(now() - t)
  } else counts.failed++
}

const ACK_ID = /"id":"([\d.]+)"/

function request(
  origin: string,
  method: string,
  path: string,
  user: string,
  body?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${origin}${path}`,
      {
        method,
        agent: restAgent,
        headers: {
          'x-user': user,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          text += chunk
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

/** Opens one client; resolves once it may send and receive (the server said it is ready). */
function open(spec: ClientSpec, origin: string): Promise<Client> {
  if (transport === 'sse') return openSse(spec, origin)
  if (transport === 'poll') return openPoll(spec, origin)
  const base = origin.replace(/^http/, 'ws')
  const url =
    system === 'floor'
      ? `${base}/?rooms=${encodeURIComponent(spec.room)}`
      : system === 'rival'
        ? `${base}/socket.io/?EIO=4&transport=websocket&rooms=${encodeURIComponent(spec.room)}`
        : `${base}/messages/ws`
  const ws = new WebSocket(url, {
    perMessageDeflate: false,
    headers: system === 'palaver' ? { 'x-user': spec.user } : {},
  })
  const client: Client = {
    spec,
    origin,
    ready: false,
    closed: false,
    send(body, t, id) {
      if (ws.readyState !== WebSocket.OPEN) return
      if (system === 'floor') ws.send(JSON.stringify({ room: spec.room, body, t }))
      else if (system === 'rival') ws.send(`42${JSON.stringify(['msg', { room: spec.room, body, t }])}`)
      else {
        sentAt.set(id, t)
        ws.send(JSON.stringify({ action: 'send', id, chatId: spec.chatId, body, clientId: `c${id}` }))
      }
    },
    close() {
      client.closed = true
      ws.terminate()
    },
  }
  return new Promise((resolve, reject) => {
    const ready = () => {
      if (client.ready) return
      client.ready = true
      resolve(client)
    }
    ws.on('error', (error) => {
      if (!client.ready) reject(error)
    })
    ws.on('close', () => {
      if (!client.ready) reject(new Error('closed before ready'))
      if (!client.closed) counts.open--
      client.closed = true
    })
    ws.on('message', (data: Buffer) => {
      const raw = data.toString()
      if (system === 'floor') return received(client, raw)
      if (system === 'rival') {
        if (raw.startsWith('42')) return received(client, raw)
        if (raw === '2') return ws.send('3')
        if (raw.startsWith('0{')) return ws.send('40')
        if (raw.startsWith('40')) return ready()
        return
      }
      if (raw.startsWith('{"cursor":')) return idle ? undefined : received(client, raw)
      if (raw.startsWith('{"type":"ack"')) {
        const id = ACK_ID.exec(raw)?.[1]
        if (id) acknowledged(id, raw.includes('"ok":true'))
        return
      }
      if (raw.startsWith('{"type":"ready"')) ready()
    })
    if (system === 'floor') ws.on('open', ready)
  })
}

/** Palaver's Server-Sent Events stream; sends go over REST, as palaver/client does without a WebSocket. */
function openSse(spec: ClientSpec, origin: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = restClient(spec, origin, () => req.destroy())
    const req = http.get(
      `${origin}/messages/api/events/stream/`,
      { agent: streamAgent, headers: { 'x-user': spec.user, accept: 'text/event-stream' } },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume()
          reject(new Error(`SSE answered ${res.statusCode}`))
          return
        }
        res.setEncoding('utf8')
        let buffer = ''
        res.on('data', (chunk: string) => {
          buffer += chunk
          let end = buffer.indexOf('\n\n')
          while (end >= 0) {
            const event = buffer.slice(0, end)
            buffer = buffer.slice(end + 2)
            end = buffer.indexOf('\n\n')
            if (!client.ready && event.includes('"type":"ready"')) {
              client.ready = true
              resolve(client)
            } else if (event.includes('rt|')) received(client, event)
          }
        })
        res.on('close', () => {
          if (!client.closed) counts.open--
          client.closed = true
        })
      },
    )
    req.on('error', (error) => {
      if (!client.ready) reject(error)
    })
  })
}

/** Palaver's long-polling: one waiting request at a time, resumed from the cursor of the last answer. */
async function openPoll(spec: ClientSpec, origin: string): Promise<Client> {
  let current: http.ClientRequest | undefined
  const client = restClient(spec, origin, () => current?.destroy())
  const poll = (after: number | null, wait: number) =>
    new Promise<string>((resolve, reject) => {
      const query = `${after === null ? '' : `after=${after}&`}wait=${wait}`
      current = http.get(
        `${origin}/messages/api/events/?${query}`,
        { agent: streamAgent, headers: { 'x-user': spec.user } },
        (res) => {
          let text = ''
          res.setEncoding('utf8')
          res.on('data', (chunk: string) => {
            text += chunk
          })
          res.on('end', () =>
            res.statusCode === 200 ? resolve(text) : reject(new Error(`poll answered ${res.statusCode}`)),
          )
          res.on('error', reject)
        },
      )
      current.on('error', reject)
    })
  let cursor = (JSON.parse(await poll(null, 0)) as { cursor: number }).cursor
  client.ready = true
  void (async () => {
    while (!client.closed) {
      try {
        const text = await poll(cursor, 25)
        if (text.includes('rt|')) received(client, text)
        const at = text.lastIndexOf('"cursor":')
        cursor = Number(/^"cursor":(\d+)/.exec(text.slice(at))?.[1] ?? cursor)
      } catch {
        if (!client.closed) await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
  })()
  return client
}

function restClient(spec: ClientSpec, origin: string, stop: () => void): Client {
  const client: Client = {
    spec,
    origin,
    ready: false,
    closed: false,
    send(body, t, id) {
      sentAt.set(id, t)
      request(
        origin,
        'POST',
        `/messages/api/chats/${spec.chatId}/messages/`,
        spec.user,
        JSON.stringify({ body, clientId: `c${id}` }),
      ).then(
        (answer) => acknowledged(id, answer.status >= 200 && answer.status < 300),
        () => acknowledged(id, false),
      )
    },
    close() {
      client.closed = true
      stop()
    },
  }
  return client
}

async function connect(command: Extract<WorkerCommand, { cmd: 'connect' }>) {
  system = command.system
  transport = command.transport
  idle = command.idle === true
  const started = now()
  let next = 0
  let failed = 0
  const opened: Client[] = []
  const errors = new Map<string, number>()
  const lane = async () => {
    while (next < command.clients.length) {
      const spec = command.clients[next++]!
      try {
        const client = await withTimeout(open(spec, command.origins[spec.server]!), 60_000)
        opened.push(client)
        counts.open++
      } catch (error) {
        failed++
        const reason = (error as Error).message
        errors.set(reason, (errors.get(reason) ?? 0) + 1)
      }
    }
  }
  await Promise.all(Array.from({ length: command.concurrency }, lane))
  clients.push(...opened)
  // Same order as the specs, so round-robin sending is spread evenly over the rooms.
  clients.sort((a, b) => a.spec.index - b.spec.index)
  return { open: opened.length, failed, ms: now() - started, errors: Object.fromEntries(errors) }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out')), ms)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}

/** Starts counting a measurement's receipts and acks (see the `begin` command), the last one's dropped. */
function begin(command: Extract<WorkerCommand, { cmd: 'begin' }>) {
  phase = command.phase
  servers = command.servers
  latencies = []
  sendTimes = command.trace ? [] : null
  cross = []
  acks = []
  sentAt.clear()
  bytes = 0
  maxLagMs = 0
  counts = { sent: 0, received: 0, acked: 0, failed: 0, open: counts.open }
  return null
}

/** Sends `rate` messages a second for `seconds`, open loop: on schedule whether or not earlier ones were answered. */
async function send(command: Extract<WorkerCommand, { cmd: 'send' }>) {
  const senders = clients.filter((c) => !c.closed)
  const total = Math.round(command.rate * command.seconds)
  if (senders.length === 0 || total === 0) return { sent: 0, ms: 0 }
  const interval = 1000 / command.rate
  const started = now()
  let n = 0
  // Start each worker at a different client so two workers do not send from the same room at once.
  let turn = 0
  while (n < total) {
    const due = started + n * interval
    const late = now() - due
    if (late < 0) {
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.floor(-late))))
      continue
    }
    if (late > maxLagMs) maxLagMs = late
    // Everything due by now goes out, then the loop yields so that receipts are timed promptly.
    while (n < total && started + n * interval <= now()) {
      const client = senders[turn++ % senders.length]!
      const t = now()
      client.send(makeBody(phase, client.spec.index, t), t, `${phase}.${seq++}`)
      counts.sent++
      n++
    }
    await new Promise((resolve) => setImmediate(resolve))
  }
  return { sent: counts.sent, ms: now() - started }
}

function collect(): WorkerCollect {
  const result: WorkerCollect = {
    ...counts,
    latencies: Float64Array.from(latencies),
    ...(sendTimes ? { sendTimes: Float64Array.from(sendTimes) } : {}),
    cross: Float64Array.from(cross),
    acks: Float64Array.from(acks),
    bytes,
    maxLagMs,
  }
  latencies = []
  sendTimes = null
  cross = []
  acks = []
  return result
}

async function close() {
  for (const client of clients) client.close()
  clients = []
  counts.open = 0
  streamAgent.destroy()
  restAgent.destroy()
  await new Promise((resolve) => setTimeout(resolve, 50))
  return null
}

async function handle(command: WorkerCommand): Promise<unknown> {
  switch (command.cmd) {
    case 'connect':
      return connect(command)
    case 'begin':
      return begin(command)
    case 'send':
      return send(command)
    case 'counts':
      return { ...counts }
    case 'collect':
      return collect()
    case 'stats':
      return processStats()
    case 'close':
      return close()
  }
}

process.on('message', (message: IpcRequest<WorkerCommand>) => {
  handle(message).then(
    (result) => process.send?.({ rid: message.rid, ok: true, result } satisfies IpcReply),
    (error: unknown) =>
      process.send?.({
        rid: message.rid,
        ok: false,
        error: String((error as Error)?.stack ?? error),
      } satisfies IpcReply),
  )
})
process.on('disconnect', () => process.exit(0))
process.send?.({ ready: true })
