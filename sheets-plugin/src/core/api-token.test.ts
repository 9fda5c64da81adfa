import { describe, expect, it } from 'vitest'
import { checkApiToken } from './api-token.js'

describe('checkApiToken', () => {
  it.each([
    { description: 'a real token', input: 'sbt_3kq9x2ab_Zx-9aBcDeFgHiJkLmNoPqRsTuVwXyZ012345', token: 'sbt_3kq9x2ab_Zx-9aBcDeFgHiJkLmNoPqRsTuVwXyZ012345' },
    { description: 'surrounding whitespace from a paste', input: '  sbt_abc_def\n', token: 'sbt_abc_def' },
  ])('accepts $description', ({ input, token }) => {
    expect(checkApiToken(input)).toEqual({ ok: true, token })
  })

  it.each([
    { description: 'empty', input: '' },
    { description: 'only the prefix', input: 'sbt_' },
    { description: 'another secret', input: 'ghp_abcdefghijklmnopqrstuvwxyz' },
    { description: 'a URL', input: 'https://example.com/?t=sbt_abc' },
    { description: 'inner whitespace', input: 'sbt_abc def' },
    { description: 'far too long', input: `sbt_${'a'.repeat(300)}` },
  ])('rejects $description', ({ input }) => {
    expect(checkApiToken(input)).toEqual({ ok: false, code: 'SB_CLIENT_TOKEN_FORMAT' })
  })
})
