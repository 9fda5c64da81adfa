import { describe, expect, it } from 'vitest'
import { formatDateTime, formatMoney, snippet, whatsappDigits } from './format.js'
import { prefillValues } from './template-prefill.js'
import { decodeContact } from './card-state.js'

describe('format', () => {
  it('formats an instant in the user\'s offset', () => {
    expect(formatDateTime('2026-03-02T23:30:00.000Z', 3_600_000)).toBe('3 Mar 2026, 00:30')
  })

  it.each([
    { amount: 12000, currency: 'EUR', expected: '12,000 EUR' },
    { amount: 1500.5, currency: 'USD', expected: '1,500.50 USD' },
    { amount: null, currency: 'USD', expected: null },
  ])('formatMoney($amount, $currency)', ({ amount, currency, expected }) => {
    expect(formatMoney(amount, currency)).toBe(expected)
  })

  it('cuts a snippet without splitting an emoji', () => {
    expect(snippet('ab🚢cd', 4)).toBe('ab…')
    expect(snippet('a\n  b', 10)).toBe('a b')
  })

  it('prefers the WhatsApp id over the first phone', () => {
    expect(whatsappDigits({ whatsappId: '4477', phones: ['+1 555'] })).toBe('4477')
    expect(whatsappDigits({ whatsappId: null, phones: [] })).toBeNull()
  })
})

describe('prefillValues', () => {
  it('fills names, company and contact fields it recognises, and nothing else', () => {
    const values = prefillValues([
      { key: 'body.1', name: '1', kind: 'text' },
      { key: 'body.first_name', name: 'First Name', kind: 'text' },
      { key: 'body.company', name: 'company', kind: 'text' },
      { key: 'header.media', name: 'media', kind: 'image' },
    ], { name: 'Grace Brewster Hopper', email: null, phone: null, company: 'Navy' })
    expect(values).toEqual({ 'body.first_name': 'Grace', 'body.company': 'Navy' })
  })
})

describe('card state', () => {
  it('refuses a parameter that is not the record it should be, as a stale card', () => {
    expect(() => decodeContact('{"id":"c"}')).toThrow(expect.objectContaining({ code: 'SB_CLIENT_STALE_CARD' }))
    expect(() => decodeContact('not json')).toThrow(expect.objectContaining({ code: 'SB_CLIENT_STALE_CARD' }))
  })
})
