import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadAppsScript, type AppsScriptRuntime } from '../../build/test-support/apps-script-runtime.js'
import { startBackend, type BackendProcess } from '../../build/test-support/backend-process.js'
import { buildSheetsAddon, fillSheet, sendAll, sheetRows, unwrap, validate, welcomeSetup } from '../../build/test-support/sheets-fixtures.js'

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
    expect(ana['WhatsApp status']).toBe('Not sent')
    expect(ana['WhatsApp problem']).toContain('+33612345678 or +4933612345678')
    expect(submitted(runtime).get('Ana')).toMatchObject({ phone: '33612345678', phoneCell: 'number' })
  }, 60_000)

  it('"numbers in this column are international" gives the Number its + back', () => {
    const runtime = connected()
    fillSheet(runtime, [HEADER, ['Ana', '+33612345678', '10%', 'Sunday']])
    const setup = { ...welcomeSetup(runtime, 'International'), phoneInternational: true }
    expect(validate(runtime, setup)).toMatchObject({ readyRows: 1, issues: [] })
    sendAll(runtime, setup)
    expect(submitted(runtime).get('Ana')).toMatchObject({ phone: '+33612345678' })
    expect(sheetRows(runtime)[0]!['WhatsApp status']).toBe('Queued')
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
    const statuses = sheetRows(runtime).map((r) => [r['WhatsApp status'], r['WhatsApp problem']])
    expect(statuses.filter(([s]) => s === 'Not sent')).toHaveLength(3)
    expect(JSON.stringify(runtime.fetches.map((f) => f.payload ?? ''))).not.toMatch(/#N\/A|#REF!|Loading\.\.\./)
  }, 60_000)
})

describe('the user\'s own columns (issue 15, item 2)', () => {
  it('a Status column of the user\'s is never read or written: every row is sent, "Hot lead" stays, the add-on adds and marks its own columns', () => {
    const runtime = connected()
    const sheet = fillSheet(runtime, [
      [...HEADER, 'Status'],
      ['Ana', '+49 30 2000001', '10%', 'Sunday', 'Read'],
      ['Ben', '+49 30 2000002', '10%', 'Sunday', 'Cancelled'],
      ['Cleo', '+49 30 2000003', '10%', 'Sunday', 'Hot lead'],
    ])
    const setup = welcomeSetup(runtime, 'Own status')
    expect(validate(runtime, setup)).toMatchObject({ readyRows: 3, skippedRows: 0 })
    const { slices } = sendAll(runtime, setup)
    expect(slices.at(-1)).toMatchObject({ done: true, counts: { accepted: 3 } })
    const table = sheetRows(runtime)
    expect(table.map((r) => r.Status)).toEqual(['Read', 'Cancelled', 'Hot lead'])
    expect(table.map((r) => r['WhatsApp status'])).toEqual(['Queued', 'Queued', 'Queued'])

    // The marks follow the columns: a column inserted before them, and ours are still found (no second set added).
    sheet.insertColumnsBefore(1, 1)
    const marked = sheet.createDeveloperMetadataFinder().withKey('switchboard.column').find() as Array<{ getValue: () => string }>
    expect(marked.map((m) => m.getValue()).sort()).toEqual(['messageId', 'reason', 'reply', 'rowId', 'sentAt', 'status'])
    expect(validate(runtime, setup)).toMatchObject({ skippedRows: 3 })
    const headers = sheet.getRange(1, 1, 1, sheet.getLastColumn()).getDisplayValues()[0]!
    expect(headers.filter((h) => h === 'WhatsApp status')).toHaveLength(1)
  }, 60_000)

  it('the runtime refuses developer metadata on a range that is not a whole column, as Sheets does', () => {
    const runtime = connected()
    const sheet = fillSheet(runtime, [HEADER])
    expect(() => sheet.getRange(1, 1, 2, 1).addDeveloperMetadata('k', 'v')).toThrow(/entire row or column/)
  })
})

