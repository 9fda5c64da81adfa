import { describe, expect, it } from 'vitest'
import { advanceStatus, statusFromWebhook } from './message-status.js'

describe('advanceStatus', () => {
  it.each([
    { current: 'accepted', incoming: 'sent', expected: 'sent' },
    { current: 'sent', incoming: 'delivered', expected: 'delivered' },
    { current: 'delivered', incoming: 'sent', expected: 'delivered' },
    { current: 'read', incoming: 'delivered', expected: 'read' },
    { current: 'sent', incoming: 'read', expected: 'read' },
    { current: 'sent', incoming: 'failed', expected: 'failed' },
    { current: 'failed', incoming: 'delivered', expected: 'failed' },
    { current: 'read', incoming: 'failed', expected: 'read' },
    { current: 'unknown', incoming: 'sent', expected: 'sent' },
    { current: 'sending', incoming: 'delivered', expected: 'delivered' },
  ] as const)('$current + $incoming → $expected', ({ current, incoming, expected }) => {
    expect(advanceStatus(current, incoming)).toBe(expected)
  })

  it('reads played as read and ignores names it does not know', () => {
    expect(statusFromWebhook('played')).toBe('read')
    expect(statusFromWebhook('deleted')).toBeUndefined()
  })
})
