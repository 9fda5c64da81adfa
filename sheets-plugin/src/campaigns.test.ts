import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Campaign } from '../../backend/src/api.js'
import { loadAppsScript, type AppsScriptRuntime } from '../../build/test-support/apps-script-runtime.js'
import { startBackend, type BackendProcess } from '../../build/test-support/backend-process.js'
import { buildSheetsAddon, fillSheet, sendAll, sheetRows, syncNow, total, unwrap, validate, welcomeSetup } from '../../build/test-support/sheets-fixtures.js'
import { LIMITS } from '../../build/test-support/apps-script/limits.js'
import type { SendProgress } from './core/sidebar-protocol.js'

// The built add-on in the local Apps Script runtime against the real backend (its own
// process, sandbox mode), counting what Google counts. No campaign sender runs here: the
// statuses that move are the ones a person causes (cancel); end-to-end.test.ts covers sending.

let backend: BackendProcess
let distDir: string

beforeAll(async () => {
  backend = await startBackend({ country: 'US', timeZone: 'America/New_York' })
  distDir = await buildSheetsAddon(backend.url)
}, 120_000)

afterAll(async () => {
  await backend?.close()
})

function connected (): AppsScriptRuntime {
  const runtime = loadAppsScript(distDir, { spreadsheet: { name: 'Leads', timeZone: 'America/New_York' } })
  const result = runtime.runForClient('connect', [backend.token]) as { ok: boolean }
  expect(result.ok).toBe(true)
  return runtime
}

let phoneBase = 3_000_000
/** Rows for welcome_offer with unique numbers (a fresh block per call, so campaigns never share one by accident). */
function rows (count: number): string[][] {
  const start = phoneBase
  phoneBase += count + 1000
  return [['First name', 'Phone', 'Discount', 'Expiry'], ...Array.from({ length: count }, (_, i) => [`Person ${i}`, `+1 646 ${start + i}`, '10%', 'Sunday'])]
}

async function campaign (id: string): Promise<Campaign> {
  const answer = await backend.api<Campaign>('GET', `/campaigns/${id}`)
  expect(answer.status).toBe(200)
  return answer.body
}

describe('a 10,000-row campaign', () => {
  it('is checked, submitted in chunks of 1,000 with ≤ 15 UrlFetch calls, one read and one write per execution, and synced in ≤ 3 writes', async () => {
    const runtime = connected()
    fillSheet(runtime, rows(10_000))
    const setup = welcomeSetup(runtime, 'Ten thousand')

    const summary = validate(runtime, setup)
    expect(summary).toMatchObject({ checkedRows: 10_000, readyRows: 10_000, issues: [] })
    const check = runtime.lastExecution().counters
    // One read of the data and one of the phone column's types; one write for the new status headers and the 10,000 new row ids together; 10 checks in one fetchAll, plus creating the draft.
    expect(check).toMatchObject({ getDisplayValues: 1, getValues: 1, setValues: 1, urlFetchRequests: 11, fetchAllCalls: 1 })
    expect(runtime.fetches.filter((f) => f.url.endsWith('/recipients/validate')).map((f) => JSON.parse(f.payload!).rows.length)).toEqual(new Array(10).fill(1000))

    const fetchesBefore = runtime.fetches.length
    const { slices, executions } = sendAll(runtime, setup)
    const submitRequests = runtime.fetches.slice(fetchesBefore)
    expect(slices.map((s) => s.doneRows)).toEqual([5000, 10_000])
    expect(slices.at(-1)).toMatchObject({ done: true, counts: { accepted: 10_000, existing: 0, rejected: 0 } })
    expect(total(executions, 'urlFetchRequests')).toBeLessThanOrEqual(15)
    expect(submitRequests.map((f) => f.url.replace(/^.*\/api\/v1/, ''))).toEqual([
      ...new Array(10).fill(`/campaigns/${slices[0]!.campaign!.id}/recipients`),
      `/campaigns/${slices[0]!.campaign!.id}/start`,
    ])
    for (const request of submitRequests.slice(0, 10)) {
      expect(JSON.parse(request.payload!).rows).toHaveLength(1000)
      expect(request.headers['Idempotency-Key']).toMatch(/^sheets:cmp_[a-z0-9]+:[0-9a-f]{64}$/)
    }
    expect(new Set(submitRequests.map((f) => f.headers['Idempotency-Key'])).size).toBe(11)
    for (const execution of executions) {
      expect(execution.counters).toMatchObject({ getDisplayValues: 1, getValues: 1, setValues: 1, fetchAllCalls: 1 })
      expect(execution.elapsedMs).toBeLessThan(LIMITS.executionMs)
    }
    expect((await campaign(slices[0]!.campaign!.id)).counts).toMatchObject({ total: 10_000, pending: 10_000 })
    expect(new Set(sheetRows(runtime).map((r) => r['WhatsApp status']))).toEqual(new Set(['Queued']))

    // Nothing changed since: the feed's two pages, one read, nothing written.
    const fetchesBeforeSync = runtime.fetches.length
    const quiet = syncNow(runtime, setup.sheetId)
    const seenBySync = JSON.stringify({ quiet, fetched: runtime.fetches.slice(fetchesBeforeSync).map((f) => f.url.replace(/^.*\/api\/v1/, '')) })
    expect(runtime.lastExecution().counters, seenBySync).toMatchObject({ urlFetchRequests: 2, getDisplayValues: 1, setValues: 0 })

    // Every row changes: still one read and at most three writes.
    expect((await backend.api('POST', `/campaigns/${slices[0]!.campaign!.id}/cancel`)).status).toBe(200)
    const synced = syncNow(runtime, setup.sheetId)
    expect(synced).toMatchObject({ changedRows: 10_000, missingRows: 0, more: false, campaign: { state: 'cancelled' } })
    expect(runtime.lastExecution().counters.getDisplayValues).toBe(1)
    expect(runtime.lastExecution().counters.rangeWrites).toBeLessThanOrEqual(3)
    expect(new Set(sheetRows(runtime).map((r) => r['WhatsApp status']))).toEqual(new Set(['Cancelled']))
    // The figures the README quotes, printed so a run shows them.
    console.log(`10,000 rows: Check rows ${check.urlFetchRequests} UrlFetch calls; send ${total(executions, 'urlFetchRequests')} UrlFetch calls in ${executions.length} executions; sync of every row ${runtime.lastExecution().counters.rangeWrites} range writes`)
  }, 180_000)
})

