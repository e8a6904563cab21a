/**
 * The FLOOR: a bare `ws` broadcast server, the least a server can do to relay a message. No storage,
 * no authentication. A client names its rooms in the URL (`/?rooms=a,b`) and sends `{room, body, t}`;
 * the server forwards the very bytes it received to the other members of that room.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type WebSocket, WebSocketServer } from 'ws'
import { serveStats } from './process-stats.js'

const rooms = new Map<string, Set<WebSocket>>()
const server = createServer((_req, res) => res.writeHead(404).end())
const wss = new WebSocketServer({ server, perMessageDeflate: false })

wss.on('connection', (ws, req) => {
  const names = (new URL(req.url ?? '/', 'http://x').searchParams.get('rooms') ?? '')
    .split(',')
    .filter(Boolean)
  for (const name of names) {
    let members = rooms.get(name)
    if (!members) rooms.set(name, (members = new Set()))
    members.add(ws)
  }
  ws.on('error', () => {})
  ws.on('message', (data: Buffer, isBinary) => {
    let room: string
    try {
      room = (JSON.parse(data.toString()) as { room: string }).room
    } catch {
      return
    }
    const members = rooms.get(room)
    if (!members) return
    for (const peer of members)
      if (peer !== ws && peer.readyState === peer.OPEN) peer.send(data, { binary: isBinary })
  })
  ws.on('close', () => {
    for (const name of names) {
      const members = rooms.get(name)
      members?.delete(ws)
      if (members?.size === 0) rooms.delete(name)
    }
  })
})

server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () =>
  serveStats((server.address() as AddressInfo).port, () => wss.clients.size),
)
