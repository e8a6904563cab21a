/**
 * Data-path benchmark: history pages, the chat list of a heavy user and message search, on a
 * generated data set (1,000,000 messages, 10,000 chats, 2,000 users; `--quick`: 50,000 messages),
 * through Palaver's web-standard handler, on SQLite and on PostgreSQL.
 *
 *   npx tsx bench/data.ts                 full data set, both databases
 *   npx tsx bench/data.ts --quick         small data set, well under two minutes (report in bench/.cache/results)
 *   npx tsx bench/data.ts --fresh         regenerate the cached data
 *   npx tsx bench/data.ts --db=sqlite     one database only (sqlite | postgres)
 *   npx tsx bench/data.ts --iterations=300 --warmup=30 --no-profile   (--quick: 100 and 10)
 *   npx tsx bench/data.ts --max-wait=10   before each scenario, wait up to 10 min for the load to drop
 *
 * `npm run bench` (bench/run.ts) runs the realtime benchmark and then this one, passing these options
 * on; `npm run bench -- --only=data …` runs this one alone.
 *
 * Generated data is cached: SQLite in bench/.cache/, PostgreSQL in the schema `palaver_bench`
 * (`palaver_bench_quick` for --quick). It is regenerated when the generator, the data-set size or
 * the schema Palaver's migrations create changes. PostgreSQL: PALAVER_BENCH_POSTGRES or
 * postgres://postgres@127.0.0.1:5432/test.
 *
 * This script measures and reports; it asserts nothing about time.
 */
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import SQLite from 'better-sqlite3'
import type { Palaver } from '../src/palaver.js'
import {
  type CacheMeta,
  createPostgresSchema,
  createSqliteSchema,
  type DatabaseName,
  dropPostgresSchema,
  openPostgresBench,
  openSqliteBench,
  postgresSchemaFingerprint,
  postgresSettings,
  postgresVersion,
  readPostgresMeta,
  readSqliteMeta,
  removeSqlite,
  sqliteSchemaFingerprint,
  writePostgresMeta,
  writeSqliteMeta,
} from './lib/databases.js'
import { datasetKey, FULL, makePlan, type Plan, QUICK } from './lib/dataset.js'
import { loadPostgres } from './lib/load-postgres.js'
import { loadSqlite } from './lib/load-sqlite.js'
import { profileScenarios, type ScenarioProfile } from './lib/profile.js'
import {
  type DetailRow,
  type Generation,
  machineInfo,
  mainTable,
  type Report,
  type ResultRow,
  type WordFrequency,
  writeReport,
} from './lib/report.js'
import { buildScenarios, runScenario, type Scenario, searchWords, send, stats } from './lib/scenarios.js'

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    fresh: { type: 'boolean', default: false },
    db: { type: 'string', default: 'sqlite,postgres' },
    iterations: { type: 'string' },
    warmup: { type: 'string' },
    'no-profile': { type: 'boolean', default: false },
    'max-wait': { type: 'string', default: '0' },
  },
})

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))
const config = args.quick ? QUICK : FULL
// --quick is for the edit–run loop: fewer requests, so it stays well under two minutes.
const iterations = Number(args.iterations ?? (args.quick ? 100 : 300))
const warmup = Number(args.warmup ?? (args.quick ? 10 : 30))
const databases = args.db.split(',').map((d) => d.trim()) as DatabaseName[]
for (const d of databases) if (d !== 'sqlite' && d !== 'postgres') throw new Error(`Unknown database ${d}`)
const POSTGRES_URL = process.env.PALAVER_BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test'
const PG_SCHEMA = args.quick ? 'palaver_bench_quick' : 'palaver_bench'
const SQLITE_FILE = here(`./.cache/data-${config.name}.sqlite`)
// What ran, exactly: this script and its arguments (`npm run bench` reaches it through bench/run.ts).
const command = [
  'tsx bench/data.ts',
  ...process.argv.slice(2),
  ...(process.env.npm_lifecycle_event ? [`(via npm run ${process.env.npm_lifecycle_event})`] : []),
].join(' ')

