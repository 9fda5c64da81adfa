/**
 * The names Apps Script sees. The build appends one top-level `function` per export, so
 * everything exported here is callable from the menu, triggers and `google.script.run`:
 * export nothing else from this file.
 */
import { BackendError, createBackendClient } from '../../apps-script/src/core/backend-client.js'
import { createCampaignClient, type CampaignClient } from './core/campaign-client.js'
import { createConnectionActions, type ConnectionActions } from './core/connection.js'
import { createSheetsApp, sidebarError, type SheetsApp } from './core/sheets-app.js'
import type {
  CampaignAction, CampaignSummary, ConnectionResult, PreviewResult, Result, SendOptions, SendProgress, SendSetup, ServerFunctions,
  SetupRequest, SheetSetup, SyncSummary, TestSendResult, ValidationSummary,
} from './core/sidebar-protocol.js'
import { BACKEND_URL } from '../../apps-script/src/build-constants.js'
import { addonState } from './host/addon-state.js'
import { appsScriptHost } from './host/apps-script-host.js'
import { activeSpreadsheet, spreadsheetSheets } from './host/sheet-access.js'
import { addAddonMenu, openSidebar } from './host/spreadsheet-ui.js'
import { urlFetchBatchTransport, urlFetchTransport } from '../../apps-script/src/host/url-fetch.js'
import { userTokenStore } from './host/user-token.js'

/** Simple trigger. In AuthMode.NONE Apps Script allows menu items only, so this does nothing else in any mode. */
export function onOpen (_e?: GoogleAppsScript.Events.SheetsOnOpen): void {
  addAddonMenu()
}

/** Runs once on install (AuthMode.FULL); adds the menu to the open sheet without a reload. */
export function onInstall (_e?: GoogleAppsScript.Events.AddonOnInstall): void {
  onOpen()
}

/** Menu item "Open Switchboard". */
export function showSidebar (): void {
  openSidebar()
}

/** The stored connection, checked against the backend. */
export function getConnection (): ConnectionResult {
  return connectionActions().getConnection()
}

/** Checks a pasted API token and stores it if it works. */
export function connect (token: string): ConnectionResult {
  return connectionActions().connect(token)
}

/** Forgets the stored API token. */
export function disconnect (): ConnectionResult {
  return connectionActions().disconnect()
}

/** The sidebar's form: sheets, columns, templates, the mapping, the sheet's campaign. */
export function getSheetSetup (request: SetupRequest): Result<SheetSetup> {
  return answer(() => app().getSheetSetup(request ?? {}))
}

/** The final message for one row. */
export function previewRow (setup: SendSetup, row: number): Result<PreviewResult> {
  return answer(() => app().previewRow(setup, row))
}

/** The validation summary before sending. */
export function validateRows (setup: SendSetup): Result<ValidationSummary> {
  return answer(() => app().validateRows(setup))
}

/** A test message to one number. */
export function sendTest (setup: SendSetup, row: number, phone: string): Result<TestSendResult> {
  return answer(() => app().sendTest(setup, row, phone))
}

/** Starts (or continues) submitting the sheet. */
export function startSend (setup: SendSetup, options: SendOptions): Result<SendProgress> {
  return answer(() => app().startSend(setup, options))
}

/** The next slice of a submission. */
export function continueSend (sheetId: number): Result<SendProgress> {
  return answer(() => app().continueSend(sheetId))
}

/** The Sync button: pulls the change feed and writes the changed rows. */
export function syncNow (sheetId: number): Result<SyncSummary> {
  return answer(() => app().syncNow(sheetId))
}

/** Pause, resume or cancel the sheet's campaign. */
export function controlCampaign (sheetId: number, action: CampaignAction): Result<CampaignSummary> {
  return answer(() => app().controlCampaign(sheetId, action))
}

/** Detaches the sheet from its campaign. */
export function forgetCampaign (sheetId: number): Result<{ clearedRows: number }> {
  return answer(() => app().forgetCampaign(sheetId))
}

/**
 * The hourly time-driven trigger: finishes unfinished submissions and syncs statuses and
 * replies. Failures are logged, not thrown: add-on triggers send no failure emails, and the
 * next hour tries again.
 */
export function onHourlySync (e?: GoogleAppsScript.Events.TimeDriven): void {
  const spreadsheet = activeSpreadsheet(e?.triggerUid)
  if (userTokenStore().read() === null) {
    // Disconnected: nothing can be synced until the user connects again.
    appsScriptHost(spreadsheet).removeSyncTrigger()
    return
  }
  const outcome = app(spreadsheet).hourly()
  for (const error of outcome.errors) console.error(`Switchboard hourly sync: ${error}`)
}

function connectionActions (): ConnectionActions {
  const client = (token: string): ReturnType<typeof createBackendClient> => createBackendClient({ baseUrl: BACKEND_URL, token, transport: urlFetchTransport })
  return createConnectionActions({
    tokens: userTokenStore(),
    fetchMe: (token) => client(token).me(),
    fetchNumbers: (token) => campaignClient(token).connection().numbers,
  })
}

function campaignClient (token: string | null): CampaignClient {
  return createCampaignClient({ baseUrl: BACKEND_URL, token: token ?? undefined, transport: urlFetchTransport, batchTransport: urlFetchBatchTransport })
}

function app (spreadsheet = activeSpreadsheet()): SheetsApp {
  const cache = CacheService.getUserCache()
  return createSheetsApp({
    sheet: spreadsheetSheets(spreadsheet),
    state: addonState(spreadsheet.getId()),
    host: appsScriptHost(spreadsheet),
    client: () => campaignClient(userTokenStore().read()),
    cache: { get: (key) => cache.get(key), put: (key, value, seconds) => { cache.put(key, value, seconds) } },
    // CacheService keys are at most 250 characters: a short digest of the token, never the token itself.
    cacheScope: () => appsScriptHost(spreadsheet).digest(userTokenStore().read() ?? '').slice(0, 16),
  })
}

// Expected failures come back as results: google.script.run turns a thrown error into a bare message and loses its code.
function answer<T> (run: () => T): Result<T> {
  try {
    return { ok: true, value: run() }
  } catch (error) {
    if (error instanceof BackendError) return { ok: false, error: sidebarError(error) }
    throw error
  }
}

type Assert<T extends true> = T
// Fails to compile when an export the sidebar calls goes missing or changes its signature.
type ImplementsServerFunctions = Assert<typeof import('./entry.js') extends ServerFunctions ? true : false>
