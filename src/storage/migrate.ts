import {
  type Kysely,
  type Migration,
  type MigrationProvider,
  type MigrationResultSet,
  Migrator,
  sql,
} from 'kysely'
import { hasSqlState, type SqlDialect } from './dialect.js'
import { initialSchema } from './migrations/001_initial.js'
import { steadySearchIndex } from './migrations/002_steady_search_index.js'
import { leanEventIndexes } from './migrations/003_lean_event_indexes.js'
import { searchIndexInBatches } from './migrations/004_search_index_in_batches.js'
import { searchPendingList } from './migrations/005_search_pending_list.js'
import { partialIndexes } from './migrations/006_partial_indexes.js'
import { roomActivity } from './migrations/007_room_activity.js'
import { replies } from './migrations/008_replies.js'
import { mutedChats } from './migrations/009_muted_chats.js'
import { webhooks } from './migrations/010_webhooks.js'
import { blocks } from './migrations/011_blocks.js'
import { mentions } from './migrations/012_mentions.js'
import { attachments } from './migrations/013_attachments.js'
import { mentionWrittenAs } from './migrations/014_mention_written_as.js'
import { attachmentSweepOrder } from './migrations/015_attachment_sweep_order.js'
import { mentionsEveryone } from './migrations/016_mentions_everyone.js'
import { markedUnread } from './migrations/017_marked_unread.js'
import { creatorOptional } from './migrations/018_creator_optional.js'
import { pins } from './migrations/019_pins.js'

/** Migrations live in code (not files on disk), so they ship inside the package and bundle cleanly. */
function migrationsFor(dialect: SqlDialect): Record<string, Migration> {
  return {
    '001_initial': initialSchema(dialect),
    '002_steady_search_index': steadySearchIndex(dialect),
    '003_lean_event_indexes': leanEventIndexes,
    '004_search_index_in_batches': searchIndexInBatches(dialect),
    '005_search_pending_list': searchPendingList(dialect),
    '006_partial_indexes': partialIndexes,
    '007_room_activity': roomActivity(dialect),
    '008_replies': replies(dialect),
    '009_muted_chats': mutedChats(dialect),
    '010_webhooks': webhooks(dialect),
    '011_blocks': blocks(dialect),
    '012_mentions': mentions(dialect),
    '013_attachments': attachments(dialect),
    '014_mention_written_as': mentionWrittenAs,
    '015_attachment_sweep_order': attachmentSweepOrder,
    '016_mentions_everyone': mentionsEveryone,
    '017_marked_unread': markedUnread,
    '018_creator_optional': creatorOptional(dialect),
    '019_pins': pins(dialect),
  }
}

class InCodeMigrations implements MigrationProvider {
  constructor(private readonly dialect: SqlDialect) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrationsFor(this.dialect)
  }
}

/** Applies every pending migration; a second run is a no-op. */
export async function migrateToLatest(db: Kysely<unknown>, dialect: SqlDialect): Promise<MigrationResultSet> {
  const migrator = await migratorFor(db, dialect)
  let result = await migrator.migrateToLatest()
  // Kysely's migrator lists the tables of every schema; a schema dropped by someone else at that
  // moment fails the listing ("schema … does not exist", 3F000). Nothing was applied: try again.
  for (let attempt = 0; attempt < 5 && isVanishedSchema(result.error); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 50 * (attempt + 1)))
    result = await migrator.migrateToLatest()
  }
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')
    throw new Error(`Palaver migration ${failed?.migrationName ?? ''} failed: ${String(result.error)}`, {
      cause: result.error,
    })
  }
  return result
}

/** Applies the migrations up to and including `name` only: how a test builds an older database to upgrade. */
export async function migrateTo(db: Kysely<unknown>, dialect: SqlDialect, name: string): Promise<void> {
  const { error } = await (await migratorFor(db, dialect)).migrateTo(name)
  if (error) throw error
}

const isVanishedSchema = (error: unknown) => hasSqlState(error, '3F000')

/** For `migrate: false`: fails fast, with what to do, when the database is behind this version of Palaver. */
export async function assertMigrated(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const migrations = await (await migratorFor(db, dialect)).getMigrations()
  const pending = migrations.filter((m) => m.executedAt === undefined).map((m) => m.name)
  if (pending.length > 0) {
    throw new Error(
      `Palaver's database is missing migrations (${pending.join(', ')}): run \`npx palaver migrate\``,
    )
  }
}

async function migratorFor(db: Kysely<unknown>, dialect: SqlDialect): Promise<Migrator> {
  // Kysely looks for its bookkeeping tables by name across every schema; naming ours keeps another
  // schema's Palaver (another app, another test run) from being mistaken for this one.
  const schema =
    dialect.name === 'postgres'
      ? (await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db)).rows[0]?.schema
      : undefined
  if (schema === null)
    throw new Error('No PostgreSQL schema on the search path exists: create it, or name one with `schema`')
  return new Migrator({
    db,
    ...(schema ? { migrationTableSchema: schema } : {}),
    provider: new InCodeMigrations(dialect),
    migrationTableName: 'palaver_migrations',
    migrationLockTableName: 'palaver_migrations_lock',
  })
}
