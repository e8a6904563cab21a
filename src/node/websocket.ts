import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { type WebSocket, WebSocketServer } from 'ws'
import { PalaverError } from '../errors.js'
import { enforceGuestLimit, enforceRateLimit } from '../http/rate-limit.js'
import { viewerOfRequest } from '../http/viewer.js'
import type { Palaver } from '../palaver.js'
import { Subscriber } from '../realtime/hub.js'
import { frameBytes } from '../realtime/log.js'
import {
  ackFrame,
  type ClientMessage,
  errorFrame,
  parseClientMessage,
  requestIdOf,
} from '../realtime/protocol.js'
import { checkWatchable, openingWatches, type Watches } from '../realtime/watch.js'
import { GUEST, isGuest } from '../services/guests.js'
import { sendMessage } from '../services/messages.js'
import { setTyping } from '../services/typing.js'
import type { Viewer } from '../services/users.js'

export interface WebSocketOptions {
  /** A client whose unsent data passes this many bytes has stopped reading: it is dropped and resumes later. */
  maxBufferedBytes?: number
  heartbeatMs?: number
}

const ignore = () => {}

/** The heartbeat period is cut into this many ticks, each pinging its share of the sockets. */
const HEARTBEAT_SLICES = 30

function refuse(socket: Duplex, status: number, reason: string, retryAfterSeconds?: number): void {
  const retryAfter = retryAfterSeconds === undefined ? '' : `Retry-After: ${retryAfterSeconds}\r\n`
  socket.end(`HTTP/1.1 ${status} ${reason}\r\n${retryAfter}Connection: close\r\nContent-Length: 0\r\n\r\n`)
}

