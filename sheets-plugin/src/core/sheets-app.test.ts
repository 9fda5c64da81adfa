import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { Campaign, Submission } from '../../../apps-script/src/core/api-types.js'
import { BackendError } from '../../../apps-script/src/core/backend-client.js'
import type { CampaignClient, KeyedChunk } from './campaign-client.js'
import type { HostPort, SheetPort, StatePort } from './ports.js'
import type { DataRow } from './rows.js'
import type { StatusField } from './sheet-layout.js'
import { createSheetsApp, validationChunks } from './sheets-app.js'
import type { SendSetup } from './sidebar-protocol.js'

// The add-on's logic over in-memory ports: what happens when the transport fails mid-run.

function memorySheet (values: string[][]): SheetPort & { values: string[][], writes: number } {
  const marks: Partial<Record<StatusField, number>> = {}
  const port = {
    values,
    writes: 0,
    ownColumns: () => ({ ...marks }),
    spreadsheetName: () => 'Leads',
    sheets: () => [{ id: 0, name: 'Sheet1' }],
    activeSheetId: () => 0,
    sheetName: () => 'Sheet1',
    header: () => ({ headers: [...port.values[0]!], lastRow: port.values.length, lastColumn: port.values[0]!.length }),
    row: (_id: number, row: number) => [...port.values[row - 1]!],
    columnValues: (_id: number, row: number, column: number, count: number) => port.values.slice(row - 1, row - 1 + count).map((r) => r[column - 1] ?? ''),
    read: (_id: number, headerRow: number) => ({ headerRow, values: port.values.slice(headerRow - 1).map((r) => [...r]) }),
    addColumns: (_id: number, columns: readonly number[], _hidden: number | null, marked: ReadonlyArray<{ field: StatusField, column: number }>) => {
      const width = Math.max(0, ...columns)
      for (const row of port.values) while (row.length < width) row.push('')
      for (const m of marked) marks[m.field] = m.column
    },
    write: (_id: number, writes: ReadonlyArray<{ row: number, column: number, values: string[][] }>) => {
      for (const w of writes) {
        port.writes++
        w.values.forEach((line, r) => line.forEach((v, c) => { port.values[w.row - 1 + r]![w.column - 1 + c] = v }))
      }
    },
  }
  return port
}

function memoryState (): StatePort & { map: Map<string, string> } {
  const map = new Map<string, string>()
  return { map, get: (k) => map.get(k) ?? null, set: (k, v) => { map.set(k, v) }, delete: (k) => { map.delete(k) }, keys: () => [...map.keys()] }
}

let ids = 0
const host: HostPort = {
  now: () => Date.now(),
  sleep: () => { throw new Error('no sleeping here') },
  newRowId: () => `sb-${++ids}`,
  digest: (text) => createHash('sha256').update(text).digest('hex'),
  formatTime: (iso) => iso.slice(0, 16).replace('T', ' '),
  withDocumentLock: (body) => body(),
  ensureSyncTrigger: () => {},
  removeSyncTrigger: () => {},
}

const CAMPAIGN: Campaign = {
  id: 'cmp_1', name: 'c', templateName: 't', templateLanguage: 'en', templateCategory: 'MARKETING', variableMapping: {}, phoneNumberId: '1',
  state: 'draft', stateReason: null, scheduleAt: null, source: 'sheets', createdBy: null,
  counts: { total: 0, pending: 0, sending: 0, sent: 0, delivered: 0, read: 0, failed: 0, unknown: 0, cancelled: 0, replied: 0 },
  changeSeq: 0, startedAt: null, completedAt: null, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z',
}

