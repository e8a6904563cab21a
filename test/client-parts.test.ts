import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { backoffDelay, type ChatSummary, type SseEvent, SseParser } from '../src/client/index.js'
import type { ChatSummary as ServerChatSummary } from '../src/services/events.js'

// The client's copy of the events' chat summary is the server's, field for field (checked by tsc).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const summariesAgree: Same<ChatSummary, ServerChatSummary> = true

const clientDir = resolve(import.meta.dirname, '../src/client')

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') ? [path] : []
  })
}

describe('palaver/client runs in browsers and Node alike', () => {
  it('imports at run time only its own modules (type-only imports of the server schemas are erased)', () => {
    const offenders: string[] = []
    for (const file of sourceFiles(clientDir)) {
      const text = readFileSync(file, 'utf8')
      for (const match of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+'([^']+)'/gm)) {
        const [, , typeOnly, specifier] = match
        if (typeOnly) continue
        const target = specifier!.startsWith('.') ? resolve(dirname(file), specifier!) : specifier!
        if (!target.startsWith(clientDir)) offenders.push(`${relative(clientDir, file)}: ${specifier}`)
      }
      for (const match of text.matchAll(/\bimport\s*\(\s*'([^']+)'/g)) offenders.push(`${file}: ${match[1]}`)
    }
    expect(offenders).toEqual([])
  })

  it('type-checks without the Node types, pulling in nothing of the server but its schemas and error codes', () => {
    expect(summariesAgree).toBe(true)
    const dir = mkdtempSync(join(tmpdir(), 'palaver-client-'))
    try {
      const config = join(dir, 'tsconfig.json')
      writeFileSync(
        config,
        JSON.stringify({
          extends: resolve(clientDir, '../../tsconfig.json'),
          compilerOptions: { types: [], lib: ['ES2022', 'DOM', 'DOM.Iterable'], noEmit: true },
          include: [],
          files: [join(clientDir, 'index.ts')],
        }),
      )
      const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
      const files = execFileSync(process.execPath, [tsc, '-p', config, '--listFilesOnly'], {
        encoding: 'utf8',
      })
      const server = files
        .split('\n')
        .filter((f) => f.includes('/src/') && !f.includes('/src/client/') && !f.includes('node_modules'))
        .map((f) => relative(resolve(clientDir, '..'), f.trim()))
      expect(server.sort()).toEqual(['errors.ts', 'schemas.ts'])
      execFileSync(process.execPath, [tsc, '-p', config], { encoding: 'utf8' })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)

  it('uses no Node-only globals', () => {
    for (const file of sourceFiles(clientDir)) {
      const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')
      expect(code, file).not.toMatch(/\b(Buffer|process|require|NodeJS|__dirname|setImmediate)\b/)
    }
  })
})

describe('SSE parser', () => {
  const parse = (chunks: string[]) => {
    const events: SseEvent[] = []
    const retries: number[] = []
    const parser = new SseParser(
      (e) => events.push(e),
      (ms) => retries.push(ms),
    )
    for (const chunk of chunks) parser.feed(chunk)
    return { events, retries }
  }

  it('reads events split anywhere, with LF, CRLF or CR line ends, ignoring comments', () => {
    const stream =
      'retry: 2000\n\n: ping\n\nid: 7\ndata: {"a":1}\n\ndata: {"type":"ready"}\r\n\r\nid: 8\rdata: x\rdata: y\r\r'
    const whole = parse([stream])
    expect(whole.retries).toEqual([2000])
    expect(whole.events).toEqual([
      { event: 'message', data: '{"a":1}', id: '7' },
      { event: 'message', data: '{"type":"ready"}', id: '7' },
      { event: 'message', data: 'x\ny', id: '8' },
    ])
    for (let size = 1; size <= 5; size++) {
      const chunks = stream.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g'))!
      expect(parse(chunks).events).toEqual(whole.events)
      expect(parse(chunks.flatMap((c) => [c, ''])).events).toEqual(whole.events)
    }
  })

  it('keeps the field rules: no space after the colon, named events, a field without a value, an unfinished event', () => {
    const { events } = parse(['\uFEFFdata:no space\nevent: custom\ndata\n\ndata: never finished'])
    expect(events).toEqual([{ event: 'custom', data: 'no space\n', id: undefined }])
  })
})

describe('backoff', () => {
  it('draws a full-jitter delay below a cap that doubles up to the maximum', () => {
    const options = { initialDelayMs: 100, maxDelayMs: 1000 }
    expect(backoffDelay(0, { ...options, random: () => 0.999 })).toBe(99)
    expect(backoffDelay(2, { ...options, random: () => 0.5 })).toBe(200)
    expect(backoffDelay(20, { ...options, random: () => 0.5 })).toBe(500)
    expect(backoffDelay(3, { ...options, random: () => 0 })).toBe(0)
  })
})
