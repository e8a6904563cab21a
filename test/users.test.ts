import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases } from './helpers/databases.js'
import { DEMO_USERS, startServer, type TestServer } from './helpers/server.js'

/** Whom each user may message: alice knows bob, charlie and the wildcard users; erin knows nobody. */
const contactLists: Record<string, readonly string[]> = {
  alice: ['bob', 'charlie', 'percent', 'under', 'plain'],
  erin: [],
}

const extraUsers = [
  { id: 'percent', username: 'fifty', name: '50% Off', email: 'deals@shop.test' },
  { id: 'under', username: 'snake_case', name: 'Sam Snake', email: 'sam@snake.test' },
  { id: 'plain', username: 'fiftyoff', name: '50 Off', email: 'plain@shop.test' },
]

describe.each(databases)('user search on $name', (database) => {
  let server: TestServer
  beforeAll(async () => {
    server = await startServer(database, { contacts: (viewer) => contactLists[viewer.id] ?? 'everyone' })
    for (const user of extraUsers) await server.palaver.users.upsert(user)
  })
  afterAll(() => server.close())

  const find = async (viewer: string, q: string, extra = '') => {
    const reply = await server.as(viewer).get(`/api/users/search/?q=${encodeURIComponent(q)}${extra}`)
    expect(reply.status, q).toBe(200)
    return reply.body.users as Array<Record<string, unknown>>
  }
  const ids = async (viewer: string, q: string, extra = '') =>
    (await find(viewer, q, extra)).map((u) => u.id).sort()

  it('finds people by name, username or e-mail, ignoring case', async () => {
    expect(await ids('dana', 'anderson')).toEqual(['alice'])
    expect(await ids('dana', 'BOB')).toEqual(['bob'])
    expect(await ids('dana', 'Chen')).toEqual(['charlie'])
    expect(await ids('dana', 'example.ORG')).toEqual(['charlie', 'dana'])
    expect(await ids('dana', 'erin@example.net')).toEqual(['erin'])
  })

  it('ignores accents in names and queries', async () => {
    expect(await ids('bob', 'diaz')).toEqual(['dana'])
    expect(await ids('bob', 'DÍAZ')).toEqual(['dana'])
    expect(await ids('bob', 'Di\u0301az')).toEqual(['dana'])
  })

  it('answers public profiles only, never the e-mail address', async () => {
    const users = await find('bob', 'example')
    expect(users.length).toBeGreaterThan(0)
    for (const user of users) {
      expect(Object.keys(user).sort()).toEqual(['avatarUrl', 'displayName', 'id', 'name', 'username'])
      expect(JSON.stringify(user)).not.toContain('@')
    }
    const [alice] = await find('bob', 'alice@example.com')
    expect(alice).toMatchObject({ id: 'alice', username: 'alice', name: 'Alice Anderson' })
  })

  it('finds only people in my contact list', async () => {
    expect(await ids('alice', 'example')).toEqual(['bob', 'charlie'])
    expect(await ids('alice', 'dana')).toEqual([])
    expect(await ids('erin', 'a')).toEqual([])
    expect(await ids('dana', 'example')).toEqual(DEMO_USERS.map((u) => u.id).sort())
  })

  it('takes % and _ literally', async () => {
    expect(await ids('alice', '%')).toEqual(['percent'])
    expect(await ids('alice', '50%')).toEqual(['percent'])
    expect(await ids('alice', '_')).toEqual(['under'])
    expect(await ids('alice', 'snake_')).toEqual(['under'])
    expect(await ids('alice', 'fifty%')).toEqual([])
    expect(await ids('alice', 'b_b')).toEqual([])
    expect(await ids('alice', '\\')).toEqual([])
  })

  it('an empty query suggests nobody to someone who shares no chat, and odd characters are survived', async () => {
    expect(await ids('dana', '')).toEqual([])
    expect(await ids('dana', '   ')).toEqual([])
    for (const q of ['\u0000', 'bob\u0000', "'; drop table palaver_users; --", '"', '\u0301', '🙂'])
      await find('dana', q)
    expect(await ids('dana', 'bob\u0000')).toEqual(['bob'])
  })

  it('limits the number of answers', async () => {
    expect(await find('dana', 'example', '&limit=2')).toHaveLength(2)
    expect((await server.as('dana').get('/api/users/search/?q=a&limit=0')).status).toBe(400)
    expect((await server.as('dana').get(`/api/users/search/?q=${'a'.repeat(201)}`)).status).toBe(400)
  })

  it('answers 401 to an anonymous visitor', async () => {
    expect((await server.call(undefined, 'GET', '/api/users/search/?q=bob')).status).toBe(401)
  })
})
