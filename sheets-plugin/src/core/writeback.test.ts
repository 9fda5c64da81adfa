import { describe, expect, it } from 'vitest'
import { planStatusColumns } from './sheet-layout.js'
import { mergeRuns, planWrites, type CellUpdate } from './writeback.js'

const HEADERS = ['Name', 'Phone', 'Status', 'Sent at', 'Message id', 'Reason', 'Reply', 'Switchboard row id']
const read = (rows: number) => ({
  headerRow: 1,
  values: [HEADERS, ...Array.from({ length: rows }, (_, i) => [`P${i}`, `+1${i}`, 'Queued', '', '', '', '', `id${i}`])],
})

describe('mergeRuns', () => {
  it('joins consecutive numbers, then merges across the smallest gaps down to the limit', () => {
    expect(mergeRuns([1, 2, 3, 7, 8, 20], 10)).toEqual([[1, 3], [7, 8], [20, 20]])
    expect(mergeRuns([1, 2, 3, 7, 8, 20], 2)).toEqual([[1, 8], [20, 20]])
    expect(mergeRuns([1, 500, 1000], 1)).toEqual([[1, 1000]])
  })
})

describe('planWrites', () => {
  const columns = planStatusColumns(HEADERS, HEADERS.length, { status: 3, sentAt: 4, messageId: 5, reason: 6, reply: 7, rowId: 8 }).columns

  it('writes nothing when nothing changed', () => {
    expect(planWrites(read(3), columns, new Map())).toEqual([])
  })

  it('writes scattered rows as at most three rectangles, keeping the cells between as they were', () => {
    const sheet = read(1000)
    const updates = new Map<number, CellUpdate>([[2, { status: 'Sent', messageId: 'wamid.2' }], [3, { status: 'Read' }], [400, { reply: 'Hola' }], [990, { status: 'Failed', reason: '131026' }], [995, { status: 'Sent' }]])
    const writes = planWrites(sheet, columns, updates)
    expect(writes.length).toBeLessThanOrEqual(3)
    const cells = new Map<string, string>()
    for (const w of writes) w.values.forEach((line, r) => line.forEach((v, c) => cells.set(`${w.row + r}:${w.column + c}`, v)))
    expect(cells.get('3:3')).toBe('Sent')
    expect(cells.get('3:5')).toBe('wamid.2')
    expect(cells.get('401:7')).toBe('Hola')
    expect(cells.get('991:6')).toBe('131026')
    // A row inside a merged rectangle keeps its status; rows outside every rectangle are not written.
    expect(cells.get('993:3')).toBe('Queued')
    expect(cells.has('200:3')).toBe(false)
    expect([...cells.keys()].some((k) => k.endsWith(':8'))).toBe(false)
  })

  it('writes one rectangle per run of status columns when people moved some apart', () => {
    const moved = ['Reply', 'Name', 'Phone', 'Status', 'Sent at', 'Message id', 'Reason', 'Switchboard row id']
    const layout = planStatusColumns(moved, moved.length, { reply: 1, status: 4, sentAt: 5, messageId: 6, reason: 7, rowId: 8 }).columns
    const writes = planWrites({ headerRow: 1, values: [moved, ['', 'a', '1', '', '', '', '', 'x']] }, layout, new Map([[1, { status: 'Read', reply: 'Yes' }]]))
    expect(writes).toEqual([{ row: 2, column: 1, values: [['Yes']] }, { row: 2, column: 4, values: [['Read']] }])
  })
})
