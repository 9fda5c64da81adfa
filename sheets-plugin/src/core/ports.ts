import type { SheetRead } from './rows.js'
import type { StatusField } from './sheet-layout.js'
import type { SheetSummary } from './sidebar-protocol.js'
import type { BlockWrite } from './writeback.js'

/**
 * What the add-on's logic needs from its host, so it runs the same in Apps Script (the
 * adapters in `host/`) and in unit tests. Every method of SheetPort that touches cells is
 * one SpreadsheetApp range call, so call counts in tests are counts of these.
 */
export interface SheetPort {
  spreadsheetName: () => string
  sheets: () => SheetSummary[]
  activeSheetId: () => number
  /** The sheet's name; throws SB_CLIENT_SHEET_MISSING when it is gone. */
  sheetName: (sheetId: number) => string
  /** One read of the header row (display values), with the sheet's used size. */
  header: (sheetId: number, headerRow: number) => { headers: string[], lastRow: number, lastColumn: number }
  /** One read of one row (display values), `columns` wide. */
  row: (sheetId: number, row: number, columns: number) => string[]
  /**
   * One read of one column's typed values (getValues: Number, String, Boolean, Date), `count`
   * cells from `row` down: Sheets stores `+33612345678` typed into an unformatted cell as the
   * Number 33612345678, which only the type reveals.
   */
  columnValues: (sheetId: number, row: number, column: number, count: number) => unknown[]
  /** One read: display values from the header row to the last row, at least `minColumns` wide. */
  read: (sheetId: number, headerRow: number, minColumns: number) => SheetRead
  /** The add-on's own columns, by the developer metadata it put on them (one finder call). */
  ownColumns: (sheetId: number) => Partial<Record<StatusField, number>>
  /**
   * Makes room for new status columns: widens the grid if needed, formats them as plain text
   * and hides the row-id column; puts the add-on's developer metadata on every column in
   * `marks`. Writes no values: their headers go out with the next write.
   */
  addColumns: (sheetId: number, columns: readonly number[], hiddenColumn: number | null, marks: ReadonlyArray<{ field: StatusField, column: number }>) => void
  /** One setValues per write. */
  write: (sheetId: number, writes: readonly BlockWrite[]) => void
}

/** Small persistent state (document properties in Apps Script: 9 KB a value, 500 KB in all). */
export interface StatePort {
  get: (key: string) => string | null
  set: (key: string, value: string) => void
  delete: (key: string) => void
  keys: () => string[]
}

/** The rest of Apps Script the logic needs: clock, ids, digests, locks, triggers. */
export interface HostPort {
  /** Milliseconds on the execution's clock. */
  now: () => number
  /** Waits (Utilities.sleep: it counts against the execution's time). */
  sleep: (ms: number) => void
  /** A fresh row id. */
  newRowId: () => string
  /** Hex SHA-256 of a string. */
  digest: (text: string) => string
  /** An ISO instant as the sheet should show it (the spreadsheet's zone). */
  formatTime: (iso: string) => string
  /** Runs `body` holding the document lock; throws SB_CLIENT_BUSY when another execution keeps it. */
  withDocumentLock: <T>(body: () => T) => T
  /** Makes sure the hourly status sync trigger exists for this document. */
  ensureSyncTrigger: () => void
  /** Removes the hourly trigger (nothing left to follow). */
  removeSyncTrigger: () => void
}