describe('a 50,000-row sheet', () => {
  it('fits the 6-minute limit: sidebar slices of 5,000 rows, and the hourly trigger finishing on a slow network after the sidebar closed', async () => {
    const runtime = connected()
    fillSheet(runtime, rows(50_000))
    const setup = welcomeSetup(runtime, 'Fifty thousand')

    // The sidebar's first slice, then the person closes it.
    const first = unwrap<SendProgress>(runtime.runForClient('startSend', [setup, { scheduleAt: null, resendFailed: false }]))
    expect(first).toMatchObject({ doneRows: 5000, totalRows: 50_000, done: false, error: null })
    expect(runtime.triggers.map((t) => [t.handler, t.everyMs])).toEqual([['onHourlySync', 3_600_000]])

    // Google on a bad day: 45 s per UrlFetch round trip, slow sheet reads. One execution cannot do the rest.
    Object.assign(runtime.latency, { urlFetchMs: 45_000, spreadsheetReadMsPerCell: 0.05 })
    const runs: number[] = []
    // The trigger has no document properties: it works on the user's copy of the state (host/addon-state.ts).
    const jobLeft = (): boolean => [...runtime.userProperties.keys()].some((k) => k.endsWith(`:sb1.job.${setup.sheetId}`))
    for (let hour = 0; hour < 10 && jobLeft(); hour++) {
      runtime.clock.advance(3_600_000)
      expect(runtime.runDueTriggers()).toBe(1)
      const execution = runtime.lastExecution()
      expect(execution).toMatchObject({ functionName: 'onHourlySync', kind: 'trigger' })
      expect(execution.error).toBeUndefined()
      expect(execution.elapsedMs).toBeLessThan(LIMITS.executionMs)
      expect(execution.counters.getDisplayValues).toBeLessThanOrEqual(2)
      runs.push(execution.elapsedMs)
    }
    expect(runs.length).toBeGreaterThan(1)
    expect(jobLeft()).toBe(false)
    // The next sidebar call copies what the trigger did back into the document's properties.
    unwrap(runtime.runForClient('getSheetSetup', [{}]))
    expect(runtime.documentProperties.has(`sb1.job.${setup.sheetId}`)).toBe(false)
    const id = first.campaign!.id
    expect((await campaign(id)).counts.total).toBe(50_000)
    expect((await campaign(id)).state).toBe('running')
    const submitted = runtime.fetches.filter((f) => f.url.endsWith(`/campaigns/${id}/recipients`))
    expect(submitted).toHaveLength(50)
    expect(new Set(sheetRows(runtime).map((r) => r['WhatsApp status']))).toEqual(new Set(['Queued']))
    // Progress lives in document properties without the rows: far inside 9 KB a value.
    const largest = Math.max(...[...runtime.documentProperties.values()].map((v) => Buffer.byteLength(v)))
    expect(largest).toBeLessThan(2048)
    expect((await backend.api('POST', `/campaigns/${id}/cancel`)).status).toBe(200)
  }, 300_000)
})

