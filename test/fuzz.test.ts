import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases } from './helpers/databases.js'
import { startServer, type TestServer } from './helpers/server.js'

/** Strings that have broken parsers, search engines and databases before. */
const nasty = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\u200f\u202e',
    '\u200d',
    '\ud800',
    '\udfff',
    '💩',
    '👩‍👩‍👧‍👦',
    "'; drop table palaver_messages; --",
    '" OR 1=1 --',
    '<script>alert(1)</script>',
    '%_\\',
    'NEAR(a b)',
    'a:* & !b',
    '*',
    '"',
    '(',
    '../../etc/passwd',
    'x'.repeat(5000),
    '9'.repeat(30),
    '-1',
    '1e309',
    'NaN',
    'null',
  ),
)
const anyJson = fc.oneof(
  nasty,
  fc.integer(),
  fc.double(),
  fc.constantFrom(-1, 0, 2 ** 53, -(2 ** 63), Number.MAX_VALUE),
  fc.boolean(),
  fc.constant(null),
  fc.array(nasty, { maxLength: 3 }),
  fc.dictionary(nasty, nasty, { maxKeys: 3 }),
)

const fields = [
  'body',
  'clientId',
  'title',
  'memberIds',
  'userIds',
  'emoji',
  'isTyping',
  'messageId',
  'userId',
  'contentType',
  'objectId',
  'kind',
  'replyToId',
  'mentionIds',
  'attachmentIds',
  'muted',
  'until',
]
const bodyArb = fc.oneof(
  fc.dictionary(fc.constantFrom(...fields), anyJson, { maxKeys: 4 }).map((o) => JSON.stringify(o)),
  nasty,
  anyJson.map((v) => JSON.stringify(v)),
)
/** Percent-encodes, leaving a lone surrogate as the invalid UTF-8 a hostile client would send. */
const encodeLoosely = (text: string) => {
  try {
    return encodeURIComponent(text)
  } catch {
    return '%ED%A0%80'
  }
}
const idArb = fc.oneof(
  fc.constantFrom('1', '2', '3', '999999', '0', '-1', 'abc', '1.5', '%00', '9'.repeat(25)),
  nasty.map(encodeLoosely),
)
// `wait` is left out: a valid one holds the request open for up to a minute, by design.
const queryKeys = [
  'q',
  'before',
  'after',
  'around',
  'limit',
  'cursor',
  'search',
  'kind',
  'chatId',
  'watch',
  'userIds',
  'name',
]
const queryArb = fc
  .dictionary(fc.constantFrom(...queryKeys), fc.oneof(nasty, fc.integer().map(String)), { maxKeys: 3 })
  .map((o) => new URLSearchParams(o).toString())

describe.each(databases)('random and malformed input on $name', (database) => {
  let server: TestServer
  let routes: Array<{ method: string; path: string }>
  let tried = 0
  beforeAll(async () => {
    server = await startServer(database, {
      rooms: { video: (id) => (id === '1' ? { title: 'Video', access: 'public' } : null) },
    })
    const chat = await server.as('alice').post('/api/chats/', { title: 'Fuzz', memberIds: ['bob'] })
    await server.as('alice').post(`/api/chats/${chat.body.id}/messages/`, { body: 'hello fuzz' })
    const doc = await server.call(undefined, 'GET', '/api/openapi.json')
    // The event stream stays open by design; its input checks are the polling route's.
    routes = Object.entries(doc.body.paths as Record<string, Record<string, unknown>>)
      .filter(([path]) => !path.endsWith('/events/stream/'))
      .flatMap(([path, ops]) =>
        Object.keys(ops).map((method) => ({
          method: method.toUpperCase(),
          path: path.replace(/^\/messages/, ''),
        })),
      )
  })
  afterAll(async () => {
    console.log(`[fuzz] ${database.name}: ${tried} requests over ${routes.length} routes`)
    await server.close()
  })

  it('never answers 5xx and never changes anything when it refuses', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 1000 }),
        fc.constantFrom('alice', 'bob', 'dana', undefined),
        idArb,
        idArb,
        queryArb,
        bodyArb,
        async (routeIndex, user, id1, id2, query, body) => {
          const route = routes[routeIndex % routes.length]!
          let n = 0
          const path = route.path.replace(/\{\w+\}/g, () => (n++ === 0 ? id1 : id2))
          const before = await server.snapshot()
          const reply = await server.call(
            user,
            route.method,
            `${path}?${query}`,
            route.method === 'GET' || route.method === 'DELETE' ? undefined : body,
          )
          tried++
          expect(
            reply.status,
            `${route.method} ${path}?${query} ${body} → ${JSON.stringify(reply.body)}`,
          ).toBeLessThan(500)
          if (reply.status >= 400) {
            expect(reply.body.error.code).toEqual(expect.any(String))
            expect(await server.snapshot()).toEqual(before)
          }
        },
      ),
      { numRuns: 600 },
    )
  })
})