/** A client whose submit is scripted per call; it records every chunk key it was given. */
function scriptedClient (plan: Array<'ok' | 'down' | 'conflict' | 'limited'>, retryAfterMs?: number): CampaignClient & { keys: string[][] } {
  const keys: string[][] = []
  const accept = (chunk: KeyedChunk): Submission => ({ campaignId: 'cmp_1', accepted: chunk.body.rows.length, existing: 0, requeued: 0, rejected: 0, rows: chunk.body.rows.map((r) => ({ rowKey: r.rowKey, outcome: 'accepted', recipientId: `r-${r.rowKey}` })) })
  const fail = (): never => { throw new Error('not used') }
  return {
    keys,
    submit: (_id, chunks) => {
      keys.push(chunks.map((c) => c.key))
      const step = plan.shift() ?? 'ok'
      if (step === 'down') throw new BackendError('SB_CLIENT_UNREACHABLE', 'down', 0)
      if (step === 'limited') return chunks.map((c, i) => i === 0 ? new BackendError('SB_RATE_LIMITED', 'slow down', 429, { retryAfterMs }) : accept(c))
      return chunks.map((c, i) => step === 'conflict' && i === 1 ? new BackendError('SB_IDEMPOTENCY_IN_PROGRESS', 'busy', 409) : accept(c))
    },
    create: () => CAMPAIGN,
    start: () => ({ ...CAMPAIGN, state: 'running' }),
    connection: fail, templates: fail, previewTemplate: fail, get: fail, validate: fail, control: fail, changes: fail, testSend: fail,
  }
}

function sheetOf (count: number): string[][] {
  return [['Name', 'Phone'], ...Array.from({ length: count }, (_, i) => [`P${i}`, `+1 212 ${2_000_000 + i}`])]
}

const SETUP: SendSetup = { sheetId: 0, headerRow: 1, template: { name: 't', language: 'en' }, phone: { column: 2, header: 'Phone' }, variables: {}, campaignName: 'c' }

describe('a submission across a failure', () => {
  it('marks nothing from a batch that got no answer, and retries it with the same keys', () => {
    const sheet = memorySheet(sheetOf(2500))
    const client = scriptedClient(['down', 'ok'])
    const app = createSheetsApp({ sheet, state: memoryState(), host, client: () => client })
    const first = app.startSend(SETUP, { scheduleAt: null, resendFailed: false })
    expect(first).toMatchObject({ doneRows: 0, done: false, error: { code: 'SB_CLIENT_UNREACHABLE' } })
    expect(sheet.values.slice(1).every((r) => r[2] === '')).toBe(true)
    const second = app.continueSend(0)
    expect(second).toMatchObject({ doneRows: 2500, done: true, error: null, counts: { accepted: 2500 } })
    expect(client.keys[1]).toEqual(client.keys[0])
    expect(sheet.values.slice(1).every((r) => r[2] === 'Queued')).toBe(true)
  })

  it('keeps the chunks that were answered when another chunk of the batch was refused', () => {
    const sheet = memorySheet(sheetOf(2500))
    const client = scriptedClient(['conflict', 'ok'])
    const app = createSheetsApp({ sheet, state: memoryState(), host, client: () => client })
    const first = app.startSend(SETUP, { scheduleAt: null, resendFailed: false })
    expect(first).toMatchObject({ doneRows: 1500, submitted: false, error: { code: 'SB_IDEMPOTENCY_IN_PROGRESS' } })
    expect(sheet.values.slice(1).filter((r) => r[2] === 'Queued')).toHaveLength(1500)
    expect(sheet.values.slice(1).filter((r) => r[2] === '')).toHaveLength(1000)
    const second = app.continueSend(0)
    expect(second).toMatchObject({ doneRows: 2500, done: true })
    expect(client.keys[1]).toEqual([client.keys[0]![1]])
  })
})

