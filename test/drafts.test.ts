import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import {
  type AttachmentView,
  type ConnectionEvents,
  Emitter,
  type MessageView,
  type PalaverEvent,
} from '../src/client/index.js'
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

/**
 * A site's localStorage shared by its tabs, as a browser has it: each tab's writes fire `storage` at
 * the other tabs, never at itself.
 */
function site() {
  const { storage: shared, map } = memoryStorage()
  const windows: EventTarget[] = []
  const tell = (from: EventTarget, key: string, newValue: string | null) => {
    for (const other of windows)
      if (other !== from) other.dispatchEvent(Object.assign(new Event('storage'), { key, newValue }))
  }
  return {
    map,
    tab() {
      const events = new EventTarget()
      windows.push(events)
      const storage: Storage = {
        ...shared,
        get length() {
          return shared.length
        },
        setItem(key, value) {
          shared.setItem(key, value)
          tell(events, key, value)
        },
        removeItem(key) {
          shared.removeItem(key)
          tell(events, key, null)
        },
      }
      return new DraftBook(PREFIX, () => storage, events as unknown as Window)
    },
  }
}

/** The live connection's events, as a widget's connection brings them. */
class Live extends Emitter<ConnectionEvents> {
  hear(event: PalaverEvent): void {
    this.emit('event', event)
  }
}
const connection = () => new Live()

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

  test('another tab’s draft comes in while a widget follows the book: the list hears of it, and its sending empties it here', () => {
    const { map, tab } = site()
    const a = tab()
    const b = tab()
    b.follow(connection())
    const heard: number[] = []
    b.on('change', ({ chatId }) => heard.push(chatId))

    a.draft(5).write('Hello @Bob Brown', [{ id: 'bob', displayName: 'Bob Brown' }])
    a.draft(5).answer(message)
    expect(b.listed(5)).toBeNull()
    vi.advanceTimersByTime(400)
    const draft = b.draft(5)
    expect(b.listed(5)).toBe(draft)
    expect([draft.text, draft.mentions, draft.replyTo?.id]).toEqual([
      'Hello @Bob Brown',
      [{ id: 'bob', displayName: 'Bob Brown' }],
      41,
    ])
    expect(heard).toEqual([5])

    // Sent in the other tab: gone here too, and this tab writes nothing back.
    const echoed = vi.spyOn(a, 'reread')
    a.draft(5).clear()
    vi.advanceTimersByTime(400)
    expect([draft.text, draft.replyTo, b.listed(5)]).toEqual(['', null, null])
    expect(heard).toEqual([5, 5])
    vi.advanceTimersByTime(400)
    expect(map.size).toBe(0)
    expect(echoed).not.toHaveBeenCalled()
  })

  test('text being written here is kept; what another tab wrote shows once the focus leaves for another tab, unless written here since', () => {
    const { map, tab } = site()
    const a = tab()
    const b = tab()
    a.follow(connection())
    b.follow(connection())
    const mine = b.draft(7)
    mine.editing = true
    mine.write('Mine', [])
    vi.advanceTimersByTime(400)
    expect(a.draft(7).text).toBe('Mine')

    a.draft(7).write('Theirs', [])
    vi.advanceTimersByTime(400)
    expect(mine.text).toBe('Mine')
    // The focus went elsewhere on the page (the Send button): the text under it stays.
    mine.leave(false)
    expect(mine.text).toBe('Mine')
    // Then to the other tab: what it wrote shows here.
    mine.editing = true
    mine.leave(true)
    expect(mine.text).toBe('Theirs')

    // Written here after the other tab's change: this tab's text is the newer, and is written.
    mine.editing = true
    a.draft(7).write('Theirs again', [])
    vi.advanceTimersByTime(400)
    mine.write('Mine again', [])
    mine.leave(true)
    expect(mine.text).toBe('Mine again')
    vi.advanceTimersByTime(400)
    expect(JSON.parse(map.get(`${PREFIX}7`)!).text).toBe('Mine again')

    // Not yet written (within the save delay), though not focused: the change not written wins too.
    mine.write('Mine, unsaved', [])
    a.draft(7).write('Theirs, later', [])
    a.flush()
    expect(mine.text).toBe('Mine, unsaved')
    vi.advanceTimersByTime(400)
    expect(JSON.parse(map.get(`${PREFIX}7`)!).text).toBe('Mine, unsaved')
  })

  test('a book no widget follows hears no other tab; followed again, it reads what changed meanwhile', () => {
    const { tab } = site()
    const a = tab()
    const b = tab()
    const release = b.follow(connection())
    release()
    a.draft(3).write('Written while no widget showed the book', [])
    a.flush()
    expect(b.listed(3)).toBeNull()
    b.follow(connection())
    expect(b.listed(3)?.text).toBe('Written while no widget showed the book')
  })

  test('a reply whose message was deleted drops from the draft when the connection says so, in a chat not open', () => {
    const { storage, map } = memoryStorage()
    const book = new DraftBook(PREFIX, () => storage)
    const live = connection()
    book.follow(live)
    const draft = book.draft(5)
    draft.write('Lunch at noon?', [])
    draft.answer(message)
    vi.advanceTimersByTime(400)
    const deleted = (messageId: number, chatId = 5) =>
      live.hear({
        cursor: 1,
        type: 'message.deleted',
        chatId,
        data: { messageId, chatId, message: { ...message, id: messageId, deleted: true, body: null } },
      })
    deleted(40)
    deleted(41, 6)
    expect(draft.replyTo?.id).toBe(41)
    deleted(41)
    expect(draft.replyTo).toBeNull()
    expect(draft.text).toBe('Lunch at noon?')
    vi.advanceTimersByTime(400)
    expect(JSON.parse(map.get(`${PREFIX}5`)!).replyTo).toBeNull()
  })
})
