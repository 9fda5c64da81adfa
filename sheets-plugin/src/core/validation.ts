import { BackendError } from '../../../apps-script/src/core/backend-client.js'
import { PACING, type AppContext } from './app-context.js'
import { publicSummary, type Bindings } from './campaign-binding.js'
import { chunkBody, CHUNK_ROWS, phoneKey } from './chunks.js'
import type { DataRow } from './rows.js'
import type { Preparer } from './sheet-preparation.js'
import type { RowIssue, RowProblem, SendSetup, ValidationSummary } from './sidebar-protocol.js'
import { problemText, shouldSubmit } from './status-text.js'


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

/** "Check rows": the backend's dry run over every row that would be sent. */
export function createValidation ({ deps, host, docs }: AppContext, { prepare }: Preparer, { ensureCampaign, rememberSetup }: Bindings) {
  return function validateRows (setup: SendSetup): ValidationSummary {
    const startedAt = host.now()
    const client = deps.client()
    rememberSetup(setup)
    const prepared = host.withDocumentLock(() => prepare(setup))
    const binding = ensureCampaign(client, setup)
    const wanted = prepared.rows.filter((r) => shouldSubmit(r.statusText, false))
    // Rows the add-on refuses itself (a formula error in a used cell) never reach the backend.
    const candidates = wanted.filter((r) => r.issue === null)
    const rowOf = new Map(prepared.rows.map((r) => [r.rowKey, r.sheetRow]))
    const problems: Record<RowProblem, number> = { phone_missing: 0, phone_invalid: 0, phone_ambiguous: 0, duplicate_in_request: 0, duplicate_in_campaign: 0, opted_out: 0, variable_missing: 0, variable_invalid: 0, cell_error: 0 }
    const issues: RowIssue[] = []
    let ready = 0
    let existing = 0
    let checked = 0
    for (const row of wanted) {
      if (row.issue === null) continue
      problems[row.issue.problem]++
      issues.push({ row: row.sheetRow, problem: row.issue.problem, message: problemText(row.issue.problem, row.issue.detail, () => undefined) })
      checked++
    }
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
      skippedRows: prepared.rows.length - wanted.length,
      problems,
      issues: issues.slice(0, PACING.issuesShown),
      truncated: issues.length > PACING.issuesShown,
      uncheckedRows: wanted.length - checked,
    }
  }
}
