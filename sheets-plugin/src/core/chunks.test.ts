import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { KeyedChunk } from './campaign-client.js'
import { batchesOf, chunkBody, chunkKey, phoneKey, segmentBoundaries, segmentsOf } from './chunks.js'
import type { DataRow } from './rows.js'

const sha = (text: string): string => createHash('sha256').update(text).digest('hex')
const row = (i: number, phone = `+1 212 ${2000000 + i}`): DataRow => ({ sheetRow: i + 2, offset: i + 1, rowKey: `k${i}`, phone, variables: { 'body.1': `P${i}` }, statusText: '', phoneCell: 'text', issue: null })

describe('segmentsOf', () => {
  it('cuts rows into thousand-row segments by ranges of row id', () => {
    const segments = segmentsOf(Array.from({ length: 2500 }, (_, i) => row(i)))
    expect(segments.map((s) => s.rows.length)).toEqual([1000, 1000, 500])
  })

  it('keeps every row in its segment when the sheet is sorted or rows are deleted (issue 15, item 3)', () => {
    const rows = Array.from({ length: 2500 }, (_, i) => row(i))
    const boundaries = segmentBoundaries(rows)
    const before = new Map(segmentsOf(rows, boundaries).flatMap((s) => s.rows.map((r) => [r.rowKey, s.index])))
    const reordered = [...rows].reverse().slice(10)
    for (const segment of segmentsOf(reordered, boundaries)) {
      for (const r of segment.rows) expect(before.get(r.rowKey)).toBe(segment.index)
    }
  })
})

describe('chunkKey', () => {
  it('is the same for the same rows and different for any other content, within the backend\'s 8–255 visible characters', () => {
    const body = chunkBody([row(1), row(2)], false)
    const key = chunkKey('cmp_1', body, sha)
    expect(chunkKey('cmp_1', chunkBody([row(1), row(2)], false), sha)).toBe(key)
    expect(chunkKey('cmp_2', body, sha)).not.toBe(key)
    expect(chunkKey('cmp_1', chunkBody([row(1), row(2)], true), sha)).not.toBe(key)
    expect(chunkKey('cmp_1', chunkBody([row(1), { ...row(2), phone: '+1 212 999 0000' }], false), sha)).not.toBe(key)
    expect(key).toMatch(/^[\x21-\x7e]{8,255}$/)
  })
})

describe('batchesOf', () => {
  const chunk = (name: string, phones: string[]): KeyedChunk => ({ key: name, body: { rows: phones.map((phone, i) => ({ rowKey: `${name}${i}`, phone, variables: {} })) } })

  it('sends up to `parallel` chunks side by side', () => {
    const chunks = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((n, i) => chunk(n, [`+1 212 200 10${i}0`]))
    expect(batchesOf(chunks, 5).map((b) => b.map((c) => c.key))).toEqual([['a', 'b', 'c', 'd', 'e'], ['f', 'g']])
  })

  it('never puts two chunks that may share a number side by side, however the number is written', () => {
    const chunks = [chunk('a', ['+1 212 200 1005']), chunk('b', ['+1 415 555 0000']), chunk('c', ['(212) 200-1005']), chunk('d', ['+1 212 200 9999'])]
    expect(batchesOf(chunks, 5).map((b) => b.map((c) => c.key))).toEqual([['a', 'b'], ['c', 'd']])
  })

  it('keys phones by their last seven digits', () => {
    expect(phoneKey('+1 (212) 200-1005')).toBe(phoneKey('2122001005'))
    expect(phoneKey('12')).toBe('12')
  })
})
