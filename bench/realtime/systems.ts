/** Starting the systems under test, and the REST set-up Palaver needs (users, groups, rooms). */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import pg from 'pg'
import { here, Proc } from './procs.js'
import type { ProcessStats, SystemKind } from './shared.js'

export type SystemName = 'floor' | 'rival' | 'palaver-sqlite' | 'palaver-postgres'
export const SYSTEMS: SystemName[] = ['floor', 'rival', 'palaver-sqlite', 'palaver-postgres']
export const LABELS: Record<SystemName, string> = {
  floor: 'Floor (bare ws)',
  rival: 'Rival (Socket.IO)',
  'palaver-sqlite': 'Palaver, SQLite',
  'palaver-postgres': 'Palaver, PostgreSQL',
}

export const kindOf = (name: SystemName): SystemKind =>
  name === 'floor' ? 'floor' : name === 'rival' ? 'rival' : 'palaver'

export const POSTGRES_URL = process.env.PALAVER_BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test'

export interface RunningSystem {
  name: SystemName
  kind: SystemKind
  origins: string[]
  procs: Proc[]
  stats(gc?: boolean): Promise<ProcessStats[]>
  /** With a profile directory: CPU-profiles every process of the system while `task` runs. */
  profiled<T>(label: string, task: () => Promise<T>): Promise<T>
  stop(): Promise<void>
}

export interface StartOptions {
  /** Palaver processes sharing the database (scale-out); 1 otherwise. */
  processes?: number
  /** Redis URL for Palaver's pub/sub. */
  redis?: string
  /** Directory for CPU profiles of the measured windows. */
  profileDir?: string
  /** Each Palaver process stores its own sends (singleWriter: false). */
  separateWriters?: boolean
}

let schemaCounter = 0

export async function startSystem(name: SystemName, options: StartOptions = {}): Promise<RunningSystem> {
  // PALAVER_BENCH_NODE_ARGS adds flags to every server's node, for investigations (--trace-gc-nvp, --perf-basic-prof…).
  const nodeArgs = ['--expose-gc', ...(process.env.PALAVER_BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [])]
  const kind = kindOf(name)
  if (kind !== 'palaver') {
    const script = here(kind === 'floor' ? './floor-server.ts' : './rival-server.ts')
    const { proc, ready } = await Proc.start(name, script, [], nodeArgs)
    return running(name, [proc], [ready as number], options.profileDir, async () => {
      await proc.stop()
    })
  }
  let database: string
  let schema: string | undefined
  let cleanup: () => Promise<void>
  if (name === 'palaver-sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'palaver-rt-'))
    database = join(dir, 'bench.sqlite')
    cleanup = async () => rmSync(dir, { recursive: true, force: true })
  } else {
    database = POSTGRES_URL
    schema = `palaver_rt_${process.pid}_${Date.now()}_${schemaCounter++}`
    const dropped = schema
    cleanup = () => dropSchema(dropped)
  }
  const args = [
    '--database',
    database,
    ...(schema ? ['--schema', schema] : []),
    ...(options.redis ? ['--redis', options.redis] : []),
    ...(options.separateWriters ? ['--separate-writers'] : []),
  ]
  const procs: Proc[] = []
  const ports: number[] = []
  try {
    // The first process migrates the fresh database alone; the others then start together on it.
    const start = async (i: number) => {
      const { proc, ready } = await Proc.start(`${name}#${i}`, here('./palaver-server.ts'), args, nodeArgs)
      procs[i] = proc
      ports[i] = ready as number
    }
    await start(0)
    await Promise.all(Array.from({ length: (options.processes ?? 1) - 1 }, (_, i) => start(i + 1)))
  } catch (error) {
    await Promise.all(procs.filter(Boolean).map((p) => p.stop()))
    await cleanup()
    throw error
  }
  return running(name, procs, ports, options.profileDir, async () => {
    await Promise.all(procs.map((p) => p.stop()))
    await cleanup()
  })
}

function running(
  name: SystemName,
  procs: Proc[],
  ports: number[],
  profileDir: string | undefined,
  stop: () => Promise<void>,
): RunningSystem {
  return {
    name,
    kind: kindOf(name),
    origins: ports.map((port) => `http://127.0.0.1:${port}`),
    procs,
    stats: (gc = false) => Promise.all(procs.map((p) => p.stats(gc))),
    async profiled(label, task) {
      if (!profileDir) return task()
      await Promise.all(procs.map((p) => p.request({ cmd: 'profile-start' })))
      try {
        return await task()
      } finally {
        const files = procs.map((_, i) => join(profileDir, `${label}-${name}-p${i}-${Date.now()}.cpuprofile`))
        await Promise.all(procs.map((p, i) => p.request({ cmd: 'profile-stop', file: files[i] })))
        console.log(`    profile: ${files.join(', ')}`)
      }
    },
    stop,
  }
}

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL })
  try {
    await client.connect()
    await client.query(`drop schema if exists "${schema}" cascade`)
  } catch (error) {
    console.warn(`[bench] could not drop schema ${schema}: ${(error as Error).message}`)
  } finally {
    await client.end().catch(() => {})
  }
}

