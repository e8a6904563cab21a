import {
  type Connection,
  Http,
  localStorageOutbox,
  PalaverClient,
  type TransportPreference,
} from '../client/index.js'
import { type BlockList, followBlocks } from './blocking.js'
import { fetchConfig, type PalaverConfig } from './config.js'
import { OnlineList } from './presence.js'
import { notePalaverBase } from './urls.js'

/**
 * What every widget on a page shares for one base path: the settings (fetched once), one client
 * with its outbox, one real-time connection that is open while at least one widget needs it, the
 * people the viewer blocked, and who of the people the widgets show is online.
 */
export class Runtime {
  readonly basePath: string
  readonly http: Http
  #configPromise: Promise<PalaverConfig> | null = null
  #clientInstance: PalaverClient | null = null
  #blockList: Promise<BlockList> | null = null
  #onlineList: Promise<OnlineList> | null = null
  #users = 0

  /** 'include' for Palaver on another origin than the page's, so that the viewer's cookies go along. */
  readonly #credentials: RequestCredentials | undefined

  constructor(basePath: string) {
    this.basePath = basePath
    notePalaverBase(basePath)
    this.#credentials = crossOrigin(basePath) ? 'include' : undefined
    this.http = new Http({ baseUrl: basePath, ...(this.#credentials && { credentials: this.#credentials }) })
  }

  /** The settings and the viewer; fetched once (a failed fetch is tried again on the next call). */
  config(): Promise<PalaverConfig> {
    this.#configPromise ??= fetchConfig(this.http).catch((error: unknown) => {
      this.#configPromise = null
      throw error
    })
    return this.#configPromise
  }

  /** The client, created with the transport the site pins and an outbox kept in localStorage per viewer. */
  async client(): Promise<PalaverClient> {
    const config = await this.config()
    if (!this.#clientInstance) {
      this.#clientInstance = new PalaverClient({
        baseUrl: this.basePath,
        ...(this.#credentials && { credentials: this.#credentials }),
        transport: config.transport as TransportPreference,
        outbox: {
          storage: localStorageOutbox(`palaver:outbox:${this.basePath}:${config.viewer?.id ?? ''}`),
        },
      })
    }
    return this.#clientInstance
  }

  /** The people the viewer blocked, kept current for every widget of this base path. */
  blocks(): Promise<BlockList> {
    this.#blockList ??= Promise.all([this.config(), this.client()]).then(
      ([config, client]) => followBlocks(client, config.blockedUserIds),
      (error: unknown) => {
        this.#blockList = null
        throw error
      },
    )
    return this.#blockList
  }

  /** Who of the people the widgets show is online, kept current for every widget of this base path. */
  presence(): Promise<OnlineList> {
    this.#onlineList ??= Promise.all([this.client(), this.blocks()]).then(
      ([client, blocks]) => new OnlineList(client.api, client.connection, blocks),
      (error: unknown) => {
        this.#onlineList = null
        throw error
      },
    )
    return this.#onlineList
  }

  /** Takes a share of the live connection (opening it for the first one); call the returned function to give it back. */
  async retain(): Promise<{ connection: Connection; release: () => void }> {
    const client = await this.client()
    this.#users++
    client.connect()
    let released = false
    return {
      connection: client.connection,
      release: () => {
        if (released) return
        released = true
        // The last widget that needed it is gone: the connection closes.
        if (--this.#users === 0) client.connection.close()
      },
    }
  }
}

/** A `base-path` such as `https://chat.example.com/messages`, on another origin than the page. */
function crossOrigin(basePath: string): boolean {
  return /^[a-z][a-z\d+.-]*:/i.test(basePath) && new URL(basePath).origin !== globalThis.location?.origin
}

const runtimes = new Map<string, Runtime>()

/** The runtime of a base path on this page: created on first use, then shared. */
export function runtimeFor(basePath: string | null | undefined): Runtime {
  const key = (basePath || '/messages').replace(/\/+$/, '')
  let runtime = runtimes.get(key)
  if (!runtime) runtimes.set(key, (runtime = new Runtime(key)))
  return runtime
}

/** Waits for the connection to be open (or gives up after `ms`: history then loads anyway and the stream catches up). */
export function whenOpen(connection: Connection, ms = 4000): Promise<void> {
  if (connection.state === 'open') return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    const off = connection.on('ready', done)
    function done() {
      clearTimeout(timer)
      off()
      resolve()
    }
  })
}
