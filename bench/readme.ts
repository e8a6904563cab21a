/**
 * The README's benchmark section, made from the latest full reports in bench/results/, so the README
 * always shows the figures of the last `npm run bench` (bench/run.ts rewrites it after a full run, and
 * test/readme.test.ts checks that it matches the committed reports).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url))
const START = '<!-- bench:start (written by bench/readme.ts from bench/results/*-latest.md) -->'
const END = '<!-- bench:end -->'

/** The lines of a Markdown section (after its heading, up to the next heading of that level or above). */
function section(markdown: string, heading: RegExp): string[] {
  const lines = markdown.split('\n')
  const at = lines.findIndex((line) => heading.test(line))
  if (at < 0) return []
  const level = /^#+/.exec(lines[at]!)![0].length
  const end = lines.findIndex(
    (line, i) => i > at && /^#+ /.test(line) && /^#+/.exec(line)![0].length <= level,
  )
  return lines.slice(at + 1, end < 0 ? undefined : end)
}

const firstTable = (lines: string[]) => {
  const start = lines.findIndex((line) => line.startsWith('|'))
  if (start < 0) return []
  const end = lines.findIndex((line, i) => i > start && !line.startsWith('|'))
  return lines.slice(start, end < 0 ? undefined : end)
}

/** A `- Label: value` line of a report's run details, without backticks. */
const runLine = (markdown: string, label: string) =>
  (markdown.split('\n').find((line) => line.startsWith(`- ${label}: `)) ?? `- ${label}: ?`)
    .slice(label.length + 4)
    .replaceAll('`', '')

/** The README block for the current reports; null when a report is missing. */
export function benchBlock(): string | null {
  const realtimeFile = root('bench/results/realtime-latest.md')
  const dataFile = root('bench/results/data-latest.md')
  if (!existsSync(realtimeFile) || !existsSync(dataFile)) return null
  const realtime = readFileSync(realtimeFile, 'utf8')
  const data = readFileSync(dataFile, 'utf8')
  const scenario = (n: number) => {
    const heading = realtime.split('\n').find((line) => line.startsWith(`### ${n}.`))
    return heading
      ? [
          `**${heading.replace(/^### /, '')}**`,
          '',
          ...firstTable(section(realtime, new RegExp(`^### ${n}\\.`))),
          '',
        ]
      : []
  }
  return [
    START,
    `Realtime: \`${runLine(realtime, 'Command')}\`, ${runLine(realtime, 'Date')}, commit ${runLine(realtime, 'Commit')} — full report in [bench/results/realtime-latest.md](bench/results/realtime-latest.md).`,
    '',
    ...section(realtime, /^## Targets/).filter((line) => line.startsWith('- ')),
    '',
    ...[1, 2, 3, 4, 5, 6].flatMap(scenario),
    `Data (1,000,000 messages): \`${runLine(data, 'Command')}\`, ${runLine(data, 'Date')}, commit ${runLine(data, 'Commit')} — full report in [bench/results/data-latest.md](bench/results/data-latest.md).`,
    '',
    ...firstTable(data.split('\n')),
    END,
  ].join('\n')
}

/** Replaces the README's block with the current one. */
export function updateReadme(): boolean {
  const block = benchBlock()
  if (!block) return false
  const file = root('README.md')
  const readme = readFileSync(file, 'utf8')
  const start = readme.indexOf(START)
  const end = readme.indexOf(END)
  if (start < 0 || end < 0) throw new Error(`README.md has no ${START} … ${END} block`)
  writeFileSync(file, readme.slice(0, start) + block + readme.slice(end + END.length))
  return true
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(updateReadme() ? 'README.md: benchmark section updated' : 'No full reports in bench/results/')
}
