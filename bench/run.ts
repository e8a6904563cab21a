/**
 * `npm run bench`: the realtime benchmark (bench/realtime/main.ts: delivery, saturation, big room,
 * connections, long-polling/SSE, scale-out, against a bare `ws` server and Socket.IO), then the
 * data-path benchmark (bench/data.ts: history, chat list, search).
 *
 *   npm run bench                        both, full size (the realtime part takes three runs)
 *   npm run bench -- --quick             both, small: a check of the harness, not figures to quote
 *   npm run bench -- --only=realtime     one of them (realtime | data)
 *
 * Realtime options: --runs=N --scenarios=1,2,3,4,5,6 --systems=floor,rival,palaver-sqlite,palaver-postgres
 * --profile=<dir> --workers=N --size=key=value,…. Every other option goes to bench/data.ts (--fresh, --db, --iterations,
 * --warmup, --no-profile); --quick goes to both. Nothing here asserts anything about time.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { updateReadme } from './readme.js'
import { runRealtime } from './realtime/main.js'

const REALTIME = new Set(['runs', 'scenarios', 'systems', 'profile', 'workers', 'size'])
const realtimeArgs: string[] = []
const dataArgs: string[] = []
let only: string | undefined
const argv = process.argv.slice(2)
for (let i = 0; i < argv.length; i++) {
  const arg = argv[i]!
  const [name = '', inline] = arg.replace(/^--/, '').split(/=(.*)/s)
  // `--name value` as well as `--name=value` for the options that take a value.
  const value = () => (inline !== undefined ? inline : argv[++i])
  if (name === 'only') only = value()
  else if (name === 'quick') {
    realtimeArgs.push(arg)
    dataArgs.push(arg)
  } else if (REALTIME.has(name)) realtimeArgs.push(`--${name}=${value()}`)
  else dataArgs.push(arg)
}
if (only !== undefined && only !== 'realtime' && only !== 'data')
  throw new Error('--only is realtime or data')

let failed = false
if (only !== 'data') {
  try {
    await runRealtime(realtimeArgs, ['npm run bench', ...(argv.length > 0 ? ['--', ...argv] : [])].join(' '))
  } catch (error) {
    failed = true
    console.error('Realtime benchmark failed:', error)
  }
}
if (only !== 'realtime') {
  const script = fileURLToPath(new URL('./data.ts', import.meta.url))
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...dataArgs], { stdio: 'inherit' })
    child.on('exit', resolve)
  })
  if (code !== 0) failed = true
}
// A full run (not --quick, which writes to bench/.cache) refreshes the README's summary.
if (!argv.includes('--quick') && updateReadme()) console.log('README.md: benchmark section updated')
process.exitCode = failed ? 1 : 0
