/** A1 notation as SpreadsheetApp reads it: `B2`, `B2:D10`, `A:C`, `2:5`, `A2:C`, `'My sheet'!A1:B2`. */
export interface A1Range {
  sheetName?: string
  /** 1-based; `undefined` end means "to the last row/column of the sheet". */
  row: number
  column: number
  lastRow?: number
  lastColumn?: number
}

/** Column letters to a 1-based index (`A` → 1, `AA` → 27). */
export function columnIndex (letters: string): number {
  let index = 0
  for (const char of letters.toUpperCase()) index = index * 26 + (char.charCodeAt(0) - 64)
  return index
}

/** A 1-based column index to its letters. */
export function columnLetters (index: number): string {
  let letters = ''
  let n = index
  while (n > 0) {
    const rest = (n - 1) % 26
    letters = String.fromCharCode(65 + rest) + letters
    n = Math.floor((n - 1) / 26)
  }
  return letters
}

const CELL = /^([A-Za-z]{0,3})(\d*)$/

/** Parses A1 notation; throws Google's message for anything else. */
export function parseA1 (notation: string): A1Range {
  let text = notation.trim()
  let sheetName: string | undefined
  const bang = text.lastIndexOf('!')
  if (bang !== -1) {
    sheetName = text.slice(0, bang).replace(/^'(.*)'$/, '$1').replace(/''/g, '\'')
    text = text.slice(bang + 1)
  }
  const [startText, endText] = text.split(':') as [string, string | undefined]
  const start = CELL.exec(startText)
  const end = endText === undefined ? start : CELL.exec(endText)
  if (start === null || end === null || (start[1] === '' && start[2] === '')) throw new Error(`Exception: Range not found: ${notation}`)
  const wholeRows = start[1] === ''
  const wholeColumns = start[2] === ''
  const range: A1Range = {
    row: wholeColumns ? 1 : Number(start[2]),
    column: wholeRows ? 1 : columnIndex(start[1]!),
  }
  if (sheetName !== undefined) range.sheetName = sheetName
  if (endText === undefined) {
    range.lastRow = range.row
    range.lastColumn = range.column
    if (wholeColumns || wholeRows) throw new Error(`Exception: Range not found: ${notation}`)
    return range
  }
  if (end[2] !== '' && !wholeColumns) range.lastRow = Number(end[2])
  if (end[1] !== '' && !wholeRows) range.lastColumn = columnIndex(end[1]!)
  if (wholeRows) range.lastRow = Number(end[2])
  if (range.row < 1 || range.column < 1) throw new Error(`Exception: Range not found: ${notation}`)
  return range
}
