import type { Hub } from '../realtime/hub.js'
import type { Context } from '../services/context.js'
import type { Viewer } from '../services/users.js'

/** What the HTTP layer keeps per request. */
export interface ApiEnv {
  Variables: {
    viewer: Viewer | null
    ctx: Context
    hub: Hub
  }
}
