/**
 * Summarizes the profiles `--profile=<dir>` writes: V8 CPU profiles (.cpuprofile: self time by function
 * and by source file, inclusive time of the functions matching `--focus`) and allocation profiles
 * (.heapprofile: the same in bytes allocated, garbage included).
 *
 *   npx tsx bench/realtime/profile-summary.ts <file.cpuprofile|file.heapprofile>… [--top=30] [--focus=regex]
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: CallFrame; children?: number[] }>
  samples: number[]
  timeDeltas: number[]
  startTime: number
  endTime: number
}

interface HeapNode {
  id: number
  callFrame: CallFrame
  selfSize: number
  children: HeapNode[]
}

/** Either kind of profile as one tree: each node's frame, parent and own share (µs or bytes). */
interface Sampled {
  frames: Map<number, CallFrame>
  parent: Map<number, number>
  self: Map<number, number>
  /** What the shares are a part of: the busy time, or all bytes allocated. */
  whole: number
  heading: string
  format(value: number): string
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

const nameOf = (frame: CallFrame) => frame.functionName || '(anonymous)'
const label = (frame: CallFrame) => `${nameOf(frame)} ${short(frame.url)}:${frame.lineNumber + 1}`

function fromCpu(profile: CpuProfile): Sampled {
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const self = new Map<number, number>()
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  })
  const total = (profile.endTime - profile.startTime) / 1000
  let idle = 0
  for (const [id, us] of self) if (nameOf(frames.get(id)!) === '(idle)') idle += us
  const busy = total - idle / 1000
  return {
    frames,
    parent,
    self,
    whole: busy * 1000,
    heading: `${total.toFixed(0)} ms profiled, ${busy.toFixed(0)} ms busy (not idle); self time`,
    format: (us) => `${(us / 1000).toFixed(0).padStart(7)} ms`,
  }
}

function fromHeap(head: HeapNode): Sampled {
  const frames = new Map<number, CallFrame>()
  const parent = new Map<number, number>()
  const self = new Map<number, number>()
  let whole = 0
  const walk = (node: HeapNode) => {
    frames.set(node.id, node.callFrame)
    self.set(node.id, node.selfSize)
    whole += node.selfSize
    for (const child of node.children) {
      parent.set(child.id, node.id)
      walk(child)
    }
  }
  walk(head)
  return {
    frames,
    parent,
    self,
    whole,
    heading: `${(whole / 2 ** 20).toFixed(0)} MB allocated (sampled, garbage included); bytes allocated`,
    format: (bytes) => `${(bytes / 2 ** 20).toFixed(1).padStart(7)} MB`,
  }
}

for (const file of positionals) {
  const json = JSON.parse(readFileSync(file, 'utf8'))
  const sampled = file.endsWith('.heapprofile')
    ? fromHeap(json.head as HeapNode)
    : fromCpu(json as CpuProfile)
  const { frames, parent, self, whole, heading, format } = sampled
  const fnSelf = new Map<string, number>()
  const fileSelf = new Map<string, number>()
  const inclusive = new Map<string, number>()
  const focus = values.focus ? new RegExp(values.focus) : null
  const add = (map: Map<string, number>, key: string, value: number) =>
    map.set(key, (map.get(key) ?? 0) + value)
  for (const [id, value] of self) {
    const frame = frames.get(id)!
    add(fnSelf, label(frame), value)
    add(fileSelf, frame.url ? short(frame.url).split('/').slice(0, 3).join('/') : nameOf(frame), value)
    if (!focus) continue
    // Inclusive: each matching frame on the stack of this sample, once.
    const seen = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const key = label(frames.get(at)!)
      if (focus.test(key) && !seen.has(key)) {
        seen.add(key)
        add(inclusive, key, value)
      }
    }
  }
  const rows = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, value]) => `${format(value)} ${((value / whole) * 100).toFixed(1).padStart(5)}%  ${key}`)
      .join('\n')
  console.log(`\n== ${file}\n${heading}\n`)
  console.log(`-- by function\n${rows(fnSelf)}\n`)
  console.log(`-- by source\n${rows(fileSelf)}\n`)
  if (focus) console.log(`-- inclusive, functions matching ${focus}\n${rows(inclusive)}\n`)
}
