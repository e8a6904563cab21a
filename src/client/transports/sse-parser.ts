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
  #buffer = ''
  #data: string[] = []
  #eventType = ''
  #lastId: string | undefined
  #started = false
  #afterCR = false

  constructor(
    private readonly onEvent: (event: SseEvent) => void,
    private readonly onRetry: (ms: number) => void = () => {},
  ) {}

  feed(chunk: string): void {
    if (chunk.length === 0) return
    if (!this.#started) {
      this.#started = true
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1)
    }
    // A CR ends a line at once; an LF right after it (maybe in the next chunk) belongs to it.
    if (this.#afterCR && chunk.charCodeAt(0) === 10) chunk = chunk.slice(1)
    this.#afterCR = false
    this.#buffer += chunk
    let start = 0
    for (let i = 0; i < this.#buffer.length; i++) {
      const c = this.#buffer.charCodeAt(i)
      if (c !== 10 && c !== 13) continue
      this.#line(this.#buffer.slice(start, i))
      if (c === 13) {
        if (i + 1 === this.#buffer.length) this.#afterCR = true
        else if (this.#buffer.charCodeAt(i + 1) === 10) i++
      }
      start = i + 1
    }
    this.#buffer = this.#buffer.slice(start)
  }

  #line(line: string): void {
    if (line === '') {
      this.#dispatch()
      return
    }
    if (line.startsWith(':')) return
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    let value = colon < 0 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    switch (field) {
      case 'data':
        this.#data.push(value)
        break
      case 'event':
        this.#eventType = value
        break
      case 'id':
        if (!value.includes('\0')) this.#lastId = value
        break
      case 'retry':
        if (/^\d+$/.test(value)) this.onRetry(Number(value))
        break
    }
  }

  #dispatch(): void {
    const data = this.#data
    const event = this.#eventType || 'message'
    this.#data = []
    this.#eventType = ''
    if (data.length === 0) return
    this.onEvent({ event, data: data.join('\n'), id: this.#lastId })
  }
}
