import { once } from 'node:events'
import { mkdtempSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createPalaver } from '../src/index.js'
import { toNodeHandler } from '../src/node/index.js'
import type { PalaverOptions } from '../src/options.js'
import { databases } from './helpers/databases.js'

const getUser = () => null

describe('options', () => {
  const attempt = (extra: Record<string, unknown>) =>
    createPalaver({ database: { sqlite: ':memory:' }, getUser, ...extra } as PalaverOptions)

  it.each([
    [{ messagesPerPage: 0 }, 'messagesPerPage'],
    [{ messagesPerPage: '50' }, 'messagesPerPage'],
    [{ basePath: 'messages/' }, 'basePath'],
    [{ transport: 'carrier-pigeon' }, 'transport'],
    [{ limits: { messageLength: -1 } }, 'limits.messageLength'],
    [{ allowedOrigins: ['not a url'] }, 'allowedOrigins.0'],
    [{ enableDms: 'yes' }, 'enableDms'],
    [{ rooms: { video: 'not a function' } }, 'rooms.video'],
    [{ unknownSetting: true }, '(options)'],
  ])('fails fast on %j, naming the option', async (extra, name) => {
    await expect(attempt(extra)).rejects.toThrow(`Invalid Palaver option \`${name}\``)
  })

  it('fails without getUser', async () => {
    await expect(createPalaver({ database: { sqlite: ':memory:' } } as PalaverOptions)).rejects.toThrow(
      '`getUser`',
    )
  })

  it('fills in the seed’s defaults', async () => {
    const palaver = await attempt({})
    expect(palaver.options).toMatchObject({
      basePath: '/messages',
      messagesPerPage: 50,
      transport: 'auto',
      showDeletedMessageIndicators: true,
      enableDms: true,
      enableRooms: true,
      allowReactions: true,
      loginUrl: '/login',
    })
    await palaver.close()
  })
})

describe('migrations', () => {
  it('keep the data of an SQLite file across restarts, and a second run is a no-op', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'palaver-')), 'palaver.sqlite')
    const first = await createPalaver({ database: { sqlite: file }, getUser })
    await first.users.upsert({ id: 'u1', username: 'kept' })
    await first.close()
    const second = await createPalaver({ database: { sqlite: file }, getUser })
    await second.migrate()
    const users = await second.db.selectFrom('palaver_users').select('username').execute()
    expect(users).toEqual([{ username: 'kept' }])
    await second.close()
  })

  it.each(databases)(
    'run on $name; with migrate: false an unmigrated database fails fast',
    async (database) => {
      const { option, drop } = await database.create()
      const palaver = await createPalaver({ database: option, getUser })
      await palaver.migrate()
      const tables = await palaver.db.introspection.getTables()
      expect(tables.map((t) => t.name)).toEqual(
        expect.arrayContaining(['palaver_chats', 'palaver_messages', 'palaver_events', 'palaver_members']),
      )
      await palaver.close()
      const unmigrated = await database.create()
      await expect(createPalaver({ database: unmigrated.option, getUser, migrate: false })).rejects.toThrow(
        'run `npx palaver migrate`',
      )
      await drop()
      await unmigrated.drop()
    },
  )
})

describe('the node:http adapter', () => {
  const servers: Array<{ close(): void }> = []
  afterAll(() => {
    for (const s of servers) s.close()
  })

  it('serves the API under the base path and passes other requests on', async () => {
    const palaver = await createPalaver({
      database: { sqlite: ':memory:' },
      getUser: (request) =>
        request.headers.get('authorization') === 'Bearer alice' ? { id: 'alice', username: 'alice' } : null,
    })
    const handler = toNodeHandler(palaver)
    const server = createServer((req, res) =>
      handler(req, res, () => {
        res.end('host page')
      }),
    )
    servers.push(server)
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const created = await fetch(`${base}/messages/api/chats/`, {
      method: 'POST',
      headers: { authorization: 'Bearer alice', 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Over TCP' }),
    })
    expect(created.status).toBe(201)
    expect((await created.json()).title).toBe('Over TCP')
    expect((await fetch(`${base}/messages/api/chats/`)).status).toBe(401)
    expect(await (await fetch(`${base}/about`)).text()).toBe('host page')
    await palaver.close()
  })
})