/** Runs `task` over `items`, `concurrency` at a time. */
export async function pool<T>(items: readonly T[], concurrency: number, task: (item: T) => Promise<void>) {
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await task(items[next++]!)
    }),
  )
}

async function api(origin: string, user: string, method: string, path: string, body?: unknown): Promise<any> {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(`${origin}/messages${path}`, {
      method,
      headers: { 'x-user': user, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    if (response.ok) return response.status === 204 ? null : response.json()
    const text = await response.text()
    // A busy SQLite file or a PostgreSQL serialization retry: set-up is not what is measured, so retry.
    if (response.status >= 500 && attempt < 5) {
      await new Promise((resolve) => setTimeout(resolve, 200 * (attempt + 1)))
      continue
    }
    throw new Error(`${method} ${path} as ${user}: ${response.status} ${text}`)
  }
}

/** Makes Palaver know each user (getUser stores the profile on their first request). */
export async function registerUsers(origin: string, users: readonly string[]): Promise<void> {
  await pool(users, 16, (user) => api(origin, user, 'GET', '/api/config/'))
}

/** Creates one group chat per list of users (the first creates it with the others); returns chat ids. */
export async function createGroups(origin: string, groups: readonly string[][]): Promise<number[]> {
  const ids: number[] = new Array(groups.length)
  await pool(
    groups.map((users, i) => ({ users, i })),
    8,
    async ({ users, i }) => {
      const chat = await api(origin, users[0]!, 'POST', '/api/chats/', {
        title: `bench ${i}`,
        memberIds: users.slice(1),
      })
      ids[i] = chat.id as number
    },
  )
  return ids
}

/** The room of content object `bench/<objectId>`, joined by every user; returns its chat id. */
export async function createRoom(
  origin: string,
  objectId: string,
  users: readonly string[],
): Promise<number> {
  const chat = await api(origin, users[0]!, 'POST', '/api/rooms/', { contentType: 'bench', objectId })
  await pool(users, 8, (user) => api(origin, user, 'POST', `/api/chats/${chat.id}/join/`))
  return chat.id as number
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
    server.on('error', reject)
  })
}

export interface RedisInstance {
  url: string
  /** Whether this run started its own redis-server (else the shared one at 6379 is used). */
  private: boolean
  /** used_cpu_user + used_cpu_sys of the whole Redis server, microseconds. */
  cpuMicros(): Promise<number>
  stop(): Promise<void>
}

/**
 * A private redis-server for the scale-out scenario, so that its CPU time (INFO cpu) is this run's
 * alone and no other test's `palaver:events` traffic reaches the processes under test. Falls back to
 * the shared Redis at 127.0.0.1:6379 when redis-server cannot be started.
 */
export async function startRedis(): Promise<RedisInstance> {
  let child: ChildProcess | undefined
  let url = 'redis://127.0.0.1:6379'
  try {
    const port = await freePort()
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    )
    await new Promise<void>((resolve, reject) => {
      child!.once('error', reject)
      child!.once('spawn', () => resolve())
    })
    url = `redis://127.0.0.1:${port}`
    for (let attempt = 0; ; attempt++) {
      const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
      probe.on('error', () => {})
      try {
        await probe.connect()
        await probe.ping()
        break
      } catch (error) {
        if (attempt >= 50) throw error
        await new Promise((resolve) => setTimeout(resolve, 100))
      } finally {
        probe.disconnect()
      }
    }
  } catch (error) {
    console.warn(
      `[bench] private redis-server unavailable (${(error as Error).message}); using 127.0.0.1:6379`,
    )
    child?.kill('SIGKILL')
    child = undefined
    url = 'redis://127.0.0.1:6379'
  }
  const client = new Redis(url, { maxRetriesPerRequest: 2 })
  const owned = child
  return {
    url,
    private: owned !== undefined,
    async cpuMicros() {
      const info = await client.info('cpu')
      const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0)
      return (field('used_cpu_user') + field('used_cpu_sys')) * 1e6
    },
    async stop() {
      client.disconnect()
      if (!owned) return
      owned.kill('SIGTERM')
      await new Promise((resolve) => (owned.exitCode !== null ? resolve(null) : owned.once('exit', resolve)))
    },
  }
}
