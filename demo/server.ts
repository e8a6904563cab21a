import { createHash, timingSafeEqual } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import {
  createPalaver,
  type DatabaseOption,
  type Palaver,
  type PalaverOptions,
  type RoomResolver,
  type UserProfile,
} from '../src/index.js'
import { attachWebSocket, toNodeHandler } from '../src/node/index.js'
import { DEMO_PASSWORD, type DemoUser, findUser, findVideo, USERS } from './data.js'
import * as pages from './pages.js'
import { seedConversations } from './seed.js'
import { createSessions } from './sessions.js'

export interface DemoOptions {
  database: DatabaseOption
  /** Signs the session cookies. */
  sessionSecret: string
  /** Several demo processes: Palaver's pub/sub and rate limiter (Redis), and a metrics token. */
  deployment?: Pick<PalaverOptions, 'pubsub' | 'rateLimiter' | 'metricsToken'>
  /** Starts a database where nobody has a chat yet with a few conversations (see seed.ts). */
  seed?: boolean
}

export interface Demo {
  server: Server
  palaver: Palaver
  /** Whether this start seeded the conversations. */
  seeded: boolean
  /** Stops the HTTP server and closes Palaver. */
  close(): Promise<void>
}

const profileOf = (user: DemoUser): UserProfile => ({
  id: user.id,
  username: user.username,
  name: user.name,
  email: user.email,
})

/** Only a path on this site: `/people/bob?x=1` yes; `//evil.example`, `/\evil.example`, `https://…` no. */
export function safeNext(value: string | null | undefined, fallback = '/'): string {
  if (!value?.startsWith('/')) return fallback
  const base = 'http://demo.invalid'
  try {
    const url = new URL(value, base)
    return url.origin === base ? url.pathname + url.search + url.hash : fallback
  } catch {
    return fallback
  }
}

const digest = (text: string) => createHash('sha256').update(text).digest()
const passwordMatches = (given: string) => timingSafeEqual(digest(given), digest(DEMO_PASSWORD))

const pageHeaders = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'content-security-policy':
    "script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...pageHeaders, ...headers })
  res.end(body)
}

/** 303 after a form post; 301 for an address with or without its canonical trailing slash. */
function redirect(
  res: ServerResponse,
  location: string,
  headers: Record<string, string> = {},
  status = 303,
): void {
  res.writeHead(status, { location, 'cache-control': 'no-store', ...headers })
  res.end()
}

/** A form post from another site is refused: browsers send Origin or Sec-Fetch-Site on every POST. */
function fromThisSite(req: IncomingMessage): boolean {
  if (req.headers['sec-fetch-site'] === 'cross-site') return false
  const origin = req.headers.origin
  if (!origin || origin === 'null') return req.headers['sec-fetch-site'] !== 'same-site'
  try {
    return new URL(origin).host === req.headers.host
  } catch {
    return false
  }
}

async function readForm(req: IncomingMessage, limit = 16 * 1024): Promise<URLSearchParams | null> {
  let size = 0
  const chunks: Buffer[] = []
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) return null
    chunks.push(chunk)
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
}

const crossSite = (ctx: pages.PageContext) =>
  pages.errorPage(ctx, 'Refused', 'This form may only be sent from this site.')

const assetTypes: Record<string, string> = {
  'demo.css': 'text/css; charset=utf-8',
  'theme.js': 'text/javascript; charset=utf-8',
}

function loadAssets(): Map<string, { type: string; body: Buffer }> {
  const assets = new Map<string, { type: string; body: Buffer }>()
  for (const [name, type] of Object.entries(assetTypes)) {
    assets.set(`/assets/${name}`, { type, body: readFileSync(new URL(`./assets/${name}`, import.meta.url)) })
  }
  return assets
}

