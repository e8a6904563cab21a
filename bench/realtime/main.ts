/**
 * Realtime benchmark: Palaver (SQLite, PostgreSQL) side by side with a bare `ws` broadcast server (the
 * floor) and Socket.IO with rooms (the rival), in the same run, on the same machine.
 *
 *   npx tsx bench/realtime/main.ts [--quick] [--runs=3] [--scenarios=1,2,3,4,5,6]
 *       [--systems=floor,rival,palaver-sqlite,palaver-postgres] [--profile=<dir>] [--trace=<dir>] [--workers=2]
 *       [--pg-waits] [--size=rate=200,seconds=5]   (override sizes, for investigations)
 *
 * Scenarios: 1 group fan-out at a fixed rate, 2 saturation ramp, 3 big room, 4 idle connections
 * (memory), 5 long-polling and SSE (Palaver), 6 scale-out over Redis (Palaver on PostgreSQL).
 * Each server runs in its own process; the load generator runs in `--workers` processes of its own.
 * Reports: bench/results/realtime-<date>.{md,json} and realtime-latest.md (--quick: bench/.cache/results).
 * `--profile` writes a V8 CPU profile of every server process into the directory given; `--trace` writes
 * every measurement's receipts (send time, latency) there, for bench/realtime/trace-summary.ts.
 * Every PostgreSQL measurement reports the WAL it wrote and flushed per message; `--pg-waits` also
 * samples what Palaver's statements wait on (the disk's flush, a lock, a CPU), at a few % of a core.
 * PALAVER_BENCH_POSTGRES names the PostgreSQL to use; PALAVER_BENCH_NODE_ARGS adds flags to every server's
 * node (say `--trace-gc-nvp`, or `--perf-basic-prof` for `perf record`); PALAVER_BENCH_SURVIVORS=1 makes
 * `--profile`'s allocation profile leave out what a scavenge collected.
 * It measures and reports; it asserts nothing about time.
 */
import { mkdirSync } from 'node:fs'
import os from 'node:os'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { sourceCommit } from '../lib/report.js'
import { here } from './procs.js'
import { machineInfo, type Report, type RunResult, scenarioTables, targets, writeReport } from './report.js'
import {
  bigRoom,
  FULL,
  groupFanout,
  idleConnections,
  Load,
  type Log,
  QUICK,
  type Sizes,
  waitingClients,
} from './scenarios.js'
import {
  POSTGRES_URL,
  type RedisInstance,
  type RunningSystem,
  SYSTEMS,
  type SystemName,
  startRedis,
  startSystem,
} from './systems.js'

const began = performance.now()
const log: Log = (message) =>
  console.log(`[${((performance.now() - began) / 1000).toFixed(0).padStart(4)} s] ${message}`)

async function postgresVersion(): Promise<string> {
  const client = new pg.Client({ connectionString: POSTGRES_URL })
  try {
    await client.connect()
    const { rows } = await client.query<{ v: string }>("select current_setting('server_version') as v")
    return `PostgreSQL ${rows[0]!.v}`
  } catch (error) {
    return `PostgreSQL unavailable (${(error as Error).message})`
  } finally {
    await client.end().catch(() => {})
  }
}

async function attempt(errors: string[], what: string, task: () => Promise<void>): Promise<void> {
  try {
    await task()
  } catch (error) {
    const message = `${what}: ${(error as Error).message}`
    errors.push(message)
    console.error(`  ! ${message}`)
  }
}

