/**
 * A small seeded PRNG (mulberry32): the same seed gives the same sequence, so fault
 * injection and webhook timing are reproducible in tests. Not for anything secret.
 */
export interface Random {
  /** Uniform in [0, 1). */
  next (): number
  /** Uniform integer in [min, max]. */
  between (min: number, max: number): number
  /** True with probability `p`. */
  chance (p: number): boolean
}

/** A generator for `seed`; give each concern its own stream so one's use does not shift another's. */
export function createRandom (seed: number): Random {
  let state = seed >>> 0
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    between: (min, max) => max <= min ? min : min + Math.floor(next() * (max - min + 1)),
    chance: (p) => p > 0 && next() < p,
  }
}
