import type { AppContext } from './app-context.js'
import type { SheetRead, DataRow, ResolvedMapping } from './rows.js'
import { readRows, resolveMapping } from './rows.js'
import { planStatusColumns, type StatusLayout } from './sheet-layout.js'
import type { SendSetup } from './sidebar-protocol.js'
import { planWrites, type CellUpdate } from './writeback.js'

/** The sheet read once, its status columns in place, every row with an id. */
export interface PreparedSheet {
  read: SheetRead
  layout: StatusLayout
  mapping: ResolvedMapping
  rows: DataRow[]
}

/** Reading a sheet for a check or a send, with its status columns in place. */
export function createPreparer ({ sheet, host }: AppContext) {
  /**
   * Makes room for status columns the read lacks (people may delete them) and returns the
   * header cells to write for them, padding the read so later plans see the new width.
   */
  function placeColumns (sheetId: number, read: SheetRead, layout: StatusLayout): Map<number, CellUpdate> {
    const updates = new Map<number, CellUpdate>()
    if (layout.toMark.length > 0) sheet.addColumns(sheetId, layout.toAdd.map((c) => c.column), layout.toAdd.find((c) => c.field === 'rowId')?.column ?? null, layout.toMark)
    if (layout.toAdd.length === 0) return updates
    const width = Math.max(...Object.values(layout.columns))
    for (const line of read.values) while (line.length < width) line.push('')
    updates.set(0, Object.fromEntries(layout.toAdd.map((c) => [c.field, c.header])))
    return updates
  }

  /**
   * Reads the sheet once, and gives every row an id. New ids (and the headers of new status
   * columns) go out in one write, before any row is sent under them: a run that dies after
   * sending must not lose the ids its rows were sent with.
   */
  function prepare (setup: SendSetup): PreparedSheet {
    sheet.sheetName(setup.sheetId)
    const read = sheet.read(setup.sheetId, setup.headerRow, 1)
    const headers = [...(read.values[0] ?? [])]
    const layout = planStatusColumns(headers, headers.length, sheet.ownColumns(setup.sheetId))
    const updates = placeColumns(setup.sheetId, read, layout)
    const mapping = resolveMapping(setup, headers, layout.columns)
    // The phone column's types too (one more read of one column): a Number there has lost its `+`.
    const values = sheet.columnValues(setup.sheetId, setup.headerRow, mapping.phone, read.values.length)
    const { rows, assigned } = readRows(read, mapping, host.newRowId, { values, international: setup.phoneInternational === true })
    for (const a of assigned) updates.set(a.offset, { rowId: a.id })
    sheet.write(setup.sheetId, planWrites(read, layout.columns, updates))
    for (const [offset, update] of updates) {
      for (const [field, value] of Object.entries(update) as Array<[keyof CellUpdate, string]>) read.values[offset]![layout.columns[field] - 1] = value
    }
    return { read, layout, mapping, rows }
  }
  return { placeColumns, prepare }
}

/** The preparation of one context. */
export type Preparer = ReturnType<typeof createPreparer>
