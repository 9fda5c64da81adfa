import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadAppsScript, type AppsScriptRuntime } from '../../build/test-support/apps-script-runtime.js'
import { startBackend, type BackendProcess } from '../../build/test-support/backend-process.js'
import { buildSheetsAddon, fillSheet, sendAll, sheetRows, validate, welcomeSetup } from '../../build/test-support/sheets-fixtures.js'

// Sheets built the way users build them (issue 15), through the built add-on in the local
// Apps Script runtime, against the real backend of a German workspace: phones typed as
// numbers, formula errors, dates and percentages.

let backend: BackendProcess
let distDir: string

beforeAll(async () => {
  backend = await startBackend({ country: 'DE', timeZone: 'Europe/Berlin' })
  distDir = await buildSheetsAddon(backend.url)
}, 120_000)

afterAll(async () => {
  await backend?.close()
})

function connected (): AppsScriptRuntime {
  const runtime = loadAppsScript(distDir, { spreadsheet: { name: 'Leads', timeZone: 'Europe/Berlin' } })
  const result = runtime.runForClient('connect', [backend.token]) as { ok: boolean }
  expect(result.ok).toBe(true)
  return runtime
}

const HEADER = ['First name', 'Phone', 'Discount', 'Expiry']

/** The rows the add-on submitted (every recipients request), by first name. */
function submitted (runtime: AppsScriptRuntime): Map<string, { phone: string, phoneCell?: string, variables: Record<string, string> }> {
  const rows = runtime.fetches.filter((f) => f.url.endsWith('/recipients')).flatMap((f) => JSON.parse(f.payload!).rows as Array<{ phone: string, phoneCell?: string, variables: Record<string, string> }>)
  return new Map(rows.map((r) => [r.variables['body.first_name']!, r]))
}

describe('phones typed as numbers (issue 15, item 1)', () => {
  it('a phone Sheets turned into a Number is never guessed: Check rows shows both readings, sending marks it Not sent', () => {
    const runtime = connected()
    // `+33612345678` typed into an unformatted cell is stored as the Number 33612345678 (the runtime does what Sheets does).
    const sheet = fillSheet(runtime, [HEADER, ['Ana', '+33612345678', '10%', 'Sunday'], ['Ben', '+49 30 1234567', '10%', 'Sunday']])
    expect(typeof sheet.getRange(2, 2).getValue()).toBe('number')
    const setup = welcomeSetup(runtime, 'Number phones')

    const summary = validate(runtime, setup)
    expect(summary.problems.phone_ambiguous).toBe(1)
    expect(summary.readyRows).toBe(1)
    expect(summary.issues).toEqual([expect.objectContaining({ row: 2, problem: 'phone_ambiguous' })])
    expect(summary.issues[0]!.message).toContain('+33612345678 or +4933612345678')

    const { slices } = sendAll(runtime, setup)
    expect(slices.at(-1)).toMatchObject({ counts: { accepted: 1, rejected: 1 } })
    const ana = sheetRows(runtime).find((r) => r['First name'] === 'Ana')!
    expect(ana.Status).toBe('Not sent')
    expect(ana.Reason).toContain('+33612345678 or +4933612345678')
    expect(submitted(runtime).get('Ana')).toMatchObject({ phone: '33612345678', phoneCell: 'number' })
  }, 60_000)

  it('"numbers in this column are international" gives the Number its + back', () => {
    const runtime = connected()
    fillSheet(runtime, [HEADER, ['Ana', '+33612345678', '10%', 'Sunday']])
    const setup = { ...welcomeSetup(runtime, 'International'), phoneInternational: true }
    expect(validate(runtime, setup)).toMatchObject({ readyRows: 1, issues: [] })
    sendAll(runtime, setup)
    expect(submitted(runtime).get('Ana')).toMatchObject({ phone: '+33612345678' })
    expect(sheetRows(runtime)[0]!.Status).toBe('Queued')
  }, 60_000)
})

describe('formula errors, dates and percentages (issue 15, item 5)', () => {
  it('a formula error or a pending import is a row issue, never message text; a date and a percentage go as displayed', () => {
    const runtime = connected()
    fillSheet(runtime, [
      HEADER,
      ['Ana', '+33 6 12 34 56 78', '#N/A', 'Sunday'],
      ['Ben', '+49 30 1234567', '15%', '2026-12-24'],
      ['Cleo', '+49 30 1234568', '10%', 'Loading...'],
      ['#REF!', '+49 30 1234569', '10%', 'Sunday'],
    ])
    const setup = welcomeSetup(runtime, 'Errors')
    const summary = validate(runtime, setup)
    expect(summary.problems.cell_error).toBe(3)
    expect(summary.readyRows).toBe(1)
    expect(summary.issues.map((i) => [i.row, i.problem])).toEqual([[2, 'cell_error'], [4, 'cell_error'], [5, 'cell_error']])
    expect(summary.issues[0]!.message).toContain('C2 (#N/A)')

    sendAll(runtime, setup)
    const sent = [...submitted(runtime).values()]
    expect(sent).toHaveLength(1)
    // The percentage and the date as the sheet shows them, not 0.15 or a Date's string.
    expect(sent[0]!.variables).toMatchObject({ 'body.first_name': 'Ben', 'body.discount': '15%', 'body.expiry': '2026-12-24' })
    const statuses = sheetRows(runtime).map((r) => [r.Status, r.Reason])
    expect(statuses.filter(([s]) => s === 'Not sent')).toHaveLength(3)
    expect(JSON.stringify(runtime.fetches.map((f) => f.payload ?? ''))).not.toMatch(/#N\/A|#REF!|Loading\.\.\./)
  }, 60_000)
})
