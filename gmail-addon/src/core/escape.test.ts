import { describe, expect, it } from 'vitest'
import { escapeCardText } from './escape.js'

describe('escapeCardText', () => {
  it.each([
    { input: '<a href="https://evil.test">click</a>', expected: '&lt;a href=&quot;https://evil.test&quot;&gt;click&lt;/a&gt;' },
    { input: 'Tom & Jerry\'s', expected: 'Tom &amp; Jerry&#39;s' },
    { input: '&lt;', expected: '&amp;lt;' },
    { input: 'plain text', expected: 'plain text' },
  ])('escapes $input', ({ input, expected }) => {
    expect(escapeCardText(input)).toBe(expected)
  })
})
