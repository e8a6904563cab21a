/** Child processes of the benchmark (servers under test, load-generator workers), driven over IPC. */
import { type ChildProcess, spawn } from 'node:child_process'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import type { IpcReply, ProcessStats, WorkerCommand } from './shared.js'

export const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))

const ENTRIES = ['palaver-server.ts', 'floor-server.ts', 'rival-server.ts', 'worker.ts']
const OUT = here('../.cache/realtime-build')
let built: Promise<boolean> | undefined

/**
 * Bundles the servers and the worker (with Palaver's sources, packages left to node_modules) into
 * plain JavaScript once per benchmark run: a process then starts in a fraction of the time that
 * loading ~100 TypeScript modules through tsx takes, and runs as compiled code does in production.
 * Falls back to tsx when bundling fails.
 */
export function buildScripts(): Promise<boolean> {
  built ??= build({
    entryPoints: ENTRIES.map((entry) => here(`./${entry}`)),
    outdir: OUT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    // No keepNames: it wraps functions in __name() calls (a defineProperty on every closure made), which
    // the package's tsc output does not have; unminified, functions keep their names without it.
    sourcemap: 'linked',
    logLevel: 'warning',
  }).then(
    () => true,
    (error: unknown) => {
      console.warn(`[bench] bundling failed, starting processes through tsx: ${(error as Error).message}`)
      return false
    },
  )
  return built
}

/** How to run one of the benchmark's scripts: the bundle when there is one, else the source through tsx. */
async function entry(script: string): Promise<string[]> {
  const name = basename(script)
  if (ENTRIES.includes(name) && (await buildScripts())) return [join(OUT, name.replace(/\.ts$/, '.js'))]
  return ['--import', 'tsx', script]
}

export class Proc {
  private nextRid = 1
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>()
  private exited = false
  readonly exit: Promise<number | null>

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    this.exit = new Promise((resolve) => {
      child.once('exit', (code) => {
        this.exited = true
        for (const { reject } of this.pending.values()) reject(new Error(`${name} exited (${code})`))
        this.pending.clear()
        resolve(code)
      })
    })
    child.on('message', (message: IpcReply) => {
      const waiting = this.pending.get(message?.rid)
      if (!waiting) return
      this.pending.delete(message.rid)
      if (message.ok) waiting.resolve(message.result)
      else waiting.reject(new Error(`${name}: ${message.error}`))
    })
  }

  /**
   * Starts `node [nodeArgs] <script> [args]` and waits for its `{ready}` message.
   * Resolves with the process and what it said when ready (a server's port).
   */
  static async start(
    name: string,
    script: string,
    args: string[] = [],
    nodeArgs: string[] = [],
  ): Promise<{ proc: Proc; ready: unknown }> {
    const child = spawn(process.execPath, [...nodeArgs, ...(await entry(script)), ...args], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    })
    const proc = new Proc(name, child)
    const ready = await new Promise<unknown>((resolve, reject) => {
      const onMessage = (message: { ready?: unknown }) => {
        if (message && 'ready' in message) {
          child.off('message', onMessage)
          resolve(message.ready)
        }
      }
      child.on('message', onMessage)
      void proc.exit.then((code) => reject(new Error(`${name} exited (${code}) before it was ready`)))
    })
    return { proc, ready }
  }

  request<T>(command: Record<string, unknown>): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`${this.name} has exited`))
    const rid = this.nextRid++
    return new Promise<T>((resolve, reject) => {
      this.pending.set(rid, { resolve: resolve as (value: unknown) => void, reject })
      this.child.send({ ...command, rid })
    })
  }

  stats(gc = false): Promise<ProcessStats> {
    return this.request<ProcessStats>({ cmd: 'stats', gc })
  }

  /** SIGTERM (a Palaver server closes cleanly and writes its CPU profile), SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (this.exited) return
    this.child.kill('SIGTERM')
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs)
    await this.exit
    clearTimeout(timer)
  }
}

/** A load-generator worker. */
export class Worker {
  private constructor(readonly proc: Proc) {}

  static async start(index: number): Promise<Worker> {
    const { proc } = await Proc.start(`worker ${index}`, here('./worker.ts'))
    return new Worker(proc)
  }

  run<T>(command: WorkerCommand): Promise<T> {
    return this.proc.request<T>(command)
  }
}
