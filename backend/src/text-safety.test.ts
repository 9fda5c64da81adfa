import { describe, expect, it } from 'vitest'
import { findInputProblem, MAX_BODY_DEPTH, storableText } from './text-safety.js'

describe('text safety', () => {
  it.each([
    { description: 'a NUL in a nested list', value: { a: [{ b: 'x\u0000' }] }, expected: { kind: 'nul', path: 'a/0/b' } },
    { description: 'a lone high surrogate', value: { name: 'x\uD800y' }, expected: { kind: 'surrogate', path: 'name' } },
    { description: 'a lone low surrogate at the end', value: { name: 'x\uDC00' }, expected: { kind: 'surrogate', path: 'name' } },
    { description: 'a NUL in a key', value: { ['k\u0000']: 1 }, expected: { kind: 'nul', path: 'k\uFFFD' } },
    { description: 'a number past 2^53', value: { size: 1e300 }, expected: { kind: 'number', path: 'size' } },
    { description: 'the first problem in body order', value: { a: 'ok', b: 'x\u0000', c: 'y\u0000' }, expected: { kind: 'nul', path: 'b' } },
  ])('finds $description', ({ value, expected }) => {
    expect(findInputProblem(value)).toEqual(expected)
  })

  it.each([
    { description: 'an emoji (a valid surrogate pair)', value: { name: 'Ada 🙂', n: 2 ** 53 - 1 } },
    { description: 'nesting exactly at the limit', value: JSON.parse('['.repeat(MAX_BODY_DEPTH) + ']'.repeat(MAX_BODY_DEPTH)) as unknown },
    { description: 'a raw body (Buffer)', value: Buffer.from('\u0000') },
  ])('passes $description', ({ value }) => {
    expect(findInputProblem(value)).toBeUndefined()
  })

  it('walks 100,000 levels without recursion and stops at the limit', () => {
    const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)) as unknown
    expect(findInputProblem(deep)?.kind).toBe('depth')
  })

  it('replaces NUL and lone surrogates by U+FFFD and leaves pairs alone', () => {
    expect(storableText('a\u0000b\uD800c\uDC00 🙂')).toBe('a\uFFFDb\uFFFDc\uFFFD 🙂')
    expect(storableText('plain')).toBe('plain')
  })
})
