import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import type { AttachmentView, MessageView } from '../src/client/index.js'
import { DraftBook } from '../src/elements/conversation/drafts.js'

const PREFIX = 'palaver:draft:/messages:alice:'

/** localStorage as a browser has it, in memory; `broken` makes a call throw as Safari's private mode or a full quota does. */
function memoryStorage(entries: Record<string, string> = {}) {
  const map = new Map(Object.entries(entries))
  const broken = { get: false, set: false }
  const storage = {
    get length() {
      return map.size
    },
    key: (i: number) => [...map.keys()][i] ?? null,
    getItem(key: string) {
      if (broken.get) throw new DOMException('The operation is insecure.', 'SecurityError')
      return map.get(key) ?? null
    },
    setItem(key: string, value: string) {
      if (broken.set) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError')
      map.set(key, value)
    },
    removeItem: (key: string) => void map.delete(key),
    clear: () => map.clear(),
  } satisfies Storage
  return { storage, map, broken }
}

const file = (id: number, name = `file-${id}.txt`): AttachmentView => ({
  id,
  name,
  type: 'text/plain',
  size: 1200,
  width: null,
  height: null,
  url: `/messages/api/attachments/${id}/${name}`,
})
const message = { id: 41, senderId: 'bob', body: 'Lunch?' } as MessageView
const HOUR = 3600_000

describe('drafts', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  test('a draft is written a moment after it changes, and a new page reads it back', () => {
    const { storage, map } = memoryStorage()
    const book = new DraftBook(PREFIX, () => storage)
    const draft = book.draft(5)
    draft.write('Hello @Bob Brown', [{ id: 'bob', displayName: 'Bob Brown' }])
    draft.answer(message)
    draft.write('Hello @Bob Brown, lunch at noon?', [{ id: 'bob', displayName: 'Bob Brown' }])
    expect(map.size).toBe(0)
    vi.advanceTimersByTime(400)
    expect([...map.keys()]).toEqual([`${PREFIX}5`])

    const next = new DraftBook(PREFIX, () => storage).draft(5)
    expect(next.text).toBe('Hello @Bob Brown, lunch at noon?')
    expect(next.mentions).toEqual([{ id: 'bob', displayName: 'Bob Brown' }])
    expect(next.replyTo?.id).toBe(41)
  })

  test('an emptied draft leaves storage; what is not a draft of this viewer is left alone', () => {
    const { storage, map } = memoryStorage({
      [`${PREFIX}5`]: JSON.stringify({ text: 'Old', mentions: [], replyTo: null, files: [] }),
      [`${PREFIX}6`]: '{not json',
      'palaver:draft:/messages:bob:5': JSON.stringify({
        text: 'Bob’s',
        mentions: [],
        replyTo: null,
        files: [],
      }),
      'palaver:outbox:/messages:alice': '[]',
    })
    const book = new DraftBook(PREFIX, () => storage)
    expect(map.has(`${PREFIX}6`)).toBe(false)
    expect(book.listed(5)?.text).toBe('Old')
    book.draft(5).write('  ', [])
    book.flush()
    expect([...map.keys()].sort()).toEqual([
      'palaver:draft:/messages:bob:5',
      'palaver:outbox:/messages:alice',
    ])
    expect(book.listed(5)).toBeNull()
  })

  test('a chat the viewer may no longer write in loses its draft', () => {
    const { storage, map } = memoryStorage()
    const book = new DraftBook(PREFIX, () => storage)
    book.draft(8).write('See you there', [])
    book.flush()
    expect(map.size).toBe(1)
    book.forget(8)
    book.forget(99)
    book.flush()
    expect(map.size).toBe(0)
    expect(book.listed(8)).toBeNull()
  })

  test('finished uploads come back as done chips; those older than the server keeps them do not', () => {
    const now = Date.now()
    const { storage } = memoryStorage({
      [`${PREFIX}9`]: JSON.stringify({
        text: '',
        mentions: [],
        replyTo: null,
        files: [
          { attachment: file(1, 'route.txt'), uploadedAt: now - HOUR },
          { attachment: file(2, 'stale.txt'), uploadedAt: now - 25 * HOUR },
        ],
      }),
    })
    const draft = new DraftBook(PREFIX, () => storage).draft(9)
    expect(draft.tray.items.map((item) => [item.name, item.state, item.file])).toEqual([
      ['route.txt', 'done', null],
    ])
    expect(draft.tray.ready.map((f) => f.id)).toEqual([1])
  })

  test('storage that throws (blocked, private mode, full) never breaks a draft: it stays in memory', () => {
    const { storage, broken } = memoryStorage()
    broken.get = true
    broken.set = true
    const refused = new DraftBook(PREFIX, () => storage)
    refused.draft(3).write('Still here', [])
    expect(() => refused.flush()).not.toThrow()
    expect(refused.draft(3).text).toBe('Still here')

    const missing = new DraftBook(PREFIX, () => {
      throw new DOMException('The operation is insecure.', 'SecurityError')
    })
    missing.draft(3).write('Here too', [])
    vi.advanceTimersByTime(400)
    expect(missing.listed(3)?.text).toBe('Here too')
  })

  test('the list hears of a chat whose draft line changed, not of every change', () => {
    const book = new DraftBook(PREFIX, () => undefined)
    const heard: number[] = []
    book.on('change', ({ chatId }) => heard.push(chatId))
    const draft = book.draft(4)
    draft.answer(message)
    draft.write('H', [])
    draft.write('Hi', [])
    draft.write('Hi', [])
    draft.clear()
    expect(heard).toEqual([4, 4, 4])
  })
})
