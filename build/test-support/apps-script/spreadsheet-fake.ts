import { columnLetters, parseA1 } from './a1.js'
import { ColumnMetadataStore, developerMetadataView } from './developer-metadata-fake.js'
import type { AccessRule, ExecutionContext } from './execution.js'
import { LIMITS } from './limits.js'

/** A cell's value as SpreadsheetApp returns it from getValues. */
export type CellValue = string | number | boolean | Date

const SHEETS_SCOPES = ['https://www.googleapis.com/auth/spreadsheets', 'https://www.googleapis.com/auth/spreadsheets.currentonly']
const DOCUMENT: AccessRule = { mode: 'LIMITED', scopes: SHEETS_SCOPES }
const TEXT_FORMAT = '@'

/** Hooks from the runtime: the execution gate, and Dates made in the script's own realm. */
export interface SpreadsheetHost {
  exec: ExecutionContext
  /** A Date the script's `instanceof Date` accepts. */
  makeDate: (ms: number) => Date
}

function isDate (value: unknown): value is Date {
  return Object.prototype.toString.call(value) === '[object Date]'
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/
const PERCENT = /^([+-]?\d+(\.\d+)?)%$/
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/

/**
 * An in-memory spreadsheet with the behaviour of Sheets that add-ons trip over: strings
 * written into a non-text cell are read as numbers, booleans, percentages or dates (a phone
 * `0612…` loses its zero, `+1212…` its plus); ranges outside the grid throw; setValues
 * needs exactly the range's shape; a cell holds at most 50,000 characters.
 */
export class FakeSpreadsheet {
  readonly sheets: FakeSheet[] = []
  private nextSheetId = 0
  readonly toasts: string[] = []
  activeSheet: FakeSheet | undefined

  constructor (readonly host: SpreadsheetHost, readonly id: string, readonly name: string, readonly timeZone: string) {}

  // --- Apps Script API -----------------------------------------------------------------
  getId (): string { return this.id }
  getName (): string { return this.name }
  getUrl (): string { return `https://docs.google.com/spreadsheets/d/${this.id}/edit` }
  getSpreadsheetTimeZone (): string { return this.timeZone }
  getSpreadsheetLocale (): string { return 'en_US' }
  getSheets (): FakeSheet[] {
    this.gate('Spreadsheet.getSheets')
    return [...this.sheets]
  }

  getSheetByName (name: string): FakeSheet | null {
    this.gate('Spreadsheet.getSheetByName')
    return this.sheets.find((s) => s.name === name) ?? null
  }

  getSheetById (id: number): FakeSheet | null {
    this.gate('Spreadsheet.getSheetById')
    return this.sheets.find((s) => s.sheetId === id) ?? null
  }

  getActiveSheet (): FakeSheet {
    this.gate('Spreadsheet.getActiveSheet')
    return this.activeSheet ?? this.sheets[0]!
  }

  setActiveSheet (sheet: FakeSheet): FakeSheet {
    this.activeSheet = sheet
    return sheet
  }

  insertSheet (name?: string): FakeSheet {
    this.gate('Spreadsheet.insertSheet')
    return this.addSheet(name ?? `Sheet${this.sheets.length + 1}`)
  }

  getRange (a1: string): FakeRange {
    const parsed = parseA1(a1)
    const sheet = parsed.sheetName === undefined ? this.getActiveSheet() : this.getSheetByName(parsed.sheetName)
    if (sheet === null) throw new Error(`Exception: Range not found: ${a1}`)
    return sheet.getRange(a1.slice(a1.lastIndexOf('!') + 1))
  }

  toast (message: string): void {
    this.toasts.push(message)
  }

  // --- For tests and previews (not Apps Script API) -------------------------------------
  /** Adds a sheet, as a person would (nothing counted). */
  addSheet (name: string, rows = 1000, columns = 26): FakeSheet {
    if (this.sheets.some((s) => s.name === name)) throw new Error(`Exception: A sheet with the name "${name}" already exists. Please enter another name.`)
    const sheet = new FakeSheet(this, name, this.nextSheetId++ === 0 ? 0 : Math.floor(Math.random() * 2_000_000_000), rows, columns)
    this.sheets.push(sheet)
    this.checkCellLimit()
    return sheet
  }

  /** Every cell of the spreadsheet counts toward Sheets' 10 million. */
  checkCellLimit (): void {
    const cells = this.sheets.reduce((sum, s) => sum + s.maxRows * s.maxColumns, 0)
    if (cells > LIMITS.spreadsheet.cells) throw new Error('Exception: This action would increase the number of cells in the workbook above the limit of 10000000 cells.')
  }

  gate (name: string): void {
    this.host.exec.enter(name, DOCUMENT)
  }
}

/** Sheet.createDeveloperMetadataFinder's answer. */
export interface DeveloperMetadataFinder {
  withKey: (key: string) => DeveloperMetadataFinder
  find: () => unknown[]
}

/** One grid. Rows and columns are 1-based in the API, 0-based inside. */
export class FakeSheet {
  /** Cell values by row then column; missing entries are empty. */
  private cells: CellValue[][] = []
  private columnFormats = new Map<number, string>()
  private cellFormats = new Map<string, string>()
  private hidden = new Set<number>()
  private frozenRows = 0
  /** Developer metadata on whole columns (developer-metadata-fake.ts). */
  readonly columnMetadata = new ColumnMetadataStore()

  constructor (readonly parent: FakeSpreadsheet, public name: string, readonly sheetId: number, public maxRows: number, public maxColumns: number) {}

  // --- Apps Script API -----------------------------------------------------------------
  getName (): string { return this.name }
  getSheetId (): number { return this.sheetId }
  getParent (): FakeSpreadsheet { return this.parent }
  getMaxRows (): number { return this.maxRows }
  getMaxColumns (): number { return this.maxColumns }
  getFrozenRows (): number { return this.frozenRows }
  setFrozenRows (rows: number): void { this.frozenRows = rows }

  getLastRow (): number {
    this.parent.gate('Sheet.getLastRow')
    for (let r = this.cells.length - 1; r >= 0; r--) {
      if (this.cells[r]?.some((v) => v !== '' && v !== undefined)) return r + 1
    }
    return 0
  }

  getLastColumn (): number {
    this.parent.gate('Sheet.getLastColumn')
    let last = 0
    for (const row of this.cells) {
      if (row === undefined) continue
      for (let c = row.length - 1; c >= last; c--) {
        if (row[c] !== '' && row[c] !== undefined) { last = c + 1; break }
      }
    }
    return last
  }

  getDataRange (): FakeRange {
    return new FakeRange(this, 1, 1, Math.max(1, this.getLastRow()), Math.max(1, this.getLastColumn()))
  }

  getRange (rowOrA1: number | string, column?: number, numRows = 1, numColumns = 1): FakeRange {
    this.parent.gate('Sheet.getRange')
    if (typeof rowOrA1 === 'string') {
      const a1 = parseA1(rowOrA1)
      const lastRow = a1.lastRow ?? this.maxRows
      const lastColumn = a1.lastColumn ?? this.maxColumns
      return this.checked(a1.row, a1.column, lastRow - a1.row + 1, lastColumn - a1.column + 1)
    }
    if (column === undefined) throw new Error('Exception: The parameters (number) don\'t match the method signature for SpreadsheetApp.Sheet.getRange.')
    return this.checked(rowOrA1, column, numRows, numColumns)
  }

  insertRowsBefore (before: number, howMany: number): FakeSheet {
    this.structure('Sheet.insertRowsBefore')
    if (before < 1 || before > this.maxRows) throw new Error('Exception: Those rows are out of bounds.')
    this.cells.splice(before - 1, 0, ...Array.from({ length: howMany }, () => []))
    this.shiftCellFormats('row', before, howMany)
    this.maxRows += howMany
    this.parent.checkCellLimit()
    return this
  }

  insertRowsAfter (after: number, howMany: number): FakeSheet {
    if (after === this.maxRows) {
      this.structure('Sheet.insertRowsAfter')
      this.maxRows += howMany
      this.parent.checkCellLimit()
      return this
    }
    return this.insertRowsBefore(after + 1, howMany)
  }

  insertRowBefore (before: number): FakeSheet { return this.insertRowsBefore(before, 1) }
  insertRowAfter (after: number): FakeSheet { return this.insertRowsAfter(after, 1) }

  deleteRows (position: number, howMany: number): void {
    this.structure('Sheet.deleteRows')
    if (position < 1 || position + howMany - 1 > this.maxRows) throw new Error('Exception: Those rows are out of bounds.')
    this.cells.splice(position - 1, howMany)
    this.shiftCellFormats('row', position + howMany, -howMany)
    this.maxRows -= howMany
  }

  deleteRow (position: number): void { this.deleteRows(position, 1) }

  insertColumnsBefore (before: number, howMany: number): FakeSheet {
    this.structure('Sheet.insertColumnsBefore')
    if (before < 1 || before > this.maxColumns) throw new Error('Exception: Those columns are out of bounds.')
    for (const row of this.cells) if (row !== undefined && row.length >= before) row.splice(before - 1, 0, ...Array.from({ length: howMany }, () => ''))
    const shift = <T>(map: Map<number, T>): Map<number, T> => new Map([...map].map(([c, v]) => [c >= before ? c + howMany : c, v]))
    this.columnFormats = shift(this.columnFormats)
    this.hidden = new Set([...this.hidden].map((c) => c >= before ? c + howMany : c))
    this.shiftCellFormats('column', before, howMany)
    this.columnMetadata.shift(before, howMany)
    this.maxColumns += howMany
    this.checkColumns()
    return this
  }

  deleteColumns (position: number, howMany: number): void {
    this.structure('Sheet.deleteColumns')
    if (position < 1 || position + howMany - 1 > this.maxColumns) throw new Error('Exception: Those columns are out of bounds.')
    for (const row of this.cells) if (row !== undefined) row.splice(position - 1, howMany)
    const shift = <T>(map: Map<number, T>): Map<number, T> => new Map([...map].filter(([c]) => c < position || c >= position + howMany).map(([c, v]) => [c >= position + howMany ? c - howMany : c, v]))
    this.columnFormats = shift(this.columnFormats)
    this.hidden = new Set([...this.hidden].filter((c) => c < position || c >= position + howMany).map((c) => c >= position + howMany ? c - howMany : c))
    this.shiftCellFormats('column', position + howMany, -howMany)
    this.columnMetadata.deleteColumns(position, howMany)
    this.maxColumns -= howMany
  }

  deleteColumn (position: number): void { this.deleteColumns(position, 1) }

  /** Sheet.createDeveloperMetadataFinder: every item on this sheet's columns, narrowed by key. */
  createDeveloperMetadataFinder (): DeveloperMetadataFinder {
    this.parent.gate('Sheet.createDeveloperMetadataFinder')
    let key: string | null = null
    const finder: DeveloperMetadataFinder = {
      withKey: (k: string) => { key = k; return finder },
      find: () => {
        this.parent.gate('DeveloperMetadataFinder.find')
        this.parent.host.exec.spend(this.parent.host.exec.latency.spreadsheetCallMs)
        return this.columnMetadata.find(key).map((m) => developerMetadataView(m, this.columnMetadata, (c) => new FakeRange(this, 1, c, this.maxRows, 1)))
      },
    }
    return finder
  }

  insertColumnsAfter (after: number, howMany: number): FakeSheet {
    if (after === this.maxColumns) {
      this.structure('Sheet.insertColumnsAfter')
      this.maxColumns += howMany
      this.checkColumns()
      return this
    }
    return this.insertColumnsBefore(after + 1, howMany)
  }

  insertColumnAfter (after: number): FakeSheet { return this.insertColumnsAfter(after, 1) }
  insertColumnBefore (before: number): FakeSheet { return this.insertColumnsBefore(before, 1) }

  hideColumns (column: number, howMany = 1): void {
    this.structure('Sheet.hideColumns')
    for (let c = column; c < column + howMany; c++) this.hidden.add(c)
  }

  showColumns (column: number, howMany = 1): void {
    this.structure('Sheet.showColumns')
    for (let c = column; c < column + howMany; c++) this.hidden.delete(c)
  }

  isColumnHiddenByUser (column: number): boolean {
    this.parent.gate('Sheet.isColumnHiddenByUser')
    return this.hidden.has(column)
  }

  /** Sorts every row below the frozen ones by one column, as Data → Sort sheet does. */
  sort (columnPosition: number, ascending = true): FakeSheet {
    this.structure('Sheet.sort')
    const last = this.lastRowRaw()
    const first = this.frozenRows + 1
    if (last >= first) this.sortRows(first, last - first + 1, [{ column: columnPosition, ascending }])
    return this
  }

  appendRow (values: unknown[]): FakeSheet {
    const row = this.lastRowRaw() + 1
    this.parent.host.exec.count('rangeWrites')
    this.parent.host.exec.count('cellsWritten', values.length)
    this.writeRow(row, 1, values)
    return this
  }

  // --- Used by FakeRange ---------------------------------------------------------------
  read (row: number, column: number, numRows: number, numColumns: number): CellValue[][] {
    const out: CellValue[][] = []
    for (let r = 0; r < numRows; r++) {
      const source = this.cells[row - 1 + r]
      const line: CellValue[] = new Array(numColumns)
      for (let c = 0; c < numColumns; c++) {
        const value = source?.[column - 1 + c]
        line[c] = value === undefined ? '' : isDate(value) ? this.parent.host.makeDate(value.getTime()) : value
      }
      out.push(line)
    }
    return out
  }

  display (row: number, column: number, numRows: number, numColumns: number): string[][] {
    const out: string[][] = []
    for (let r = 0; r < numRows; r++) {
      const source = this.cells[row - 1 + r]
      const line: string[] = new Array(numColumns)
      for (let c = 0; c < numColumns; c++) {
        const value = source?.[column - 1 + c]
        line[c] = value === undefined || value === '' ? '' : this.formatValue(value, this.formatOf(row + r, column + c))
      }
      out.push(line)
    }
    return out
  }

  write (row: number, column: number, values: readonly unknown[][]): void {
    values.forEach((line, r) => { this.writeRow(row + r, column, line) })
  }

  formatOf (row: number, column: number): string {
    return this.cellFormats.get(`${row}:${column}`) ?? this.columnFormats.get(column) ?? ''
  }

  setFormat (row: number, column: number, numRows: number, numColumns: number, format: string): void {
    // A format over whole columns is kept per column, so rows added later inherit it, as in Sheets.
    if (row === 1 && numRows === this.maxRows) {
      for (let c = column; c < column + numColumns; c++) this.columnFormats.set(c, format)
      for (const key of [...this.cellFormats.keys()]) {
        const c = Number(key.split(':')[1])
        if (c >= column && c < column + numColumns) this.cellFormats.delete(key)
      }
      return
    }
    for (let r = row; r < row + numRows; r++) for (let c = column; c < column + numColumns; c++) this.cellFormats.set(`${r}:${c}`, format)
  }

  sortRows (row: number, numRows: number, specs: ReadonlyArray<{ column: number, ascending: boolean }>): void {
    const block = this.cells.slice(row - 1, row - 1 + numRows)
    while (block.length < numRows) block.push([])
    block.sort((a, b) => {
      for (const spec of specs) {
        const order = compareCells(a[spec.column - 1], b[spec.column - 1])
        if (order !== 0) return spec.ascending ? order : (isBlank(a[spec.column - 1]) || isBlank(b[spec.column - 1]) ? order : -order)
      }
      return 0
    })
    this.cells.splice(row - 1, numRows, ...block)
  }

  gateStructure (name: string): void { this.structure(name) }

  private structure (name: string): void {
    this.parent.gate(name)
    this.parent.host.exec.count('structureChanges')
    this.parent.host.exec.spend(this.parent.host.exec.latency.spreadsheetCallMs)
  }

  private checked (row: number, column: number, numRows: number, numColumns: number): FakeRange {
    if (!Number.isInteger(row) || !Number.isInteger(column) || !Number.isInteger(numRows) || !Number.isInteger(numColumns) || numRows < 1 || numColumns < 1) {
      throw new Error('Exception: The number of rows and columns in the range must be at least 1.')
    }
    if (row < 1 || column < 1 || row + numRows - 1 > this.maxRows || column + numColumns - 1 > this.maxColumns) {
      throw new Error('Exception: The coordinates of the range are outside the dimensions of the sheet.')
    }
    return new FakeRange(this, row, column, numRows, numColumns)
  }

  private checkColumns (): void {
    if (this.maxColumns > LIMITS.spreadsheet.columns) throw new Error('Exception: This action would increase the number of columns in the sheet above the limit of 18278.')
    this.parent.checkCellLimit()
  }

  private lastRowRaw (): number {
    for (let r = this.cells.length - 1; r >= 0; r--) if (this.cells[r]?.some((v) => !isBlank(v))) return r + 1
    return 0
  }

  private writeRow (row: number, column: number, values: readonly unknown[]): void {
    if (row > this.maxRows) this.maxRows = row
    const line = this.cells[row - 1] ?? []
    for (let i = this.cells.length; i < row - 1; i++) this.cells[i] = []
    this.cells[row - 1] = line
    for (let i = line.length; i < column - 1; i++) line[i] = ''
    values.forEach((value, c) => {
      line[column - 1 + c] = this.coerce(value, row, column + c)
    })
  }

  /** What Sheets stores when a value is written, given the cell's number format. */
  private coerce (value: unknown, row: number, column: number): CellValue {
    if (value === null || value === undefined) return ''
    if (isDate(value)) return new Date(value.getTime())
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new Error('Exception: Invalid argument: value')
      return value
    }
    if (typeof value === 'boolean') return value
    if (typeof value !== 'string') {
      throw new Error(`Exception: The parameters (${Object.prototype.toString.call(value)}) don't match the method signature for SpreadsheetApp.Range.setValues.`)
    }
    if (value.length > LIMITS.spreadsheet.charsPerCell) throw new Error(`Exception: Your input contains more than the maximum of ${LIMITS.spreadsheet.charsPerCell} characters in a single cell.`)
    if (this.formatOf(row, column) === TEXT_FORMAT) return value
    if (value.startsWith('\'')) return value.slice(1)
    const trimmed = value.trim()
    if (NUMBER.test(trimmed)) return Number(trimmed)
    if (/^(true|false)$/i.test(trimmed)) return trimmed.toLowerCase() === 'true'
    const percent = PERCENT.exec(trimmed)
    if (percent !== null) {
      if (this.formatOf(row, column) === '') this.cellFormats.set(`${row}:${column}`, percent[2] === undefined ? '0%' : '0.00%')
      return Number(percent[1]) / 100
    }
    const date = ISO_DATE.exec(trimmed)
    if (date !== null) {
      const [, y, mo, d, h, mi, s] = date
      const local = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0))
      if (this.formatOf(row, column) === '') this.cellFormats.set(`${row}:${column}`, h === undefined ? 'yyyy-mm-dd' : 'yyyy-mm-dd hh:mm:ss')
      return new Date(local - zoneOffsetMs(local, this.parent.timeZone))
    }
    return value
  }

  private formatValue (value: CellValue, format: string): string {
    if (typeof value === 'string') return value
    if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE'
    if (isDate(value)) return formatDateCell(value, format, this.parent.timeZone)
    if (format === TEXT_FORMAT) return String(value)
    if (format === '0%') return `${Math.round(value * 100)}%`
    if (format === '0.00%') return `${(value * 100).toFixed(2)}%`
    if (format === '0.00') return value.toFixed(2)
    if (format === '#,##0') return Math.round(value).toLocaleString('en-US')
    if (Number.isInteger(value)) return Math.abs(value) < 1e15 ? String(value) : value.toExponential(2).toUpperCase()
    return String(Number(value.toPrecision(10)))
  }

  private shiftCellFormats (axis: 'row' | 'column', from: number, by: number): void {
    const shifted = new Map<string, string>()
    for (const [key, format] of this.cellFormats) {
      let [r, c] = key.split(':').map(Number) as [number, number]
      if (axis === 'row' && r >= from) r += by
      if (axis === 'column' && c >= from) c += by
      if (r >= 1 && c >= 1) shifted.set(`${r}:${c}`, format)
    }
    this.cellFormats = shifted
  }
}

