import { BackendError } from '../../../apps-script/src/core/backend-client.js'
import { triggerKey } from './addon-state.js'
import type { SheetPort } from '../core/ports.js'
import type { SheetRead } from '../core/rows.js'
import { SHEETS_ERROR_CODES } from '../core/sheets-errors.js'
import type { BlockWrite } from '../core/writeback.js'
import { columnLetters } from '../core/column-letters.js'
import { COLUMN_METADATA_KEY, isStatusField, type StatusField } from '../core/sheet-layout.js'

// Status cells are text: a reply of "1" or a date-like string must stay as written, not become a number.
const PLAIN_TEXT = '@'

/**
 * The spreadsheet the add-on works on. A time-driven trigger runs with no open document (and
 * no document properties, see addon-state.ts), so it opens the spreadsheet that the user
 * property written with the trigger names; `openById` is why the add-on needs the full
 * `spreadsheets` scope rather than `spreadsheets.currentonly`.
 */
export function activeSpreadsheet (triggerUid?: string): GoogleAppsScript.Spreadsheet.Spreadsheet {
  const active = SpreadsheetApp.getActiveSpreadsheet() as GoogleAppsScript.Spreadsheet.Spreadsheet | null
  if (active !== null) return active
  const id = triggerUid === undefined ? null : PropertiesService.getUserProperties().getProperty(triggerKey(triggerUid))
  if (id === null) throw new Error('No spreadsheet: this trigger was not created by this version of the add-on')
  return SpreadsheetApp.openById(id)
}

/** SheetPort over SpreadsheetApp: each cell access is one range call. */
export function spreadsheetSheets (spreadsheet: GoogleAppsScript.Spreadsheet.Spreadsheet): SheetPort {
  const byId = (sheetId: number): GoogleAppsScript.Spreadsheet.Sheet => {
    const found = spreadsheet.getSheetById(sheetId)
    if (found === null) throw new BackendError(SHEETS_ERROR_CODES.sheetMissing, 'No such sheet', 0, { field: 'sheetId' })
    return found
  }
  return {
    spreadsheetName: () => spreadsheet.getName(),
    sheets: () => spreadsheet.getSheets().map((s) => ({ id: s.getSheetId(), name: s.getName() })),
    activeSheetId: () => spreadsheet.getActiveSheet().getSheetId(),
    sheetName: (sheetId) => byId(sheetId).getName(),
    header (sheetId, headerRow) {
      const sheet = byId(sheetId)
      if (headerRow < 1 || headerRow > sheet.getMaxRows()) throw new BackendError(SHEETS_ERROR_CODES.rowOutside, 'No such row', 0, { field: 'headerRow' })
      const lastRow = sheet.getLastRow()
      const lastColumn = sheet.getLastColumn()
      const headers = lastColumn === 0 ? [] : sheet.getRange(headerRow, 1, 1, lastColumn).getDisplayValues()[0] ?? []
      return { headers, lastRow, lastColumn }
    },
    row: (sheetId, row, columns) => byId(sheetId).getRange(row, 1, 1, columns).getDisplayValues()[0] ?? [],
    columnValues: (sheetId, row, column, count) => count < 1 ? [] : byId(sheetId).getRange(row, column, count, 1).getValues().map((line) => line[0]),
    read (sheetId, headerRow, minColumns): SheetRead {
      const sheet = byId(sheetId)
      const lastRow = Math.max(sheet.getLastRow(), headerRow)
      const columns = Math.max(sheet.getLastColumn(), minColumns, 1)
      // The one read of the data range: header and every row below it, as people see the cells.
      const values = sheet.getRange(headerRow, 1, lastRow - headerRow + 1, columns).getDisplayValues()
      return { headerRow, values }
    },
    ownColumns (sheetId) {
      const own: Partial<Record<StatusField, number>> = {}
      for (const item of byId(sheetId).createDeveloperMetadataFinder().withKey(COLUMN_METADATA_KEY).find()) {
        const field = item.getValue()
        const column = item.getLocation().getColumn()?.getColumn()
        if (isStatusField(field) && column !== undefined && own[field] === undefined) own[field] = column
      }
      return own
    },
    addColumns (sheetId, columns, hiddenColumn, marks) {
      const sheet = byId(sheetId)
      if (columns.length > 0) {
        const first = Math.min(...columns)
        const last = Math.max(...columns)
        if (last > sheet.getMaxColumns()) sheet.insertColumnsAfter(sheet.getMaxColumns(), last - sheet.getMaxColumns())
        sheet.getRange(1, first, sheet.getMaxRows(), last - first + 1).setNumberFormat(PLAIN_TEXT)
        if (hiddenColumn !== null) sheet.hideColumns(hiddenColumn)
      }
      // Metadata goes on whole columns only (A1 `E:E`); it then follows the column through sorts, inserts and renames.
      for (const mark of marks) {
        const letters = columnLetters(mark.column)
        sheet.getRange(`${letters}:${letters}`).addDeveloperMetadata(COLUMN_METADATA_KEY, mark.field)
      }
    },
    write (sheetId, writes: readonly BlockWrite[]) {
      if (writes.length === 0) return
      const sheet = byId(sheetId)
      for (const w of writes) sheet.getRange(w.row, w.column, w.values.length, w.values[0]?.length ?? 0).setValues(w.values)
    },
  }
}