const seconds = (since: number) => (performance.now() - since) / 1000

/**
 * On a shared machine other processes inflate every percentile. With --max-wait=<minutes>, each
 * scenario waits (up to that long) until the 1-minute load average is at most the number of cores.
 */
async function quietMoment(): Promise<void> {
  const deadline = performance.now() + Number(args['max-wait']) * 60_000
  const cores = os.cpus().length
  let said = false
  while (os.loadavg()[0]! > cores && performance.now() < deadline) {
    if (!said)
      console.log(`  waiting for a quieter moment (load ${os.loadavg()[0]!.toFixed(1)}, ${cores} cores)`)
    said = true
    await new Promise((resolve) => setTimeout(resolve, 5000))
  }
}

async function ensureSqlite(plan: Plan): Promise<Generation> {
  const key = datasetKey(config)
  const schema = await sqliteSchemaFingerprint()
  const meta = readSqliteMeta(SQLITE_FILE)
  if (!args.fresh && meta && meta.key === key && meta.schema === schema) {
    console.log(`SQLite: using cached ${SQLITE_FILE} (generated ${meta.generatedAt})`)
    return {
      database: 'sqlite',
      cached: true,
      generatedAt: meta.generatedAt,
      seconds: meta.generationSeconds,
    }
  }
  console.log(`SQLite: generating ${SQLITE_FILE}${meta ? ' (cache outdated)' : ''}`)
  const started = performance.now()
  removeSqlite(SQLITE_FILE)
  await createSqliteSchema(SQLITE_FILE)
  await loadSqlite(SQLITE_FILE, plan)
  const generated: CacheMeta = {
    key,
    schema,
    generatedAt: new Date().toISOString(),
    generationSeconds: seconds(started),
  }
  writeSqliteMeta(SQLITE_FILE, generated)
  console.log(`SQLite: generated in ${generated.generationSeconds.toFixed(0)} s`)
  return {
    database: 'sqlite',
    cached: false,
    generatedAt: generated.generatedAt,
    seconds: generated.generationSeconds,
  }
}

async function ensurePostgres(plan: Plan): Promise<Generation> {
  const key = datasetKey(config)
  const schema = await postgresSchemaFingerprint(POSTGRES_URL)
  const meta = await readPostgresMeta(POSTGRES_URL, PG_SCHEMA)
  if (!args.fresh && meta && meta.key === key && meta.schema === schema) {
    console.log(`PostgreSQL: using cached schema ${PG_SCHEMA} (generated ${meta.generatedAt})`)
    return {
      database: 'postgres',
      cached: true,
      generatedAt: meta.generatedAt,
      seconds: meta.generationSeconds,
    }
  }
  console.log(`PostgreSQL: generating schema ${PG_SCHEMA}${meta ? ' (cache outdated)' : ''}`)
  const started = performance.now()
  await dropPostgresSchema(POSTGRES_URL, PG_SCHEMA)
  await createPostgresSchema(POSTGRES_URL, PG_SCHEMA)
  await loadPostgres(POSTGRES_URL, PG_SCHEMA, plan)
  const generated: CacheMeta = {
    key,
    schema,
    generatedAt: new Date().toISOString(),
    generationSeconds: seconds(started),
  }
  await writePostgresMeta(POSTGRES_URL, PG_SCHEMA, generated)
  console.log(`PostgreSQL: generated in ${generated.generationSeconds.toFixed(0)} s`)
  return {
    database: 'postgres',
    cached: false,
    generatedAt: generated.generatedAt,
    seconds: generated.generationSeconds,
  }
}

