import type { Kysely, Transaction } from 'kysely'
import type { DatabaseSchema } from './schema.js'

export type Db = Kysely<DatabaseSchema> | Transaction<DatabaseSchema>

export interface SearchHit {
  messageId: number
  chatId: number
  /** The matched text with `\u0001`/`\u0002` around matched words; the caller escapes and marks it up. */
  rawSnippet: string
}

export interface SearchRequest {
  viewerId: string
  /** Words the user typed, already cleaned of syntax characters. */
  terms: readonly string[]
  chatId?: number
  limit: number
}

/**
 * Everything that differs between SQLite and PostgreSQL lives behind this interface,
 * so services never ask which database they are on.
 */
export interface SqlDialect {
  readonly name: 'sqlite' | 'postgres'
  /** Column type of auto-incremented ids in migrations. */
  readonly autoIdType: 'integer' | 'bigserial'
  /** Column type of 64-bit integers. */
  readonly bigintType: 'integer' | 'bigint'
  createSearchIndex(db: Kysely<unknown>): Promise<void>
  searchMessages(db: Db, request: SearchRequest): Promise<SearchHit[]>
}
