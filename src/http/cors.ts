import type { MiddlewareHandler } from 'hono'
import { cors } from 'hono/cors'

/**
 * Cross-origin reads for pages on another origin (`allowedOrigins`): a page on www.example.com whose
 * widgets or client talk to Palaver on chat.example.com with `credentials: 'include'`. Without these
 * headers the browser hands such a page none of the answers, though the writes' own origin check
 * (security.ts) and the WebSocket upgrade already let it in.
 *
 * The answer names the one origin that asked (never `*`, which a request with cookies may not get), and
 * says so in `Vary`, so that a shared cache keeps one answer per origin.
 */
export function crossOriginApi(allowedOrigins: readonly string[]): MiddlewareHandler {
  const allowed = new Set(allowedOrigins)
  return cors({
    origin: (origin) => (allowed.has(origin) ? origin : null),
    credentials: true,
    allowMethods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'],
    // Left empty, a preflight is answered with the headers it asks for: the host's own (an Authorization
    // its getUser reads, say) as well as Content-Type.
    allowHeaders: [],
    // What the client reads from an answer besides the CORS-safelisted ones.
    exposeHeaders: ['Retry-After', 'ETag', 'Content-Disposition'],
    maxAge: 600,
  })
}

/**
 * The widget bundle and its chunks to any page: a module script from another origin is fetched in CORS
 * mode (without cookies), and so are the language chunks it imports. They are public files.
 */
export const crossOriginAssets: MiddlewareHandler = cors({ origin: '*', allowMethods: ['GET', 'HEAD'] })