describe('a chunk answered 429 or 5xx (issue 15, item 7)', () => {
  /** A host on a clock that only Utilities.sleep moves, recording every wait. */
  function sleepyHost (): HostPort & { waits: number[] } {
    let clock = 1_000_000
    const waits: number[] = []
    return { ...host, waits, now: () => clock, sleep: (ms) => { waits.push(ms); clock += ms } }
  }

  it('is sent again with the same key after the Retry-After the server asked for, within the slice', () => {
    const sheet = memorySheet(sheetOf(2500))
    const client = scriptedClient(['limited', 'ok'], 7_000)
    const clock = sleepyHost()
    const app = createSheetsApp({ sheet, state: memoryState(), host: clock, client: () => client })
    const progress = app.startSend(SETUP, { scheduleAt: null, resendFailed: false })
    expect(progress).toMatchObject({ doneRows: 2500, done: true, error: null, counts: { accepted: 2500 } })
    expect(clock.waits).toEqual([7_000])
    expect(client.keys[1]).toEqual([client.keys[0]![0]])
  })

  it('backs off by doubling when no Retry-After came, and stops when the wait would pass the slice budget', () => {
    const sheet = memorySheet(sheetOf(1500))
    const client = scriptedClient(['limited', 'limited', 'limited', 'ok'])
    const clock = sleepyHost()
    const app = createSheetsApp({ sheet, state: memoryState(), host: clock, client: () => client })
    expect(app.startSend(SETUP, { scheduleAt: null, resendFailed: false })).toMatchObject({ done: true, error: null })
    expect(clock.waits).toEqual([2_000, 4_000, 8_000])

    const later = memorySheet(sheetOf(1500))
    const patient = createSheetsApp({ sheet: later, state: memoryState(), host: sleepyHost(), client: () => scriptedClient(['limited', 'ok'], 10 * 60_000) })
    // Ten minutes asked for: more than the slice has left, so the slice ends with the error and the next one retries.
    expect(patient.startSend(SETUP, { scheduleAt: null, resendFailed: false })).toMatchObject({ done: false, error: { code: 'SB_RATE_LIMITED' } })
  })
})

describe('validationChunks', () => {
  const row = (i: number, phone: string): DataRow => ({ sheetRow: i + 2, offset: i + 1, rowKey: `k${i}`, phone, variables: {}, statusText: '', phoneCell: 'text', issue: null })

  it('puts rows that may share a number in the same chunk, whatever their distance in the sheet', () => {
    const rows = Array.from({ length: 2500 }, (_, i) => row(i, `+1 212 ${2_000_000 + i}`))
    rows[2400] = row(2400, '(212) 200-0003')
    const chunks = validationChunks(rows)
    expect(chunks.every((c) => c.length <= 1000)).toBe(true)
    expect(chunks.flat()).toHaveLength(2500)
    const withDuplicate = chunks.find((c) => c.some((r) => r.rowKey === 'k3'))!
    expect(withDuplicate.map((r) => r.rowKey)).toContain('k2400')
    expect(withDuplicate.findIndex((r) => r.rowKey === 'k3')).toBeLessThan(withDuplicate.findIndex((r) => r.rowKey === 'k2400'))
  })
})

describe('the template cache (issue 15, item 8)', () => {
  it('is kept per token: after switching tokens, the other workspace\'s templates never show', () => {
    const store = new Map<string, string>()
    const cache = { get: (k: string) => store.get(k) ?? null, put: (k: string, v: string) => { store.set(k, v) } }
    let token = 'sbt_workspace_a'
    const template = (name: string) => ({ name, language: 'en', category: 'MARKETING', status: 'APPROVED', text: '', variables: [] })
    const clientFor = (): CampaignClient => ({ ...scriptedClient([]), templates: () => [template(token === 'sbt_workspace_a' ? 'a_offer' : 'b_offer')] } as unknown as CampaignClient)
    const app = createSheetsApp({ sheet: memorySheet(sheetOf(1)), state: memoryState(), host, client: clientFor, cache, cacheScope: () => host.digest(token).slice(0, 16) })
    expect(app.getSheetSetup({}).templates.map((t) => t.name)).toEqual(['a_offer'])
    token = 'sbt_workspace_b'
    expect(app.getSheetSetup({}).templates.map((t) => t.name)).toEqual(['b_offer'])
    token = 'sbt_workspace_a'
    expect(app.getSheetSetup({}).templates.map((t) => t.name)).toEqual(['a_offer'])
  })
})
