import { describe, expect, it } from 'vitest'
import { TokenBucket } from './token-bucket.js'

describe('TokenBucket', () => {
  it('starts full, refuses when empty, refills at the rate and never above capacity', () => {
    const bucket = new TokenBucket(3, 2, 0)
    expect([bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([true, true, true, false])
    expect(bucket.take(400)).toBe(false)
    expect(bucket.take(500)).toBe(true)
    expect(bucket.available(100_000)).toBe(3)
  })

  it('models the pair rate: 45 at once, then one per 6 s', () => {
    const pair = new TokenBucket(45, 1 / 6, 0)
    let accepted = 0
    for (let i = 0; i < 60; i += 1) if (pair.take(0)) accepted += 1
    expect(accepted).toBe(45)
    expect(pair.take(5_999)).toBe(false)
    expect(pair.take(6_000)).toBe(true)
  })

  it('drain uses capacity without ever refusing or going negative', () => {
    const bucket = new TokenBucket(1, 1, 0)
    bucket.drain(0)
    bucket.drain(0)
    expect(bucket.take(0)).toBe(false)
    expect(bucket.take(1000)).toBe(true)
  })
})
