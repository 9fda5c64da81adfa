import { describe, expect, it } from 'vitest'
import { currencyDigits, fromMinorUnits, isKnownCurrency, toMinorUnits } from './money.js'

describe('money', () => {
  it.each([
    { description: 'cents', amount: 19.99, currency: 'USD', minor: 1999 },
    { description: 'a whole amount', amount: 1200, currency: 'EUR', minor: 120000 },
    { description: 'a zero-decimal currency', amount: 500, currency: 'JPY', minor: 500 },
    { description: 'a three-decimal currency', amount: 1.234, currency: 'KWD', minor: 1234 },
    { description: 'a float that is not exact in binary', amount: 0.29, currency: 'USD', minor: 29 },
  ])('stores $description in minor units and reads it back', ({ amount, currency, minor }) => {
    expect(toMinorUnits(amount, currency)).toBe(minor)
    expect(fromMinorUnits(minor, currency)).toBe(amount)
  })

  it.each([
    { description: 'a third decimal in USD', amount: 19.999, currency: 'USD' },
    { description: 'any decimal in JPY', amount: 100.5, currency: 'JPY' },
    { description: 'beyond a safe integer', amount: 1e17, currency: 'USD' },
  ])('refuses $description', ({ amount, currency }) => {
    expect(() => toMinorUnits(amount, currency)).toThrow(expect.objectContaining({ code: 'SB_VALIDATION', field: 'amount' }))
  })

  it('knows real currencies only, not every three-letter code', () => {
    expect(isKnownCurrency('EUR')).toBe(true)
    expect(isKnownCurrency('XYZ')).toBe(false)
    expect(currencyDigits('BHD')).toBe(3)
  })
})
