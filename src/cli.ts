import { parseArgs } from 'node:util'
import type { Kysely } from 'kysely'
import type { DatabaseOption } from './options.js'
import { migrateToLatest } from './storage/migrate.js'
import { openStorage } from './storage/open.js'

const usage = `Usage: palaver migrate [--database <sqlite file | postgres://…>] [--schema <name>]

Applies Palaver's pending migrations. The database defaults to $DATABASE_URL,
else ./data/palaver.sqlite. Running it again is a no-op.`

/** `DATABASE_URL` or a path: the same rule the demo uses. */
export function databaseFromUrl(url: string, schema?: string): DatabaseOption {
  if (/^postgres(ql)?:\/\//.test(url)) return schema ? { postgres: url, schema } : { postgres: url }
  return { sqlite: url.replace(/^sqlite:(\/\/)?/, '') }
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      database: { type: 'string' },
      schema: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help || positionals[0] !== 'migrate') {
    console.log(usage)
    return values.help ? 0 : 1
  }
  const url = values.database ?? process.env.DATABASE_URL ?? './data/palaver.sqlite'
  const storage = await openStorage(databaseFromUrl(url, values.schema), 'simple')
  try {
    const result = await migrateToLatest(storage.db as unknown as Kysely<unknown>, storage.dialect)
    const applied = result.results?.filter((r) => r.status === 'Success').map((r) => r.migrationName) ?? []
    console.log(applied.length > 0 ? `Applied: ${applied.join(', ')}` : 'Already up to date.')
    return 0
  } finally {
    await storage.db.destroy()
  }
}
