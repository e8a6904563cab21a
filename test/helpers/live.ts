import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import WebSocket from 'ws'
import { createPalaver, type Palaver } from '../../src/index.js'
import { attachWebSocket, toNodeHandler, type WebSocketOptions } from '../../src/node/index.js'
import type { DatabaseOption } from '../../src/options.js'
import type { TestDatabase } from './databases.js'
import { DEMO_USERS, type Options } from './server.js'

export interface LiveServer {
  palaver: Palaver
  origin: string
  /** A REST call as `user` over real HTTP. */
  call<T = any>(
    user: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }>
  close(): Promise<void>
}

/**
 * A Palaver behind a real node:http server with WebSockets attached, on a fresh database — or on the
 * `shared` one, for several processes' worth of instances over one database (it is not dropped).
 */
export async function startLiveServer(
  database: TestDatabase,
  options: Options = {},
  socketOptions: WebSocketOptions = {},
  shared?: { option: DatabaseOption },
): Promise<LiveServer> {
  const created = shared ? { ...shared, drop: async () => {} } : await database.create()
  const palaver = await createPalaver({
    // Tests send faster than people do; the rate-limit test opts back in.
    rateLimits: false,
    logPollIntervalMs: 200,
    ...options,
    database: created.option,
    getUser: (request) => {
      const id = request.headers.get('x-test-user')
      return id ? { id } : null
    },
  })
  for (const user of DEMO_USERS) await palaver.users.upsert(user)
  const handler = toNodeHandler(palaver)
  const server: Server = createServer((req, res) => handler(req, res))
  const sockets = attachWebSocket(server, palaver, { heartbeatMs: 5000, ...socketOptions })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    palaver,
    origin,
    async call(user, method, path, body) {
      const response = await fetch(`${origin}/messages${path}`, {
        method,
        headers: {
          'x-test-user': user,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      const text = await response.text()
      return { status: response.status, body: text ? JSON.parse(text) : null }
    },
    async close() {
      sockets.close()
      server.closeAllConnections()
      server.close()
      await palaver.close()
      await created.drop()
    },
  }
}

/** The `data:` of each Server-Sent Event of a response body, parsed, as it arrives. */
export async function* serverSentEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<any> {
  const decoder = new TextDecoder()
  const reader = body.getReader()
  let buffer = ''
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    buffer += decoder.decode(read.value, { stream: true })
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const data = buffer
        .slice(0, end)
        .split('\n')
        .find((line) => line.startsWith('data: '))
      if (data) yield JSON.parse(data.slice(6))
      buffer = buffer.slice(end + 2)
    }
  }
}

/** Collects what a transport receives, and waits for conditions on it. */
export class Inbox {
  readonly events: any[] = []
  readonly other: any[] = []
  private waiters: Array<() => void> = []

  push(frame: any): void {
    if (typeof frame.cursor === 'number' && frame.type !== 'ready' && frame.type !== 'resync')
      this.events.push(frame)
    else this.other.push(frame)
    for (const wake of this.waiters.splice(0)) wake()
  }

  of(type: string): any[] {
    return this.events.filter((e) => e.type === type)
  }

  get cursor(): number {
    return this.events.at(-1)?.cursor ?? 0
  }

  /** Resolves when `check` holds; fails with `what` after a generous time (no timing is asserted). */
  async until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve)
        setTimeout(resolve, 50)
      })
    }
  }
}

export interface SocketClient {
  ws: WebSocket
  inbox: Inbox
  /** Sends an action and resolves with its acknowledgement. */
  request(action: Record<string, unknown>): Promise<any>
  close(): Promise<void>
}

let requestIds = 0

export async function connectSocket(
  live: LiveServer,
  user: string,
  query: Record<string, string | number> = {},
  headers: Record<string, string> = {},
): Promise<SocketClient> {
  const params = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]))
  const ws = new WebSocket(`${live.origin.replace('http', 'ws')}/messages/ws?${params}`, {
    headers: { 'x-test-user': user, ...headers },
  })
  const inbox = new Inbox()
  const acks = new Map<string, (frame: any) => void>()
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString())
    if (frame.type === 'ack' && acks.has(frame.id)) {
      acks.get(frame.id)!(frame)
      acks.delete(frame.id)
    } else inbox.push(frame)
  })
  await once(ws, 'open')
  await inbox.until('ready', () => inbox.other.some((f) => f.type === 'ready' || f.type === 'resync'))
  return {
    ws,
    inbox,
    request(action) {
      const id = `r${++requestIds}`
      return new Promise((resolve) => {
        acks.set(id, resolve)
        ws.send(JSON.stringify({ ...action, id }))
      })
    },
    async close() {
      if (ws.readyState === ws.CLOSED) return
      ws.close()
      await once(ws, 'close')
    },
  }
}
