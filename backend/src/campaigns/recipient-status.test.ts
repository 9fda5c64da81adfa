import { describe, expect, it } from 'vitest'
import { advanceRecipient } from './recipient-status.js'

describe('advanceRecipient', () => {
  it.each([
    { current: 'pending', incoming: 'sending', expected: 'sending' },
    { current: 'sending', incoming: 'sent', expected: 'sent' },
    { current: 'unknown', incoming: 'delivered', expected: 'delivered' },
    { current: 'delivered', incoming: 'sent', expected: 'delivered' },
    { current: 'read', incoming: 'failed', expected: 'read' },
    { current: 'sent', incoming: 'failed', expected: 'failed' },
    { current: 'failed', incoming: 'read', expected: 'failed' },
    { current: 'pending', incoming: 'cancelled', expected: 'cancelled' },
    { current: 'sending', incoming: 'cancelled', expected: 'sending' },
    { current: 'cancelled', incoming: 'sending', expected: 'cancelled' },
  ] as const)('$current + $incoming → $expected', ({ current, incoming, expected }) => {
    expect(advanceRecipient(current, incoming)).toBe(expected)
  })
})
