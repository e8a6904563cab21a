import type { OpenAPIHono } from '@hono/zod-openapi'
import { PalaverError } from '../../errors.js'
import { AVATARS_PATH, initialsSvg } from '../../users/avatar.js'
import type { ApiEnv } from '../env.js'

/** Two initials, each of which may upper-case to a few letters ("ß" → "SS"). */
const MAX_INITIALS = 8

/**
 * The default avatars (see initialsAvatarPath). Everything a picture shows is in its address, so it is
 * cached for good and drawn without asking who is signed in: register this ahead of the middleware that
 * does, so that a page of avatars costs no getUser call each.
 */
export function avatarRoutes(app: OpenAPIHono<ApiEnv>): void {
  app.get(`${AVATARS_PATH}/:hue/:file`, (c) => {
    const hue = c.req.param('hue')
    const file = c.req.param('file')
    const initials = file.endsWith('.svg') ? file.slice(0, -'.svg'.length) : ''
    const length = Array.from(initials).length
    if (
      !/^\d{1,3}$/.test(hue) ||
      Number(hue) >= 360 ||
      length === 0 ||
      length > MAX_INITIALS ||
      /\p{C}/u.test(initials)
    )
      throw new PalaverError('not_found', 'No such avatar')
    return c.body(initialsSvg(Number(hue), initials), 200, {
      'content-type': 'image/svg+xml; charset=utf-8',
      'cache-control': 'public, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
      // Opened on its own, the picture is a document of this origin: it may run nothing.
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    })
  })
}
