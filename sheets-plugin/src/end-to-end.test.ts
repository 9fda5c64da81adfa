import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Campaign } from '../../backend/src/api.js'
import { loadAppsScript, type AppsScriptRuntime, type ExecutionRecord } from '../../build/test-support/apps-script-runtime.js'
import { startBackend, WORKER_ENTRY, type BackendProcess } from '../../build/test-support/backend-process.js'
import { startOutageProxy, type OutageProxy } from '../../build/test-support/outage-proxy.js'
import { buildSheetsAddon, eventually, fillSheet, sheetRows, syncNow, unwrap, validate, welcomeSetup } from '../../build/test-support/sheets-fixtures.js'
import type { SendProgress, SendSetup } from './core/sidebar-protocol.js'

// The whole path: a 2,000-row sheet → the add-on's server functions (what the sidebar calls)
// in the local Apps Script runtime → the real backend (its own process, sandbox mode,
// behind a proxy that can cut it off) → the campaign sender (`npm run worker`) → the
// Cloud API sandbox → signed webhooks back to the backend → the change feed → the sheet.
// The steps run in order and share one sheet, like a person's afternoon.

const NAMES = ['Zoë', 'José', 'Björk', '李雷', 'Ελένη', 'Ana 🙂', 'Øystein', 'Chloé', 'Nguyễn', 'محمد']
const phone = (i: number): string => `+1 917 500 ${String(i).padStart(4, '0')}`
const waId = (i: number): string => `1917500${String(i).padStart(4, '0')}`

// Data rows by index (sheet row = index + 2).
const BAD = { invalid: 10, tooShort: 20, missingPhone: 30, duplicateNear: 50, duplicateFar: 1500, optedOut: 60, missingValue: 70 }
const FAILING = [80, 1890]
const REPLYING = 5
const OPTED_OUT_PHONE = '+1 917 555 0160'

function sheetData (): string[][] {
  const rows = [['First name', 'Phone', 'Discount', 'Expiry']]
  for (let i = 0; i < 2000; i++) rows.push([`${NAMES[i % NAMES.length]!} ${i}`, phone(i), `${5 + (i % 20)}%`, 'Sunday'])
  rows[BAD.invalid + 1]![1] = 'not a number'
  rows[BAD.tooShort + 1]![1] = '12'
  rows[BAD.missingPhone + 1]![1] = ''
  rows[BAD.duplicateNear + 1]![1] = '(917) 500-0049'
  rows[BAD.duplicateFar + 1]![1] = '+19175000100'
  rows[BAD.optedOut + 1]![1] = OPTED_OUT_PHONE
  rows[BAD.missingValue + 1]![2] = ''
  return rows
}
const REJECTED = Object.values(BAD).length
const ACCEPTED = 2000 - REJECTED

let backend: BackendProcess
let proxy: OutageProxy
let runtime: AppsScriptRuntime
let setup: SendSetup
let campaignId: string

async function campaign (): Promise<Campaign> {
  return (await backend.api<Campaign>('GET', `/campaigns/${campaignId}`)).body
}

interface Inspection { acceptedTotal: number, recipients: number, recipientsWithSeveral: number, maxPerRecipient: number }
const inspect = (): Promise<Inspection> => backend.sandbox<Inspection>('GET', '/inspect?recipients=false')

/** Syncs until a sync changes nothing; returns each sync's execution. */
function syncUntilQuiet (): ExecutionRecord[] {
  const executions: ExecutionRecord[] = []
  for (let i = 0; i < 20; i++) {
    const summary = syncNow(runtime, setup.sheetId)
    executions.push(runtime.lastExecution())
    if (summary.changedRows === 0 && !summary.more) break
  }
  return executions
}

beforeAll(async () => {
  backend = await startBackend({ country: 'US', workspaceName: 'Ünicode Imports & Co' })
  proxy = await startOutageProxy(backend.url)
  runtime = loadAppsScript(await buildSheetsAddon(proxy.url), { spreadsheet: { name: 'Spring offer', timeZone: 'Europe/Madrid' } })
  const optedOut = await backend.api('POST', '/contacts', { name: 'No Más', phones: [OPTED_OUT_PHONE], marketing: { status: 'opted_out' } })
  expect(optedOut.status, JSON.stringify(optedOut.body)).toBe(201)
  for (const i of FAILING) await backend.sandbox('POST', `/recipients/${waId(i)}/fail`, { code: 131026 })
  fillSheet(runtime, sheetData())
  expect(runtime.runForClient('connect', [backend.token])).toMatchObject({ ok: true })
  setup = welcomeSetup(runtime, 'Spring offer 🌸')
}, 120_000)

