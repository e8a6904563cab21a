import { describe, expect, it } from 'vitest'
import { RefusedKeys, waitText } from '../src/services/refused-keys.js'

// The sweep's memory of keys the store would not delete (the sweep itself is tested in attachments.test.ts,
// which moves the clock through the first waits; a day of doubling and ten thousand keys are cheaper here).

const MINUTE = 60_000
const HOUR = 60 * MINUTE

describe('RefusedKeys', () => {
  it('leaves a key alone 15 minutes after its first failure, twice as long after each next one, a day at most', () => {
    const keys = new RefusedKeys()
    let now = 0
    const waits: string[] = []
    for (let i = 0; i < 10; i++) {
      const { failures, wait } = keys.failed('poison', now)
      expect(failures).toBe(i + 1)
      expect(keys.waiting('poison', now + wait - 1)).toBe(true)
      expect(keys.waiting('poison', now + wait)).toBe(false)
      waits.push(waitText(wait))
      now += wait
    }
    expect(waits).toEqual([
      '15 minutes',
      '30 minutes',
      '1 hour',
      '2 hours',
      '4 hours',
      '8 hours',
      '16 hours',
      '24 hours',
      '24 hours',
      '24 hours',
    ])
  })

  it('forgets a key the store deleted: its next failure waits 15 minutes again', () => {
    const keys = new RefusedKeys()
    keys.failed('a', 0)
    keys.failed('a', 0)
    keys.deleted(['a'])
    expect(keys.waiting('a', 1)).toBe(false)
    expect(keys.failed('a', 1)).toEqual({ failures: 1, wait: 15 * MINUTE })
  })

  it('remembers ten thousand keys at most, forgetting the one whose latest failure is oldest', () => {
    const keys = new RefusedKeys()
    for (let i = 0; i < 10_000; i++) keys.failed(`key-${i}`, i)
    // key-0 fails again, so key-1's latest failure is now the oldest.
    keys.failed('key-0', 10_000)
    keys.failed('one-too-many', 10_001)
    expect(keys.waiting('key-1', 10_002)).toBe(false)
    expect(keys.waiting('key-0', 10_002)).toBe(true)
    expect(keys.waiting('key-2', 10_002)).toBe(true)
    expect(keys.waiting('one-too-many', 10_002)).toBe(true)
    // Forgotten means a fresh start, not a lost file: its next failure counts from one.
    expect(keys.failed('key-1', 10_003).failures).toBe(1)
    expect(keys.failed('key-0', 10_003).failures).toBe(3)
  })
})

describe('waitText', () => {
  it('writes minutes under an hour and hours from one', () => {
    expect([15 * MINUTE, 59 * MINUTE, HOUR, 90 * MINUTE, 24 * HOUR].map(waitText)).toEqual([
      '15 minutes',
      '59 minutes',
      '1 hour',
      '2 hours',
      '24 hours',
    ])
  })
})
