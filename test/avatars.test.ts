import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPalaver, initialsAvatar } from '../src/index.js'
import { databases } from './helpers/databases.js'
import { startServer, type TestServer } from './helpers/server.js'

describe.each(databases)('default avatars on $name', (database) => {
  let server: TestServer
  beforeAll(async () => {
    server = await startServer(database)
    await server.palaver.users.upsert({
      id: 'pic',
      username: 'pic',
      name: 'Pic Ture',
      avatarUrl: '/pics/p.png',
    })
  })
  afterAll(() => server.close())

  const fetchPath = (path: string) => server.palaver.fetch(new Request(`http://palaver.test${path}`))

  it('points a user without a picture at the initials Palaver draws, in the views a message carries', async () => {
    const chat = await server
      .as('alice')
      .post('/api/chats/', { title: 'Pictures', memberIds: ['bob', 'pic'] })
    const sent = await server.as('alice').post(`/api/chats/${chat.body.id}/messages/`, { body: 'hi' })
    const avatarUrl = sent.body.sender.avatarUrl as string
    expect(avatarUrl).toMatch(/^\/messages\/avatars\/\d{1,3}\/AA\.svg$/)
    const members = await server.as('alice').get(`/api/chats/${chat.body.id}/`)
    const byId = new Map(members.body.members.map((m: any) => [m.user.id, m.user.avatarUrl]))
    expect(byId.get('alice')).toBe(avatarUrl)
    expect(byId.get('pic')).toBe('/pics/p.png')

    const response = await fetchPath(avatarUrl)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8')
    expect(response.headers.get('cache-control')).toContain('immutable')
    // The same picture as the data URL a host can still ask for.
    const svg = await response.text()
    expect(svg).toBe(
      decodeURIComponent(initialsAvatar('alice', 'Alice Anderson').split(',').slice(1).join(',')),
    )
    expect(svg).toContain('>AA</text>')
  })

  it('draws any initials it is given, escaped, without asking who is signed in', async () => {
    const { option, drop } = await database.create()
    let asked = 0
    const palaver = await createPalaver({
      database: option,
      getUser: () => {
        asked++
        return null
      },
    })
    try {
      const response = await palaver.fetch(
        new Request('http://palaver.test/messages/avatars/120/%3C%C3%89.svg'),
      )
      expect(response.status).toBe(200)
      const svg = await response.text()
      expect(svg).toContain("fill='hsl(120 55% 42%)'")
      expect(svg).toContain('>&#60;É</text>')
      expect(asked).toBe(0)
      // Any other route does ask: the count counts.
      await palaver.fetch(new Request('http://palaver.test/messages/api/config/'))
      expect(asked).toBe(1)
    } finally {
      await palaver.close()
      await drop()
    }
  })

  it('takes the first letter that shows: a mark that writes nothing is no initial', async () => {
    await server.palaver.users.upsert({ id: 'rlm', username: 'rlm', name: '\u200fRana \u200bLoud' })
    const found = await server.as('alice').get('/api/users/search/?q=rlm')
    const avatarUrl = found.body.users[0].avatarUrl as string
    expect(avatarUrl).toMatch(/\/RL\.svg$/)
    expect((await fetchPath(avatarUrl)).status).toBe(200)
  })

  it('answers 404 to an address it never hands out', async () => {
    for (const path of [
      '/avatars/360/AB.svg',
      '/avatars/-1/AB.svg',
      '/avatars/x/AB.svg',
      '/avatars/0120/AB.svg',
      '/avatars/12/AB.png',
      '/avatars/12/.svg',
      '/avatars/12/ABCDEFGHI.svg',
      '/avatars/12/A%00.svg',
      '/avatars/12/A%0A.svg',
      '/avatars/12',
    ]) {
      const response = await fetchPath(`/messages${path}`)
      expect(response.status, path).toBe(404)
      expect((await response.json()).error.code, path).toBe('not_found')
    }
  })
})