describe('the hourly trigger (issue 15, item 6)', () => {
  it('finds its spreadsheet and state with no open document (no document properties there) and writes the statuses', async () => {
    const runtime = connected()
    fillSheet(runtime, [HEADER, ['Ana', '+49 30 3000001', '10%', 'Sunday'], ['Ben', '+49 30 3000002', '10%', 'Sunday']])
    const setup = welcomeSetup(runtime, 'Trigger')
    const { slices } = sendAll(runtime, setup)
    expect(slices.at(-1)).toMatchObject({ done: true })
    expect((await backend.api('POST', `/campaigns/${slices.at(-1)!.campaign!.id}/cancel`)).status).toBe(200)

    const trigger = runtime.triggers.find((t) => t.handler === 'onHourlySync')!
    runtime.fireTrigger(trigger.uid)
    const execution = runtime.lastExecution()
    expect(execution.error ?? null, runtime.logs.join('\n')).toBeNull()
    expect(sheetRows(runtime).map((r) => r['WhatsApp status'])).toEqual(['Cancelled', 'Cancelled'])
    // What the trigger changed (the feed cursor) reaches the document when the sidebar opens again.
    const synced = unwrap<{ campaign: { lastSyncAt: string | null } }>(runtime.runForClient('getSheetSetup', [{}]))
    expect(synced.campaign.lastSyncAt).not.toBeNull()
  }, 60_000)
})

describe('rows sorted or deleted between slices (issue 15, item 3)', () => {
  it('a 6,000-row sheet sorted Z→A after the first slice, and 10 rows deleted at the top: every remaining row is submitted exactly once', async () => {
    const runtime = connected()
    const data = [HEADER, ...Array.from({ length: 6000 }, (_, i) => [`P${String(i).padStart(4, '0')}`, `+49 30 ${4_000_000 + i}`, '10%', 'Sunday'])]
    const sheet = fillSheet(runtime, data)
    const setup = welcomeSetup(runtime, 'Sorted mid-run')
    const first = unwrap<{ doneRows: number, done: boolean, campaign: { id: string } }>(runtime.runForClient('startSend', [setup, { scheduleAt: null, resendFailed: false }]))
    expect(first).toMatchObject({ doneRows: 5000, done: false })
    // Between slices the user sorts by name, Z→A, and deletes ten rows at the top.
    sheet.getRange(2, 1, 6000, sheet.getLastColumn()).sort({ column: 1, ascending: false })
    sheet.deleteRows(2, 10)
    let last = unwrap<{ done: boolean, error: unknown }>(runtime.runForClient('continueSend', [setup.sheetId]))
    for (let guard = 0; !last.done && last.error === null && guard < 5; guard++) last = unwrap(runtime.runForClient('continueSend', [setup.sheetId]))
    expect(last).toMatchObject({ done: true, error: null })

    const table = (): Array<Record<string, string>> => sheetRows(runtime)
    const counts = (await backend.api<{ counts: { total: number } }>('GET', `/campaigns/${first.campaign.id}`)).body.counts
    const sent = runtime.fetches.filter((f) => f.url.endsWith('/recipients')).flatMap((f) => (JSON.parse(f.payload!).rows as Array<{ rowKey: string }>).map((r) => r.rowKey))
    console.log(`item 3: ${sent.length} rows submitted, each once; ${table().length} rows left in the sheet; campaign total ${counts.total}`)
    expect(new Set(sent).size).toBe(sent.length)
    expect(counts.total).toBe(sent.length)
    expect(table()).toHaveLength(5990)
    // Every row still in the sheet went in (no segment lost rows to the sort), and shows it.
    const sentSet = new Set(sent)
    expect(table().filter((r) => !sentSet.has(r['Switchboard row id']!))).toEqual([])
    expect(table().filter((r) => r['WhatsApp status'] !== 'Queued')).toEqual([])
  }, 120_000)
})
