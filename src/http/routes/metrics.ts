import { timingSafeEqual } from 'node:crypto'
import type { OpenAPIHono } from '@hono/zod-openapi'
import { PalaverError } from '../../errors.js'
import type { Metrics } from '../../metrics.js'
import type { ApiEnv } from '../env.js'

/** Whether the Authorization header carries the token, compared in constant time. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : '')
  const expected = Buffer.from(token)
  return given.length === expected.length && timingSafeEqual(given, expected)
}

/**
 * `GET /metrics` for a Prometheus scraper, when the host set a token. A scraper is not a user: register
 * this ahead of the middleware that asks getUser who is signed in.
 */
export function metricsRoutes(app: OpenAPIHono<ApiEnv>, metrics: Metrics, token: string | undefined): void {
  if (token === undefined) return
  app.get('/metrics', async (c) => {
    if (!bearerMatches(c.req.header('authorization'), token)) {
      const error = new PalaverError('unauthenticated', 'Send the metrics token as a Bearer token')
      return Response.json(error.toJSON(), {
        status: error.status,
        headers: { 'www-authenticate': 'Bearer realm="palaver-metrics"' },
      })
    }
    return c.body(await metrics.text(), 200, {
      'content-type': metrics.contentType,
      'cache-control': 'no-store',
    })
  })
}
