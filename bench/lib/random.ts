/** Small deterministic random helpers: the same seed gives the same data set on every run and database. */

/** mulberry32: fast, 32-bit state, good enough for synthetic data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Mixes two integers into a seed (so per-message generators are independent of generation order). */
export function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x7f4a7c15, 0xc2b2ae35)
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

export const int = (random: () => number, min: number, max: number) =>
  min + Math.floor(random() * (max - min + 1))

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!
}

/** A standard normal variate (Box–Muller). */
export function gauss(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
}

export function shuffle<T>(random: () => number, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[items[i], items[j]] = [items[j]!, items[i]!]
  }
  return items
}

/** Samples indices in proportion to weights, by binary search over the cumulative sums. */
export class WeightedSampler {
  private readonly cumulative: Float64Array
  readonly total: number

  constructor(weights: ArrayLike<number>) {
    this.cumulative = new Float64Array(weights.length)
    let sum = 0
    for (let i = 0; i < weights.length; i++) {
      sum += weights[i]!
      this.cumulative[i] = sum
    }
    this.total = sum
  }

  sample(random: () => number): number {
    const target = random() * this.total
    let lo = 0
    let hi = this.cumulative.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (this.cumulative[mid]! <= target) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** `count` distinct indices (count must be well below the number of non-zero weights). */
  sampleDistinct(random: () => number, count: number, exclude?: ReadonlySet<number>): number[] {
    const chosen = new Set<number>()
    let guard = 0
    while (chosen.size < count && guard++ < count * 200) {
      const i = this.sample(random)
      if (!exclude?.has(i)) chosen.add(i)
    }
    return [...chosen]
  }
}
