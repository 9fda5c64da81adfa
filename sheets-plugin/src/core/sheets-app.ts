import type { Campaign, Recipient, Template } from './api-types.js'
import { BackendError } from './backend-client.js'
import type { CampaignClient, KeyedChunk } from './campaign-client.js'
import { batchesOf, chunkBody, chunkKey, CHUNK_ROWS, phoneKey, segmentsOf } from './chunks.js'
import { documentState, type CampaignBinding, type SheetState, type SubmissionJob } from './document-state.js'
import { describeError } from './error-messages.js'
import type { HostPort, SheetPort, StatePort } from './ports.js'
import { readRows, resolveMapping, rowVariables, type DataRow, type ResolvedMapping, type SheetRead } from './rows.js'
import { columnLetters } from './column-letters.js'
import { planStatusColumns, setupFor, STATUS_FIELDS, type StatusLayout } from './sheet-layout.js'
import { SHEETS_ERROR_CODES } from './sheets-errors.js'
import type {
  CampaignAction, CampaignSummary, PreviewResult, RowIssue, RowProblem, SendOptions, SendProgress, SendSetup, SetupRequest,
  SheetSetup, SidebarError, SubmissionCounts, SyncSummary, TemplateOption, TestSendResult, ValidationSummary,
} from './sidebar-protocol.js'
import { failureText, problemText, shouldSubmit, STATUS_TEXT, submissionCells } from './status-text.js'
import { planWrites, type CellUpdate } from './writeback.js'

/** The add-on's pacing, chosen for Apps Script's limits. */
export const PACING = {
  /** Rows one sidebar call submits: small enough for the progress bar to move, large enough to need few reads. */
  sliceRows: 5 * CHUNK_ROWS,
  /** Chunks sent side by side in one fetchAll. */
  parallel: 5,
  /** Validation chunks per fetchAll. */
  validateParallel: 10,
  /** A slice starts no new batch after this: the 6-minute limit leaves time for the write-back. */
  sliceBudgetMs: 4.5 * 60_000,
  /** Change-feed pages are read until this, then the rows are written. */
  syncBudgetMs: 4 * 60_000,
  /** The hourly trigger stops taking on sheets after this. */
  triggerBudgetMs: 4.5 * 60_000,
  /** Rows per change-feed page (the backend's maximum). */
  changesPage: 5000,
  /** Issues listed in the validation summary. */
  issuesShown: 200,
  /** A finished campaign is still followed (replies come late) for this long after its last change. */
  followAfterDoneMs: 3 * 24 * 3_600_000,
  /** Templates are cached per user for this long. */
  templatesCacheSeconds: 300,
} as const

/** The ports the add-on's logic runs on. */
export interface SheetsAppDependencies {
  sheet: SheetPort
  state: StatePort
  host: HostPort
  /** The campaign client with the stored token; throws SB_UNAUTHENTICATED without one. */
  client: () => CampaignClient
  /** A small per-user cache (CacheService), for the template list. */
  cache?: { get: (key: string) => string | null, put: (key: string, value: string, seconds: number) => void }
}

const SCHEDULE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/
const EMPTY_COUNTS: SubmissionCounts = { accepted: 0, existing: 0, requeued: 0, rejected: 0 }

/** A campaign as the sidebar shows it. */
export function summaryOf (campaign: Campaign, lastSyncAt: string | null): CampaignSummary {
  const { total, pending, sent, delivered, read, failed, unknown, cancelled, replied } = campaign.counts
  return {
    id: campaign.id,
    name: campaign.name,
    state: campaign.state,
    template: { name: campaign.templateName, language: campaign.templateLanguage },
    counts: { total, pending, sent, delivered, read, failed, unknown, cancelled, replied },
    scheduleAt: campaign.scheduleAt,
    lastSyncAt,
  }
}

/** Turns a failure into what the sidebar shows. */
export function sidebarError (error: BackendError): SidebarError {
  const shown: SidebarError = { code: error.code, message: describeError({ code: error.code, message: error.message }) }
  if (error.field !== undefined) shown.field = error.field
  return shown
}

function toOption (template: Template): TemplateOption {
  return {
    name: template.name,
    language: template.language,
    category: template.category,
    text: template.text,
    variables: template.variables.map((v) => ({ key: v.key, name: v.name, component: v.component, kind: v.kind, example: v.example })),
  }
}

/**
 * Chunks for the check. The backend finds repeated numbers within one request only (a dry
 * run stores nothing for the next chunk to see), so rows that may share a number (same
 * last seven digits) are put side by side, sheet order kept within each group, and a group
 * is never split across chunks: every duplicate is then found, exactly, by the backend.
 */