/** One look at real responses, so a broken scenario shows before its numbers are trusted. */
async function describe(palaver: Palaver, scenarios: readonly Scenario[]): Promise<string[]> {
  const lines: string[] = []
  for (const scenario of scenarios) {
    const sample = scenario.calls.slice(0, 20)
    const bodies: unknown[] = []
    for (const call of sample) bodies.push(JSON.parse(await send(palaver, call)))
    if (scenario.id === 'history') {
      let messages = 0
      let reactions = 0
      let receipts = 0
      for (const body of bodies as Array<{ messages: Array<{ reactions: unknown[]; receipt: unknown }> }>) {
        messages += body.messages.length
        reactions += body.messages.filter((m) => m.reactions.length > 0).length
        receipts += body.messages.filter((m) => m.receipt !== null).length
      }
      lines.push(
        `history: ${sample.length} pages, ${messages} messages, ${reactions} with reactions, ${receipts} with receipts`,
      )
    } else if (scenario.id === 'chatList') {
      const body = bodies[0] as { chats: Array<{ unreadCount: number; lastMessage: unknown }> }
      lines.push(
        `chat list: ${body.chats.length} chats on the first page, ${body.chats.filter((c) => c.unreadCount > 0).length} with unread messages (${body.chats.reduce((s, c) => s + c.unreadCount, 0)} in all)`,
      )
    } else if (scenario.id === 'unread') {
      const body = bodies[0] as { unreadCount: number; chatCount: number; chats: unknown[] }
      lines.push(
        `unread: ${body.unreadCount} unread messages that count in ${body.chatCount} chats; ${body.chats.length} chats with any`,
      )
    } else {
      const counts = (bodies as Array<{ results: unknown[] }>).map((b) => b.results.length)
      lines.push(
        `search: ${sample.length} searches, ${counts.filter((c) => c > 0).length} with results (${counts.join(' ')})`,
      )
    }
  }
  return lines
}

function wordFrequencies(plan: Plan): WordFrequency[] {
  const db = new SQLite(SQLITE_FILE, { readonly: true })
  try {
    const count = db.prepare(
      'select count(*) as n from palaver_messages_fts where palaver_messages_fts match ?',
    )
    return searchWords(plan).map(({ word, rank }) => ({
      word,
      rank,
      exact: (count.get(`"${word}"`) as { n: number }).n,
      prefix: (count.get(`"${word}"*`) as { n: number }).n,
    }))
  } finally {
    db.close()
  }
}

