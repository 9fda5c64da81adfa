import { describe, expect, it } from 'vitest'
import { GIVE_UP_AFTER_MS, nextAttempt, RETRY_DELAYS_MS, retryAfterMs } from './retry-schedule.js'

const T0 = Date.parse('2026-11-20T10:00:00Z')

describe('webhook retry schedule', () => {
  it('waits longer after each failure, within ±20 % jitter', () => {
    for (let attempts = 1; attempts <= RETRY_DELAYS_MS.length; attempts++) {
      const step = RETRY_DELAYS_MS[attempts - 1]!
      const at = (random: number): number => (nextAttempt({ attempts, queuedAtMs: T0, nowMs: T0, random: () => random }) as { at: number }).at - T0
      expect(at(0.5)).toBe(step)
      expect(at(0)).toBe(Math.round(step * 0.8))
      expect(at(0.999999)).toBeLessThanOrEqual(Math.round(step * 1.2))
    }
    // The last step repeats.
    expect(nextAttempt({ attempts: 30, queuedAtMs: T0, nowMs: T0, random: () => 0.5 })).toEqual({ at: T0 + RETRY_DELAYS_MS.at(-1)! })
  })

  it('honours a longer Retry-After, up to six hours', () => {
    expect(nextAttempt({ attempts: 1, queuedAtMs: T0, nowMs: T0, retryAfterMs: 120_000, random: () => 0.5 })).toEqual({ at: T0 + 120_000 })
    expect(nextAttempt({ attempts: 5, queuedAtMs: T0, nowMs: T0, retryAfterMs: 1000, random: () => 0.5 })).toEqual({ at: T0 + RETRY_DELAYS_MS[4]! })
    expect(nextAttempt({ attempts: 1, queuedAtMs: T0, nowMs: T0, retryAfterMs: 48 * 3_600_000, random: () => 0.5 })).toEqual({ at: T0 + 6 * 3_600_000 })
  })

  it('makes a last attempt at the 24-hour mark and gives up after it', () => {
    const lateNow = T0 + GIVE_UP_AFTER_MS - 60_000
    expect(nextAttempt({ attempts: 9, queuedAtMs: T0, nowMs: lateNow, random: () => 0.5 })).toEqual({ at: T0 + GIVE_UP_AFTER_MS })
    expect(nextAttempt({ attempts: 10, queuedAtMs: T0, nowMs: T0 + GIVE_UP_AFTER_MS, random: () => 0.5 })).toBe('give_up')
  })

  it('reads Retry-After as seconds or as an HTTP date, and ignores what it cannot read', () => {
    expect(retryAfterMs('120', T0)).toBe(120_000)
    expect(retryAfterMs(new Date(T0 + 90_000).toUTCString(), T0)).toBe(90_000)
    expect(retryAfterMs(new Date(T0 - 90_000).toUTCString(), T0)).toBe(0)
    expect(retryAfterMs('soon', T0)).toBeUndefined()
    expect(retryAfterMs(undefined, T0)).toBeUndefined()
  })
})
