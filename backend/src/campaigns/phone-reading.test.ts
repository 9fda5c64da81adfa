import { describe, expect, it } from 'vitest'
import { phoneFromCell, readingsOf, readPhone } from './phone-reading.js'
import { checkRows } from './row-validation.js'

// The backend's own parser, as row validation uses it: the rule is tested with real phone metadata.
const template = { components: [], parameterFormat: 'POSITIONAL' as const, category: 'MARKETING' as const }
const check = (phone: string, defaultCountry: string, phoneCell?: 'text' | 'number') =>
  checkRows([{ rowKey: 'r1', phone, phoneCell, variables: {} }], { template, defaultCountry, optedOut: new Set(), phonesInCampaign: new Map() })

describe('recipient validation never re-homes a number', () => {
  it('refuses 33612345678 in a German workspace as ambiguous, showing both readings (it was queued as +4933612345678)', () => {
    const { valid, rejected } = check('33612345678', 'DE')
    expect(valid).toEqual([])
    expect(rejected).toEqual([{ rowKey: 'r1', problem: 'phone_ambiguous', detail: '+33612345678 or +4933612345678' }])
    expect(readingsOf(rejected[0]!.detail)).toEqual(['+33612345678', '+4933612345678'])
  })

  it('refuses a number from a Number cell whose + may be lost (its international reading is another number)', () => {
    expect(check('33612345678', 'US', 'number').rejected).toEqual([{ rowKey: 'r1', problem: 'phone_ambiguous', detail: '+33612345678' }])
    expect(check('33612345678', 'DE', 'number').rejected[0]).toMatchObject({ problem: 'phone_ambiguous', detail: '+33612345678 or +4933612345678' })
  })

  it('accepts a Number cell whose only reading is national, or whose readings agree (a lost trunk 0 moves nothing)', () => {
    expect(check('4155550123', 'US', 'number').valid[0]).toMatchObject({ phone: '+14155550123' })
    expect(check('19175000100', 'US', 'number').valid[0]).toMatchObject({ phone: '+19175000100' })
  })

  it.each([
    { phone: '+33 6 12 34 56 78', country: 'DE', expected: '+33612345678' },
    { phone: '030 1234567', country: 'DE', expected: '+49301234567' },
    { phone: '(415) 555-0123', country: 'US', expected: '+14155550123' },
  ])('accepts $phone in a $country workspace: only one reading is a number', ({ phone, country, expected }) => {
    expect(check(phone, country).valid).toEqual([{ rowKey: 'r1', phone: expected, variables: {} }])
  })

  it('keeps an invalid number invalid rather than trying the international reading for the user', () => {
    expect(check('33612345678', 'US').rejected[0]).toMatchObject({ problem: 'phone_invalid' })
  })
})

describe('phoneFromCell (what the add-on sends)', () => {
  it.each([
    { value: 33612345678, display: '33612345678', international: false, expected: { phone: '33612345678', cell: 'number' } },
    { value: 33612345678, display: '33612345678', international: true, expected: { phone: '+33612345678', cell: 'text' } },
    { value: 33612345678, display: '+33612345678', international: false, expected: { phone: '+33612345678', cell: 'text' } },
    { value: '+33 6 12 34 56 78', display: '+33 6 12 34 56 78', international: false, expected: { phone: '+33 6 12 34 56 78', cell: 'text' } },
  ])('$value shown as $display (international: $international)', ({ value, display, international, expected }) => {
    expect(phoneFromCell(value, display, international)).toEqual(expected)
  })

  it('a reading with a parser that accepts everything still reports both readings', () => {
    expect(readPhone('123', 'text', 'DE', (input, country) => country === null ? input : `+49${input}`)).toEqual({ kind: 'ambiguous', readings: ['+123', '+49123'] })
  })
})