/** The demo site: its own pages, with Palaver mounted at /messages in front of them. */
export async function createDemo(options: DemoOptions): Promise<Demo> {
  const sessions = createSessions(options.sessionSecret)
  const viewerOf = (cookie: string | null | undefined): DemoUser | null => {
    const username = sessions.read(cookie)
    return username ? (findUser(username) ?? null) : null
  }

  const videoRooms: RoomResolver = (objectId) => {
    const video = findVideo(objectId)
    // Visitors read a video's chat before signing in, as they watch the video.
    return video ? { title: video.title, access: 'public', guestsRead: true } : null
  }

  const palaver = await createPalaver({
    database: options.database,
    getUser: (request) => {
      const user = viewerOf(request.headers.get('cookie'))
      return user ? profileOf(user) : null
    },
    rooms: { video: videoRooms },
    loginUrl: '/login',
    pageLayout: ({ body, request }) => {
      const url = new URL(request.url)
      return pages.messagesPage(
        { viewer: viewerOf(request.headers.get('cookie')), path: url.pathname + url.search },
        body,
      )
    },
    ...options.deployment,
  })
  let seeded = false
  try {
    for (const user of USERS) await palaver.users.upsert(profileOf(user))
    if (options.seed)
      seeded = await seedConversations({
        palaver,
        cookieOf: (username) => sessions.signIn(username).split(';')[0]!,
      })
  } catch (error) {
    await palaver.close()
    throw error
  }

  const assets = loadAssets()
  const messages = toNodeHandler(palaver)

  async function handle(req: IncomingMessage, res: ServerResponse, ctx: pages.PageContext): Promise<void> {
    const method = req.method ?? 'GET'
    const read = method === 'GET' || method === 'HEAD'
    const path = ctx.path.split('?')[0]!
    const notAllowed = (allow: string) =>
      send(res, 405, pages.errorPage(ctx, 'Not allowed', `This address answers ${allow} only.`), { allow })
    const onlyRead = (render: () => string) => (read ? send(res, 200, render()) : notAllowed('GET, HEAD'))

    const asset = assets.get(path)
    if (asset && read) {
      res.writeHead(200, {
        'content-type': asset.type,
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
      })
      return void res.end(asset.body)
    }

    if (path === '/') return onlyRead(() => pages.homePage(ctx))
    if (path === '/login') return login(req, res, ctx)
    if (path === '/logout') {
      if (read) return send(res, 200, pages.logoutPage(ctx))
      if (method !== 'POST') return notAllowed('GET, HEAD, POST')
      if (!fromThisSite(req)) return send(res, 403, crossSite(ctx))
      return redirect(res, '/', { 'set-cookie': sessions.signOut() })
    }
    if (path === '/people' || path === '/videos') return redirect(res, `${path}/`, {}, 301)
    if (path === '/people/') return onlyRead(() => pages.peoplePage(ctx))
    if (path === '/videos/') return onlyRead(() => pages.videosPage(ctx))

    const item = /^\/(people|videos)\/([^/]+)(\/?)$/.exec(path)
    if (item) {
      let key: string
      try {
        key = decodeURIComponent(item[2]!)
      } catch {
        return send(res, 404, pages.notFoundPage(ctx))
      }
      const user = item[1] === 'people' ? findUser(key) : undefined
      const video = item[1] === 'videos' ? findVideo(key) : undefined
      if (user || video) {
        if (item[3]) return redirect(res, path.slice(0, -1), {}, 301)
        return onlyRead(() => (user ? pages.profilePage(ctx, user) : pages.videoPage(ctx, video!)))
      }
    }
    send(res, 404, pages.notFoundPage(ctx))
  }

  async function login(req: IncomingMessage, res: ServerResponse, ctx: pages.PageContext): Promise<void> {
    const query = new URLSearchParams(ctx.path.includes('?') ? ctx.path.slice(ctx.path.indexOf('?') + 1) : '')
    if (req.method === 'GET' || req.method === 'HEAD') {
      return send(res, 200, pages.loginPage(ctx, safeNext(query.get('next'))))
    }
    if (req.method !== 'POST') {
      const allow = 'GET, HEAD, POST'
      return send(res, 405, pages.errorPage(ctx, 'Not allowed', `This address answers ${allow} only.`), {
        allow,
      })
    }
    if (!fromThisSite(req)) return send(res, 403, crossSite(ctx))
    const form = await readForm(req)
    if (!form) return send(res, 413, pages.errorPage(ctx, 'Too large', 'That form was too large.'))
    const next = safeNext(form.get('next') ?? query.get('next'))
    const username = (form.get('username') ?? '').trim().toLowerCase()
    const user = findUser(username)
    // Compare the password even for an unknown user, so timing does not tell which names exist.
    const ok = passwordMatches(form.get('password') ?? '') && user !== undefined
    if (!ok) return send(res, 401, pages.loginPage(ctx, next, { username: form.get('username') ?? '' }))
    redirect(res, next, { 'set-cookie': sessions.signIn(user.username) })
  }

  const server = createServer((req, res) => {
    messages(req, res, () => {
      // The raw target, not `new URL(req.url, base)`: that would read `//host/x` as another host.
      const ctx: pages.PageContext = { viewer: viewerOf(req.headers.cookie), path: req.url ?? '/' }
      handle(req, res, ctx).catch((error: unknown) => {
        console.error('[demo] request failed', error)
        if (!res.headersSent) send(res, 500, pages.errorPage(ctx))
        else res.destroy()
      })
    })
  })

  const sockets = attachWebSocket(server, palaver)

  return {
    server,
    palaver,
    seeded,
    async close() {
      sockets.close()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      await palaver.close()
    },
  }
}