/** A rectangle of one sheet. */
export class FakeRange {
  constructor (private readonly sheet: FakeSheet, private readonly row: number, private readonly column: number, private readonly numRows: number, private readonly numColumns: number) {}

  getSheet (): FakeSheet { return this.sheet }
  getRow (): number { return this.row }
  getColumn (): number { return this.column }
  getNumRows (): number { return this.numRows }
  getNumColumns (): number { return this.numColumns }
  getLastRow (): number { return this.row + this.numRows - 1 }
  getLastColumn (): number { return this.column + this.numColumns - 1 }
  getA1Notation (): string {
    const start = `${columnLetters(this.column)}${this.row}`
    return this.numRows === 1 && this.numColumns === 1 ? start : `${start}:${columnLetters(this.getLastColumn())}${this.getLastRow()}`
  }

  getValues (): CellValue[][] {
    this.read('Range.getValues', 'getValues')
    return this.sheet.read(this.row, this.column, this.numRows, this.numColumns)
  }

  getDisplayValues (): string[][] {
    this.read('Range.getDisplayValues', 'getDisplayValues')
    return this.sheet.display(this.row, this.column, this.numRows, this.numColumns)
  }

  getValue (): CellValue {
    this.read('Range.getValue', undefined, 1)
    return this.sheet.read(this.row, this.column, 1, 1)[0]![0]!
  }

