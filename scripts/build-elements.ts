/**
 * Bundles the web components (with Lit and palaver/client) into a minified ES module,
 * dist/static/palaver-<hash>.js, and the catalog of each language but English into a chunk of its
 * own (de-<hash>.js…) that the bundle imports when a widget speaks it; each with its source map.
 * dist/static/manifest.json names them all for the server, which serves and embeds them (src/http/static.ts).
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build, type Plugin } from 'esbuild'
import ts from 'typescript'

const root = fileURLToPath(new URL('..', import.meta.url))
const outdir = `${root}dist/static`
const BUDGET_GZIP = 70 * 1024

/**
 * Lit's templates keep their whitespace (and css`` its comments) through minifying: squeeze them
 * here. In html`` and svg`` a run of whitespace becomes one space, which renders the same outside
 * preformatted text (no template here has text of its own inside a <pre>, a <textarea> or a pre-wrap element:
 * a message's code block is <pre><code>${code}</code></pre>, its text a value, which is never squeezed).
 */
const minifyTemplates: Plugin = {
  name: 'minify-lit-templates',
  setup(build) {
    build.onLoad({ filter: /src\/elements\/.*\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8')
      const contents = squeezeMarkup(source, args.path).replace(
        /\bcss`([^`]*)`/g,
        (_match, body: string) => `css\`${squeezeCss(body)}\``,
      )
      return { contents, loader: 'ts' }
    })
  },
}

function squeezeCss(css: string): string {
  return css
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\s+/g, ' ')
    .replace(/\s*([{};,>])\s*/g, '$1')
    .replace(/:\s+/g, ':')
    .replace(/;}/g, '}')
    .trim()
}

/** The literal text of every html`` and svg`` template (found by TypeScript's parser, nested ones too), whitespace collapsed. */
function squeezeMarkup(source: string, path: string): string {
  const file = ts.createSourceFile(path, source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS)
  const spans: Array<[start: number, end: number]> = []
  const visit = (node: ts.Node): void => {
    if (
      ts.isTaggedTemplateExpression(node) &&
      ts.isIdentifier(node.tag) &&
      /^(html|svg)$/.test(node.tag.text)
    ) {
      const template = node.template
      // Each literal part without its delimiters: ` or } before, ${ or ` after.
      const parts = ts.isNoSubstitutionTemplateLiteral(template)
        ? [template]
        : [template.head, ...template.templateSpans.map((span) => span.literal)]
      for (const part of parts) {
        const end =
          part.getEnd() - (ts.isTemplateTail(part) || ts.isNoSubstitutionTemplateLiteral(part) ? 1 : 2)
        spans.push([part.getStart(file) + 1, end])
      }
    }
    ts.forEachChild(node, visit)
  }
  visit(file)
  let out = ''
  let at = 0
  for (const [start, end] of spans.sort((a, b) => a[0] - b[0])) {
    out += source.slice(at, start) + source.slice(start, end).replace(/\s+/g, ' ')
    at = end
  }
  return out + source.slice(at)
}

/** What one build wrote: the bundle, and gzipped sizes of what an English page loads and of each language's chunk. */
export interface BuiltElements {
  file: string
  gzip: number
  locales: Record<string, { file: string; gzip: number }>
}

export async function buildElements(options: { quiet?: boolean } = {}): Promise<BuiltElements> {
  mkdirSync(outdir, { recursive: true })
  const result = await build({
    entryPoints: { palaver: `${root}src/elements/index.ts` },
    bundle: true,
    format: 'esm',
    // The catalogs' dynamic imports become chunks, imported relative to the bundle's own URL.
    splitting: true,
    platform: 'browser',
    target: ['es2022', 'chrome111', 'firefox115', 'safari16.4'],
    minify: true,
    sourcemap: 'external',
    legalComments: 'none',
    charset: 'utf8',
    entryNames: '[name]-[hash]',
    chunkNames: 'palaver-[name]-[hash]',
    outdir,
    write: false,
    metafile: true,
    plugins: [minifyTemplates],
    logLevel: 'warning',
  })
  const name = (path: string) => path.slice(path.lastIndexOf('/') + 1)
  const outputs = Object.entries(result.metafile.outputs).map(([path, meta]) => ({ file: name(path), meta }))
  const contents = new Map(result.outputFiles.map((f) => [name(f.path), f.contents]))
  const gzipOf = (file: string) => gzipSync(contents.get(file)!, { level: 9 }).length

  const main = outputs.find((o) => o.meta.entryPoint?.endsWith('src/elements/index.ts'))!
  // What an English page loads: the bundle and every chunk it imports statically (none, unless esbuild shares code).
  const loaded = new Set([main.file])
  for (const file of loaded) {
    const meta = outputs.find((o) => o.file === file)!.meta
    for (const { path, kind } of meta.imports) if (kind === 'import-statement') loaded.add(name(path))
  }
  const locales: BuiltElements['locales'] = {}
  for (const { file, meta } of outputs) {
    const language = /src\/elements\/i18n\/(\w+)\.ts$/.exec(meta.entryPoint ?? '')?.[1]
    if (language) locales[language] = { file, gzip: gzipOf(file) }
  }

  // dist/static holds only what this script writes: the last build's files go.
  for (const old of readdirSync(outdir)) if (/\.js(\.map)?$/.test(old)) rmSync(`${outdir}/${old}`)
  for (const [file, bytes] of contents) writeFileSync(`${outdir}/${file}`, bytes)
  const manifest = {
    bundle: main.file,
    locales: Object.fromEntries(Object.entries(locales).map(([language, { file }]) => [language, file])),
    files: [...contents.keys()].sort(),
  }
  writeFileSync(`${outdir}/manifest.json`, `${JSON.stringify(manifest, null, 2)}\n`)

  const gzip = [...loaded].reduce((sum, file) => sum + gzipOf(file), 0)
  if (!options.quiet) {
    const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`
    const minified = [...loaded].reduce((sum, file) => sum + contents.get(file)!.length, 0)
    console.log(
      `dist/static/${main.file}${loaded.size > 1 ? ` and ${loaded.size - 1} chunk(s)` : ''}: ${kb(minified)} minified, ${kb(gzip)} min+gzip (budget ${kb(BUDGET_GZIP)})`,
    )
    for (const [language, { file, gzip }] of Object.entries(locales))
      console.log(`  ${language}: dist/static/${file}, ${kb(gzip)} min+gzip, loaded when a widget speaks it`)
  }
  if (gzip > BUDGET_GZIP)
    throw new Error(`The widget bundle is ${gzip} bytes gzipped, over the ${BUDGET_GZIP} budget`)
  return { file: main.file, gzip, locales }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildElements().catch((error: unknown) => {
    console.error(error)
    process.exit(1)
  })
}
