/** What the host tells Palaver about a person. Only `id` is required. */
export interface UserProfile {
  id: string
  username?: string
  name?: string
  email?: string
  avatarUrl?: string | null
}

/** A person as Palaver shows them: the host's display-name and avatar functions already applied. */
export interface User {
  id: string
  username: string
  name: string
  displayName: string
  avatarUrl: string
}

/**
 * Where users come from. Palaver's own table by default; a host with its own users table
 * implements these two calls over it.
 */
export interface UserDirectory {
  /** Profiles for the given ids; unknown ids are simply absent. */
  get(ids: readonly string[]): Promise<UserProfile[]>
  /** Up to `limit` profiles whose name, username or e-mail contains `query`, case-insensitively. */
  search(query: string, options: { limit: number; within?: readonly string[] }): Promise<UserProfile[]>
  /** Stores a profile; only directories Palaver owns support it. */
  upsert?(profile: UserProfile): Promise<void>
}
