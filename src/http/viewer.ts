import type { Context } from '../services/context.js'
import type { Viewer } from '../services/users.js'

/** Who sent a request, by the host's getUser; their profile is kept in Palaver's directory when it owns one. */
export async function viewerOfRequest(ctx: Context, request: Request): Promise<Viewer | null> {
  const profile = await ctx.options.getUser(request)
  if (!profile) return null
  await ctx.users.remember(profile)
  return ctx.users.viewerOf(profile)
}
