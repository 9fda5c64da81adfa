import { describe, expect, it } from 'vitest'
import { countryCodeOf, waIdFor } from './recipients.js'

describe('waIdFor', () => {
  it.each([
    { to: '+1 (650) 555-1234', cc: '1', waId: '16505551234' },
    { to: '6505551234', cc: '1', waId: '16505551234' },
    { to: '16505551234', cc: '1', waId: '16505551234' },
    { to: '447700900123', cc: '1', waId: '1447700900123' },
    { to: '+44 7700 900123', cc: '1', waId: '447700900123' },
    { to: '+55 11 98765-4321', cc: '1', waId: '551187654321' },
    { to: '+52 55 1234 5678', cc: '1', waId: '5215512345678' },
    { to: 'call me', cc: '1', waId: undefined },
    { to: '+0123456789', cc: '1', waId: undefined },
  ])('$to from a +$cc business → $waId', ({ to, cc, waId }) => {
    expect(waIdFor(to, cc)).toBe(waId)
  })

  it('finds 1-, 2- and 3-digit country codes', () => {
    expect(['15550783881', '447700900123', '5511987654321', '351912345678', '79161234567'].map(countryCodeOf)).toEqual(['1', '44', '55', '351', '7'])
  })
})
