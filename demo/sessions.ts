import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export const COOKIE_NAME = 'demo_session'
const MAX_AGE_SECONDS = 7 * 24 * 60 * 60

/**
 * The signing secret: `SESSION_SECRET` when set, otherwise a random one kept in the data
 * directory so sessions survive a restart.
 */
export function loadSecret(dataDir: string, fromEnv?: string): string {
  if (fromEnv) return fromEnv
  const file = join(dataDir, 'session-secret')
  try {
    return readFileSync(file, 'utf8').trim()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  mkdirSync(dataDir, { recursive: true })
  const secret = randomBytes(32).toString('hex')
  try {
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' })
    return secret
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file, 'utf8').trim()
    throw error
  }
}

/** The values a Cookie header gives the cookie `name` (browsers may send several). */
export function readCookie(header: string | null | undefined, name: string): string[] {
  if (!header) return []
  const values: string[] = []
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) values.push(part.slice(eq + 1).trim())
  }
  return values
}

export interface Sessions {
  /** The username of a valid, unexpired session cookie in this Cookie header, or null. */
  read(cookieHeader: string | null | undefined): string | null
  /** A Set-Cookie value that signs `username` in. */
  signIn(username: string): string
  /** A Set-Cookie value that removes the session. */
  signOut(): string
}

/** Stateless sessions: the username and an expiry, signed with HMAC-SHA256. */
export function createSessions(secret: string): Sessions {
  const attributes = 'Path=/; HttpOnly; SameSite=Lax'
  const sign = (payload: string) =>
    createHmac('sha256', secret).update(`palaver-demo-session:${payload}`).digest('base64url')

  const verify = (value: string): string | null => {
    const dot = value.lastIndexOf('.')
    if (dot <= 0) return null
    const payload = value.slice(0, dot)
    const given = Buffer.from(value.slice(dot + 1))
    const expected = Buffer.from(sign(payload))
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null
    try {
      const data = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
        u?: unknown
        e?: unknown
      }
      if (typeof data.u !== 'string' || typeof data.e !== 'number' || data.e < Date.now()) return null
      return data.u
    } catch {
      return null
    }
  }

  return {
    read(header) {
      for (const value of readCookie(header, COOKIE_NAME)) {
        const username = verify(value)
        if (username) return username
      }
      return null
    },
    signIn(username) {
      const payload = Buffer.from(
        JSON.stringify({ u: username, e: Date.now() + MAX_AGE_SECONDS * 1000 }),
      ).toString('base64url')
      return `${COOKIE_NAME}=${payload}.${sign(payload)}; Max-Age=${MAX_AGE_SECONDS}; ${attributes}`
    },
    signOut() {
      return `${COOKIE_NAME}=; Max-Age=0; ${attributes}`
    },
  }
}
