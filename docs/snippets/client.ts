// The README's client block, type-checked by `npm test` (test/client-*.test.ts cover the behaviour).
import type { MessageView } from 'palaver'

declare function render(message: MessageView): void

// #region readme
import { createClient } from 'palaver/client'

const client = createClient({ baseUrl: '/messages' }) // in Node: also { WebSocket } from 'ws'
client.connection.on('message.created', (event) => render(event.data.message))
client.connect()
const chat = await client.api.dm('bob')
client.send(chat.id, 'Hello!') // kept in the outbox while offline, sent once when back
// #endregion