  getDisplayValue (): string {
    this.read('Range.getDisplayValue', undefined, 1)
    return this.sheet.display(this.row, this.column, 1, 1)[0]![0]!
  }

  setValues (values: unknown[][]): FakeRange {
    const gate = this.sheet.parent
    gate.gate('Range.setValues')
    if (!Array.isArray(values) || values.some((line) => !Array.isArray(line))) {
      throw new Error('Exception: The parameters (String) don\'t match the method signature for SpreadsheetApp.Range.setValues.')
    }
    if (values.length !== this.numRows) throw new Error(`Exception: The number of rows in the data does not match the number of rows in the range. The data has ${values.length} but the range has ${this.numRows}.`)
    const wrong = values.find((line) => line.length !== this.numColumns)
    if (wrong !== undefined) throw new Error(`Exception: The number of columns in the data does not match the number of columns in the range. The data has ${wrong.length} but the range has ${this.numColumns}.`)
    this.wrote('setValues', this.numRows * this.numColumns)
    this.sheet.write(this.row, this.column, values)
    return this
  }

  setValue (value: unknown): FakeRange {
    this.sheet.parent.gate('Range.setValue')
    this.wrote(undefined, 1)
    this.sheet.write(this.row, this.column, [[value]])
    return this
  }

  clearContent (): FakeRange {
    this.sheet.parent.gate('Range.clearContent')
    this.wrote(undefined, this.numRows * this.numColumns)
    this.sheet.write(this.row, this.column, Array.from({ length: this.numRows }, () => new Array<string>(this.numColumns).fill('')))
    return this
  }

