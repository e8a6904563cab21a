import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Kysely } from 'kysely'
import type { DatabaseSchema } from '../storage/schema.js'

/**
 * Where the bytes of attachments live. Palaver keeps what a file is (name, type, size, which message)
 * in its own tables and hands the bytes to a store under a random key: its database by default
 * (nothing more to run, and every process sees every file), a directory (`diskAttachmentStore`), or
 * an object store of the host's (S3 and the like) behind these three calls.
 */
export interface AttachmentStore {
  /** Keeps `data` under `key` (a new random key each time: a key is never written twice). */
  put(key: string, data: Uint8Array, info: { type: string }): Promise<void>
  /** The bytes under `key`, or null when there are none. */
  get(key: string): Promise<Uint8Array | null>
  /**
   * Forgets the given keys. A key it does not have counts as forgotten, never as an error: Palaver asks
   * again for keys whose deletion it could not see through (a failure, a crash), and deletes a file's row
   * only once this resolved.
   */
  delete(keys: readonly string[]): Promise<void>
}

/** The default store: a table of the same database (`palaver_attachment_data`). */
export function databaseAttachmentStore(db: Kysely<DatabaseSchema>): AttachmentStore {
  return {
    async put(key, data) {
      await db
        .insertInto('palaver_attachment_data')
        .values({ key, data: Buffer.from(data) })
        .execute()
    },
    async get(key) {
      const row = await db
        .selectFrom('palaver_attachment_data')
        .select('data')
        .where('key', '=', key)
        .executeTakeFirst()
      return row ? new Uint8Array(row.data) : null
    },
    async delete(keys) {
      if (keys.length === 0) return
      await db.deleteFrom('palaver_attachment_data').where('key', 'in', keys).execute()
    },
  }
}

/** Keys are Palaver's own random ids; anything else is refused rather than joined into a path. */
const safeKey = /^[a-f0-9-]{36}$/

/** A store that keeps each file in `directory` (every process of a deployment must see the same one). */
export function diskAttachmentStore(directory: string): AttachmentStore {
  const pathOf = (key: string) => {
    if (!safeKey.test(key)) throw new Error(`not an attachment key: ${key}`)
    return join(directory, key.slice(0, 2), key)
  }
  return {
    async put(key, data) {
      const path = pathOf(key)
      await mkdir(join(directory, key.slice(0, 2)), { recursive: true })
      await writeFile(path, data, { flag: 'wx' })
    },
    async get(key) {
      try {
        return new Uint8Array(await readFile(pathOf(key)))
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
        throw error
      }
    },
    async delete(keys) {
      // `force`: a file already gone (or never written) is no error.
      await Promise.all(keys.map((key) => rm(pathOf(key), { force: true })))
    },
  }
}
