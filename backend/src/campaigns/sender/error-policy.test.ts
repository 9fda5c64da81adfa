import { describe, expect, it } from 'vitest'
import { recipientActionForCode } from './error-policy.js'
import { createLaneThrottle } from './lane-throttle.js'

describe('recipientAction: one table for both error paths', () => {
  it('131049 waits at least 24 h and counts as an attempt', () => {
    const action = recipientActionForCode(131049, { attempts: 1, maxAttempts: 5 })
    expect(action).toMatchObject({ kind: 'retry', counts: true, exhausted: false })
    expect(action.kind === 'retry' && action.delayMs).toBeGreaterThanOrEqual(24 * 3_600_000)
  })

  it('throughput and pair-rate refusals never exhaust a recipient, whatever its attempts', () => {
    expect(recipientActionForCode(130429, { attempts: 99, maxAttempts: 5 })).toMatchObject({ kind: 'retry', counts: false, exhausted: false, throttle: true })
    const pair = [0, 1, 2].map((throttled) => recipientActionForCode(131056, { attempts: 5, maxAttempts: 5, throttled }))
    expect(pair.map((a) => a.kind === 'retry' ? a.delayMs : -1)).toEqual([1000, 4000, 16000])
  })

  it('other retryable codes give up at the attempt cap or at their own limit', () => {
    expect(recipientActionForCode(2, { attempts: 5, maxAttempts: 5 })).toMatchObject({ kind: 'retry', exhausted: true })
    expect(recipientActionForCode(131000, { attempts: 3, maxAttempts: 5 })).toMatchObject({ kind: 'retry', exhausted: true })
  })

  it('stop codes requeue and name what to pause; template-wide codes pause the campaign; 131050 records the opt-out', () => {
    expect(recipientActionForCode(131048, { attempts: 1, maxAttempts: 5 })).toEqual({ kind: 'requeue', stop: 'number' })
    expect(recipientActionForCode(131037, { attempts: 1, maxAttempts: 5 })).toEqual({ kind: 'requeue', stop: 'number' })
    expect(recipientActionForCode(368, { attempts: 1, maxAttempts: 5 })).toEqual({ kind: 'requeue', stop: 'account' })
    expect(recipientActionForCode(132015, { attempts: 1, maxAttempts: 5 })).toEqual({ kind: 'requeue', stop: 'campaign' })
    expect(recipientActionForCode(131050, { attempts: 1, maxAttempts: 5 })).toEqual({ kind: 'fail', optOut: true })
    expect(recipientActionForCode(131026, { attempts: 1, maxAttempts: 5 })).toEqual({ kind: 'fail', optOut: false })
    expect(recipientActionForCode(987654, { attempts: 1, maxAttempts: 5 })).toEqual({ kind: 'fail', optOut: false })
  })
})

describe('lane throttle (adaptive rate on back-pressure)', () => {
  it('halves on a refusal, once per burst, down to the floor, and recovers while none come', () => {
    const t = createLaneThrottle({ floor: 0.2, decrease: 0.5, recoverPerSecond: 0.1, holdMs: 1000 })
    expect(t.share('n', 0)).toBe(1)
    t.slowDown('n', 0)
    t.slowDown('n', 200) // same burst
    expect(t.share('n', 200)).toBeCloseTo(0.52)
    t.slowDown('n', 1200)
    expect(t.share('n', 1200)).toBeCloseTo(0.31) // 0.52 + 0.1 × 1 s, halved
    t.slowDown('n', 2300)
    expect(t.share('n', 2300)).toBeCloseTo(0.21)
    t.slowDown('n', 3400)
    expect(t.share('n', 3400)).toBeCloseTo(0.2) // floor
    expect(t.share('other', 3400)).toBe(1)
    expect(t.share('n', 8400)).toBeCloseTo(0.7)
    expect(t.share('n', 20_000)).toBe(1)
  })
})