  setNumberFormat (format: string): FakeRange {
    this.formatted('Range.setNumberFormat')
    this.sheet.setFormat(this.row, this.column, this.numRows, this.numColumns, format)
    return this
  }

  getNumberFormat (): string {
    this.read('Range.getNumberFormat', undefined, 1)
    return this.sheet.formatOf(this.row, this.column) || 'General'
  }

  /**
   * Range.addDeveloperMetadata: only on whole columns here (see developer-metadata-fake.ts for
   * the documented rule); anything else throws as Sheets does for an arbitrary range.
   */
  addDeveloperMetadata (key: string, value?: string): FakeRange {
    this.formatted('Range.addDeveloperMetadata')
    if (this.row !== 1 || this.numRows !== this.sheet.maxRows) {
      throw new Error('Exception: Adding developer metadata to arbitrary ranges is not currently supported. Developer metadata may only be added to the top-level spreadsheet, an individual sheet, or an entire row or column.')
    }
    for (let c = this.column; c <= this.getLastColumn(); c++) this.sheet.columnMetadata.add(c, key, value ?? null)
    return this
  }

  setFontWeight (): FakeRange {
    this.formatted('Range.setFontWeight')
    return this
  }

  setNote (): FakeRange {
    this.formatted('Range.setNote')
    return this
  }

