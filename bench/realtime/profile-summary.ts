/**
 * Summarizes V8 CPU profiles (from `--profile=<dir>`): self time by function and by source file,
 * and inclusive time of the functions matching `--focus`.
 *
 *   npx tsx bench/realtime/profile-summary.ts <file.cpuprofile>… [--top=30] [--focus=regex]
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

interface Node {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}
interface Profile {
  nodes: Node[]
  samples: number[]
  timeDeltas: number[]
  startTime: number
  endTime: number
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '30' }, focus: { type: 'string' } },
})
const top = Number(values.top)

const short = (url: string) =>
  url
    .replace(/^file:\/\//, '')
    .replace(/.*\/node_modules\//, '~/')
    .replace(/.*\/work\/main\//, '')

for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const selfUs = new Map<number, number>()
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  })
  const total = (profile.endTime - profile.startTime) / 1000
  const fnSelf = new Map<string, number>()
  const fileSelf = new Map<string, number>()
  const inclusive = new Map<string, number>()
  const focus = values.focus ? new RegExp(values.focus) : null
  let idle = 0
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!
    const { functionName, url, lineNumber } = node.callFrame
    const name = functionName || '(anonymous)'
    if (name === '(idle)') idle += us
    const key = `${name} ${short(url)}:${lineNumber + 1}`
    fnSelf.set(key, (fnSelf.get(key) ?? 0) + us)
    const where = url ? short(url).split('/').slice(0, 3).join('/') : name
    fileSelf.set(where, (fileSelf.get(where) ?? 0) + us)
    if (focus) {
      // Inclusive time: each matching frame on the stack of this sample, once.
      const seen = new Set<string>()
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const frame = byId.get(at)!.callFrame
        const label = `${frame.functionName || '(anonymous)'} ${short(frame.url)}:${frame.lineNumber + 1}`
        if (focus.test(label) && !seen.has(label)) {
          seen.add(label)
          inclusive.set(label, (inclusive.get(label) ?? 0) + us)
        }
      }
    }
  }
  const busy = total - idle / 1000
  const rows = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(
        ([k, us]) =>
          `${(us / 1000).toFixed(0).padStart(7)} ms ${((us / 1000 / busy) * 100).toFixed(1).padStart(5)}%  ${k}`,
      )
      .join('\n')
  console.log(`\n== ${file}\n${total.toFixed(0)} ms profiled, ${busy.toFixed(0)} ms busy (not idle)\n`)
  console.log(`-- self time by function (% of busy)\n${rows(fnSelf)}\n`)
  console.log(`-- self time by source\n${rows(fileSelf)}\n`)
  if (focus) console.log(`-- inclusive time, functions matching ${focus}\n${rows(inclusive)}\n`)
}
