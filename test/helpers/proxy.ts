import { createConnection, createServer, type Server, type Socket } from 'node:net'

/**
 * What a trapped statement's answer becomes: 'drop' closes the connection without a byte of it, 'fatal'
 * passes on everything but the final ReadyForQuery and then a FATAL error, as a backend terminated just
 * after its commit would. Either way PostgreSQL has run the statement, COMMIT included, to its end.
 */
export type AnswerFault = 'drop' | 'fatal'

/** A TCP proxy the test controls: `cut()` is the database going away, `restore()` it coming back. */
export class TcpProxy {
  private server: Server | undefined
  private readonly sockets = new Set<Socket>()
  private trap: { matches: (sql: string) => boolean; fault: AnswerFault; sprung: () => void } | undefined
  port = 0

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(port = 0): Promise<number> {
    this.server = createServer((client) => {
      const upstream = createConnection(this.targetPort, this.targetHost)
      for (const socket of [client, upstream]) {
        this.sockets.add(socket)
        socket.on('close', () => this.sockets.delete(socket))
        socket.on('error', () => {})
      }
      this.relay(client, upstream)
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
    })
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve))
    this.port = (this.server.address() as { port: number }).port
    return this.port
  }

  /**
   * Spoils the answer to the next statement whose SQL `matches` (a simple query, or the extended protocol's
   * Bind of a statement parsed on that connection): the statement reaches PostgreSQL and runs, and its
   * client gets `fault` instead of the answer. Resolves once it was sprung.
   */
  loseAnswer(matches: (sql: string) => boolean, fault: AnswerFault): Promise<void> {
    return new Promise((sprung) => {
      this.trap = { matches, fault, sprung }
    })
  }

  /** Drops every open connection and refuses new ones. */
  async cut(): Promise<void> {
    for (const socket of this.sockets) socket.destroy()
    await new Promise((resolve) => this.server?.close(resolve))
  }

  async restore(): Promise<void> {
    if (!this.server?.listening) await this.start(this.port)
  }

  async stop(): Promise<void> {
    await this.cut()
  }

  /** Passes bytes both ways, reading the client's messages for the trap's SQL. */
  private relay(client: Socket, upstream: Socket): void {
    const statements = new Map<string, string>()
    let fault: AnswerFault | undefined
    const answer = new MessageReader(true)
    const requests = new MessageReader(false)
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk)
      for (const { type, body } of requests.read(chunk)) {
        const sql = sqlOf(type, body, statements)
        const trap = this.trap
        if (sql === undefined || !trap?.matches(sql)) continue
        this.trap = undefined
        fault = trap.fault
        trap.sprung()
      }
    })
    upstream.on('data', (chunk: Buffer) => {
      if (!fault) return void client.write(chunk)
      // Held until ReadyForQuery: by then PostgreSQL has committed the statement.
      for (const { type, raw } of answer.read(chunk)) {
        if (type !== 'Z') {
          if (fault === 'fatal') client.write(raw)
          continue
        }
        if (fault === 'fatal') client.write(terminatedByAdministrator())
        client.destroy()
        upstream.destroy()
        return
      }
    })
  }
}

/** The SQL a client message runs, when it runs one; Parse is remembered for the Binds that follow it. */
function sqlOf(type: string, body: Buffer, statements: Map<string, string>): string | undefined {
  if (type === 'Q') return cString(body, 0).text
  if (type === 'P') {
    const name = cString(body, 0)
    statements.set(name.text, cString(body, name.end).text)
    return undefined
  }
  if (type === 'B') return statements.get(cString(body, cString(body, 0).end).text)
  return undefined
}

function cString(buffer: Buffer, start: number): { text: string; end: number } {
  const zero = buffer.indexOf(0, start)
  return { text: buffer.toString('utf8', start, zero), end: zero + 1 }
}

/** Splits a byte stream into PostgreSQL protocol messages (after the untyped startup message, for a client's). */
class MessageReader {
  private pending = Buffer.alloc(0)

  constructor(private started: boolean) {}

  *read(chunk: Buffer): Generator<{ type: string; body: Buffer; raw: Buffer }> {
    this.pending = Buffer.concat([this.pending, chunk])
    for (;;) {
      const typed = this.started ? 1 : 0
      if (this.pending.length < typed + 4) return
      const length = this.pending.readInt32BE(typed)
      if (this.pending.length < typed + length) return
      const raw = this.pending.subarray(0, typed + length)
      this.pending = this.pending.subarray(typed + length)
      if (!this.started) {
        this.started = true
        continue
      }
      yield { type: String.fromCharCode(raw[0]!), body: raw.subarray(5), raw }
    }
  }
}

/** An ErrorResponse as a backend sends it when pg_terminate_backend ends its session. */
function terminatedByAdministrator(): Buffer {
  const fields = [
    ['S', 'FATAL'],
    ['V', 'FATAL'],
    ['C', '57P01'],
    ['M', 'terminating connection due to administrator command'],
  ]
  const body = Buffer.concat([
    ...fields.map(([code, text]) => Buffer.from(`${code}${text}\0`)),
    Buffer.from([0]),
  ])
  const header = Buffer.alloc(5)
  header.write('E')
  header.writeInt32BE(body.length + 4, 1)
  return Buffer.concat([header, body])
}
