// The README's metrics block, type-checked by `npm test` (test/metrics.test.ts covers the behaviour).
import type { Express, RequestHandler } from 'express'
import type { Palaver } from 'palaver'

declare const palaver: Palaver
declare const app: Express
declare const adminsOnly: RequestHandler

// #region readme
import { collectDefaultMetrics, Registry } from 'prom-client'

const processMetrics = new Registry()
collectDefaultMetrics({ register: processMetrics }) // CPU, memory, event-loop lag, GC
const everything = Registry.merge([processMetrics, palaver.metrics.registry])

app.get('/metrics', adminsOnly, async (_request, response) => {
  response.type(everything.contentType).send(await everything.metrics())
})
// #endregion
