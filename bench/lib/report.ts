import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import type { DatabaseName } from './databases.js'
import type { ScenarioProfile } from './profile.js'
import type { ScenarioId, Stats } from './scenarios.js'

export interface Machine {
  cpu: string
  cores: number
  memoryGiB: number
  os: string
  node: string
  sqlite: string
  postgres: string | null
  postgresSettings: Record<string, string> | null
  commit: string
}

export interface Generation {
  database: DatabaseName
  cached: boolean
  generatedAt: string
  seconds: number
}

export interface ResultRow {
  scenario: ScenarioId
  title: string
  database: DatabaseName
  targetMs: number
  stats: Stats
  /** The machine's 1-minute load average when the scenario started and ended. */
  load: [number, number]
}

export interface DetailRow {
  scenario: ScenarioId
  tag: string
  database: DatabaseName
  stats: Stats
}

export interface WordFrequency {
  word: string
  rank: number
  exact: number
  prefix: number
}

export interface Report {
  date: string
  command: string
  machine: Machine
  dataset: Record<string, number | string>
  iterations: number
  warmup: number
  generation: Generation[]
  results: ResultRow[]
  details: DetailRow[]
  words: WordFrequency[]
  notes: string[]
  profiles: ScenarioProfile[]
}

/**
 * The commit the measured code is, and whether src/ differed from it. Taken when the code is built, at a
 * run's start: src/ may change during a long run without changing what runs.
 */
export function sourceCommit(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { encoding: 'utf8' }).trim()
    return dirty ? `${commit} (src/ has uncommitted changes)` : commit
  } catch {
    return 'unknown'
  }
}

export function machineInfo(postgres: { version: string; settings: Record<string, string> } | null): Machine {
  const require = createRequire(import.meta.url)
  const betterSqlite = (require('better-sqlite3/package.json') as { version: string }).version
  const memory = new SQLite(':memory:')
  const sqliteVersion = (memory.prepare('select sqlite_version() as v').get() as { v: string }).v
  memory.close()
  const commit = sourceCommit()
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    node: process.version,
    sqlite: `${sqliteVersion} (better-sqlite3 ${betterSqlite})`,
    postgres: postgres?.version ?? null,
    postgresSettings: postgres?.settings ?? null,
    commit,
  }
}

const DB_TITLE: Record<DatabaseName, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' }
const ms = (v: number) => (Number.isFinite(v) ? (v < 10 ? v.toFixed(2) : v.toFixed(1)) : '–')
const n = (v: number) => v.toLocaleString('en-US')

/** PostgreSQL may take twice the SQLite target. */
export const targetFor = (row: { targetMs: number; database: DatabaseName }) =>
  row.database === 'postgres' ? row.targetMs * 2 : row.targetMs

export function mainTable(report: Pick<Report, 'results'>): string {
  const lines = [
    '| Scenario | Database | p50 ms | p95 ms | p99 ms | Target p95 | Met | Load (1 min) |',
    '| --- | --- | ---: | ---: | ---: | ---: | :---: | :---: |',
  ]
  for (const row of report.results) {
    const target = targetFor(row)
    lines.push(
      `| ${row.title} | ${DB_TITLE[row.database]} | ${ms(row.stats.p50)} | ${ms(row.stats.p95)} | ${ms(row.stats.p99)} | ≤ ${target} ms | ${row.stats.p95 <= target ? 'yes' : '**no**'} | ${row.load.map((l) => l.toFixed(1)).join(' → ')} |`,
    )
  }
  return lines.join('\n')
}

function detailTable(report: Report): string {
  const databases = [...new Set(report.details.map((d) => d.database))]
  const keys = [...new Set(report.details.map((d) => `${d.scenario}\u0000${d.tag}`))]
  const lines = [
    `| Scenario | Case | ${databases.map((d) => `${DB_TITLE[d]} p50 / p95 / p99`).join(' | ')} | n |`,
    `| --- | --- | ${databases.map(() => '---:').join(' | ')} | ---: |`,
  ]
  for (const key of keys) {
    const [scenario, tag] = key.split('\u0000') as [ScenarioId, string]
    const cells = databases.map((d) => {
      const row = report.details.find((r) => r.scenario === scenario && r.tag === tag && r.database === d)
      return row ? `${ms(row.stats.p50)} / ${ms(row.stats.p95)} / ${ms(row.stats.p99)}` : '–'
    })
    const count = report.details.find((r) => r.scenario === scenario && r.tag === tag)?.stats.n ?? 0
    const title = report.results.find((r) => r.scenario === scenario)?.title ?? scenario
    lines.push(`| ${title} | ${tag} | ${cells.join(' | ')} | ${count} |`)
  }
  return lines.join('\n')
}

