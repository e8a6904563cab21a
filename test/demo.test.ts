import { once } from 'node:events'
import { mkdtempSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDemo, type Demo, safeNext } from '../demo/server.js'
import { createSessions, loadSecret } from '../demo/sessions.js'

const file = join(mkdtempSync(join(tmpdir(), 'palaver-demo-')), 'demo.sqlite')
const secret = 'test-secret'

async function start(): Promise<{ demo: Demo; origin: string }> {
  const demo = await createDemo({ database: { sqlite: file }, sessionSecret: secret })
  demo.server.listen(0, '127.0.0.1')
  await once(demo.server, 'listening')
  return { demo, origin: `http://127.0.0.1:${(demo.server.address() as AddressInfo).port}` }
}

let demo: Demo
let origin: string

beforeAll(async () => {
  ;({ demo, origin } = await start())
})
afterAll(async () => {
  await demo.close()
})

/** Posts the sign-in form as a browser would, without following the redirect. */
function signIn(username: string, password: string, next?: string, query = '') {
  const form = new URLSearchParams({ username, password })
  if (next !== undefined) form.set('next', next)
  return fetch(`${origin}/login${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
    body: form,
    redirect: 'manual',
  })
}

async function cookieOf(username: string): Promise<string> {
  const response = await signIn(username, 'demo')
  expect(response.status).toBe(303)
  const cookie = response.headers.getSetCookie()[0]!
  expect(cookie).toMatch(/HttpOnly/i)
  expect(cookie).toMatch(/SameSite=Lax/i)
  return cookie.split(';')[0]!
}

/** Calls Palaver's API with a session cookie, from the page's own origin. */
async function api(cookie: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${origin}/messages/api${path}`, {
    method,
    headers: { cookie, origin, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  return { status: response.status, body: await response.json() }
}

describe('the demo site', () => {
  it('signs alice in, lets her message bob, and bob sees it', async () => {
    const alice = await cookieOf('alice')
    const dm = await api(alice, 'POST', '/dms/', { userId: 'bob' })
    expect(dm.status).toBe(200)
    expect(dm.body.kind).toBe('dm')
    const sent = await api(alice, 'POST', `/chats/${dm.body.id}/messages/`, { body: 'Hi Bob, nice bread!' })
    expect(sent.status).toBe(201)

    const bob = await cookieOf('bob')
    const chats = await api(bob, 'GET', '/chats/')
    expect(chats.status).toBe(200)
    const chat = chats.body.chats.find((c: any) => c.id === dm.body.id)
    expect(chat.lastMessage.body).toBe('Hi Bob, nice bread!')
    expect(chat.peer.name).toBe('Alice Anderson')

    const profile = await fetch(`${origin}/people/bob`, { headers: { cookie: alice } })
    expect(profile.status).toBe(200)
    const page = await profile.text()
    expect(page).toContain('<palaver-dm user-id="bob">')
    expect(page).toContain('<script type="module" src="/messages/static/palaver.js"></script>')
  })

  it('refuses a wrong password or an unknown user, and sets no cookie', async () => {
    for (const [username, password] of [
      ['alice', 'wrong'],
      ['mallory', 'demo'],
    ] as const) {
      const response = await signIn(username, password)
      expect(response.status).toBe(401)
      expect(response.headers.getSetCookie()).toEqual([])
      expect(await response.text()).toContain('Wrong username or password')
    }
  })

  it('returns to a local ?next= path but never to another site', async () => {
    const local = await signIn('alice', 'demo', undefined, '?next=%2Fvideos%2Friver-seasons')
    expect(local.headers.get('location')).toBe('/videos/river-seasons')
    for (const next of ['https://evil.example', '//evil.example', '/\\evil.example', 'javascript:alert(1)']) {
      const viaQuery = await signIn('alice', 'demo', undefined, `?next=${encodeURIComponent(next)}`)
      expect(viaQuery.status).toBe(303)
      expect(viaQuery.headers.get('location')).toBe('/')
      const viaForm = await signIn('alice', 'demo', next)
      expect(viaForm.headers.get('location')).toBe('/')
    }
    const form = await (await fetch(`${origin}/login?next=https://evil.example`)).text()
    expect(form).not.toContain('evil.example')
    expect(safeNext('/people/bob?tab=1')).toBe('/people/bob?tab=1')
  })

  it('refuses a sign-in form posted from another site', async () => {
    const response = await fetch(`${origin}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: 'username=alice&password=demo',
      redirect: 'manual',
    })
    expect(response.status).toBe(403)
    expect(response.headers.getSetCookie()).toEqual([])
  })

  it('ignores a tampered or foreign session cookie', async () => {
    const alice = await cookieOf('alice')
    const [name, value] = alice.split('=') as [string, string]
    const payload = Buffer.from(JSON.stringify({ u: 'bob', e: Date.now() + 60_000 })).toString('base64url')
    const forged = `${name}=${payload}.${value.split('.')[1]}`
    expect((await api(forged, 'GET', '/chats/')).status).toBe(401)
    const otherSecret = createSessions('another secret').signIn('bob').split(';')[0]!
    expect((await api(otherSecret, 'GET', '/chats/')).status).toBe(401)
    expect((await api(alice, 'GET', '/chats/')).status).toBe(200)
  })

  it('signs out with a POST, and /logout shows a button', async () => {
    const alice = await cookieOf('alice')
    const page = await (await fetch(`${origin}/logout`, { headers: { cookie: alice } })).text()
    expect(page).toMatch(/<form method="post" action="\/logout">\s*<button type="submit">Sign out<\/button>/)
    const response = await fetch(`${origin}/logout`, {
      method: 'POST',
      headers: { cookie: alice, origin },
      redirect: 'manual',
    })
    expect(response.status).toBe(303)
    expect(response.headers.getSetCookie()[0]).toMatch(/^demo_session=;.*Max-Age=0/)
  })

  it('gives each video a public room, and unknown videos none', async () => {
    const alice = await cookieOf('alice')
    const room = await api(alice, 'POST', '/rooms/', { contentType: 'video', objectId: 'sourdough-101' })
    expect(room.status).toBe(200)
    expect(room.body).toMatchObject({ kind: 'room', title: 'Sourdough from scratch' })
    expect(room.body.room.access).toBe('public')
    const missing = await api(alice, 'POST', '/rooms/', { contentType: 'video', objectId: 'no-such-video' })
    expect(missing.status).toBe(404)

    const page = await (await fetch(`${origin}/videos/sourdough-101`)).text()
    expect(page).toContain(
      '<palaver-room content-type="video" object-id="sourdough-101" room-title="Sourdough from scratch">',
    )
    expect((await fetch(`${origin}/videos/no-such-video`)).status).toBe(404)
  })

  it('renders every page with the nav, the theme switch and a link to the messages page', async () => {
    for (const path of ['/', '/login', '/people/', '/people/alice', '/videos/', '/logout', '/messages/']) {
      const response = await fetch(`${origin}${path}`)
      expect(response.status, path).toBe(200)
      const page = await response.text()
      expect(page).toContain('href="/messages/"')
      expect(page).toMatch(
        /<button type="button" class="theme-toggle" data-theme-toggle aria-pressed="false"/,
      )
    }
    // The messages page keeps the site's frame (the theme chosen, the way back) with Palaver's page in it.
    const messages = await (
      await fetch(`${origin}/messages/`, { headers: { cookie: await cookieOf('alice') } })
    ).text()
    expect(messages).toContain('<body class="fill">')
    expect(messages).toContain('<palaver-messages base-path="/messages"></palaver-messages>')
    expect(messages).toContain('<script src="/assets/theme.js"></script>')
    expect(messages).toContain('Sign out')
    const login = await (await fetch(`${origin}/login`)).text()
    for (const name of ['alice', 'bob', 'charlie', 'dana']) expect(login).toContain(name)
    expect(login).toContain('<code>demo</code>')
    const anonymous = await (await fetch(`${origin}/people/bob`)).text()
    expect(anonymous).not.toContain('<palaver-dm')
    expect(anonymous).toContain('href="/login?next=%2Fpeople%2Fbob"')
    const own = await (
      await fetch(`${origin}/people/alice`, { headers: { cookie: await cookieOf('alice') } })
    ).text()
    expect(own).not.toContain('<palaver-dm')
  })

  it('escapes what it echoes back', async () => {
    const response = await signIn('<script>alert(1)</script>', 'x')
    const page = await response.text()
    expect(page).not.toContain('<script>alert(1)')
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    const next = await (await fetch(`${origin}/login?next=${encodeURIComponent('/a"><b>')}`)).text()
    expect(next).not.toContain('"><b>')
  })

  it('keeps what users wrote across a restart', async () => {
    const alice = await cookieOf('alice')
    const dm = await api(alice, 'POST', '/dms/', { userId: 'dana' })
    await api(alice, 'POST', `/chats/${dm.body.id}/messages/`, { body: 'Still here after a restart?' })
    await demo.close()
    ;({ demo, origin } = await start())
    const dana = await cookieOf('dana')
    const history = await api(dana, 'GET', `/chats/${dm.body.id}/messages/`)
    expect(history.body.messages.map((m: any) => m.body)).toContain('Still here after a restart?')
  })
})

describe('the session secret', () => {
  it('is generated once and kept in the data directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'palaver-demo-secret-'))
    const first = loadSecret(dir)
    expect(first).toMatch(/^[0-9a-f]{64}$/)
    expect(loadSecret(dir)).toBe(first)
    expect(loadSecret(dir, 'from-env')).toBe('from-env')
  })
})

describe('a fresh demo database', () => {
  it('starts with a few conversations, once: a group with a reply, a mention and reactions, a DM and a video’s room', async () => {
    const seededFile = join(mkdtempSync(join(tmpdir(), 'palaver-demo-seed-')), 'demo.sqlite')
    const first = await createDemo({ database: { sqlite: seededFile }, sessionSecret: secret, seed: true })
    try {
      expect(first.seeded).toBe(true)
      const sessions = createSessions(secret)
      const as = async (username: string, path: string) => {
        const response = await first.palaver.fetch(
          new Request(`http://demo.invalid/messages/api${path}`, {
            headers: { cookie: sessions.signIn(username).split(';')[0]! },
          }),
        )
        expect(response.status).toBe(200)
        return (await response.json()) as any
      }
      const chatsOf = async (username: string) =>
        (await as(username, '/chats/')).chats.map((c: any) => [c.kind, c.title, c.unreadCount])
      // Alice wrote last in neither chat: one unread in each (Bob's DM, Charlie's mention of Bob).
      expect(await chatsOf('alice')).toEqual([
        ['dm', 'Bob Brown', 1],
        ['group', 'Saturday ride', 1],
      ])
      expect(await chatsOf('dana')).toEqual([])
      const group = (await as('bob', '/chats/')).chats.find((c: any) => c.title === 'Saturday ride')
      const history = (await as('bob', `/chats/${group.id}/messages/`)).messages
      expect(history).toHaveLength(5)
      expect(history[0].reactions).toEqual([expect.objectContaining({ emoji: '👍', count: 2 })])
      expect(history[3].replyTo).toMatchObject({ id: history[2].id, senderId: 'charlie' })
      expect(history[4].mentions.map((m: any) => m.id)).toEqual(['bob'])
      const { chat: room } = (await as('dana', '/rooms/')).rooms.find(
        (r: any) => r.chat.title === 'Sourdough from scratch',
      )
      expect(room.memberCount).toBe(2)
    } finally {
      await first.close()
    }
    // Started again on the same database, it leaves what is there alone.
    const again = await createDemo({ database: { sqlite: seededFile }, sessionSecret: secret, seed: true })
    try {
      expect(again.seeded).toBe(false)
    } finally {
      await again.close()
    }
  })
})
