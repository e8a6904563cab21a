import { type Kysely, sql } from 'kysely'
import type { DatabaseSchema, UserRow } from '../storage/schema.js'
import type { UserDirectory, UserProfile } from './types.js'

const toProfile = (row: Pick<UserRow, 'id' | 'username' | 'name' | 'email' | 'avatar_url'>): UserProfile => ({
  id: row.id,
  username: row.username,
  name: row.name,
  email: row.email,
  avatarUrl: row.avatar_url,
})

/**
 * The form names are compared in: lower case, without accents or control characters, so that "diaz"
 * finds "Díaz" and "DÍAZ" finds it too.
 */
const fold = (text: string) =>
  text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\p{M}\p{Cc}]/gu, '')

/** Escapes LIKE wildcards so a search for "50%" means the text "50%". */
const likePattern = (folded: string) => `%${folded.replace(/[\\%_]/g, (c) => `\\${c}`)}%`

/** Palaver's own user table. */
export function builtinDirectory(db: Kysely<DatabaseSchema>): Required<UserDirectory> {
  return {
    async get(ids) {
      if (ids.length === 0) return []
      const rows = await db
        .selectFrom('palaver_users')
        .select(['id', 'username', 'name', 'email', 'avatar_url'])
        .where('id', 'in', [...new Set(ids)])
        .execute()
      return rows.map(toProfile)
    },

    async search(query, { limit, within }) {
      const folded = fold(query).trim()
      if (within?.length === 0 || folded === '') return []
      let q = db
        .selectFrom('palaver_users')
        .select(['id', 'username', 'name', 'email', 'avatar_url'])
        .where(sql<boolean>`search_text like ${likePattern(folded)} escape '\\'`)
      if (within) q = q.where('id', 'in', [...within])
      const rows = await q.orderBy('username').limit(limit).execute()
      return rows.map(toProfile)
    },

    async upsert(profile) {
      const username = profile.username ?? profile.id
      const name = profile.name ?? ''
      const email = profile.email ?? ''
      const row = {
        id: profile.id,
        username,
        name,
        email,
        avatar_url: profile.avatarUrl ?? null,
        search_text: [username, name, email].map(fold).join('\n'),
        updated_at: Date.now(),
      }
      await db
        .insertInto('palaver_users')
        .values(row)
        .onConflict((oc) => oc.column('id').doUpdateSet({ ...row, id: undefined }))
        .execute()
    },
  }
}
