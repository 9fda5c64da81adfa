import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Campaign } from '../../backend/src/api.js'
import type { Result, SendOptions, SendProgress, SendSetup, SheetSetup, SyncSummary, ValidationSummary } from '../../sheets-plugin/src/core/sidebar-protocol.js'
import { buildAll } from '../build.js'
import type { AppsScriptRuntime, ExecutionRecord, FakeSheet } from './apps-script-runtime.js'

/** Builds the add-ons against `backendUrl` into a temporary folder; returns the Sheets add-on's folder. */
export async function buildSheetsAddon (backendUrl: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sb-sheets-build-'))
  await buildAll({ backendUrl, outDir: dir, onWarning: () => {} })
  return path.join(dir, 'sheets-plugin')
}

/** Writes rows (header first) into the first sheet, growing it as a person pasting them would. */
export function fillSheet (runtime: AppsScriptRuntime, rows: string[][]): FakeSheet {
  const sheet = runtime.spreadsheet.getSheets()[0]!
  if (rows.length > sheet.getMaxRows()) sheet.insertRowsAfter(sheet.getMaxRows(), rows.length - sheet.getMaxRows())
  const width = Math.max(...rows.map((r) => r.length))
  sheet.getRange(1, 1, rows.length, width).setValues(rows.map((r) => [...r, ...new Array<string>(width - r.length).fill('')]))
  return sheet
}

/** A server function's value, or a test failure with its error code. */
export function unwrap<T> (result: unknown): T {
  const r = result as Result<T>
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`)
  return r.value
}

/** The sidebar's first call, and the setup it would send for welcome_offer (first_name, discount, expiry). */
export function welcomeSetup (runtime: AppsScriptRuntime, name = 'Test campaign'): SendSetup {
  const setup = unwrap<SheetSetup>(runtime.runForClient('getSheetSetup', [{}]))
  const column = (header: string): { kind: 'column', column: number, header: string } => {
    const found = setup.headers.find((h) => h.name === header)
    if (found === undefined) throw new Error(`No column ${header}`)
    return { kind: 'column', column: found.column, header }
  }
  const phone = column('Phone')
  return {
    sheetId: setup.sheetId,
    headerRow: setup.headerRow,
    template: { name: 'welcome_offer', language: 'en_US' },
    phone: { column: phone.column, header: 'Phone' },
    variables: { 'header.first_name': column('First name'), 'body.first_name': column('First name'), 'body.discount': column('Discount'), 'body.expiry': column('Expiry') },
    campaignName: name,
  }
}

/** The sidebar's send loop: startSend, then continueSend until done or an error. Returns every answer and execution. */
export function sendAll (runtime: AppsScriptRuntime, setup: SendSetup, options: SendOptions = { scheduleAt: null, resendFailed: false }): { slices: SendProgress[], executions: ExecutionRecord[] } {
  const before = runtime.executions.length
  const slices: SendProgress[] = [unwrap<SendProgress>(runtime.runForClient('startSend', [setup, options]))]
  for (let guard = 0; guard < 200; guard++) {
    const last = slices[slices.length - 1]!
    if (last.done || last.error !== null) break
    slices.push(unwrap<SendProgress>(runtime.runForClient('continueSend', [setup.sheetId])))
  }
  return { slices, executions: runtime.executions.slice(before) }
}

/** The sidebar's "Check rows". */
export function validate (runtime: AppsScriptRuntime, setup: SendSetup): ValidationSummary {
  return unwrap<ValidationSummary>(runtime.runForClient('validateRows', [setup]))
}

/** The sidebar's "Sync statuses". */
export function syncNow (runtime: AppsScriptRuntime, sheetId: number): SyncSummary {
  return unwrap<SyncSummary>(runtime.runForClient('syncNow', [sheetId]))
}

/** Display values of the first sheet's used range, header first, as objects by header. */
export function sheetRows (runtime: AppsScriptRuntime): Array<Record<string, string>> {
  const values = runtime.spreadsheet.getSheets()[0]!.getDataRange().getDisplayValues()
  const [header, ...rows] = values
  return rows.map((row) => Object.fromEntries(header!.map((h, i) => [h, row[i] ?? ''])))
}

/** Sums a counter over executions. */
export function total (executions: readonly ExecutionRecord[], key: keyof ExecutionRecord['counters']): number {
  return executions.reduce((n, e) => n + e.counters[key], 0)
}

/** Waits until `check` passes (polling), or fails with its last error. */
export async function eventually<T> (check: () => Promise<T>, timeoutMs: number, what: string): Promise<T> {
  const until = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      return await check()
    } catch (error) {
      last = error
    }
    if (Date.now() > until) throw new Error(`${what} did not happen within ${timeoutMs} ms: ${last instanceof Error ? last.message : String(last)}`)
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}

export type { Campaign }
