import type { ResolvedOptions } from '../options.js'
import type { UserView } from '../schemas.js'
import { initialsAvatarPath } from '../users/avatar.js'
import type { UserDirectory, UserProfile } from '../users/types.js'

/** The viewer of a request: who getUser said they are. */
export type Viewer = UserView

/** Users as Palaver shows them: directory lookups, the contact-list policy, display names and avatars. */
export class UserService {
  /** Profiles already written to Palaver's own table, so getUser does not cost a write per request. */
  private readonly remembered = new Map<string, string>()

  constructor(
    private readonly options: ResolvedOptions,
    readonly directory: UserDirectory,
  ) {}

  view(profile: UserProfile): UserView {
    const username = profile.username || profile.id
    const name = profile.name ?? ''
    const displayName = this.options.displayName?.(profile) || name || username
    const avatarUrl =
      this.options.avatarUrl?.(profile) ||
      profile.avatarUrl ||
      initialsAvatarPath(this.options.basePath, profile.id, displayName)
    return { id: profile.id, username, name, displayName, avatarUrl }
  }

  /** The signed-in user as they appear: what getUser said, completed from the directory when it said only the id. */
  async viewerOf(profile: UserProfile): Promise<UserView> {
    if (profile.username !== undefined) return this.view(profile)
    return (await this.viewsOf([profile.id])).get(profile.id)!
  }

  /** Views of the given users; an id the directory no longer knows shows as a placeholder. */
  async viewsOf(ids: Iterable<string>): Promise<Map<string, UserView>> {
    const wanted = [...new Set(ids)]
    const profiles = await this.directory.get(wanted)
    const views = new Map(profiles.map((p) => [p.id, this.view(p)]))
    for (const id of wanted)
      if (!views.has(id)) views.set(id, this.view({ id, username: id, name: 'Unknown user' }))
    return views
  }

  /** Whether the directory knows the user. */
  async exists(id: string): Promise<boolean> {
    return (await this.directory.get([id])).length > 0
  }

  /** Stores the signed-in user's profile in Palaver's own directory when it changed. */
  async remember(profile: UserProfile): Promise<void> {
    if (!this.directory.upsert || profile.username === undefined) return
    const fingerprint = JSON.stringify([profile.username, profile.name, profile.email, profile.avatarUrl])
    if (this.remembered.get(profile.id) === fingerprint) return
    await this.directory.upsert(profile)
    this.remembered.set(profile.id, fingerprint)
  }

  async contactsOf(viewer: Viewer): Promise<'everyone' | ReadonlySet<string>> {
    const contacts = await this.options.contacts(viewer)
    return contacts === 'everyone' ? contacts : new Set(contacts)
  }

  /** The ids among `ids` the viewer may not message or add: unknown users and users outside their contact list. */
  async refusedContacts(viewer: Viewer, ids: readonly string[]): Promise<string[]> {
    const contacts = await this.contactsOf(viewer)
    const known = new Set((await this.directory.get(ids)).map((p) => p.id))
    return ids.filter(
      (id) => id !== viewer.id && (!known.has(id) || (contacts !== 'everyone' && !contacts.has(id))),
    )
  }

  async search(viewer: Viewer, query: string, limit: number): Promise<UserView[]> {
    const contacts = await this.contactsOf(viewer)
    const within = contacts === 'everyone' ? undefined : [...contacts]
    const profiles = await this.directory.search(query, { limit, ...(within ? { within } : {}) })
    return profiles.map((p) => this.view(p))
  }
}
