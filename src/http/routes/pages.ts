import { type OpenAPIHono, z } from '@hono/zod-openapi'
import type { Embed } from '../../embed.js'
import type { PageParts } from '../../options.js'
import { UserSchema } from '../../schemas.js'
import { blockedIds } from '../../services/blocks.js'
import type { ApiEnv } from '../env.js'
import { defineRoute } from '../route.js'
import type { StaticAssets } from '../static.js'

const types: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  map: 'application/json; charset=utf-8',
  css: 'text/css; charset=utf-8',
}

export const ConfigSchema = z
  .object({
    viewer: UserSchema.nullable(),
    basePath: z.string(),
    loginUrl: z.string(),
    transport: z.enum(['auto', 'websocket', 'sse', 'polling']),
    messagesPerPage: z.number().int(),
    chatsPerPage: z.number().int(),
    layout: z.object({ topOffset: z.string(), bottomOffset: z.string() }),
    showDeletedMessageIndicators: z.boolean(),
    enableDms: z.boolean(),
    enableRooms: z.boolean(),
    showRoomsOnMessagesPage: z.boolean(),
    showDmsOnMessagesPage: z.boolean(),
    allowRenamingRooms: z.boolean(),
    allowRenamingDms: z.boolean(),
    allowEditingMessages: z.boolean(),
    allowDeletingMessages: z.boolean(),
    allowReactions: z.boolean(),
    limits: z.object({ messageLength: z.number().int(), titleLength: z.number().int() }),
    /** What files a message may carry, so that the widgets refuse early what the server would; null: none. */
    attachments: z
      .object({ maxSize: z.number().int(), types: z.array(z.string()), perMessage: z.number().int() })
      .nullable(),
    /** The people the viewer blocked: the widgets hide what they write in groups and rooms. */
    blockedUserIds: z.array(z.string()),
  })
  .openapi('Config')

function defaultPage({ title, head, body }: PageParts): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
${head}
<style>html,body{margin:0;height:100%}body{font-family:system-ui,sans-serif}palaver-messages{display:block;height:100dvh}</style>
</head>
<body>
${body}
</body>
</html>`
}

/** The messages page, the widget bundle, and the settings the widgets read. */
export function pageRoutes(app: OpenAPIHono<ApiEnv>, assets: StaticAssets, embed: Embed): void {
  app.get('/static/:file', (c) => {
    const requested = c.req.param('file')
    // The unversioned name always answers the current bundle, for pages that cannot know its hash.
    const file = requested === 'palaver.js' ? assets.bundle : requested
    const body = file ? assets.read(file) : null
    if (!body)
      return c.json({ error: { code: 'not_found', message: 'No such file (was `npm run build` run?)' } }, 404)
    const versioned = requested !== 'palaver.js'
    return c.body(body as Uint8Array<ArrayBuffer>, 200, {
      'content-type': types[requested.split('.').pop() ?? ''] ?? 'application/octet-stream',
      'cache-control': versioned ? 'public, max-age=31536000, immutable' : 'no-cache',
      'x-content-type-options': 'nosniff',
    })
  })

  app.get('/', async (c) => {
    const { options } = c.var.ctx
    const html = await (options.pageLayout ?? defaultPage)({
      title: 'Messages',
      head: embed.script(),
      body: `<palaver-messages base-path="${options.basePath}"></palaver-messages>`,
      request: c.req.raw,
      viewer: c.var.viewer,
    })
    return c.html(html, 200, { 'cache-control': 'no-store' })
  })

  defineRoute(
    app,
    {
      method: 'get',
      path: '/api/config/',
      summary: 'The signed-in user (or null) and the settings the widgets follow',
      tag: 'Pages',
      ok: 200,
      response: ConfigSchema,
      anonymous: true,
    },
    async ({ c }) => {
      const o = c.var.ctx.options
      return {
        viewer: c.var.viewer,
        basePath: o.basePath,
        loginUrl: o.loginUrl,
        transport: o.transport,
        messagesPerPage: o.messagesPerPage,
        chatsPerPage: o.chatsPerPage,
        layout: o.layout,
        showDeletedMessageIndicators: o.showDeletedMessageIndicators,
        enableDms: o.enableDms,
        enableRooms: o.enableRooms,
        showRoomsOnMessagesPage: o.showRoomsOnMessagesPage,
        showDmsOnMessagesPage: o.showDmsOnMessagesPage,
        allowRenamingRooms: o.allowRenamingRooms,
        allowRenamingDms: o.allowRenamingDms,
        allowEditingMessages: o.allowEditingMessages,
        allowDeletingMessages: o.allowDeletingMessages,
        allowReactions: o.allowReactions,
        limits: { messageLength: o.limits.messageLength, titleLength: o.limits.titleLength },
        attachments:
          o.attachments === false
            ? null
            : {
                maxSize: o.attachments.maxSize,
                types: [...o.attachments.types],
                perMessage: o.attachments.perMessage,
              },
        blockedUserIds: c.var.viewer ? await blockedIds(c.var.ctx.db, c.var.viewer.id) : [],
      }
    },
  )
}
