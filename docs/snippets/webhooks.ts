// The README's webhooks blocks, type-checked by `npm test` (test/webhooks.test.ts covers the behaviour).
import express from 'express'
import { createPalaver, verifyWebhook } from 'palaver'

declare const getUser: Parameters<typeof createPalaver>[0]['getUser']
declare const sendPushNotification: (message: unknown) => Promise<void>
declare const alreadyHandled: (deliveryId: string) => Promise<boolean>

// #region options
const palaver = await createPalaver({
  database: { postgres: process.env.DATABASE_URL! },
  getUser,
  webhooks: [
    {
      url: 'https://notifications.example.com/palaver',
      secret: process.env.PALAVER_WEBHOOK_SECRET!,
      events: ['message.created', 'member.added'], // all persisted events when absent
    },
  ],
})
// #endregion

// #region receiver
const app = express()
// The raw body: the signature covers the bytes as they were sent.
app.post('/palaver', express.text({ type: 'application/json' }), async (request, response) => {
  const signature = request.get('palaver-signature')
  if (!verifyWebhook({ secret: process.env.PALAVER_WEBHOOK_SECRET!, body: request.body, signature }))
    return void response.sendStatus(401)
  // At least once: the same delivery may come again (after a timeout, say); its id tells.
  if (await alreadyHandled(request.get('palaver-delivery')!)) return void response.sendStatus(200)
  const event = JSON.parse(request.body)
  if (event.type === 'message.created') await sendPushNotification(event.data.message)
  response.sendStatus(200) // anything else, or no answer in 10 s, is tried again later
})
// #endregion

void palaver
