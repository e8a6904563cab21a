import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { Redis } from 'ioredis'

const inCI = process.env.CI === 'true'
export const REDIS_URL = process.env.PALAVER_TEST_REDIS ?? 'redis://127.0.0.1:6379'
const REDIS_SERVER = '/usr/bin/redis-server'

async function redisReachable(): Promise<boolean> {
  const redis = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  })
  redis.on('error', () => {})
  try {
    await redis.connect()
    return (await redis.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    redis.disconnect()
  }
}

function required(available: boolean, what: string): boolean {
  if (available) return true
  if (inCI) throw new Error(`${what} is missing: CI requires it`)
  console.warn(`\n!!! ${what} is missing: SKIPPING the tests that need it !!!\n`)
  return false
}

export const redisAvailable = required(await redisReachable(), `Redis at ${REDIS_URL}`)
export const redisServerAvailable = required(existsSync(REDIS_SERVER), `${REDIS_SERVER}`)

export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** A Redis server of the test's own, on a spare port, that the test may stop and start again. */
export class OwnRedis {
  private process: ChildProcess | undefined
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`
  }

  async start(): Promise<void> {
    this.process = spawn(
      REDIS_SERVER,
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    )
    for (let attempt = 0; attempt < 100; attempt++) {
      const redis = new Redis(this.url, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      })
      redis.on('error', () => {})
      try {
        await redis.connect()
        if ((await redis.ping()) === 'PONG') return
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50))
      } finally {
        redis.disconnect()
      }
    }
    throw new Error(`the test's Redis on port ${this.port} did not start`)
  }

  async stop(): Promise<void> {
    const child = this.process
    if (!child || child.exitCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
  }
}
