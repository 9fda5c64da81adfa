import { BackendError } from '../../../apps-script/src/core/backend-client.js'
import { PACING, type AppContext } from './app-context.js'
import { publicSummary, sidebarError, type Bindings } from './campaign-binding.js'
import type { CampaignClient, ChunkOutcome, KeyedChunk } from './campaign-client.js'
import { batchesOf, chunkBody, chunkKey, CHUNK_ROWS, segmentBoundaries, segmentsOf } from './chunks.js'
import type { SubmissionJob } from './document-state.js'
import type { DataRow } from './rows.js'
import type { Preparer } from './sheet-preparation.js'
import { SHEETS_ERROR_CODES } from './sheets-errors.js'
import type { CampaignSummary, SendProgress } from './sidebar-protocol.js'
import { NOT_SENT, problemText, shouldSubmit, submissionCells } from './status-text.js'
import { planWrites, type CellUpdate } from './writeback.js'

/** Submitting a sheet's rows in slices that fit Apps Script's execution limit. */
export function createSubmission ({ sheet, host, docs }: AppContext, { prepare }: Preparer, { saveBinding }: Bindings) {
  function progressOf (job: SubmissionJob, sheetId: number, rows: readonly DataRow[] | null, campaign: CampaignSummary | null, error: BackendError | null, lateChunksLeft = 0): SendProgress {
    const segments = rows === null ? null : segmentsOf(rows, job.boundaries)
    const total = segments?.length ?? job.done.length
    const done = job.done.padEnd(total, '0').slice(0, total)
    const segmentsDone = [...done].filter((c) => c === '1').length
    const doneRows = segments === null ? segmentsDone * CHUNK_ROWS : segments.filter((s) => done[s.index] === '1').reduce((n, s) => n + s.rows.length, 0)
    const submitted = (total > 0 ? !done.includes('0') : rows !== null) && lateChunksLeft === 0
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
        job.boundaries ??= segmentBoundaries(prepared.rows)
        const segments = segmentsOf(prepared.rows, job.boundaries)
        const done = [...job.done.padEnd(segments.length, '0').slice(0, segments.length)]
        const work: Array<{ segment: number, chunk: KeyedChunk }> = []
        // Rows the add-on itself refuses (a formula error) are marked, never sent.
        const localIssues = new Map<number, CellUpdate>()
        // Rows with no status in a finished segment were added (or cleared) since it was sent: they go in late chunks.
        const late: DataRow[] = []
        for (const segment of segments) {
          if (done[segment.index] === '1') {
            late.push(...segment.rows.filter((r) => r.statusText === '' && r.issue === null))
            continue
          }
          const rows = segment.rows.filter((r) => {
            if (!shouldSubmit(r.statusText, job.resendFailed)) return false
            if (r.issue === null) return true
            localIssues.set(r.offset, { status: NOT_SENT, reason: problemText(r.issue.problem, r.issue.detail, () => undefined) })
            return false
          })
          if (rows.length === 0) {
            done[segment.index] = '1'
            continue
          }
          const body = chunkBody(rows, job.resendFailed)
          // The job id keeps a later run from replaying this run's answers (stale by then); a retry of this run reuses the key.
          work.push({ segment: segment.index, chunk: { key: chunkKey(job.campaignId, body, (text) => host.digest(`${job.jobId}\n${text}`)), body } })
        }
        for (let i = 0; i < late.length; i += CHUNK_ROWS) {
          const body = chunkBody(late.slice(i, i + CHUNK_ROWS), job.resendFailed)
          work.push({ segment: -1, chunk: { key: chunkKey(job.campaignId, body, (text) => host.digest(`${job.jobId}\n${text}`)), body } })
        }
        let lateLeft = work.filter((w) => w.segment === -1).length
        const segmentOf = new Map(work.map((w) => [w.chunk.key, w.segment]))
        const offsetOf = new Map(prepared.rows.map((r) => [r.rowKey, r.offset]))
        const rowOf = (rowKey: string): number | undefined => {
          const offset = offsetOf.get(rowKey)
          return offset === undefined ? undefined : prepared.read.headerRow + offset
        }
        const updates = new Map<number, CellUpdate>(localIssues)
        let error: BackendError | null = null
        let rowsSent = 0
        const counts = { ...job.counts }
        // One chunk's answer: its rows' cells, the counts, and its segment done.
        function record (chunk: KeyedChunk, outcome: ChunkOutcome): void {
          if (outcome instanceof BackendError) {
            error ??= outcome
            return
          }
          const segment = segmentOf.get(chunk.key)!
          if (segment === -1) lateLeft--
          else done[segment] = '1'
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
        }
        for (const batch of batchesOf(work.map((w) => w.chunk), PACING.parallel)) {
          if (rowsSent >= maxRows || host.now() > deadline) break
          // Chunks answered 429 or 5xx are sent again (same Idempotency-Key, so it is safe) after
          // Retry-After or a doubling backoff, as long as the wait fits in the slice's time.
          let pending: KeyedChunk[] = batch
          for (let attempt = 0; ; attempt++) {
            let outcomes
            try {
              outcomes = client.submit(job.campaignId, pending)
            } catch (failure) {
              if (!(failure instanceof BackendError)) throw failure
              error = failure
              break
            }
            const retry: KeyedChunk[] = []
            let wait = 0
            let retryError: BackendError | null = null
            outcomes.forEach((outcome, i) => {
              if (outcome instanceof BackendError && outcome.retryable && attempt < PACING.retries) {
                retry.push(pending[i]!)
                wait = Math.max(wait, outcome.retryAfterMs ?? 0, PACING.retryBaseMs * 2 ** attempt)
                retryError = outcome
                return
              }
              record(pending[i]!, outcome)
            })
            if (retry.length === 0) break
            if (host.now() + wait > deadline) {
              error ??= retryError
              break
            }
            host.sleep(wait)
            pending = retry
          }
          rowsSent += batch.reduce((n, c) => n + c.body.rows.length, 0)
          if (error !== null) break
        }

        // Rows of a slice are scattered (segments are ranges of row ids): one rectangle from the first to the last, the rows between rewritten as read.
        sheet.write(sheetId, planWrites(prepared.read, prepared.layout.columns, updates, 1))
        job.done = done.join('')
        job.counts = counts

        let binding = docs.sheet(sheetId).campaign
        if (binding !== null && counts.accepted + counts.requeued > 0 && binding.counts.total === 0) {
          // Until the next sync, remember that the campaign has recipients (it now keeps its template).
          binding = { ...binding, counts: { ...binding.counts, total: counts.accepted } }
          docs.saveSheet(sheetId, { ...docs.sheet(sheetId), campaign: binding })
        }
        const submitted = !done.includes('0') && lateLeft === 0
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
        return progressOf(job, sheetId, prepared.rows, publicSummary(binding), error, lateLeft)
      })
    } catch (failure) {
      if (failure instanceof BackendError && failure.code === SHEETS_ERROR_CODES.busy) {
        return progressOf(job, sheetId, null, publicSummary(docs.sheet(sheetId).campaign), failure)
      }
      throw failure
    }
  }

  return { progressOf, slice }
}

/** The submission of one context. */
export type Submission = ReturnType<typeof createSubmission>