/** Runs the realtime benchmark; `command` is how it was started, for the report. */
export async function runRealtime(
  argv: string[],
  command = ['npx tsx bench/realtime/main.ts', ...argv].join(' '),
): Promise<Report> {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      runs: { type: 'string' },
      scenarios: { type: 'string', default: '1,2,3,4,5,6' },
      systems: { type: 'string', default: SYSTEMS.join(',') },
      profile: { type: 'string' },
      trace: { type: 'string' },
      'pg-waits': { type: 'boolean', default: false },
      workers: { type: 'string' },
      size: { type: 'string' },
    },
  })
  const quick = values.quick
  const sizes: Sizes = { ...(quick ? QUICK : FULL) }
  if (values.workers) sizes.workers = Number(values.workers)
  // --size=rate=200,seconds=5: override single sizes (for investigations; the report shows them).
  for (const pair of values.size?.split(',') ?? []) {
    const [key, value] = pair.split('=') as [keyof Sizes, string]
    if (!(key in sizes) || typeof sizes[key] !== 'number')
      throw new Error(`--size: unknown numeric size ${key}`)
    ;(sizes as unknown as Record<string, number>)[key] = Number(value)
  }
  const runs = Number(values.runs ?? (quick ? 1 : 3))
  const scenarios = values.scenarios.split(',').map(Number)
  const systems = values.systems.split(',').map((s) => s.trim()) as SystemName[]
  for (const s of systems)
    if (!SYSTEMS.includes(s)) throw new Error(`Unknown system ${s} (${SYSTEMS.join(', ')})`)
  const profileDir = values.profile ? resolve(values.profile) : undefined
  if (profileDir) mkdirSync(profileDir, { recursive: true })
  const profile = profileDir ? { profileDir } : {}
  const traceDir = values.trace ? resolve(values.trace) : undefined
  if (traceDir) mkdirSync(traceDir, { recursive: true })
  const started = performance.now()
  const loadBefore = os.loadavg()
  const commit = sourceCommit()
  const date = new Date().toISOString()
  log(
    `Realtime benchmark${quick ? ' (quick)' : ''}: scenarios ${scenarios.join(',')}, ${systems.join(', ')}, ${runs} run(s)`,
  )

  const results: RunResult[] = []
  const startLoad = async () => {
    const started = await Load.start(sizes.workers, log)
    started.timing = { stallMs: sizes.stallMs, maxDrainMs: sizes.maxDrainMs }
    started.traceDir = traceDir
    started.sampleWaits = values['pg-waits']
    return started
  }
  let load = await startLoad()
  const fresh = async () => {
    // A worker that failed mid-scenario may hold clients or be gone: start over with new ones.
    await load.stop().catch(() => {})
    load = await startLoad()
  }
  let redisPrivate: boolean | undefined
  /** Runs a scenario; a failure is recorded, the workers are replaced, and the run goes on. */
  const guarded = async (errors: string[], what: string, task: () => Promise<void>) =>
    attempt(errors, what, () =>
      task().catch(async (error) => {
        await fresh()
        throw error
      }),
    )
  const waiting = async (
    result: RunResult,
    name: 'palaver-sqlite' | 'palaver-postgres',
    sys: RunningSystem,
  ) => {
    const db = name === 'palaver-sqlite' ? 'sqlite' : 'postgres'
    const byTransport: NonNullable<RunResult['s5']['sqlite']> = {}
    result.s5[db] = byTransport
    for (const transport of ['ws', 'sse', 'poll'] as const)
      await guarded(result.errors, `${name} waiting ${transport}`, async () => {
        byTransport[transport] = await waitingClients(load, sys, transport, sizes, log)
      })
  }
  const wantsWaiting = (name: SystemName) =>
    scenarios.includes(5) &&
    name.startsWith('palaver') &&
    sizes.waitingDatabases.includes(name === 'palaver-sqlite' ? 'sqlite' : 'postgres')
  try {
    for (let run = 1; run <= runs; run++) {
      const result: RunResult = { run, s1: {}, s3: {}, s4: {}, s5: {}, s6: [], errors: [] }
      results.push(result)
      for (const name of systems) {
        const shared = scenarios.some((s) => s === 1 || s === 2 || s === 3)
        if (shared) {
          log(`run ${run}/${runs} · ${name}`)
          const sys = await startSystem(name, profile)
          try {
            if (scenarios.includes(1) || scenarios.includes(2)) {
              log(`  1${scenarios.includes(2) ? '+2' : ''}. group fan-out`)
              await guarded(result.errors, `${name} group fan-out`, async () => {
                result.s1[name] = await groupFanout(load, sys, sizes, log, {
                  ramp: scenarios.includes(2),
                  prefix: 's1',
                })
              })
            }
            if (scenarios.includes(3)) {
              log('  3. big room')
              await guarded(result.errors, `${name} big room`, async () => {
                result.s3[name] = await bigRoom(load, sys, sizes, log)
              })
            }
            if (sizes.reuseServers && scenarios.includes(4)) {
              log('  4. idle connections (same server)')
              await guarded(result.errors, `${name} idle connections`, async () => {
                result.s4[name] = await idleConnections(load, sys, sizes, log)
              })
            }
            if (sizes.reuseServers && wantsWaiting(name)) {
              log('  5. long-polling and SSE (same server)')
              await waiting(result, name as 'palaver-sqlite' | 'palaver-postgres', sys)
            }
          } finally {
            await sys.stop()
          }
        }
        if (scenarios.includes(4) && !(shared && sizes.reuseServers)) {
          log(`run ${run}/${runs} · ${name} · 4. idle connections (fresh server)`)
          const sys = await startSystem(name, profile)
          try {
            await guarded(result.errors, `${name} idle connections`, async () => {
              result.s4[name] = await idleConnections(load, sys, sizes, log)
            })
          } finally {
            await sys.stop()
          }
        }
        if (wantsWaiting(name) && !(shared && sizes.reuseServers)) {
          log(`run ${run}/${runs} · ${name} · 5. long-polling and SSE`)
          const sys = await startSystem(name, profile)
          try {
            await waiting(result, name as 'palaver-sqlite' | 'palaver-postgres', sys)
          } finally {
            await sys.stop()
          }
        }
      }
      if (scenarios.includes(6) && systems.includes('palaver-postgres')) {
        let redis: RedisInstance | undefined
        try {
          redis = await startRedis()
          redisPrivate = redis.private
          const r = redis
          const n = sizes.scaleProcesses
          const measure = async (sys: RunningSystem, servers: number, separateWriters = false) =>
            guarded(result.errors, `scale-out, clients on ${servers} of ${sys.procs.length}`, async () => {
              const group = await groupFanout(load, sys, sizes, log, {
                ramp: sizes.scaleSeparate,
                prefix: `s6x${servers}${separateWriters ? 'each' : ''}`,
                redis: r,
                servers,
              })
              result.s6.push({
                processes: servers,
                separateWriters,
                deployment: sys.procs.length,
                group,
                redisPrivate: r.private,
              })
            })
          // The baseline: the same processes, each storing its own sends.
          const separately = async () => {
            log(
              `run ${run}/${runs} · palaver-postgres × ${n} + Redis, each storing its own sends · 6. scale-out`,
            )
            const sys = await startSystem('palaver-postgres', {
              processes: n,
              redis: r.url,
              separateWriters: true,
              ...profile,
            })
            try {
              await measure(sys, n, true)
            } finally {
              await sys.stop()
            }
          }
          if (sizes.scaleSeparate) {
            for (const processes of [1, n]) {
              log(`run ${run}/${runs} · palaver-postgres × ${processes} + Redis · 6. scale-out`)
              const sys = await startSystem('palaver-postgres', { processes, redis: r.url, ...profile })
              try {
                await measure(sys, processes)
              } finally {
                await sys.stop()
              }
            }
            await separately()
          } else {
            log(
              `run ${run}/${runs} · palaver-postgres × ${n} + Redis · 6. scale-out (clients on one, then on all)`,
            )
            const sys = await startSystem('palaver-postgres', { processes: n, redis: r.url, ...profile })
            try {
              await measure(sys, 1)
              await measure(sys, n)
            } finally {
              await sys.stop()
            }
            await separately()
          }
        } finally {
          await redis?.stop()
        }
      }
    }
  } finally {
    await load.stop()
  }

  const report: Report = {
    title: 'Palaver realtime benchmark',
    date,
    command,
    quick,
    runs,
    sizes,
    scenarios,
    systems,
    machine: machineInfo(await postgresVersion(), loadBefore, commit),
    seconds: (performance.now() - started) / 1000,
    notes: [
      `Load generator: ${sizes.workers} Node processes holding the clients round-robin, each speaking every system's protocol with the same \`ws\` client (Engine.IO/Socket.IO framing written by hand, WebSocket transport only, no polling upgrade). Every client sends in turn, open loop (on schedule whatever the answers).`,
      'The message body is the same ~120-byte text for every system; Palaver wraps it in its event frame (message view with sender, avatar and timestamps), which is why its bytes per delivery are higher.',
      'Palaver runs with per-user rate limits off (the floor and the rival have none), chats of up to 10,000 members, a public `bench` room type; a fresh SQLite file or PostgreSQL schema for each server start. Sends use the WebSocket `send` action with a clientId, acknowledged.',
      `Scale-out uses ${redisPrivate === false ? 'the shared Redis at 127.0.0.1:6379 (its INFO cpu includes other clients)' : 'a private redis-server started for the run, so that its INFO cpu is this run’s alone and no other process’s palaver:events traffic reaches the servers'}.`,
      ...(quick
        ? [
            'Quick run (--quick): small sizes, one run, figures only to check the harness. Scenarios 4 and 5 reuse the server of scenarios 1–3; scenario 5 runs on SQLite only; scenario 6 uses one deployment of three processes (clients on one of them, then spread over all) and one of three processes storing their own sends, without a ramp.',
          ]
        : []),
      'This 2-core machine may be shared with other work (the load averages above and the CPU stolen in each S1 window say how busy it was): the figures are noisy, tails especially. The load generator shares the two cores with the servers; its own loop delay and CPU are kept in the JSON (loadgenEldP99, loadgenCpuPercent).',
    ],
    results,
  }
  const dir = here(quick ? '../.cache/results' : '../results')
  const files = writeReport(dir, quick ? 'realtime-quick' : 'realtime', report)
  console.log(
    `\n${scenarioTables(report)}\n${targets(report)
      .map((l) => `- ${l}`)
      .join('\n')}\n`,
  )
  console.log(`Wrote ${files.join(', ')} in ${Math.round(report.seconds)} s.`)
  return report
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runRealtime(process.argv.slice(2))
}