function profileSection(report: Report): string {
  const parts: string[] = []
  for (const profile of report.profiles) {
    const title = report.results.find((r) => r.scenario === profile.scenario)?.title ?? profile.scenario
    const result = report.results.find(
      (r) => r.scenario === profile.scenario && r.database === profile.database,
    )
    parts.push(
      `### ${title} — ${DB_TITLE[profile.database]}\n\n` +
        `${profile.requests} requests; ${ms(profile.queryMsPerRequest)} ms of statement time per request (summed: statements a request runs in parallel overlap)` +
        (result ? ` (p50 of the whole request: ${ms(result.stats.p50)} ms)` : '') +
        '. Heaviest statements:\n',
    )
    for (const [i, q] of profile.queries.entries()) {
      parts.push(
        `${i + 1}. ${ms(q.msPerRequest)} ms per request (${q.perRequest.toFixed(1)}× per request, slowest ${ms(q.maxMs)} ms)\n\n` +
          '```sql\n' +
          `${q.sql}\n` +
          '```\n\n' +
          `Plan (parameters ${JSON.stringify(q.parameters).slice(0, 300)}):\n\n` +
          '```\n' +
          `${q.plan}\n` +
          '```\n',
      )
    }
  }
  return parts.join('\n')
}

export function markdown(report: Report): string {
  const { machine } = report
  const generation = report.generation
    .map(
      (g) =>
        `- ${DB_TITLE[g.database]}: ${g.cached ? `cached (generated ${g.generatedAt} in ${g.seconds.toFixed(0)} s)` : `generated in this run in ${g.seconds.toFixed(0)} s`}`,
    )
    .join('\n')
  const words = [
    '| Word | Zipf rank | Messages containing it | Messages matching it as a prefix |',
    '| --- | ---: | ---: | ---: |',
    ...report.words.map((w) => `| ${w.word} | ${w.rank} | ${n(w.exact)} | ${n(w.prefix)} |`),
  ].join('\n')
  return `# Palaver data-path benchmark — ${report.date.slice(0, 10)}

Measured through Palaver's web-standard handler (\`palaver.fetch(new Request(…))\`), one request at a
time, ${report.warmup} warm-up requests then ${report.iterations} timed requests per scenario and database.
Times are milliseconds from building the Request to having read the whole response body.
Targets: p95 on SQLite as listed; PostgreSQL may take twice as long. No assertions: this only measures.
Load is the machine's 1-minute load average when the scenario started → ended (${report.machine.cores} cores):
well above the core count, other processes were competing and every percentile is inflated.

${mainTable(report)}

- Command: \`${report.command}\`
- Date: ${report.date}
- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB RAM, ${machine.os}
- Node ${machine.node}; SQLite ${machine.sqlite}${
    machine.postgres
      ? `; PostgreSQL ${machine.postgres} (${Object.entries(machine.postgresSettings ?? {})
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')})`
      : ''
  }
- Commit: ${machine.commit}

## Details

${detailTable(report)}

## Data set

${Object.entries(report.dataset)
  .map(([k, v]) => `- ${k}: ${typeof v === 'number' ? n(v) : v}`)
  .join('\n')}

Generation:

${generation}

Search words (frequency counted in the SQLite FTS index):

${words}

## Notes

${report.notes.map((note) => `- ${note}`).join('\n')}

## Where the time goes

Each scenario replayed on a Kysely instance that logs every statement (Palaver's \`{ kysely, dialect }\`
option), then the heaviest statements explained with the parameters of their slowest run
(SQLite: EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN (ANALYZE, BUFFERS)).

${profileSection(report)}`
}

/** Writes `<prefix>-<date>.md/.json` and `<prefix>-latest.md` under bench/results. */
export function writeReport(dir: string, prefix: string, report: Report): string[] {
  mkdirSync(dir, { recursive: true })
  const day = report.date.slice(0, 10)
  const text = markdown(report)
  const files = [
    join(dir, `${prefix}-${day}.md`),
    join(dir, `${prefix}-${day}.json`),
    join(dir, `${prefix}-latest.md`),
  ]
  writeFileSync(files[0]!, text)
  writeFileSync(files[1]!, `${JSON.stringify(report, null, 2)}\n`)
  writeFileSync(files[2]!, text)
  return files
}
