import { BackendError, CLIENT_ERROR_CODES } from '../../../apps-script/src/core/backend-client.js'
import { phoneFromCell, type PhoneCell } from '../../../backend/src/campaigns/phone-reading.js'
import { columnLetters } from './column-letters.js'
import { resolveColumn, type StatusColumns } from './sheet-layout.js'
import { SHEETS_ERROR_CODES } from './sheets-errors.js'
import type { RowProblem, SendSetup } from './sidebar-protocol.js'

/** What one read of a sheet returned: display values from the header row down, every column. */
export interface SheetRead {
  /** 1-based sheet row of `values[0]`, the header row. */
  headerRow: number
  values: string[][]
}

/** The setup's columns, found in the sheet as it is now. */
export interface ResolvedMapping {
  phone: number
  variables: Array<{ key: string, column: number } | { key: string, text: string }>
  status: StatusColumns
}

/** One data row, ready to submit. */
export interface DataRow {
  /** 1-based sheet row. */
  sheetRow: number
  /** Index into SheetRead.values. */
  offset: number
  rowKey: string
  phone: string
  /** `number` when Sheets stored the phone as a Number (its `+` or leading 0 may be gone). */
  phoneCell: PhoneCell
  variables: Record<string, string>
  /** What the Status cell shows now. */
  statusText: string
  /** A problem the add-on finds itself (never sent to the backend): a formula error in a used cell. */
  issue: { problem: RowProblem, detail: string } | null
}

/**
 * What Sheets displays for a formula error, and for an IMPORTRANGE/IMPORTDATA still fetching.
 * Apps Script reference, Range.getDisplayValues (https://developers.google.com/apps-script/reference/spreadsheet/range#getDisplayValues):
 * the values are returned "as they are displayed", so an error cell reads as its error text;
 * the list of error values is Google's "Error types" in Sheets help
 * (https://support.google.com/docs/answer/3093340): #N/A, #REF!, #VALUE!, #DIV/0!, #NAME?, #NUM!, #NULL!, #ERROR!.
 */
const CELL_ERROR = /^(#(N\/A|REF!|VALUE!|ERROR!|DIV\/0!|NAME\?|NUM!|NULL!|SPILL!|CALC!)|Loading(\.\.\.|…))$/

/** Whether a displayed cell is a formula error or a pending import rather than a value. */
export function isCellError (display: string): boolean {
  return CELL_ERROR.test(display.trim())
}

/** Finds the setup's columns by position and header; throws when one has disappeared. */
export function resolveMapping (setup: SendSetup, headers: readonly string[], status: StatusColumns): ResolvedMapping {
  const find = (column: number, header: string): number => {
    const at = resolveColumn({ column, header }, headers)
    if (at === null) throw new BackendError(SHEETS_ERROR_CODES.columnMissing, `The column "${header}" is no longer in the header row`, 0, { field: header })
    return at
  }
  if (setup.phone.header === '') throw new BackendError(SHEETS_ERROR_CODES.columnMissing, 'Choose the phone column', 0, { field: 'phone' })
  return {
    phone: find(setup.phone.column, setup.phone.header),
    variables: Object.entries(setup.variables).map(([key, source]) =>
      source.kind === 'column' ? { key, column: find(source.column, source.header) } : { key, text: source.text }),
    status: status,
  }
}

/**
 * The data rows of a read, skipping blank ones (nothing in any data column). Rows without a
 * row id, or with one an earlier row already has (a copied row), get a fresh id from
 * `newId`; those are returned in `assigned` so the caller writes them back in one go.
 */
export function readRows (read: SheetRead, mapping: ResolvedMapping, newId: () => string, phones: { values?: readonly unknown[], international?: boolean } = {}): { rows: DataRow[], assigned: Array<{ offset: number, id: string }> } {
  const statusIndexes = new Set(Object.values(mapping.status).map((c) => c - 1))
  const rows: DataRow[] = []
  const assigned: Array<{ offset: number, id: string }> = []
  const seen = new Set<string>()
  for (let offset = 1; offset < read.values.length; offset++) {
    const line = read.values[offset]!
    const blank = line.every((v, i) => statusIndexes.has(i) || v.trim() === '')
    if (blank) continue
    let rowKey = (line[mapping.status.rowId - 1] ?? '').trim()
    if (rowKey === '' || seen.has(rowKey)) {
      rowKey = newId()
      assigned.push({ offset, id: rowKey })
    }
    seen.add(rowKey)
    const variables: Record<string, string> = {}
    let issue: DataRow['issue'] = null
    const sheetRow = read.headerRow + offset
    for (const variable of mapping.variables) {
      const value = 'text' in variable ? variable.text : (line[variable.column - 1] ?? '')
      if ('column' in variable && issue === null && isCellError(value)) issue = { problem: 'cell_error', detail: `${columnLetters(variable.column)}${sheetRow} (${value.trim()})` }
      if (value.trim() !== '') variables[variable.key] = value
    }
    const shown = line[mapping.phone - 1] ?? ''
    if (isCellError(shown)) issue = { problem: 'cell_error', detail: `${columnLetters(mapping.phone)}${sheetRow} (${shown.trim()})` }
    // Without typed values (a unit test's sheet) every phone is read as the text it shows.
    const phone = phoneFromCell(phones.values === undefined ? shown : phones.values[offset], shown, phones.international === true)
    rows.push({
      sheetRow,
      offset,
      rowKey,
      phone: phone.phone,
      phoneCell: phone.cell,
      variables,
      statusText: (line[mapping.status.status - 1] ?? '').trim(),
      issue,
    })
  }
  return { rows, assigned }
}

/** The variables of one row (for preview and test sends). */
export function rowVariables (line: readonly string[], mapping: Pick<ResolvedMapping, 'variables'>): Record<string, string> {
  const variables: Record<string, string> = {}
  for (const variable of mapping.variables) {
    const value = 'text' in variable ? variable.text : (line[variable.column - 1] ?? '')
    if (value.trim() !== '') variables[variable.key] = value
  }
  return variables
}

/** An unexpected failure of the add-on itself, as a BackendError the sidebar can show. */
export function clientFailure (message: string): BackendError {
  return new BackendError(CLIENT_ERROR_CODES.unexpected, message, 0)
}
