import { type ChildProcess, spawn } from 'node:child_process'
import type { LiveServer } from './live.js'

export interface ServerProcess extends LiveServer {
  child: ChildProcess
  port: number
  /** The crash: no shutdown, no flush. */
  kill9(): Promise<void>
}

/** A Palaver server in a process of its own (test/fixtures/server-process.ts); calls go over real HTTP. */
export async function startServerProcess(args: readonly string[]): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/server-process.ts', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server process exited with ${code}`)))
    child.stdout!.on('data', (chunk: Buffer) => {
      const match = /READY (\d+)/.exec(chunk.toString())
      if (match) resolve(Number(match[1]))
    })
  })
  const origin = `http://127.0.0.1:${port}`
  const exited = new Promise((resolve) => child.once('exit', resolve))
  return {
    child,
    port,
    origin,
    palaver: undefined as never,
    async call(user, method, path, body) {
      const response = await fetch(`${origin}/messages${path}`, {
        method,
        headers: {
          'x-test-user': user,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      const text = await response.text()
      return { status: response.status, body: text ? JSON.parse(text) : null }
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      await exited
    },
    async kill9() {
      child.kill('SIGKILL')
      await exited
    },
  }
}