  /** Sorts the range's rows: a column number, `{column, ascending}`, or a list of those (columns are sheet columns). */
  sort (spec: number | { column: number, ascending?: boolean } | Array<number | { column: number, ascending?: boolean }>): FakeRange {
    this.sheet.gateStructure('Range.sort')
    const list = Array.isArray(spec) ? spec : [spec]
    const specs = list.map((s) => typeof s === 'number' ? { column: s, ascending: true } : { column: s.column, ascending: s.ascending ?? true })
    for (const s of specs) {
      if (s.column < this.column || s.column > this.getLastColumn()) throw new Error('Exception: The column to sort by is outside the range.')
    }
    this.sheet.sortRows(this.row, this.numRows, specs)
    return this
  }

  private read (name: string, counter: 'getValues' | 'getDisplayValues' | undefined, cells = this.numRows * this.numColumns): void {
    const exec = this.sheet.parent.host.exec
    this.sheet.parent.gate(name)
    if (counter !== undefined) exec.count(counter)
    exec.count('rangeReads')
    exec.count('cellsRead', cells)
    exec.spend(exec.latency.spreadsheetCallMs + cells * exec.latency.spreadsheetReadMsPerCell)
  }

  private wrote (counter: 'setValues' | undefined, cells: number): void {
    const exec = this.sheet.parent.host.exec
    if (counter !== undefined) exec.count(counter)
    exec.count('rangeWrites')
    exec.count('cellsWritten', cells)
    exec.spend(exec.latency.spreadsheetCallMs + cells * exec.latency.spreadsheetWriteMsPerCell)
  }

