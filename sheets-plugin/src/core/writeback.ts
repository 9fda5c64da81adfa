import type { SheetRead } from './rows.js'
import { columnBlocks, STATUS_FIELDS, type StatusColumns, type StatusField } from './sheet-layout.js'

/** New text for some of a row's status cells. */
export type CellUpdate = Partial<Record<StatusField, string>>

/** One setValues: a rectangle's top-left cell (1-based) and its values. */
export interface BlockWrite {
  row: number
  column: number
  values: string[][]
}

/** Google's guidance for a write-back: as few range writes as possible; a sync stays at or below this. */
export const MAX_WRITES = 3

/**
 * Plans the write-back of `updates` (by offset into the read) as few setValues as possible:
 * one rectangle per run of adjacent status columns, covering the changed rows. Scattered
 * rows are merged into at most MAX_WRITES rectangles by filling the rows between with the
 * values the read found there, so unchanged cells are rewritten as they were. Callers hold
 * the document lock from the read to the write, so nothing changes those cells meanwhile.
 */
export function planWrites (read: SheetRead, status: StatusColumns, updates: ReadonlyMap<number, CellUpdate>, maxWrites = MAX_WRITES): BlockWrite[] {
  if (updates.size === 0) return []
  const touched = new Set<StatusField>()
  for (const update of updates.values()) for (const field of Object.keys(update) as StatusField[]) touched.add(field)
  const fieldAt = new Map(STATUS_FIELDS.map((f) => [status[f], f]))
  // Adjacent status columns form one block even where only some of them changed.
  const blocks = columnBlocks(Object.values(status)).flatMap(([first, last]) => {
    const inside = [...touched].map((f) => status[f]).filter((c) => c >= first && c <= last)
    return inside.length === 0 ? [] : [[Math.min(...inside), Math.max(...inside)] as [number, number]]
  })
  const perBlock = Math.max(1, Math.floor(maxWrites / blocks.length))
  const runs = mergeRuns([...updates.keys()].sort((a, b) => a - b), perBlock)
  const writes: BlockWrite[] = []
  for (const [first, last] of blocks) {
    for (const [from, to] of runs) {
      const values: string[][] = []
      for (let offset = from; offset <= to; offset++) {
        const current = read.values[offset] ?? []
        const update = updates.get(offset)
        const line: string[] = []
        for (let column = first; column <= last; column++) {
          const field = fieldAt.get(column)
          const next = field === undefined ? undefined : update?.[field]
          line.push(next ?? current[column - 1] ?? '')
        }
        values.push(line)
      }
      writes.push({ row: read.headerRow + from, column: first, values })
    }
  }
  return writes
}

/** Runs of consecutive numbers, merged across the smallest gaps until at most `limit` remain. */
export function mergeRuns (sorted: readonly number[], limit: number): Array<[number, number]> {
  const runs: Array<[number, number]> = []
  for (const n of sorted) {
    const last = runs[runs.length - 1]
    if (last !== undefined && n <= last[1] + 1) last[1] = Math.max(last[1], n)
    else runs.push([n, n])
  }
  while (runs.length > limit) {
    let best = 0
    for (let i = 1; i < runs.length - 1; i++) {
      if (runs[i + 1]![0] - runs[i]![1] < runs[best + 1]![0] - runs[best]![1]) best = i
    }
    runs[best] = [runs[best]![0], runs[best + 1]![1]]
    runs.splice(best + 1, 1)
  }
  return runs
}
