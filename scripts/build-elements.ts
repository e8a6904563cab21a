/**
 * Bundles the web components (with Lit and palaver/client) into one minified ES module,
 * dist/static/palaver-<hash>.js with its source map, and writes dist/static/manifest.json,
 * which the server reads to serve and embed the bundle (src/http/static.ts).
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build, type Plugin } from 'esbuild'
import ts from 'typescript'

const root = fileURLToPath(new URL('..', import.meta.url))
const outdir = `${root}dist/static`
const BUDGET_GZIP = 66 * 1024

/**
 * Lit's templates keep their whitespace (and css`` its comments) through minifying: squeeze them
 * here. In html`` and svg`` a run of whitespace becomes one space, which renders the same outside
 * preformatted text (no template here writes text into a <pre>, a <textarea> or a pre-wrap element).
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

export async function buildElements(
  options: { quiet?: boolean } = {},
): Promise<{ file: string; gzip: number }> {
  mkdirSync(outdir, { recursive: true })
  const result = await build({
    entryPoints: { palaver: `${root}src/elements/index.ts` },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome111', 'firefox115', 'safari16.4'],
    minify: true,
    sourcemap: 'external',
    legalComments: 'none',
    charset: 'utf8',
    entryNames: '[name]-[hash]',
    outdir,
    write: false,
    plugins: [minifyTemplates],
    logLevel: 'warning',
  })
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'))!
  const map = result.outputFiles.find((f) => f.path.endsWith('.js.map'))!
  const file = js.path.slice(js.path.lastIndexOf('/') + 1)
  // Old bundles go: the manifest names the one current file.
  for (const old of readdirSync(outdir)) if (/^palaver-.*\.js(\.map)?$/.test(old)) rmSync(`${outdir}/${old}`)
  writeFileSync(js.path, js.contents)
  writeFileSync(map.path, map.contents)
  writeFileSync(
    `${outdir}/manifest.json`,
    `${JSON.stringify({ bundle: file, files: [file, `${file}.map`] }, null, 2)}\n`,
  )
  const gzip = gzipSync(js.contents, { level: 9 }).length
  if (!options.quiet) {
    const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`
    console.log(
      `dist/static/${file}: ${kb(js.contents.length)} minified, ${kb(gzip)} min+gzip (budget ${kb(BUDGET_GZIP)})`,
    )
  }
  if (gzip > BUDGET_GZIP)
    throw new Error(`The widget bundle is ${gzip} bytes gzipped, over the ${BUDGET_GZIP} budget`)
  return { file, gzip }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildElements().catch((error: unknown) => {
    console.error(error)
    process.exit(1)
  })
}
