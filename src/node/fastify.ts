import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify'
import type { Palaver } from '../palaver.js'
import { toNodeHandler } from './index.js'

/**
 * A Fastify plugin that serves Palaver under its base path: `app.register(toFastifyPlugin(palaver))`.
 * Register it without a prefix (the routes already carry the base path). Its routes live in their
 * own encapsulated context with no body parser, so the request stream reaches Palaver unread, while
 * the host's other routes keep their parsers. WebSockets are separate: `attachWebSocket(app.server, palaver)`.
 *
 * Only types come from Fastify: this module does not load it.
 */
export function toFastifyPlugin(palaver: Palaver): FastifyPluginCallback {
  const handler = toNodeHandler(palaver)
  const base = palaver.options.basePath
  const serve = (request: FastifyRequest, reply: FastifyReply) => {
    // Palaver writes the answer on the raw response; Fastify must not send one too.
    reply.hijack()
    handler(request.raw, reply.raw)
  }
  return (fastify, _options, done) => {
    // Any content type is accepted and left unread: Palaver reads and limits bodies itself.
    fastify.removeAllContentTypeParsers()
    fastify.addContentTypeParser('*', (_request, _payload, parsed) => parsed(null))
    if (base) fastify.all(base, serve)
    fastify.all(`${base}/*`, serve)
    done()
  }
}