  private formatted (name: string): void {
    const exec = this.sheet.parent.host.exec
    this.sheet.parent.gate(name)
    exec.count('formatWrites')
    exec.spend(exec.latency.spreadsheetCallMs)
  }
}

function isBlank (value: CellValue | undefined): boolean {
  return value === undefined || value === ''
}

// Sheets sorts numbers (and dates) before text, text case-insensitively, blanks always last.
function compareCells (a: CellValue | undefined, b: CellValue | undefined): number {
  if (isBlank(a) || isBlank(b)) return isBlank(a) === isBlank(b) ? 0 : isBlank(a) ? 1 : -1
  const rank = (v: CellValue): number => typeof v === 'number' || isDate(v) ? 0 : typeof v === 'string' ? 1 : 2
  const ra = rank(a!)
  const rb = rank(b!)
  if (ra !== rb) return ra - rb
  if (ra === 0) return Number(a) - Number(b)
  return String(a).localeCompare(String(b), 'en', { sensitivity: 'base' })
}

/** How far `zone`'s wall clock is ahead of UTC at `instant`. */
export function zoneOffsetMs (instant: number, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(instant))
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value)
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - Math.floor(instant / 1000) * 1000
}

function formatDateCell (date: Date, format: string, zone: string): string {
  const local = new Date(date.getTime() + zoneOffsetMs(date.getTime(), zone))
  const pad = (n: number): string => String(n).padStart(2, '0')
  const y = local.getUTCFullYear()
  const mo = local.getUTCMonth() + 1
  const d = local.getUTCDate()
  const time = `${local.getUTCHours()}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`
  if (format === 'yyyy-mm-dd') return `${y}-${pad(mo)}-${pad(d)}`
  if (format === 'yyyy-mm-dd hh:mm:ss') return `${y}-${pad(mo)}-${pad(d)} ${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`
  const midnight = local.getUTCHours() === 0 && local.getUTCMinutes() === 0 && local.getUTCSeconds() === 0
  return midnight ? `${mo}/${d}/${y}` : `${mo}/${d}/${y} ${time}`
}