async function main() {
  const started = performance.now()
  console.log(
    `Palaver data-path benchmark: ${config.name} data set (${config.messages.toLocaleString('en-US')} messages, ${config.chats.toLocaleString('en-US')} chats, ${config.users.toLocaleString('en-US')} users) on ${databases.join(' and ')}`,
  )
  const planStarted = performance.now()
  const plan = makePlan(config)
  console.log(
    `Planned in ${seconds(planStarted).toFixed(1)} s: ${plan.chats.reduce((s, c) => s + c.members.length, 0).toLocaleString('en-US')} memberships, ${plan.reactions.length.toLocaleString('en-US')} reactions`,
  )

  let pgInfo: { version: string; settings: Record<string, string> } | null = null
  if (databases.includes('postgres')) {
    pgInfo = { version: await postgresVersion(POSTGRES_URL), settings: await postgresSettings(POSTGRES_URL) }
  }
  const generation: Generation[] = []
  for (const database of databases)
    generation.push(database === 'sqlite' ? await ensureSqlite(plan) : await ensurePostgres(plan))

  const scenarios = buildScenarios(plan, iterations, warmup)
  const loadBefore = os.loadavg()
  const results: ResultRow[] = []
  const details: DetailRow[] = []
  const profiles: ScenarioProfile[] = []
  const notes = scenarios.flatMap((s) => s.notes)
  for (const database of databases) {
    console.log(`\n${database}: measuring`)
    const palaver =
      database === 'sqlite'
        ? await openSqliteBench(SQLITE_FILE)
        : await openPostgresBench(POSTGRES_URL, PG_SCHEMA)
    const cursor = async () =>
      Number(
        (
          await palaver.db
            .selectFrom('palaver_counters')
            .select('value')
            .where('name', '=', 'event_cursor')
            .executeTakeFirst()
        )?.value ?? 0,
      )
    const cursorBefore = await cursor()
    try {
      for (const line of await describe(palaver, scenarios)) {
        console.log(`  ${line}`)
        notes.push(`${database === 'sqlite' ? 'SQLite' : 'PostgreSQL'} sample — ${line}`)
      }
      for (const scenario of scenarios) {
        await quietMoment()
        const loadBefore = os.loadavg()[0]!
        const scenarioStarted = performance.now()
        const timings = await runScenario(palaver, scenario)
        const overall = stats(timings.map((t) => t.ms))
        results.push({
          scenario: scenario.id,
          title: scenario.title,
          database,
          targetMs: scenario.targetMs,
          stats: overall,
          load: [loadBefore, os.loadavg()[0]!],
        })
        for (const tag of scenario.tags) {
          const ms = timings.filter((t) => t.tag === tag).map((t) => t.ms)
          if (ms.length === 0) continue
          details.push({
            scenario: scenario.id,
            tag,
            database,
            stats: stats(ms),
          })
        }
        console.log(
          `  ${scenario.title}: p50 ${overall.p50.toFixed(2)} ms, p95 ${overall.p95.toFixed(2)} ms, p99 ${overall.p99.toFixed(2)} ms (${seconds(scenarioStarted).toFixed(1)} s)`,
        )
      }
      const written = (await cursor()) - cursorBefore
      if (written !== 0) {
        const line = `${database}: the read scenarios wrote ${written} events (the cached data changed)`
        console.log(`  warning: ${line}`)
        notes.push(line)
      }
    } finally {
      await palaver.close()
    }
    if (!args['no-profile']) {
      console.log(`${database}: profiling queries`)
      profiles.push(
        ...(await profileScenarios(
          database,
          database === 'sqlite' ? { file: SQLITE_FILE } : { url: POSTGRES_URL, schema: PG_SCHEMA },
          scenarios,
        )),
      )
    }
  }

  const loadAfter = os.loadavg()
  const memberships = plan.chats.reduce((s, c) => s + c.members.length, 0)
  const report: Report = {
    date: new Date().toISOString(),
    command,
    machine: machineInfo(pgInfo),
    dataset: {
      name: config.name,
      users: config.users,
      chats: `${config.chats.toLocaleString('en-US')} (${plan.chats.filter((c) => c.kind === 'dm').length} DMs, ${plan.chats.filter((c) => c.kind === 'group').length} groups of 3–30, ${plan.chats.filter((c) => c.kind === 'room').length} rooms of ${config.roomSize[0]}–${config.roomSize[1]})`,
      memberships,
      messages: config.messages,
      'messages with reactions': new Set(plan.reactions.map((r) => r.messageId)).size,
      reactions: plan.reactions.length,
      vocabulary: `${config.vocabulary} words, Zipf (s = 1) distributed, ~9 words per message`,
      'event log tail': `${config.eventTail.toLocaleString('en-US')} message.created events`,
      seed: config.seed,
    },
    iterations,
    warmup,
    generation,
    results,
    details,
    words: databases.includes('sqlite') ? wordFrequencies(plan) : [],
    notes: [
      ...notes,
      'Read marks: ~55% of memberships are caught up, the rest lag 1–400 messages (never behind the member’s own last message); delivered marks are at the newest message, so fetching history writes nothing.',
      `Load average (1/5/15 min) when measuring started: ${loadBefore.map((l) => l.toFixed(1)).join(' / ')}; when it ended: ${loadAfter.map((l) => l.toFixed(1)).join(' / ')} (other processes on the machine make the tail percentiles noisy).`,
      'SQLite is used as Palaver opens it (WAL, synchronous=NORMAL, no ANALYZE statistics); PostgreSQL got VACUUM ANALYZE after loading.',
    ],
    profiles,
  }
  // Quick runs are for the edit–run loop: their reports stay in the (git-ignored) cache.
  const files = writeReport(
    here(args.quick ? './.cache/results' : './results'),
    args.quick ? 'data-quick' : 'data',
    report,
  )
  console.log(`\n${mainTable(report)}\n`)
  console.log(`Wrote ${files.join(', ')} in ${seconds(started).toFixed(0)} s overall.`)
}

await main()
