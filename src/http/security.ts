import { PalaverError } from '../errors.js'

const unsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/**
 * Refuses cross-site writes. Browsers send Origin (and Sec-Fetch-Site) on every cross-site POST;
 * a write is allowed when it comes from the page's own origin or an allowed one. Requests without
 * either header come from non-browser clients, which carry no ambient cookies to abuse.
 */
export function checkSameOrigin(request: Request, allowedOrigins: readonly string[]): void {
  if (!unsafeMethods.has(request.method)) return
  const origin = request.headers.get('origin')
  const site = request.headers.get('sec-fetch-site')
  if (origin === null || origin === 'null') {
    if (site === null || site === 'same-origin' || site === 'none') return
    throw new PalaverError('forbidden', 'Cross-site requests are not allowed')
  }
  const own = new URL(request.url).origin
  if (origin === own || allowedOrigins.includes(origin)) return
  throw new PalaverError('forbidden', `Origin ${origin} may not write here`)
}
