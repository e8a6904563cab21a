import { compileErrors, validate } from '@readme/openapi-parser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases } from './helpers/databases.js'
import { startServer, type TestServer } from './helpers/server.js'

describe.each(databases)('the HTTP API on $name', (database) => {
  let server: TestServer
  let chatId: number
  beforeAll(async () => {
    server = await startServer(database, { limits: { bodyBytes: 2048 } })
    chatId = (await server.as('alice').post('/api/chats/', { title: 'Team', memberIds: ['bob'] })).body.id
  })
  afterAll(() => server.close())

  /** Calls the API and checks the answer is a contract error with the status, and that nothing changed. */
  async function refused(status: number, code: string, ...args: Parameters<TestServer['call']>) {
    const before = await server.snapshot()
    const reply = await server.call(...args)
    expect(reply.status, JSON.stringify(reply.body)).toBe(status)
    expect(reply.body.error.code).toBe(code)
    expect(reply.body.error.message).toEqual(expect.any(String))
    expect(await server.snapshot()).toEqual(before)
    return reply
  }

  it('answers an anonymous visitor 401 on every route', async () => {
    await refused(401, 'unauthenticated', undefined, 'GET', '/api/chats/')
    await refused(401, 'unauthenticated', undefined, 'POST', `/api/chats/${chatId}/messages/`, { body: 'hi' })
    await refused(401, 'unauthenticated', undefined, 'GET', '/api/search/?q=hi')
  })

  it('refuses malformed JSON with 400', async () => {
    await refused(400, 'invalid_input', 'alice', 'POST', `/api/chats/${chatId}/messages/`, '{"body": "hi"')
    await refused(400, 'invalid_input', 'alice', 'POST', `/api/chats/${chatId}/messages/`, 'null')
    await refused(400, 'invalid_input', 'alice', 'POST', `/api/chats/${chatId}/messages/`, '[]')
  })

  it('refuses a body that is not JSON', async () => {
    await refused(400, 'invalid_input', 'alice', 'POST', `/api/chats/${chatId}/messages/`, 'body=hi', {
      'content-type': 'application/x-www-form-urlencoded',
    })
  })

  it('refuses wrong types and unknown fields with a message naming the field', async () => {
    const wrong = await refused(400, 'invalid_input', 'alice', 'POST', `/api/chats/${chatId}/messages/`, {
      body: 42,
    })
    expect(wrong.body.error.message).toContain('body.body')
    await refused(400, 'invalid_input', 'alice', 'POST', `/api/chats/${chatId}/messages/`, {
      body: 'x',
      admin: true,
    })
    await refused(400, 'invalid_input', 'alice', 'POST', '/api/chats/', { title: ['x'] })
    await refused(400, 'invalid_input', 'alice', 'POST', `/api/chats/${chatId}/typing/`, { isTyping: 'yes' })
  })

  it('refuses ids that are not ids with 400 and unknown ids with 404', async () => {
    await refused(400, 'invalid_input', 'alice', 'GET', '/api/chats/abc/')
    await refused(400, 'invalid_input', 'alice', 'GET', '/api/chats/-1/messages/')
    await refused(400, 'invalid_input', 'alice', 'GET', '/api/chats/99999999999999999999/')
    await refused(404, 'not_found', 'alice', 'GET', '/api/chats/999999/')
    await refused(404, 'not_found', 'alice', 'GET', '/api/messages/999999/')
    await refused(404, 'not_found', 'alice', 'POST', '/api/messages/999999/reactions/', { emoji: '👍' })
  })

  it('answers an unknown route 404 in the error shape', async () => {
    await refused(404, 'not_found', 'alice', 'GET', '/api/nothing-here/')
  })

  it('refuses an oversized body with 413', async () => {
    await refused(413, 'too_large', 'alice', 'POST', `/api/chats/${chatId}/messages/`, {
      body: 'x'.repeat(5000),
    })
  })

  it('refuses a body without a length at the limit, without reading the rest of it', async () => {
    // 16 MB of spaces, made as they are read.
    let pulled = 0
    const huge = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled === 16 * 1024 * 1024) return controller.close()
        pulled += 1024
        controller.enqueue(new Uint8Array(1024).fill(0x20))
      },
    })
    const before = await server.snapshot()
    const reply = await server.palaver.fetch(
      new Request(`http://palaver.test/messages/api/chats/${chatId}/messages/`, {
        method: 'POST',
        headers: { 'x-test-user': 'alice', 'content-type': 'application/json' },
        body: huge,
        duplex: 'half',
      } as RequestInit),
    )
    expect(reply.status).toBe(413)
    expect((await reply.json()).error.code).toBe('too_large')
    expect(pulled).toBeLessThan(64 * 1024)
    expect(await server.snapshot()).toEqual(before)
  })

  it('takes an empty body for no body where the body is optional', async () => {
    const markRead = `/api/chats/${chatId}/mark-as-read/`
    // What fetch sends for a POST without a body: Content-Length 0, with or without a JSON type.
    expect((await server.call('bob', 'POST', markRead, undefined, { 'content-length': '0' })).status).toBe(
      200,
    )
    expect(
      (await server.call('bob', 'POST', markRead, '', { 'content-type': 'application/json' })).status,
    ).toBe(200)
    await refused(400, 'invalid_input', 'alice', 'POST', `/api/chats/${chatId}/typing/`, '')
  })

  it('accepts paths with and without the trailing slash', async () => {
    expect((await server.call('alice', 'GET', `/api/chats/${chatId}`)).status).toBe(200)
    expect((await server.call('alice', 'GET', `/api/chats/${chatId}/`)).status).toBe(200)
  })

  describe('cross-site requests', () => {
    const send = { body: 'from elsewhere' }

    it('refuses a cross-site fetch with cookies', async () => {
      await refused(403, 'forbidden', 'alice', 'POST', `/api/chats/${chatId}/messages/`, send, {
        origin: 'https://evil.example',
        'sec-fetch-site': 'cross-site',
      })
    })

    it('refuses a cross-site form POST', async () => {
      await refused(403, 'forbidden', 'alice', 'POST', `/api/chats/${chatId}/messages/`, 'body=hi', {
        origin: 'https://evil.example',
        'content-type': 'application/x-www-form-urlencoded',
      })
    })

    it('refuses a sandboxed (null-origin) cross-site write', async () => {
      await refused(403, 'forbidden', 'alice', 'DELETE', `/api/chats/${chatId}/`, undefined, {
        origin: 'null',
        'sec-fetch-site': 'cross-site',
      })
    })

    it('accepts a same-origin write', async () => {
      const reply = await server.call('alice', 'POST', `/api/chats/${chatId}/messages/`, send, {
        origin: 'http://palaver.test',
        'sec-fetch-site': 'same-origin',
      })
      expect(reply.status).toBe(201)
    })

    it('lets reads through from anywhere (they change nothing)', async () => {
      const reply = await server.call('alice', 'GET', '/api/chats/', undefined, {
        origin: 'https://evil.example',
      })
      expect(reply.status).toBe(200)
    })
  })

  it('serves an OpenAPI 3.1 document that validates and lists every route', async () => {
    const reply = await server.call(undefined, 'GET', '/api/openapi.json')
    expect(reply.status).toBe(200)
    expect(reply.body.openapi).toBe('3.1.0')
    const result = await validate(structuredClone(reply.body))
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true)
    const routes = Object.entries(reply.body.paths as Record<string, object>).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path.replace(/^\/messages/, '')}`),
    )
    expect(routes).toEqual(
      expect.arrayContaining([
        'GET /api/chats/',
        'GET /api/unread/',
        'POST /api/chats/',
        'GET /api/chats/{chatId}/',
        'PATCH /api/chats/{chatId}/',
        'DELETE /api/chats/{chatId}/',
        'GET /api/chats/{chatId}/messages/',
        'POST /api/chats/{chatId}/messages/',
        'GET /api/messages/{messageId}/',
        'PATCH /api/messages/{messageId}/',
        'DELETE /api/messages/{messageId}/',
        'POST /api/messages/{messageId}/reactions/',
        'POST /api/chats/{chatId}/mark-as-read/',
        'POST /api/chats/{chatId}/members/add/',
        'DELETE /api/chats/{chatId}/members/{userId}/remove/',
        'POST /api/chats/{chatId}/join/',
        'POST /api/chats/{chatId}/leave/',
        'POST /api/chats/{chatId}/typing/',
        'GET /api/users/search/',
        'GET /api/rooms/',
        'POST /api/rooms/',
        'POST /api/dms/',
        'GET /api/search/',
      ]),
    )
  })

  it('lists every status it answers in the OpenAPI document, errors with the Error schema', async () => {
    const doc = (await server.call(undefined, 'GET', '/api/openapi.json')).body
    const send = { body: 'once', clientId: 'documented-retry' }
    const answers = [
      [
        'post',
        '/api/chats/{chatId}/messages/',
        await server.call('alice', 'POST', `/api/chats/${chatId}/messages/`, send),
      ],
      // The retry of a stored send: 200 with the message stored the first time.
      [
        'post',
        '/api/chats/{chatId}/messages/',
        await server.call('alice', 'POST', `/api/chats/${chatId}/messages/`, send),
      ],
      [
        'get',
        '/api/attachments/{attachmentId}/{name}',
        await server.call('alice', 'GET', '/api/attachments/999/a.txt'),
      ],
      [
        'get',
        '/api/attachments/{attachmentId}/{name}',
        await server.call(undefined, 'GET', '/api/attachments/1/a.txt'),
      ],
    ] as const
    expect(answers.map(([, , reply]) => reply.status)).toEqual([201, 200, 404, 401])
    for (const [method, path, reply] of answers) {
      const documented = doc.paths[`/messages${path}`][method].responses[reply.status]
      expect(documented, `${method} ${path} ${reply.status}`).toBeDefined()
      if (reply.status >= 400)
        expect(documented.content['application/json'].schema.$ref).toBe('#/components/schemas/Error')
    }
    // Any route that reads the database answers 503 while it is away.
    for (const [path, operations] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      if (!path.startsWith('/messages/api/') || path.endsWith('/openapi.json')) continue
      for (const [method, operation] of Object.entries(operations))
        expect(operation.responses['503'], `${method} ${path}`).toBeDefined()
    }
  })
})

describe.each(databases)('pages on another origin, on $name', (database) => {
  const page = 'https://www.example.test'
  let server: TestServer
  let chatId: number
  beforeAll(async () => {
    // Written as a host might: a trailing slash and capitals still name the origin the browser sends.
    server = await startServer(database, { allowedOrigins: ['HTTPS://www.Example.test/'] })
    chatId = (await server.as('alice').post('/api/chats/', { title: 'Team', memberIds: ['bob'] })).body.id
  })
  afterAll(() => server.close())

  const fromPage = { origin: page, 'sec-fetch-site': 'same-site' }

  it('answers an allowed origin’s reads and writes with that origin, cookies allowed, and Vary: Origin', async () => {
    const read = await server.call('alice', 'GET', `/api/chats/${chatId}/`, undefined, fromPage)
    expect(read.status).toBe(200)
    expect(read.headers.get('access-control-allow-origin')).toBe(page)
    expect(read.headers.get('access-control-allow-credentials')).toBe('true')
    expect(read.headers.get('vary')).toMatch(/\bOrigin\b/)
    const sent = await server.call(
      'alice',
      'POST',
      `/api/chats/${chatId}/messages/`,
      { body: 'hi' },
      fromPage,
    )
    expect(sent.status).toBe(201)
    expect(sent.headers.get('access-control-allow-origin')).toBe(page)
  })

  it('lets it read an error and when to retry', async () => {
    const missing = await server.call('alice', 'GET', '/api/chats/999999/', undefined, fromPage)
    expect(missing.status).toBe(404)
    expect(missing.body.error.code).toBe('not_found')
    expect(missing.headers.get('access-control-allow-origin')).toBe(page)
    expect(missing.headers.get('access-control-expose-headers')).toMatch(/Retry-After/)
  })

  it('answers its preflight with the methods and the headers it asked for, before any other check', async () => {
    const preflight = await server.call(undefined, 'OPTIONS', `/api/chats/${chatId}/messages/`, undefined, {
      ...fromPage,
      'access-control-request-method': 'PATCH',
      'access-control-request-headers': 'content-type, authorization',
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe(page)
    expect(preflight.headers.get('access-control-allow-methods')).toContain('PATCH')
    expect(preflight.headers.get('access-control-allow-headers')).toBe('content-type,authorization')
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true')
  })

  it('gives any other origin nothing to read, and still refuses its writes', async () => {
    const other = { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }
    const read = await server.call('alice', 'GET', '/api/chats/', undefined, other)
    expect(read.headers.get('access-control-allow-origin')).toBeNull()
    const preflight = await server.call(undefined, 'OPTIONS', '/api/chats/', undefined, {
      ...other,
      'access-control-request-method': 'POST',
    })
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull()
    const before = await server.snapshot()
    const write = await server.call('alice', 'POST', `/api/chats/${chatId}/messages/`, { body: 'x' }, other)
    expect(write.status).toBe(403)
    expect(write.headers.get('access-control-allow-origin')).toBeNull()
    expect(await server.snapshot()).toEqual(before)
  })
})