export function validationChunks (rows: readonly DataRow[]): DataRow[][] {
  const groups = new Map<string, DataRow[]>()
  for (const row of rows) {
    const key = phoneKey(row.phone) || `row:${row.rowKey}`
    const group = groups.get(key)
    if (group === undefined) groups.set(key, [row])
    else group.push(row)
  }
  const chunks: DataRow[][] = []
  let current: DataRow[] = []
  for (const group of groups.values()) {
    if (current.length + group.length > CHUNK_ROWS && current.length > 0) {
      chunks.push(current)
      current = []
    }
    // A group larger than a chunk (a thousand rows of one number) is cut; the backend still sees most of it together.
    for (let i = 0; i < group.length; i += CHUNK_ROWS) {
      const part = group.slice(i, i + CHUNK_ROWS)
      if (current.length + part.length > CHUNK_ROWS) {
        chunks.push(current)
        current = []
      }
      current.push(...part)
    }
  }
  if (current.length > 0) chunks.push(current)
  return chunks
}

/** The sheet read once, its status columns in place, every row with an id. */
interface PreparedSheet {
  read: SheetRead
  layout: StatusLayout
  mapping: ResolvedMapping
  rows: DataRow[]
}

/**
 * The Sheets add-on's actions, over injected ports. Each action reads the data range at
 * most once, writes back with one setValues per block, and keeps to Apps Script's
 * 6-minute limit by working in slices whose progress lives in document properties.
 */
