import { BackendError } from '../../../apps-script/src/core/backend-client.js'
import { appContext, PACING, type SheetsAppDependencies } from './app-context.js'
import { createBindings, publicSummary } from './campaign-binding.js'
import { columnLetters } from './column-letters.js'
import { resolveMapping, rowVariables } from './rows.js'
import { planStatusColumns, setupFor, STATUS_FIELDS } from './sheet-layout.js'
import { createPreparer } from './sheet-preparation.js'
import { SHEETS_ERROR_CODES } from './sheets-errors.js'
import type {
  CampaignAction, CampaignSummary, PreviewResult, SendOptions, SendProgress, SendSetup, SetupRequest, SheetSetup, SubmissionCounts,
  SyncSummary, TestSendResult,
} from './sidebar-protocol.js'
import { createSubmission } from './submission.js'
import { createSync } from './sync.js'
import { createTemplates } from './templates.js'
import { createValidation } from './validation.js'
import { planWrites, type CellUpdate } from './writeback.js'

export { PACING, type SheetsAppDependencies } from './app-context.js'
export { sidebarError, summaryOf } from './campaign-binding.js'
export { validationChunks } from './validation.js'

const SCHEDULE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/
const EMPTY_COUNTS: SubmissionCounts = { accepted: 0, existing: 0, requeued: 0, rejected: 0 }

/**
 * The Sheets add-on's actions, over injected ports. Each action reads the data range at
 * most once, writes back with one setValues per block, and keeps to Apps Script's
 * 6-minute limit by working in slices whose progress lives in document properties.
 */
