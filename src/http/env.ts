import type { Hub } from '../realtime/hub.js'
import type { Context } from '../services/context.js'
import type { Viewer } from '../services/users.js'

/** Where a request came from: adapters fill it in from the socket. */
export interface ConnectionInfo {
  remoteAddress?: string
}

/** What the HTTP layer keeps per request. */
export interface ApiEnv {
  /** What only the server that accepted the connection knows (see `Palaver.fetch`). */
  Bindings: ConnectionInfo
  Variables: {
    viewer: Viewer | null
    ctx: Context
    hub: Hub
  }
}
