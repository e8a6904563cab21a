import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { benchBlock } from '../bench/readme.js'
import { embedAll } from '../docs/snippets/embed.js'
import { createPalaver } from '../src/index.js'
import { resolveOptions } from '../src/options.js'

/** Every README block must be exercised: TypeScript by a type-checked file, commands by a script, the rest by a check. */
const readme = readFileSync('README.md', 'utf8')
const blocks = [...readme.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map(([, lang, code]) => ({
  lang: lang!,
  code: code!.trimEnd(),
}))
const files = (dir: string) => readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8'))
/** Compared without indentation, so a block may sit inside a function in its file. */
const flat = (code: string) => code.replace(/^[ \t]+/gm, '')
const sources = [...files('docs/snippets'), ...files('examples')].map(flat)
const elementSources = (function read(dir: string): string {
  return readdirSync(dir, { withFileTypes: true })
    .map((e) => (e.isDirectory() ? read(join(dir, e.name)) : readFileSync(join(dir, e.name), 'utf8')))
    .join('\n')
})('src/elements')

describe('the README', () => {
  it('has only TypeScript blocks that stand in a type-checked snippet or example file', () => {
    // Blocks that name their example (`// examples/x.ts`) are checked against it by test/examples.test.ts.
    const ts = blocks.filter((b) => b.lang === 'ts' && !b.code.startsWith('// examples/'))
    expect(ts.length).toBeGreaterThan(4)
    for (const block of ts) {
      const found = sources.some((source) => source.includes(flat(block.code)))
      expect(found, `README block not in docs/snippets or examples:\n${block.code}`).toBe(true)
    }
  })

  it('runs only commands that exist', () => {
    const scripts = JSON.parse(readFileSync('package.json', 'utf8')).scripts as Record<string, string>
    for (const block of blocks.filter((b) => b.lang === 'sh')) {
      for (const line of block.code.split('\n')) {
        for (const command of line
          .replace(/#.*/, '')
          .split('&&')
          .map((c) => c.trim())
          .filter(Boolean)) {
          const run = /^npm (?:run )?(\w+)/.exec(command)
          expect(run, command).not.toBeNull()
          const name = run![1]!
          if (name !== 'install') expect(scripts[name], `npm script ${name}`).toBeDefined()
        }
      }
    }
  })

  it('documents `npx palaver migrate`, which migrates and is a no-op the second time', () => {
    expect(readme).toContain('npx palaver migrate --database')
    const file = join(mkdtempSync(join(tmpdir(), 'palaver-readme-')), 'x.sqlite')
    const run = () =>
      execFileSync(
        process.execPath,
        [
          '--import',
          'tsx',
          '-e',
          `import('./src/cli.ts').then(m => m.main(['migrate', '--database', '${file}'])).then(c => process.exit(c))`,
        ],
        {
          encoding: 'utf8',
        },
      )
    expect(run()).toContain('Applied: 001_initial')
    expect(run()).toContain('Already up to date.')
  })

  it('lists every option in the configuration table, and no option that does not exist', () => {
    const defaults = resolveOptions({ database: { sqlite: ':memory:' }, getUser: () => null })
    // The rows of the Configuration section's table (other tables, the metrics', list other names).
    const section = readme.slice(
      readme.indexOf('## Configuration'),
      readme.indexOf('\n### ', readme.indexOf('## Configuration')),
    )
    const table = [...section.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1])
    const unset = [
      'users',
      'displayName',
      'avatarUrl',
      'pubsub',
      'pageLayout',
      'metricsToken',
      'moderateMessage',
    ]
    const options = [...new Set([...Object.keys(defaults), ...unset])]
    expect([...table].sort()).toEqual(options.sort())
  })

  it('shows embed snippets that say what palaver.embed renders', async () => {
    const palaver = await createPalaver({ database: { sqlite: ':memory:' }, getUser: () => null })
    const [dm, room, messages, script] = embedAll(palaver)
    expect(dm).toMatch(
      /^<script type="module" src="\/messages\/static\/palaver[-\w]*\.js"><\/script><palaver-dm user-id="bob"/,
    )
    expect(room).toContain('<palaver-room content-type="video" object-id="42"')
    expect(messages).toContain('<palaver-messages')
    expect(script).toMatch(/^<script type="module"[^>]*><\/script>$/)
    await palaver.close()
  })

  it('names only elements, custom properties and parts the widgets have', () => {
    for (const tag of new Set(readme.match(/palaver-(?:dm|room|messages)\b/g))) {
      expect(elementSources, tag).toContain(`'${tag}'`)
    }
    const properties = new Set(readme.match(/--palaver-[a-z-]+[a-z]/g))
    for (const property of properties) expect(elementSources, property).toContain(property)
    const parts = /Parts: (.*?)\.\n/s
      .exec(readme)![1]!
      .match(/`([a-z-]+)`/g)!
      .map((p) => p.slice(1, -1))
    for (const part of parts)
      expect(elementSources, `part ${part}`).toMatch(new RegExp(`part="[^"]*\\b${part}\\b`))
  })

  it('shows the benchmark figures of the latest reports in bench/results/', () => {
    const block = benchBlock()
    expect(block, 'bench/results/*-latest.md').not.toBeNull()
    expect(readme).toContain(block)
  })
})