afterAll(async () => {
  await proxy?.close()
  await backend?.close()
})

describe('a 2,000-row campaign, end to end', () => {
  it('checks every row first: bad numbers, duplicates, the opted-out contact and a missing value, by row', () => {
    const summary = validate(runtime, setup)
    expect(summary).toMatchObject({
      checkedRows: 2000,
      readyRows: ACCEPTED,
      problems: { phone_missing: 1, phone_invalid: 2, duplicate_in_request: 2, duplicate_in_campaign: 0, opted_out: 1, variable_missing: 1 },
      truncated: false,
    })
    expect(summary.issues).toEqual([
      { row: 12, problem: 'phone_invalid', message: 'Not a valid phone number' },
      { row: 22, problem: 'phone_invalid', message: 'Not a valid phone number' },
      { row: 32, problem: 'phone_missing', message: 'No phone number' },
      { row: 52, problem: 'duplicate_in_request', message: 'Same number as row 51' },
      { row: 62, problem: 'opted_out', message: 'Opted out of marketing messages' },
      { row: 72, problem: 'variable_missing', message: 'No value for body.discount' },
      { row: 1502, problem: 'duplicate_in_request', message: 'Same number as row 102' },
    ])
    campaignId = summary.campaign.id
  })

  it('survives the backend going away in the middle of the submission: the run resumes with the same keys and nobody is added twice', async () => {
    // The first chunk gets through; the second reaches the backend but its answer is lost; then nothing gets through.
    await proxy.plan({ path: '/recipients$', pass: 1, loseResponses: 1 })
    const cut = unwrap<SendProgress>(runtime.runForClient('startSend', [setup, { scheduleAt: null, resendFailed: false }]))
    expect(cut).toMatchObject({ doneRows: 1000, submitted: false, error: { code: 'SB_CLIENT_UNREACHABLE' } })
    const stillDown = unwrap<SendProgress>(runtime.runForClient('continueSend', [setup.sheetId]))
    expect(stillDown).toMatchObject({ doneRows: 1000, error: { code: 'SB_CLIENT_UNREACHABLE' } })
    expect((await campaign()).state).toBe('draft')

    await proxy.heal()
    const resumed = unwrap<SendProgress>(runtime.runForClient('continueSend', [setup.sheetId]))
    expect(resumed).toMatchObject({ doneRows: 2000, submitted: true, started: true, done: true, error: null })

    const chunkRequests = runtime.fetches.filter((f) => f.url.endsWith(`/campaigns/${campaignId}/recipients`))
    const keys = chunkRequests.map((f) => f.headers['Idempotency-Key'])
    // The second chunk went out three times (answer lost, refused, replayed), always with the same key.
    expect(keys).toHaveLength(4)
    expect(new Set(keys).size).toBe(2)
    expect(keys.slice(1)).toEqual([keys[1], keys[1], keys[1]])
    const seen = (await proxy.requests()).filter((r) => r.path.endsWith('/recipients'))
    expect(seen.map((r) => [r.fate, r.replayed])).toEqual([['forwarded', false], ['lost', false], ['refused', false], ['forwarded', true]])

    const counts = (await campaign()).counts
    expect(counts.total).toBe(ACCEPTED)
    const table = sheetRows(runtime)
    expect(table.filter((r) => r['WhatsApp status'] === 'Queued')).toHaveLength(ACCEPTED)
    expect(table.filter((r) => r['WhatsApp status'] === 'Not sent')).toHaveLength(REJECTED)
    expect(table[BAD.duplicateFar]).toMatchObject({ 'WhatsApp status': 'Not sent', 'WhatsApp problem': 'Same number as row 102' })
  }, 60_000)

  it('sends through the worker and the sandbox, and a sync writes every row\'s status from the webhooks in ≤ 3 writes', async () => {
    // Needs the campaign sender (WORKER_ENTRY) and the webhook receiver with campaign tracking wired into the API process.
    // 2,000 people in a day is above a new number's 250, which the sender keeps to: Meta has raised this one's tier.
    backend.setMessagingTier('TIER_10K')
    await backend.startWorker()
    await eventually(async () => {
      const seen = await inspect()
      expect(seen.acceptedTotal).toBe(ACCEPTED)
    }, 120_000, `the sandbox receiving ${ACCEPTED} messages from ${WORKER_ENTRY}`)
    await backend.sandbox('POST', '/webhooks/idle', { timeoutMs: 30_000 })
    await eventually(async () => {
      const counts = (await campaign()).counts
      expect(counts.pending + counts.sending + counts.sent).toBe(0)
      expect(counts.failed).toBe(FAILING.length)
    }, 60_000, 'delivered / read / failed statuses from the webhooks reaching campaign_recipients (the API process must process the webhook inbox and register the campaign tracking listeners, attachCampaignTracking in backend/src/campaigns/sender/tracking.ts)')

    const syncs = syncUntilQuiet()
    for (const execution of syncs) {
      expect(execution.counters.getDisplayValues).toBeLessThanOrEqual(1)
      expect(execution.counters.rangeWrites).toBeLessThanOrEqual(3)
    }
    const table = sheetRows(runtime)
    const rejected = new Set<number>(Object.values(BAD))
    table.forEach((row, i) => {
      if (rejected.has(i)) expect(row['WhatsApp status'], `row ${i + 2}`).toBe('Not sent')
      else if (FAILING.includes(i)) {
        expect(row['WhatsApp status'], `row ${i + 2}`).toBe('Failed')
        expect(row['WhatsApp problem'], `row ${i + 2}`).toMatch(/131026/)
      } else {
        expect(['Delivered', 'Read'], `row ${i + 2}: ${row['WhatsApp status']}`).toContain(row['WhatsApp status'])
        expect(row['WhatsApp message id'], `row ${i + 2}`).toMatch(/^wamid\./)
        expect(row['WhatsApp sent at'], `row ${i + 2}`).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/)
        expect(row['WhatsApp problem']).toBe('')
      }
    })
    expect(table[2]!['First name']).toBe('Björk 2')
    expect(table[3]!['First name']).toBe('李雷 3')
    const messages = await inspect()
    expect(messages).toMatchObject({ acceptedTotal: ACCEPTED, recipients: ACCEPTED, maxPerRecipient: 1, recipientsWithSeveral: 0 })
  }, 240_000)

  it('an inbound reply lands in the Reply column of its row', async () => {
    const text = 'Sí, ¡gracias! 👍 我要'
    // The customer writes to the workspace's own number (the one its campaign went out from).
    const number = (await backend.api<{ numbers: Array<{ id: string }> }>('GET', '/whatsapp/connection')).body.numbers[0]!
    await backend.sandbox('POST', '/inbound/text', { from: waId(REPLYING), text, name: 'José 5', phoneNumberId: number.id })
    await backend.sandbox('POST', '/webhooks/idle', { timeoutMs: 30_000 })
    await eventually(async () => {
      expect((await campaign()).counts.replied).toBe(1)
    }, 30_000, 'the reply reaching the campaign through the webhook (attachCampaignTracking\'s inbound listener in the API process)')
    const summary = syncNow(runtime, setup.sheetId)
    expect(summary).toMatchObject({ changedRows: 1, campaign: { counts: { replied: 1 } } })
    expect(runtime.lastExecution().counters).toMatchObject({ getDisplayValues: 1, setValues: 1 })
    expect(sheetRows(runtime)[REPLYING]).toMatchObject({ 'First name': `${NAMES[REPLYING]!} ${REPLYING}`, 'WhatsApp reply': text })
  }, 60_000)

  it('running the campaign again sends nothing twice; resending failed rows is an explicit choice', async () => {
    const before = await inspect()
    const again = unwrap<SendProgress>(runtime.runForClient('startSend', [setup, { scheduleAt: null, resendFailed: false }]))
    // Only the rows marked "Not sent" go to the backend again (someone may have fixed them); it refuses them again.
    expect(again).toMatchObject({ done: true, counts: { accepted: 0, existing: 0, requeued: 0, rejected: REJECTED } })
    await new Promise((resolve) => setTimeout(resolve, 3000))
    expect(await inspect()).toEqual(before)

    for (const i of FAILING) await backend.sandbox('POST', `/recipients/${waId(i)}/fail`, { code: null })
    const resend = unwrap<SendProgress>(runtime.runForClient('startSend', [setup, { scheduleAt: null, resendFailed: true }]))
    expect(resend).toMatchObject({ done: true, counts: { accepted: 0, requeued: FAILING.length, rejected: REJECTED } })
    await eventually(async () => {
      const counts = (await campaign()).counts
      expect(counts.failed + counts.pending + counts.sending).toBe(0)
    }, 60_000, 'the resent rows being sent')
    await backend.sandbox('POST', '/webhooks/idle', { timeoutMs: 30_000 })
    syncUntilQuiet()
    const table = sheetRows(runtime)
    for (const i of FAILING) expect(['Delivered', 'Read']).toContain(table[i]!['WhatsApp status'])
    expect(await inspect()).toMatchObject({ acceptedTotal: ACCEPTED + FAILING.length, recipientsWithSeveral: FAILING.length, maxPerRecipient: 2 })
  }, 120_000)
})
