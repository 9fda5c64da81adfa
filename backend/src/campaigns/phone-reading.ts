/**
 * How a phone number written in a sheet (or sent by any API client) is read, in one pure
 * module that the backend's recipient validation and the Sheets add-on both import, so no
 * client can re-home a number the other would have refused. No imports: the add-on bundles
 * this file into Apps Script, and the backend passes its own parser (libphonenumber).
 *
 * The rule: a number is never guessed. Sheets turns `+33612345678` typed into an unformatted
 * cell into the number 33612345678 (its `+` is gone, as is the leading 0 of a national
 * number), so a number-typed cell is ambiguous by nature; and digits without `+` that are a
 * valid number both as a national number of the workspace's country and as an international
 * number are ambiguous too (`33612345678` in a German workspace is +49 3361 2345678 or
 * +33 6 12 34 56 78). Both become the row problem `phone_ambiguous`, with the readings shown,
 * for the user to resolve (plain-text column with `+`, or "numbers in this column are international").
 */

/** What kind of cell the phone came from: `number` when Sheets stored it as a Number (any `+` or leading 0 lost). */
export type PhoneCell = 'text' | 'number'

/** Reads `input` as a valid number in E.164, or null; `defaultCountry` applies when it has no `+`. */
export type PhoneParser = (input: string, defaultCountry: string | null) => string | null

/** The outcome of reading one phone. */
export type PhoneReading =
  | { kind: 'missing' }
  | { kind: 'valid', phone: string }
  | { kind: 'invalid' }
  | { kind: 'ambiguous', readings: string[] }

/** Separates the readings in a `phone_ambiguous` row's `detail`. */
export const READINGS_SEPARATOR = ' or '

/** Reads a phone as the rule above says; `parse` is the caller's validating parser. */
export function readPhone (input: string, cell: PhoneCell, defaultCountry: string | null, parse: PhoneParser): PhoneReading {
  const text = input.trim()
  if (text === '') return { kind: 'missing' }
  if (text.startsWith('+')) {
    const phone = parse(text, null)
    return phone === null ? { kind: 'invalid' } : { kind: 'valid', phone }
  }
  const digits = text.replace(/[\s().-]/g, '')
  const national = parse(text, defaultCountry)
  const international = /^\d+$/.test(digits) ? parse(`+${digits}`, null) : null
  const readings = [...new Set([international, national].filter((r): r is string => r !== null))]
  if (cell === 'number') {
    if (readings.length === 0) return { kind: 'invalid' }
    // A lost leading 0 does not move a national number (the parser drops the trunk prefix anyway),
    // and when both readings are the same number there is nothing to guess. A lost `+` does move
    // it: whenever the international reading is a different number, the user decides.
    if (readings.length === 1 && national !== null) return { kind: 'valid', phone: national }
    return { kind: 'ambiguous', readings }
  }
  if (national === null) return { kind: 'invalid' }
  return readings.length > 1 ? { kind: 'ambiguous', readings } : { kind: 'valid', phone: national }
}

/** The readings a `phone_ambiguous` detail lists. */
export function readingsOf (detail: string | null | undefined): string[] {
  return detail === null || detail === undefined || detail === '' ? [] : detail.split(READINGS_SEPARATOR)
}

/**
 * What the add-on sends for a phone cell: its value as Sheets typed it and as it shows it.
 * A Number whose format shows a `+` (a custom format such as `+0`) keeps its display text; a
 * plain Number is sent as its digits marked `number`, unless the user said the column's
 * numbers are international, in which case it gets its `+` back.
 */
export function phoneFromCell (value: unknown, display: string, international: boolean): { phone: string, cell: PhoneCell } {
  if (typeof value !== 'number') return { phone: display.trim(), cell: 'text' }
  const shown = display.trim()
  if (shown.startsWith('+')) return { phone: shown, cell: 'text' }
  // Integers past 2^53 are not phones; Number(…) of a real phone (≤ 15 digits) is exact.
  const digits = Number.isSafeInteger(value) && value > 0 ? String(value) : shown
  return international ? { phone: `+${digits}`, cell: 'text' } : { phone: digits, cell: 'number' }
}
