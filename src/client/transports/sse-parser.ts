export interface SseEvent {
  /** The `event:` field, `'message'` when absent. */
  event: string
  data: string
  /** The last `id:` seen so far in the stream (it carries over, as in EventSource). */
  id: string | undefined
}

/**
 * An incremental parser of the text/event-stream format (the WHATWG HTML rules): feed it decoded
 * text in chunks of any size, it calls back once per complete event. Comments (`: ping`) only
 * prove the stream is alive; `retry:` is reported to the caller.
 */
export class SseParser {
  private buffer = ''
  private data: string[] = []
  private eventType = ''
  private lastId: string | undefined
  private started = false

  constructor(
    private readonly onEvent: (event: SseEvent) => void,
    private readonly onRetry: (ms: number) => void = () => {},
  ) {}

  feed(chunk: string): void {
    if (!this.started && chunk.length > 0) {
      this.started = true
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1)
    }
    this.buffer += chunk
    let start = 0
    for (;;) {
      let end = -1
      for (let i = start; i < this.buffer.length; i++) {
        const c = this.buffer.charCodeAt(i)
        if (c === 10 || c === 13) {
          end = i
          break
        }
      }
      if (end < 0) break
      // A CR at the very end may be the first half of CRLF: wait for the next chunk.
      if (this.buffer.charCodeAt(end) === 13 && end === this.buffer.length - 1) break
      this.line(this.buffer.slice(start, end))
      start = end + (this.buffer.charCodeAt(end) === 13 && this.buffer.charCodeAt(end + 1) === 10 ? 2 : 1)
    }
    this.buffer = this.buffer.slice(start)
  }

  private line(line: string): void {
    if (line === '') {
      this.dispatch()
      return
    }
    if (line.startsWith(':')) return
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    let value = colon < 0 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    switch (field) {
      case 'data':
        this.data.push(value)
        break
      case 'event':
        this.eventType = value
        break
      case 'id':
        if (!value.includes('\0')) this.lastId = value
        break
      case 'retry':
        if (/^\d+$/.test(value)) this.onRetry(Number(value))
        break
    }
  }

  private dispatch(): void {
    const data = this.data
    const event = this.eventType || 'message'
    this.data = []
    this.eventType = ''
    if (data.length === 0) return
    this.onEvent({ event, data: data.join('\n'), id: this.lastId })
  }
}
