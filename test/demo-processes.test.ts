import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { REDIS_URL, redisAvailable } from './helpers/services.js'

const METRICS_TOKEN = 'demo-metrics-token-0123'

/** `npm start`'s script in a process of its own, on a free port; resolves with its origin and what it printed. */
async function startDemo(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; origin: string; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'demo/main.ts'], {
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let output = ''
  const origin = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the demo exited with ${code}:\n${output}`)))
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const port = /running at http:\/\/localhost:(\d+)\//.exec(output)?.[1]
      // Everything it prints on start is out once the sign-in line is.
      if (port && output.includes('Sign in as')) resolve(`http://127.0.0.1:${port}`)
    })
  })
  return { child, origin, output }
}

async function signIn(origin: string, username: string): Promise<string> {
  const response = await fetch(`${origin}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
    body: new URLSearchParams({ username, password: 'demo' }),
    redirect: 'manual',
  })
  expect(response.status).toBe(303)
  return response.headers.getSetCookie()[0]!.split(';')[0]!
}

describe.skipIf(!redisAvailable)('the demo with REDIS_URL and METRICS_TOKEN', () => {
  const dir = mkdtempSync(join(tmpdir(), 'palaver-demo-redis-'))
  const children: ChildProcess[] = []
  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode !== null) continue
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    }
    rmSync(dir, { recursive: true, force: true })
  })

  it('runs two processes on one database that hear each other through Redis, and serves their metrics', async () => {
    const env = {
      DATABASE_URL: join(dir, 'demo.sqlite'),
      REDIS_URL,
      METRICS_TOKEN,
      SESSION_SECRET: 'a secret both processes sign cookies with',
    }
    const one = await startDemo(env)
    children.push(one.child)
    const two = await startDemo(env)
    children.push(two.child)
    expect(one.output).toContain(`Redis pub/sub: ${REDIS_URL}`)
    expect(one.output).not.toContain('not yet supported')

    const alice = await signIn(one.origin, 'alice')
    const call = async (method: string, path: string, body: unknown) => {
      const response = await fetch(`${one.origin}/messages/api${path}`, {
        method,
        headers: { cookie: alice, origin: one.origin, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
      expect(response.status).toBeLessThan(300)
      return response.json()
    }
    // Dana: the seeded conversations have no DM of hers, so this one is created (its chat.created is one of the events).
    const dm = await call('POST', '/dms/', { userId: 'dana' })
    await call('POST', `/chats/${dm.id}/messages/`, { body: 'through Redis' })

    // The other process had the events from Redis, not from reading the log again.
    const scrape = async (origin: string, token = METRICS_TOKEN) =>
      fetch(`${origin}/messages/metrics`, { headers: { authorization: `Bearer ${token}` } })
    const fromPubSub = async () => {
      const text = await (await scrape(two.origin)).text()
      return Number(/^palaver_events_routed_total\{source="pubsub"\} (\d+)$/m.exec(text)?.[1] ?? 0)
    }
    for (let tries = 0; (await fromPubSub()) < 2 && tries < 100; tries++)
      await new Promise((resolve) => setTimeout(resolve, 50))
    expect(await fromPubSub()).toBeGreaterThanOrEqual(2)
    expect((await scrape(two.origin, 'not-the-token-at-all')).status).toBe(401)
  }, 60_000)
})