describe('rows that move', () => {
  it('keeps statuses on the right rows when people sort and insert rows, through the hidden row-id column; a second send adds only the new rows', async () => {
    const runtime = connected()
    const sheet = fillSheet(runtime, rows(30))
    const setup = welcomeSetup(runtime, 'Moving rows')
    const year = new Date().getUTCFullYear() + 1
    const { slices } = sendAll(runtime, setup, { scheduleAt: `${year}-03-02T09:30`, resendFailed: false })
    const id = slices.at(-1)!.campaign!.id
    expect(slices.at(-1)).toMatchObject({ done: true, campaign: { state: 'scheduled', scheduleAt: `${year}-03-02T14:30:00.000Z` } })
    const idColumn = sheet.getRange(1, 1, 1, 10).getDisplayValues()[0]!.indexOf('Switchboard row id') + 1
    expect(sheet.isColumnHiddenByUser(idColumn)).toBe(true)

    // A person sorts by name, descending, and inserts two new contacts in the middle.
    sheet.setFrozenRows(1)
    sheet.getRange(2, 1, 30, 10).sort({ column: 1, ascending: false })
    sheet.insertRowsBefore(10, 2)
    sheet.getRange(10, 1, 2, 4).setValues([['Nuevo Ñandú', '+1 646 999 0001', '5%', 'Monday'], ['Ünal', '+1 646 999 0002', '5%', 'Monday']])

    const again = sendAll(runtime, setup, { scheduleAt: `${year}-03-02T09:30`, resendFailed: false })
    expect(again.slices.at(-1)).toMatchObject({ done: true, counts: { accepted: 2, existing: 0, rejected: 0 } })
    expect(JSON.parse(runtime.fetches.filter((f) => f.url.endsWith('/recipients')).at(-1)!.payload!).rows.map((r: { phone: string }) => r.phone)).toEqual(['+1 646 999 0001', '+1 646 999 0002'])
    expect((await campaign(id)).counts.total).toBe(32)

    expect((await backend.api('POST', `/campaigns/${id}/cancel`)).status).toBe(200)
    const synced = syncNow(runtime, setup.sheetId)
    expect(synced).toMatchObject({ changedRows: 32, missingRows: 0 })
    const table = sheetRows(runtime)
    expect(table).toHaveLength(32)
    for (const row of table) expect([row['First name'], row['WhatsApp status']]).toEqual([row['First name'], 'Cancelled'])
    expect(new Set(table.map((r) => r['Switchboard row id'])).size).toBe(32)
  }, 120_000)
})

describe('the document lock', () => {
  it('a sync that cannot get the lock writes nothing and keeps its cursor, so the next one writes the same changes', async () => {
    const runtime = connected()
    fillSheet(runtime, rows(5))
    const setup = welcomeSetup(runtime, 'Locked')
    const id = sendAll(runtime, setup).slices.at(-1)!.campaign!.id
    syncNow(runtime, setup.sheetId)
    const cursor = JSON.parse(runtime.documentProperties.get(`sb1.sheet.${setup.sheetId}`)!).campaign.cursor as string
    expect((await backend.api('POST', `/campaigns/${id}/cancel`)).status).toBe(200)

    runtime.locks.heldElsewhere.add('document')
    const busy = runtime.runForClient('syncNow', [setup.sheetId]) as { ok: boolean, error?: { code: string } }
    expect(busy).toMatchObject({ ok: false, error: { code: 'SB_CLIENT_BUSY' } })
    expect(runtime.lastExecution().counters.setValues).toBe(0)
    expect(JSON.parse(runtime.documentProperties.get(`sb1.sheet.${setup.sheetId}`)!).campaign.cursor).toBe(cursor)

    runtime.locks.heldElsewhere.clear()
    expect(syncNow(runtime, setup.sheetId).changedRows).toBe(5)
  }, 60_000)
})