export function createSheetsApp (deps: SheetsAppDependencies) {
  const { sheet, host } = deps
  const docs = documentState(deps.state)

  function templates (client: CampaignClient): TemplateOption[] {
    const cached = deps.cache?.get('sb1.templates')
    if (cached !== undefined && cached !== null) return JSON.parse(cached) as TemplateOption[]
    const options = client.templates().filter((t) => t.status === 'APPROVED').map(toOption)
    const text = JSON.stringify(options)
    // CacheService takes at most 100 KB a value; a larger list is simply not cached.
    if (text.length < 90_000) deps.cache?.put('sb1.templates', text, PACING.templatesCacheSeconds)
    return options
  }

  /**
   * Makes room for status columns the read lacks (people may delete them) and returns the
   * header cells to write for them, padding the read so later plans see the new width.
   */
  function placeColumns (sheetId: number, read: SheetRead, layout: StatusLayout): Map<number, CellUpdate> {
    const updates = new Map<number, CellUpdate>()
    if (layout.toAdd.length === 0) return updates
    sheet.addColumns(sheetId, layout.toAdd.map((c) => c.column), layout.toAdd.find((c) => c.field === 'rowId')?.column ?? null)
    const width = Math.max(...Object.values(layout.columns))
    for (const line of read.values) while (line.length < width) line.push('')
    updates.set(0, Object.fromEntries(layout.toAdd.map((c) => [c.field, c.header])))
    return updates
  }

  /**
   * Reads the sheet once, and gives every row an id. New ids (and the headers of new status
   * columns) go out in one write, before any row is sent under them: a run that dies after
   * sending must not lose the ids its rows were sent with.
   */
  function prepare (setup: SendSetup): PreparedSheet {
    sheet.sheetName(setup.sheetId)
    const read = sheet.read(setup.sheetId, setup.headerRow, 1)
    const headers = [...(read.values[0] ?? [])]
    const layout = planStatusColumns(headers, headers.length)
    const updates = placeColumns(setup.sheetId, read, layout)
    const mapping = resolveMapping(setup, headers, layout.columns)
    const { rows, assigned } = readRows(read, mapping, host.newRowId)
    for (const a of assigned) updates.set(a.offset, { rowId: a.id })
    sheet.write(setup.sheetId, planWrites(read, layout.columns, updates))
    for (const [offset, update] of updates) {
      for (const [field, value] of Object.entries(update) as Array<[keyof CellUpdate, string]>) read.values[offset]![layout.columns[field] - 1] = value
    }
    return { read, layout, mapping, rows }
  }

  function saveBinding (sheetId: number, campaign: Campaign, previous: CampaignBinding | null): CampaignBinding {
    const st = docs.sheet(sheetId)
    const same = previous?.id === campaign.id
    const binding: CampaignBinding = {
      ...summaryOf(campaign, same ? previous.lastSyncAt : null),
      cursor: same ? previous.cursor : '',
      lastChangeAt: same ? previous.lastChangeAt : null,
    }
    docs.saveSheet(sheetId, { ...st, campaign: binding })
    return binding
  }

  /** The sheet's campaign for this setup: the bound one, or a new draft. */
  function ensureCampaign (client: CampaignClient, setup: SendSetup): CampaignBinding {
    const st = docs.sheet(setup.sheetId)
    const bound = st.campaign
    if (bound !== null) {
      if (bound.template.name === setup.template.name && bound.template.language === setup.template.language) return bound
      if (bound.counts.total > 0 || bound.state !== 'draft') throw new BackendError(SHEETS_ERROR_CODES.templateLocked, 'The campaign uses another template', 0, { field: 'template' })
    }
    const variableMapping = Object.fromEntries(Object.entries(setup.variables).map(([key, source]) =>
      [key, (source.kind === 'column' ? source.header : `text: ${source.text}`).slice(0, 200)]))
    variableMapping['phone'] = setup.phone.header.slice(0, 200)
    const campaign = client.create({ name: setup.campaignName.trim() || 'Campaign from Google Sheets', template: setup.template, variableMapping, source: 'sheets' })
    return saveBinding(setup.sheetId, campaign, null)
  }

  function rememberSetup (setup: SendSetup): SheetState {
    const st = docs.sheet(setup.sheetId)
    const next = { ...st, setup }
    docs.saveSheet(setup.sheetId, next)
    docs.setLastSheet(setup.sheetId)
    return next
  }

  function progressOf (job: SubmissionJob, sheetId: number, rows: readonly DataRow[] | null, campaign: CampaignSummary | null, error: BackendError | null): SendProgress {
    const segments = rows === null ? null : segmentsOf(rows)
    const total = segments?.length ?? job.done.length
    const done = job.done.padEnd(total, '0').slice(0, total)
    const segmentsDone = [...done].filter((c) => c === '1').length
    const doneRows = segments === null ? segmentsDone * CHUNK_ROWS : segments.filter((s) => done[s.index] === '1').reduce((n, s) => n + s.rows.length, 0)
    const submitted = total > 0 ? !done.includes('0') : rows !== null
    return {
      jobId: job.jobId,
      sheetId,
      totalRows: rows?.length ?? total * CHUNK_ROWS,
      doneRows,
      segmentsDone,
      segmentsTotal: total,
      counts: job.counts,
      submitted,
      started: job.started,
      done: submitted && job.started,
      campaign,
      error: error === null ? null : sidebarError(error),
    }
  }

  /**
   * One slice of a submission: one read, new chunks in side-by-side batches until `maxRows`
   * or the deadline, one write-back, and the campaign started when every segment is in.
   */
  function slice (client: CampaignClient, sheetId: number, job: SubmissionJob, maxRows: number, deadline: number): SendProgress {
    try {
      return host.withDocumentLock(() => {
        const prepared = prepare(job.setup)
        const segments = segmentsOf(prepared.rows)
        const done = [...job.done.padEnd(segments.length, '0').slice(0, segments.length)]
        const work: Array<{ segment: number, chunk: KeyedChunk }> = []
        for (const segment of segments) {
          if (done[segment.index] === '1') continue
          const rows = segment.rows.filter((r) => shouldSubmit(r.statusText, job.resendFailed))
          if (rows.length === 0) {
            done[segment.index] = '1'
            continue
          }
          const body = chunkBody(rows, job.resendFailed)
          // The job id keeps a later run from replaying this run's answers (stale by then); a retry of this run reuses the key.
          work.push({ segment: segment.index, chunk: { key: chunkKey(job.campaignId, body, (text) => host.digest(`${job.jobId}\n${text}`)), body } })
        }
        const segmentOf = new Map(work.map((w) => [w.chunk.key, w.segment]))
        const offsetOf = new Map(prepared.rows.map((r) => [r.rowKey, r.offset]))
        const rowOf = (rowKey: string): number | undefined => {
          const offset = offsetOf.get(rowKey)
          return offset === undefined ? undefined : prepared.read.headerRow + offset
        }
        const updates = new Map<number, CellUpdate>()
        let error: BackendError | null = null
        let rowsSent = 0
        const counts = { ...job.counts }
        for (const batch of batchesOf(work.map((w) => w.chunk), PACING.parallel)) {
          if (rowsSent >= maxRows || host.now() > deadline) break
          let outcomes
          try {
            outcomes = client.submit(job.campaignId, batch)
          } catch (failure) {
            if (!(failure instanceof BackendError)) throw failure
            error = failure
            break
          }
          outcomes.forEach((outcome, i) => {
            if (outcome instanceof BackendError) {
              error ??= outcome
              return
            }
            done[segmentOf.get(batch[i]!.key)!] = '1'
            counts.accepted += outcome.accepted
            counts.existing += outcome.existing
            counts.requeued += outcome.requeued
            counts.rejected += outcome.rejected
            for (const result of outcome.rows) {
              const offset = offsetOf.get(result.rowKey)
              if (offset === undefined) continue
              const cells = submissionCells(result, rowOf)
              const update: CellUpdate = { status: cells.status, reason: cells.reason }
              if (result.outcome === 'requeued') Object.assign(update, { sentAt: '', messageId: '' })
              updates.set(offset, update)
            }
          })
          rowsSent += batch.reduce((n, c) => n + c.body.rows.length, 0)
          if (error !== null) break
        }
        sheet.write(sheetId, planWrites(prepared.read, prepared.layout.columns, updates))
        job.done = done.join('')
        job.counts = counts

        let binding = docs.sheet(sheetId).campaign
        if (binding !== null && counts.accepted + counts.requeued > 0 && binding.counts.total === 0) {
          // Until the next sync, remember that the campaign has recipients (it now keeps its template).
          binding = { ...binding, counts: { ...binding.counts, total: counts.accepted } }
          docs.saveSheet(sheetId, { ...docs.sheet(sheetId), campaign: binding })
        }
        const submitted = !done.includes('0')
        if (submitted && !job.started && error === null) {
          try {
            const campaign = client.start(job.campaignId, job.scheduleAt)
            binding = saveBinding(sheetId, campaign, binding)
            job.started = true
          } catch (failure) {
            if (!(failure instanceof BackendError)) throw failure
            // Already running or scheduled (rows added to a live campaign): nothing to start.
            if (failure.code === 'SB_CAMPAIGN_STATE') job.started = true
            else if (failure.code === 'SB_CAMPAIGN_EMPTY') {
              job.started = true
              error = failure
            } else error = failure
          }
        }
        if (submitted && job.started) docs.deleteJob(sheetId)
        else docs.saveJob(sheetId, job)
        return progressOf(job, sheetId, prepared.rows, publicSummary(binding), error)
      })
    } catch (failure) {
      if (failure instanceof BackendError && failure.code === SHEETS_ERROR_CODES.busy) {
        return progressOf(job, sheetId, null, publicSummary(docs.sheet(sheetId).campaign), failure)
      }
      throw failure
    }
  }

  /** Pulls the change feed and writes the rows that changed: one read, at most three writes. */
  function sync (client: CampaignClient, sheetId: number, deadline: number): SyncSummary {
    const st = docs.sheet(sheetId)
    const binding = st.campaign
    if (binding === null || st.setup === null) throw new BackendError(SHEETS_ERROR_CODES.noCampaign, 'No campaign', 0)
    const setup = st.setup
    const latest = new Map<string, Recipient>()
    let cursor = binding.cursor
    let more = true
    let campaign: Campaign | null = null
    while (more && (campaign === null || host.now() < deadline)) {
      const page = client.changes(binding.id, cursor, PACING.changesPage)
      for (const item of page.items) latest.set(item.rowKey, item)
      cursor = page.cursor
      more = page.more
      campaign = page.campaign
    }
    let changedRows = 0
    let missingRows = 0
    if (latest.size > 0) {
      host.withDocumentLock(() => {
        sheet.sheetName(sheetId)
        const read = sheet.read(sheetId, setup.headerRow, 1)
        const headers = read.values[0] ?? []
        const layout = planStatusColumns(headers, headers.length)
        // Someone deleted status columns: put them back (headers in the same write) rather than lose the statuses.
        const updates = placeColumns(sheetId, read, layout)
        const columns = layout.columns
        const offsetOf = new Map<string, number>()
        for (let offset = 1; offset < read.values.length; offset++) {
          const key = (read.values[offset]![columns.rowId - 1] ?? '').trim()
          if (key !== '' && !offsetOf.has(key)) offsetOf.set(key, offset)
        }
        for (const [rowKey, recipient] of latest) {
          const offset = offsetOf.get(rowKey)
          if (offset === undefined) {
            missingRows++
            continue
          }
          const line = read.values[offset]!
          const wanted: CellUpdate = {
            status: STATUS_TEXT[recipient.status],
            sentAt: recipient.sentAt === null ? '' : host.formatTime(recipient.sentAt),
            messageId: recipient.wamid ?? '',
            reason: failureText(recipient),
          }
          if (recipient.replyText !== null) wanted.reply = recipient.replyText
          const changed: CellUpdate = {}
          for (const [field, value] of Object.entries(wanted) as Array<[keyof CellUpdate, string]>) {
            if ((line[columns[field] - 1] ?? '') !== value) changed[field] = value
          }
          if (Object.keys(changed).length > 0) updates.set(offset, changed)
        }
        sheet.write(sheetId, planWrites(read, columns, updates))
        changedRows = updates.size - (updates.has(0) ? 1 : 0)
      })
    }
    const now = new Date(host.now()).toISOString()
    // The cursor moves only after the rows are written: a sync that dies re-reads the same changes.
    const next: CampaignBinding = {
      ...(campaign === null ? binding : summaryOf(campaign, now)),
      cursor,
      lastSyncAt: now,
      lastChangeAt: changedRows > 0 || binding.lastChangeAt === null ? now : binding.lastChangeAt,
    }
    docs.saveSheet(sheetId, { ...docs.sheet(sheetId), campaign: next })
    return { campaign: publicSummary(next)!, changedRows, missingRows, more }
  }

  function requireBinding (sheetId: number): CampaignBinding {
    const binding = docs.sheet(sheetId).campaign
    if (binding === null) throw new BackendError(SHEETS_ERROR_CODES.noCampaign, 'No campaign', 0)
    return binding
  }

  function publicSummary (binding: CampaignBinding | null): CampaignSummary | null {
    if (binding === null) return null
    const { id, name, state, template, counts, scheduleAt, lastSyncAt } = binding
    return { id, name, state, template, counts, scheduleAt, lastSyncAt }
  }

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
      const mapping = resolveMapping(setup, headers, planStatusColumns(headers, lastColumn).columns)
      const preview = client.previewTemplate({ ...setup.template, parameters: rowVariables(line, mapping) })
      return { row, text: preview.text, missing: preview.missing }
    },

    validateRows (setup: SendSetup): ValidationSummary {
      const startedAt = host.now()
      const client = deps.client()
      rememberSetup(setup)
      const prepared = host.withDocumentLock(() => prepare(setup))
      const binding = ensureCampaign(client, setup)
      const candidates = prepared.rows.filter((r) => shouldSubmit(r.statusText, false))
      const rowOf = new Map(prepared.rows.map((r) => [r.rowKey, r.sheetRow]))
      const problems: Record<RowProblem, number> = { phone_missing: 0, phone_invalid: 0, duplicate_in_request: 0, duplicate_in_campaign: 0, opted_out: 0, variable_missing: 0, variable_invalid: 0 }
      const issues: RowIssue[] = []
      let ready = 0
      let existing = 0
      let checked = 0
      const chunks = validationChunks(candidates)
      for (let i = 0; i < chunks.length; i += PACING.validateParallel) {
        if (host.now() - startedAt > PACING.sliceBudgetMs) break
        const group = chunks.slice(i, i + PACING.validateParallel)
        const outcomes = client.validate(binding.id, group.map((rows) => chunkBody(rows, false)))
        for (const outcome of outcomes) {
          if (outcome instanceof BackendError) throw outcome
          ready += outcome.accepted
          existing += outcome.existing
          for (const result of outcome.rows) {
            if (result.outcome !== 'rejected' || result.problem === undefined) continue
            problems[result.problem]++
            issues.push({ row: rowOf.get(result.rowKey) ?? 0, problem: result.problem, message: problemText(result.problem, result.detail, (key) => rowOf.get(key)) })
          }
        }
        checked += group.reduce((n, rows) => n + rows.length, 0)
      }
      issues.sort((a, b) => a.row - b.row)
      return {
        campaign: publicSummary(docs.sheet(setup.sheetId).campaign) ?? binding,
        checkedRows: checked,
        readyRows: ready,
        existingRows: existing,
        skippedRows: prepared.rows.length - candidates.length,
        problems,
        issues: issues.slice(0, PACING.issuesShown),
        truncated: issues.length > PACING.issuesShown,
        uncheckedRows: candidates.length - checked,
      }
    },

    sendTest (setup: SendSetup, row: number, phone: string): TestSendResult {
      const client = deps.client()
      const { headers, lastRow, lastColumn } = sheet.header(setup.sheetId, setup.headerRow)
      if (!Number.isInteger(row) || row <= setup.headerRow || row > lastRow) throw new BackendError(SHEETS_ERROR_CODES.rowOutside, 'No such row', 0, { field: 'row' })
      const line = sheet.row(setup.sheetId, row, Math.max(1, lastColumn))
      const mapping = resolveMapping(setup, headers, planStatusColumns(headers, lastColumn).columns)
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
          const layout = planStatusColumns(headers, headers.length)
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
