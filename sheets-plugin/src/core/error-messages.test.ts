import { describe, expect, it } from 'vitest'
import { describeError } from './error-messages.js'

describe('describeError', () => {
  it.each([
    { code: 'SB_UNAUTHENTICATED', expected: /not valid or has been revoked/ },
    { code: 'SB_AUTH_SCOPE_MISSING', expected: /crm:read/ },
    { code: 'SB_RATE_LIMITED', expected: /Wait a minute/ },
    { code: 'SB_CLIENT_UNREACHABLE', expected: /could not be reached/ },
    { code: 'SB_CLIENT_TOKEN_FORMAT', expected: /sbt_/ },
  ])('explains $code in words for people', ({ code, expected }) => {
    expect(describeError({ code, message: 'server text' })).toMatch(expected)
  })

  it('falls back to the server\'s constant message for codes it does not know', () => {
    expect(describeError({ code: 'SB_CONTACT_DUPLICATE', message: 'A contact with this email or phone already exists' }))
      .toBe('A contact with this email or phone already exists')
  })
})
