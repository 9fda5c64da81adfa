import { describe, expect, it } from 'vitest'
import { dialogProblem } from './dialog-errors.js'

describe('dialogProblem', () => {
  it.each([
    { code: 12004, words: 'trusts' },
    { code: 12005, words: 'HTTPS' },
    { code: 12007, words: 'already open' },
    { code: 12009, words: 'blocked or dismissed' },
    { code: 12011, words: 'browser' },
    { code: 12002, words: 'could not be loaded' },
    { code: 12003, words: 'will not show' },
  ])('says what happened and what to do for $code', ({ code, words }) => {
    expect(dialogProblem(code)).toContain(words)
    expect(dialogProblem(code)).toMatch(/try again/i)
  })

  it('still gives words, and the code, for an undocumented error', () => {
    expect(dialogProblem(5001)).toBe('Outlook could not open the sign-in window (error 5001). Try again.')
    expect(dialogProblem(undefined)).toBe('Outlook could not open the sign-in window. Try again.')
  })
})