/** The request as the web-standard getUser sees it. */
function toRequest(req: IncomingMessage): Request {
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value)
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v)
  }
  const secure = (req.socket as { encrypted?: boolean }).encrypted === true
  return new Request(`${secure ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, {
    headers,
  })
}

/** Cross-site WebSocket hijacking: a browser upgrade from a foreign page carries that page's Origin. */
function originAllowed(request: Request, allowed: readonly string[]): boolean {
  const origin = request.headers.get('origin')
  if (origin === null) return true
  return origin === new URL(request.url).origin || allowed.includes(origin)
}

/** The one value of a query parameter: given twice it is refused, as the REST routes refuse it, not one picked. */
function onceParam(params: URLSearchParams, name: string): string | null {
  const values = params.getAll(name)
  if (values.length > 1) throw new PalaverError('invalid_input', `${name} is given more than once`)
  return values[0] ?? null
}

const cursorParam = (value: string | null): number | null => {
  if (value === null || value === '') return null
  if (!/^\d{1,15}$/.test(value)) throw new PalaverError('invalid_input', 'after is not a cursor')
  return Number(value)
}

const watchParam = (value: string | null): number[] => {
  if (!value) return []
  if (!/^\d{1,15}(,\d{1,15}){0,49}$/.test(value))
    throw new PalaverError('invalid_input', 'watch is not a list of chat ids')
  return value.split(',').map(Number)
}

/**
 * Serves `<basePath>/ws` on a Node http.Server: the event stream of the other transports, plus
 * sending over the socket. Other upgrade requests are left to the host's own listeners.
 */
export function attachWebSocket(
  server: Server,
  palaver: Palaver,
  options: WebSocketOptions = {},
): { close(): void } {
  const { context: ctx, hub } = palaver
  const path = `${palaver.options.basePath}/ws`
  const maxBuffered = options.maxBufferedBytes ?? 1024 * 1024
  const wss = new WebSocketServer({ noServer: true, maxPayload: palaver.options.limits.bodyBytes })

  // One heartbeat for every socket (not a timer each): a socket that answered neither the last ping nor
  // sent anything since is gone without a goodbye, and is closed. Each tick takes a slice of the sockets,
  // so that ten thousand pings never leave in one burst that every message behind it waits for.
  const unanswered = new WeakSet<WebSocket>()
  // Each socket keeps its slice for life, so it is pinged exactly once per heartbeat period.
  const slices = new WeakMap<WebSocket, number>()
  let sliced = 0
  let tick = 0
  const heartbeat = setInterval(
    () => {
      const slice = tick++ % HEARTBEAT_SLICES
      for (const ws of wss.clients) {
        let own = slices.get(ws)
        if (own === undefined) slices.set(ws, (own = sliced++ % HEARTBEAT_SLICES))
        if (own !== slice) continue
        if (unanswered.has(ws)) ws.terminate()
        else {
          unanswered.add(ws)
          ws.ping()
        }
      }
    },
    (options.heartbeatMs ?? 30_000) / HEARTBEAT_SLICES,
  )
  heartbeat.unref()
  function answered(this: WebSocket) {
    unanswered.delete(this)
  }

  const onUpgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const request = toRequest(req)
    const url = new URL(request.url)
    if (url.pathname !== path && url.pathname !== `${path}/`) return
    try {
      if (!originAllowed(request, palaver.options.allowedOrigins)) return refuse(socket, 403, 'Forbidden')
      // Not signed in: a guest, who may only watch the rooms their hosts open to guests.
      const viewer = (await viewerOfRequest(ctx, request)) ?? GUEST
      if (isGuest(viewer)) await enforceGuestLimit(palaver.options, request.headers, req.socket.remoteAddress)
      const after = cursorParam(onceParam(url.searchParams, 'after'))
      const watches = await openingWatches(ctx, viewer, watchParam(onceParam(url.searchParams, 'watch')))
      wss.handleUpgrade(req, socket, head, (ws) => void serve(ws, viewer, after, watches))
    } catch (error) {
      if (error instanceof PalaverError) {
        const { retryAfterSeconds } = (error.details ?? {}) as { retryAfterSeconds?: number }
        return refuse(socket, error.status, error.code, retryAfterSeconds)
      }
      console.error('[palaver] WebSocket upgrade failed', error)
      refuse(socket, 503, 'Service Unavailable')
    }
  }

  async function serve(ws: WebSocket, viewer: Viewer, after: number | null, watches: Watches): Promise<void> {
    // Frames sent in one turn of the event loop (a batch's events, a reply and its event) leave in one
    // write: the socket is corked until the turn ends. ws keeps the net.Socket as `_socket`.
    const socket = (ws as unknown as { _socket?: Duplex })._socket
    let corked = false
    const send = (data: string | Buffer) => {
      if (ws.readyState !== ws.OPEN) return
      if (!corked) {
        // What is still unsent from earlier turns: a client that stopped reading. (Frames of this turn
        // wait in the cork on purpose and do not count.)
        if (ws.bufferedAmount > maxBuffered) {
          ws.terminate()
          return
        }
        if (socket) {
          corked = true
          socket.cork()
          process.nextTick(() => {
            corked = false
            socket.uncork()
          })
        }
      }
      ws.send(data, { binary: false })
    }
    // A catch-up pauses whenever half the cap is unsent, until the socket has handed all of it to the kernel.
    const room = (): true | Promise<void> => {
      if (!socket || ws.readyState !== ws.OPEN || ws.bufferedAmount <= maxBuffered / 2) return true
      return new Promise((resolve) => {
        const done = () => {
          socket.off('drain', done)
          ws.off('close', done)
          resolve()
        }
        socket.on('drain', done)
        ws.on('close', done)
      })
    }
    const sub = new Subscriber(
      viewer,
      {
        event: (frame) => send(frameBytes(frame)),
        ephemeral: send,
        room,
      },
      'websocket',
    )
    hub.watchAll(sub, watches)
    // An oversized or malformed frame makes ws close the socket with a reason (1009, 1002…);
    // without a listener its 'error' event would take the whole process down.
    ws.on('error', ignore)
    ws.on('pong', answered)
    ws.on('close', () => hub.disconnect(sub))
    // Actions run one after another, so a client's sends are stored in the order it sent them.
    let pending = Promise.resolve()
    ws.on('message', (data, isBinary) => {
      unanswered.delete(ws)
      const text = isBinary ? null : data.toString()
      const receivedAt = performance.now()
      pending = pending.then(() => handle(text, receivedAt))
    })

    async function handle(text: string | null, receivedAt: number): Promise<void> {
      let message: ClientMessage | undefined
      try {
        if (text === null) throw new PalaverError('invalid_input', 'Send frames as JSON text')
        message = parseClientMessage(text)
        send(ackFrame(message.id, await perform(message, receivedAt)))
      } catch (error) {
        if (error instanceof PalaverError) return send(errorFrame(message?.id ?? requestIdOf(text), error))
        console.error('[palaver] WebSocket action failed', error)
        send(errorFrame(message?.id, new PalaverError('unavailable', 'Try again shortly')))
      }
    }

    async function perform(message: ClientMessage, receivedAt: number): Promise<unknown> {
      if (isGuest(viewer) && (message.action === 'send' || message.action === 'typing'))
        throw new PalaverError('unauthenticated', 'Sign in to use messages')
      if (message.action === 'send' || message.action === 'typing') {
        const { rateLimiter, rateLimits } = ctx.options
        await enforceRateLimit(rateLimiter, rateLimits, message.action, viewer.id)
      }
      switch (message.action) {
        case 'send': {
          const { message: stored } = await ctx.metrics.timeSend('websocket', receivedAt, () =>
            sendMessage(ctx, viewer, message.chatId, message),
          )
          return stored
        }
        case 'typing':
          return setTyping(ctx, viewer, message.chatId, message.isTyping)
        case 'watch':
          await checkWatchable(ctx, viewer, [message.chatId])
          return hub.watch(sub, message.chatId)
        case 'unwatch':
          return hub.unwatch(sub, message.chatId)
        case 'ping':
          return { cursor: sub.cursor }
      }
    }

    try {
      await hub.connect(sub, after)
      send(`{"type":"ready","cursor":${sub.cursor}}`)
    } catch (error) {
      console.error('[palaver] WebSocket could not resume', error)
      ws.close(1011, 'could not resume')
    }
  }

  const listener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void onUpgrade(req, socket, head)
  server.on('upgrade', listener)
  return {
    close() {
      clearInterval(heartbeat)
      server.off('upgrade', listener)
      for (const client of wss.clients) client.terminate()
      wss.close()
    },
  }
}