export function createSheetsApp (deps: SheetsAppDependencies) {
  const ctx = appContext(deps)
  const { sheet, host, docs } = ctx
  const templates = createTemplates(ctx)
  const preparer = createPreparer(ctx)
  const bindings = createBindings(ctx)
  const { ensureCampaign, rememberSetup, requireBinding, saveBinding } = bindings
  const { progressOf, slice } = createSubmission(ctx, preparer, bindings)
  const { sync } = createSync(ctx, preparer)
  const validateRows = createValidation(ctx, preparer, bindings)

  return {
    getSheetSetup (request: SetupRequest): SheetSetup {
      const client = deps.client()
      const sheets = sheet.sheets()
      const remembered = docs.lastSheet()
      const sheetId = request.sheetId ?? (remembered !== null && sheets.some((s) => s.id === remembered) ? remembered : sheet.activeSheetId())
      const sheetName = sheet.sheetName(sheetId)
      const st = docs.sheet(sheetId)
      const headerRow = request.headerRow ?? st.setup?.headerRow ?? 1
      const { headers, lastRow, lastColumn } = sheet.header(sheetId, headerRow)
      const headerCells = headers.slice(0, lastColumn).map((name, i) => ({ column: i + 1, letter: columnLetters(i + 1), name }))
      const options = templates(client)
      const job = docs.job(sheetId)
      return {
        spreadsheetName: sheet.spreadsheetName(),
        sheets,
        sheetId,
        sheetName,
        headerRow,
        headers: headerCells,
        dataRows: Math.max(0, lastRow - headerRow),
        templates: options,
        setup: setupFor({ sheetId, headerRow, headers: headerCells, templates: options, saved: st.setup, defaultName: `${sheet.spreadsheetName()} · ${sheetName}` }),
        campaign: publicSummary(st.campaign),
        job: job === null ? null : progressOf(job, sheetId, null, publicSummary(st.campaign), null),
      }
    },

    previewRow (setup: SendSetup, row: number): PreviewResult {
      const client = deps.client()
      const { headers, lastRow, lastColumn } = sheet.header(setup.sheetId, setup.headerRow)
      if (!Number.isInteger(row) || row <= setup.headerRow || row > lastRow) throw new BackendError(SHEETS_ERROR_CODES.rowOutside, 'No such row', 0, { field: 'row' })
      const line = sheet.row(setup.sheetId, row, Math.max(1, lastColumn))
      const mapping = resolveMapping(setup, headers, planStatusColumns(headers, lastColumn, sheet.ownColumns(setup.sheetId)).columns)
      const preview = client.previewTemplate({ ...setup.template, parameters: rowVariables(line, mapping) })
      return { row, text: preview.text, missing: preview.missing }
    },

    validateRows,

    sendTest (setup: SendSetup, row: number, phone: string): TestSendResult {
      const client = deps.client()
      const { headers, lastRow, lastColumn } = sheet.header(setup.sheetId, setup.headerRow)
      if (!Number.isInteger(row) || row <= setup.headerRow || row > lastRow) throw new BackendError(SHEETS_ERROR_CODES.rowOutside, 'No such row', 0, { field: 'row' })
      const line = sheet.row(setup.sheetId, row, Math.max(1, lastColumn))
      const mapping = resolveMapping(setup, headers, planStatusColumns(headers, lastColumn, sheet.ownColumns(setup.sheetId)).columns)
      const sent = client.testSend({ template: setup.template, variables: rowVariables(line, mapping), phone })
      return { to: phone, status: sent.status }
    },

    startSend (setup: SendSetup, options: SendOptions): SendProgress {
      const startedAt = host.now()
      if (options.scheduleAt !== null && !SCHEDULE.test(options.scheduleAt)) throw new BackendError(SHEETS_ERROR_CODES.scheduleFormat, 'Bad schedule', 0, { field: 'scheduleAt' })
      const client = deps.client()
      rememberSetup(setup)
      const binding = ensureCampaign(client, setup)
      let job = docs.job(setup.sheetId)
      // Sending again while a run is unfinished continues that run (same job, same keys), with the new schedule.
      if (job === null || job.campaignId !== binding.id) {
        job = { jobId: host.newRowId(), campaignId: binding.id, setup, resendFailed: options.resendFailed, scheduleAt: options.scheduleAt, done: '', started: false, counts: { ...EMPTY_COUNTS }, createdAt: startedAt }
      } else if (!job.started) {
        job.scheduleAt = options.scheduleAt
      }
      docs.saveJob(setup.sheetId, job)
      host.ensureSyncTrigger()
      return slice(client, setup.sheetId, job, PACING.sliceRows, startedAt + PACING.sliceBudgetMs)
    },

    continueSend (sheetId: number): SendProgress {
      const deadline = host.now() + PACING.sliceBudgetMs
      const job = docs.job(sheetId)
      if (job === null) throw new BackendError(SHEETS_ERROR_CODES.noJob, 'No job', 0)
      return slice(deps.client(), sheetId, job, PACING.sliceRows, deadline)
    },

    syncNow (sheetId: number): SyncSummary {
      return sync(deps.client(), sheetId, host.now() + PACING.syncBudgetMs)
    },

    controlCampaign (sheetId: number, action: CampaignAction): CampaignSummary {
      const binding = requireBinding(sheetId)
      const campaign = deps.client().control(binding.id, action)
      return publicSummary(saveBinding(sheetId, campaign, binding))!
    },

    forgetCampaign (sheetId: number): { clearedRows: number } {
      const st = docs.sheet(sheetId)
      let clearedRows = 0
      if (st.setup !== null) {
        const headerRow = st.setup.headerRow
        host.withDocumentLock(() => {
          const read = sheet.read(sheetId, headerRow, 1)
          const headers = read.values[0] ?? []
          const layout = planStatusColumns(headers, headers.length, sheet.ownColumns(sheetId))
          // Statuses of the old campaign would make the next send skip those rows; the row ids stay.
          const fields = STATUS_FIELDS.filter((f) => f !== 'rowId' && !layout.toAdd.some((c) => c.field === f))
          const blank: CellUpdate = Object.fromEntries(fields.map((f) => [f, '']))
          const updates = new Map<number, CellUpdate>()
          read.values.forEach((line, offset) => {
            if (offset > 0 && fields.some((f) => (line[layout.columns[f] - 1] ?? '') !== '')) updates.set(offset, blank)
          })
          sheet.write(sheetId, planWrites(read, layout.columns, updates))
          clearedRows = updates.size
        })
      }
      docs.saveSheet(sheetId, { ...docs.sheet(sheetId), campaign: null })
      docs.deleteJob(sheetId)
      return { clearedRows }
    },

    /**
     * The hourly trigger: finishes submissions left unfinished (the sidebar was closed),
     * then syncs every campaign still worth following. Removes its trigger when none is.
     */
    hourly (): { sheets: number, errors: string[] } {
      // One deadline for the whole run: slices and syncs of every sheet share the 6 minutes.
      const deadline = host.now() + PACING.triggerBudgetMs
      const client = deps.client()
      const errors: string[] = []
      let following = 0
      for (const sheetId of docs.sheetIds()) {
        if (host.now() > deadline) {
          following++
          continue
        }
        try {
          const job = docs.job(sheetId)
          if (job !== null) {
            following++
            slice(client, sheetId, job, Number.POSITIVE_INFINITY, deadline)
            // A submission still unfinished is synced once it is in; its rows' statuses come then.
            if (docs.job(sheetId) !== null) continue
            following--
          }
          if (docs.job(sheetId) !== null) continue
          const binding = docs.sheet(sheetId).campaign
          if (binding === null || binding.state === 'cancelled' || binding.state === 'draft') continue
          if (host.now() > deadline) {
            following++
            continue
          }
          sync(client, sheetId, deadline)
          const after = docs.sheet(sheetId).campaign
          const quiet = after !== null && after.state === 'completed' && after.lastChangeAt !== null && host.now() - Date.parse(after.lastChangeAt) > PACING.followAfterDoneMs
          if (!quiet) following++
        } catch (failure) {
          // One broken sheet must not stop the others; the next hour tries again.
          following++
          errors.push(`${sheetId}: ${failure instanceof BackendError ? failure.code : String(failure)}`)
        }
      }
      if (following === 0) host.removeSyncTrigger()
      return { sheets: following, errors }
    },
  }
}

/** The add-on's actions. */
export type SheetsApp = ReturnType<typeof createSheetsApp>
