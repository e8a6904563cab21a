/**
 * The RIVAL: Socket.IO with rooms, the way its documentation shows a chat. A client names its rooms in
 * the handshake query (`rooms=a,b`) and emits `msg` with `{room, body, t}`; the server relays it with
 * `socket.to(room).emit('msg', data)`, which encodes the packet once for all recipients.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Server } from 'socket.io'
import { serveStats } from './process-stats.js'

const server = createServer()
const io = new Server(server, { serveClient: false, perMessageDeflate: false })

io.on('connection', (socket) => {
  const names = String(socket.handshake.query.rooms ?? '')
    .split(',')
    .filter(Boolean)
  for (const name of names) void socket.join(name)
  socket.on('msg', (data: { room?: unknown }) => {
    if (typeof data?.room !== 'string') return
    socket.to(data.room).emit('msg', data)
  })
})

server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () =>
  serveStats((server.address() as AddressInfo).port, () => io.engine.clientsCount),
)
