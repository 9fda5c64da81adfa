import { describe, expect, it } from 'vitest'
import { SwitchboardError } from '../errors.js'
import { digitsOf, normaliseDomain, normaliseEmail, normalisePhone, readEmail, searchKey } from './normalise.js'

function errorOf (fn: () => unknown): SwitchboardError {
  try {
    fn()
  } catch (error) {
    if (error instanceof SwitchboardError) return error
    throw error
  }
  throw new Error('expected a SwitchboardError')
}

describe('normaliseEmail', () => {
  it.each([
    { description: 'already normal', input: 'ada@example.com', expected: 'ada@example.com' },
    { description: 'capitals', input: 'Ada.Lovelace@Example.COM', expected: 'ada.lovelace@example.com' },
    { description: 'surrounding spaces', input: '  ada@example.com\t', expected: 'ada@example.com' },
  ])('$description', ({ input, expected }) => {
    expect(normaliseEmail(input)).toBe(expected)
  })
})

describe('readEmail', () => {
  it.each([
    { description: 'capitals and spaces', input: ' Ada@Example.COM ', expected: 'ada@example.com' },
    { description: 'plus addressing', input: 'ada+crm@example.com', expected: 'ada+crm@example.com' },
  ])('reads $description', ({ input, expected }) => {
    expect(readEmail(input)).toBe(expected)
  })

  it.each([
    { description: 'no at sign', input: 'ada.example.com' },
    { description: 'a space inside', input: 'ada lovelace@example.com' },
    { description: 'no domain', input: 'ada@' },
  ])('refuses $description with SB_EMAIL_INVALID naming the field', ({ input }) => {
    expect(errorOf(() => readEmail(input, 'emails/2'))).toMatchObject({ code: 'SB_EMAIL_INVALID', field: 'emails/2' })
  })
})

describe('normalisePhone', () => {
  it.each([
    { description: 'E.164 already', input: '+14155550123', country: null, expected: '+14155550123' },
    { description: 'US national with default US', input: '(415) 555-0123', country: 'US', expected: '+14155550123' },
    { description: 'spaces and dots', input: '+1.415.555.0123', country: null, expected: '+14155550123' },
    { description: 'surrounding spaces', input: ' +1 415 555 0123 ', country: null, expected: '+14155550123' },
    { description: 'UK national with default GB', input: '020 7946 0958', country: 'GB', expected: '+442079460958' },
    { description: 'UK with the (0) trunk prefix', input: '+44 (0) 20 7946 0958', country: null, expected: '+442079460958' },
    { description: '00 international prefix from GB', input: '0044 20 7946 0958', country: 'GB', expected: '+442079460958' },
    { description: 'lower-case default country', input: '912 345 678', country: 'pt', expected: '+351912345678' },
  ])('reads $description', ({ input, country, expected }) => {
    expect(normalisePhone(input, country)).toBe(expected)
  })

  it.each([
    { description: 'no country code and no default', input: '415 555 0123', country: null },
    { description: 'too short', input: '12', country: 'US' },
    { description: 'letters', input: 'call me', country: 'US' },
    { description: 'trailing text', input: '+14155550123abc', country: null },
    { description: 'an extension E.164 cannot carry', input: '+1 415 555 0123 ext 5', country: null },
    { description: 'a number not valid in its country', input: '+1 415 555 012', country: null },
    { description: 'vanity letters', input: '1-800-FLOWERS', country: 'US' },
  ])('refuses $description with SB_PHONE_INVALID naming the field', ({ input, country }) => {
    const error = errorOf(() => normalisePhone(input, country, 'phones/3'))
    expect(error).toMatchObject({ code: 'SB_PHONE_INVALID', field: 'phones/3', statusCode: 400 })
  })
})

describe('normaliseDomain', () => {
  it.each([
    { description: 'bare', input: 'acme.com', expected: 'acme.com' },
    { description: 'capitals', input: 'ACME.Com', expected: 'acme.com' },
    { description: 'www', input: 'www.acme.com', expected: 'acme.com' },
    { description: 'URL with scheme, port, path, query', input: 'https://www.Acme.com:8443/about?x=1#team', expected: 'acme.com' },
    { description: 'trailing dot', input: 'acme.com.', expected: 'acme.com' },
    { description: 'an email address', input: 'ada@acme.co.uk', expected: 'acme.co.uk' },
    { description: 'a subdomain other than www', input: 'eu.acme.com', expected: 'eu.acme.com' },
    { description: 'an IDN, punycoded', input: 'Bücher.de', expected: 'xn--bcher-kva.de' },
  ])('reads $description', ({ input, expected }) => {
    expect(normaliseDomain(input)).toBe(expected)
  })

  it.each([
    { description: 'one label', input: 'localhost' },
    { description: 'an IP address', input: '10.0.0.1' },
    { description: 'spaces', input: 'acme corp.com' },
    { description: 'an underscore', input: 'ac_me.com' },
    { description: 'a label starting with a hyphen', input: '-acme.com' },
    { description: 'an empty label', input: 'acme..com' },
    { description: 'only a scheme', input: 'https://' },
    { description: 'a label over 63 characters', input: `${'a'.repeat(64)}.com` },
  ])('refuses $description with SB_VALIDATION naming the field', ({ input }) => {
    expect(errorOf(() => normaliseDomain(input, 'domain'))).toMatchObject({ code: 'SB_VALIDATION', field: 'domain' })
  })
})

describe('searchKey', () => {
  it.each([
    { description: 'case', input: 'ADA Lovelace', expected: 'ada lovelace' },
    { description: 'accents', input: 'Zoë Ångström', expected: 'zoe angstrom' },
    { description: 'compatibility forms', input: 'ﬁnn', expected: 'finn' },
    { description: 'a capital that lower-cases to a letter and a mark', input: 'İlker', expected: 'ilker' },
    { description: 'whitespace runs', input: '  José \t María ', expected: 'jose maria' },
    { description: 'accents in other scripts', input: 'Ελένη', expected: 'ελενη' },
  ])('folds $description', ({ input, expected }) => {
    expect(searchKey(input)).toBe(expected)
  })
})

describe('digitsOf', () => {
  it('keeps only digits', () => {
    expect(digitsOf('+1 (415) 555-0123')).toBe('14155550123')
  })
})
