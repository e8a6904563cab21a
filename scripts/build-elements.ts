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

const root = fileURLToPath(new URL('..', import.meta.url))
const outdir = `${root}dist/static`
const BUDGET_GZIP = 62 * 1024

/** Lit's css`` templates keep their whitespace and comments through minifying: squeeze them here. */
const minifyCss: Plugin = {
  name: 'minify-css-templates',
  setup(build) {
    build.onLoad({ filter: /src\/elements\/.*\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8')
      const contents = source.replace(/\bcss`([^`]*)`/g, (_match, body: string) => `css\`${squeeze(body)}\``)
      return { contents, loader: 'ts' }
    })
  },
}

function squeeze(css: string): string {
  return css
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\s+/g, ' ')
    .replace(/\s*([{};,>])\s*/g, '$1')
    .replace(/:\s+/g, ':')
    .replace(/;}/g, '}')
    .trim()
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
    entryNames: '[name]-[hash]',
    outdir,
    write: false,
    plugins: [minifyCss],
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
