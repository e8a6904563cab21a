import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** The built widget bundle and its chunks (a catalog per language): `npm run build` writes them with content hashes and a manifest. */
export interface StaticAssets {
  /** File name of the bundle, e.g. `palaver-3f9a1c2b.js`; null when it has not been built. */
  bundle: string | null
  /** A file the manifest lists (the bundle, a chunk, a source map), else null. */
  read(file: string): Uint8Array | null
}

const candidates = [
  // Running from dist/src/http: the bundle is in dist/static.
  new URL('../../static/', import.meta.url),
  // Running from source (src/http): the bundle is in dist/static at the package root.
  new URL('../../dist/static/', import.meta.url),
]

export function loadStaticAssets(): StaticAssets {
  const dir = candidates.map((url) => fileURLToPath(url)).find((path) => existsSync(`${path}manifest.json`))
  if (!dir) return { bundle: null, read: () => null }
  const manifest = JSON.parse(readFileSync(`${dir}manifest.json`, 'utf8')) as {
    bundle: string
    files: string[]
  }
  const files = new Map<string, Uint8Array>()
  for (const file of manifest.files) files.set(file, readFileSync(`${dir}${file}`))
  return { bundle: manifest.bundle, read: (file) => files.get(file) ?? null }
}
