import type { z } from '@hono/zod-openapi'
import type { Http } from '../client/index.js'
import type { ConfigSchema } from '../http/routes/pages.js'

/** What GET /api/config/ answers: the viewer (null when anonymous) and the site's settings. */
export type PalaverConfig = z.output<typeof ConfigSchema>

export function fetchConfig(http: Http): Promise<PalaverConfig> {
  return http.request<PalaverConfig>('GET', '/api/config/')
}

/** Where the login link sends a visitor: the site's login URL with `?next=` back to this page. */
export function loginHref(config: PalaverConfig, location: Location = window.location): string {
  const next = `${location.pathname}${location.search}`
  const url = new URL(config.loginUrl, location.href)
  url.searchParams.set('next', next)
  return url.origin === location.origin ? `${url.pathname}${url.search}${url.hash}` : url.href
}
