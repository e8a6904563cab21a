import { isGuest } from '../services/guests.js'
import type { Viewer } from '../services/users.js'
import { type Hub, Subscriber } from './hub.js'
import type { Frame } from './log.js'
import type { Watches } from './watch.js'

/** About a megabyte of events per long-poll answer. */
const MAX_ANSWER_CHARS = 1024 * 1024

/**
 * Long-polling: answers `{events, ephemeral, cursor}` at once when events are waiting, else when one arrives or `waitSeconds` pass.
 * Plain polling is the same with `waitSeconds = 0`.
 */
export async function longPoll(
  hub: Hub,
  viewer: Viewer,
  options: { after: number | null; waitSeconds: number; watches: Watches; signal: AbortSignal },
): Promise<string> {
  const frames: Frame[] = []
  let bytes = 0
  const ephemeral: string[] = []
  let wake = () => {}
  const woken = new Promise<void>((resolve) => {
    wake = resolve
  })
  const sub = new Subscriber(
    viewer,
    {
      event(frame) {
        frames.push(frame)
        bytes += frame.json.length
        wake()
      },
      ephemeral(json) {
        ephemeral.push(json)
        wake()
      },
      // A client far behind gets its backlog over several answers, each asked for from the last one's cursor.
      room: () => bytes < MAX_ANSWER_CHARS,
    },
    'long-polling',
  )
  // Online until the next poll is overdue: the wait, plus time to come back.
  if (!isGuest(viewer)) hub.presence.polled(viewer.id, (options.waitSeconds + 10) * 1000)
  for (const chatId of options.watches.watching) sub.watching.add(chatId)
  try {
    hub.watchAll(sub, options.watches)
    await hub.connect(sub, options.after)
    if (frames.length === 0 && ephemeral.length === 0 && options.waitSeconds > 0) {
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        woken,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, options.waitSeconds * 1000)
          options.signal.addEventListener('abort', () => resolve(), { once: true })
        }),
      ])
      clearTimeout(timer)
      // Events of one burst usually arrive together: a moment's grace sends them in one answer.
      if (frames.length > 0) await new Promise((resolve) => setTimeout(resolve, 15))
    }
  } finally {
    hub.disconnect(sub)
  }
  const events = frames.map((f) => f.json).join(',')
  return `{"events":[${events}],"ephemeral":[${ephemeral.join(',')}],"cursor":${sub.cursor}}`
}

const encoder = new TextEncoder()
const HEARTBEAT_MS = 15_000
/** A client this far behind stops being fed: it reconnects and resumes from its cursor instead. */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024

/** Server-Sent Events: each event with its cursor as `id`, so the browser resumes with Last-Event-ID. */
export function eventStream(
  hub: Hub,
  viewer: Viewer,
  options: { after: number | null; watches: Watches; signal: AbortSignal },
): ReadableStream<Uint8Array> {
  let sub: Subscriber | undefined
  let heartbeat: NodeJS.Timeout | undefined
  // A catch-up that filled the stream's queue waits here until the reader takes some (pull) or goes away.
  let pulled: (() => void) | undefined
  const stop = () => {
    clearInterval(heartbeat)
    if (sub) hub.disconnect(sub)
    pulled?.()
  }
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const write = (text: string) => {
          if (sub?.closed) return
          if ((controller.desiredSize ?? 0) < -MAX_QUEUED_BYTES) {
            stop()
            controller.error(new Error('slow consumer'))
            return
          }
          controller.enqueue(encoder.encode(text))
        }
        sub = new Subscriber(
          viewer,
          {
            event: (frame) => write(`id: ${frame.cursor}\ndata: ${frame.json}\n\n`),
            ephemeral: (json) => write(`data: ${json}\n\n`),
            room: () =>
              sub?.closed || (controller.desiredSize ?? 0) > 0
                ? true
                : new Promise<void>((resolve) => {
                    pulled = resolve
                  }),
          },
          'sse',
        )
        hub.watchAll(sub, options.watches)
        write('retry: 2000\n\n')
        heartbeat = setInterval(() => write(': ping\n\n'), HEARTBEAT_MS)
        heartbeat.unref()
        options.signal.addEventListener('abort', () => {
          stop()
          try {
            controller.close()
          } catch {}
        })
        const ready = sub
        hub.connect(ready, options.after).then(
          () => write(`data: {"type":"ready","cursor":${ready.cursor}}\n\n`),
          (error: unknown) => {
            stop()
            controller.error(error)
          },
        )
      },
      pull() {
        const resume = pulled
        pulled = undefined
        resume?.()
      },
      cancel: stop,
    },
    { highWaterMark: MAX_QUEUED_BYTES, size: (chunk) => chunk.byteLength },
  )
}
