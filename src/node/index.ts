import type { IncomingMessage, ServerResponse } from 'node:http'
import { getRequestListener } from '@hono/node-server'
import type { Palaver } from '../palaver.js'

export type NodeHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (error?: unknown) => void,
) => void

/**
 * A node:http / Express / Connect handler. Requests outside the base path go to `next`
 * (or get a 404 when there is none), so it can sit in front of the host's own routes.
 */
export function toNodeHandler(palaver: Palaver): NodeHandler {
  const listener = getRequestListener((request, { incoming }) =>
    palaver.fetch(request, { remoteAddress: incoming.socket.remoteAddress }),
  )
  const base = palaver.options.basePath
  return (req, res, next) => {
    // Express strips a mount prefix from req.url; Palaver routes on the full path.
    const original = (req as { originalUrl?: string }).originalUrl
    if (original !== undefined) req.url = original
    const path = (req.url ?? '/').split('?')[0]!
    if (path === base || path.startsWith(`${base}/`)) {
      void listener(req, res)
      return
    }
    if (next) return next()
    res.statusCode = 404
    res.end()
  }
}

export { attachWebSocket, type WebSocketOptions } from './websocket.js'
