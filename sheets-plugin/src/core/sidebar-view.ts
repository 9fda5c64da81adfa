import { CLIENT_ERROR_CODES } from '../../../apps-script/src/core/backend-client.js'
import { describeError } from './error-messages.js'
import type { CampaignSummary, ConnectionResult, RowProblem, SendProgress, ValidationSummary } from './sidebar-protocol.js'

/** What the sidebar shows, decided from a server result; the DOM code only copies it into elements. */
export type SidebarView =
  | { mode: 'connected', workspaceName: string, userLine: string, numberLine: string, timeZone: string }
  | { mode: 'disconnected', error: string | null, errorCode: string | null }

/** The connection part of the sidebar, from a server result. */
export function sidebarView (result: ConnectionResult): SidebarView {
  if (!result.ok) return { mode: 'disconnected', error: result.error.message, errorCode: result.error.code }
  const connection = result.connection
  if (connection === null) return { mode: 'disconnected', error: null, errorCode: null }
  const { displayName, email, role } = connection.user
  const who = displayName.trim() === '' || displayName === email ? email : `${displayName} (${email})`
  const sending = connection.sendingNumber
  const numberLine = sending === null
    ? 'No WhatsApp number is connected to this workspace yet.'
    : `Sending from ${sending.displayPhoneNumber}${sending.verifiedName === null ? '' : ` (${sending.verifiedName})`}${sending.status === 'paused' ? ' · paused by WhatsApp' : ''}`
  return { mode: 'connected', workspaceName: connection.workspaceName, userLine: `${who} · ${role}`, numberLine, timeZone: connection.timeZone }
}

/** The error shown when google.script.run itself fails. */
export function unexpectedError (): { code: string, message: string } {
  const code = CLIENT_ERROR_CODES.unexpected
  return { code, message: describeError({ code, message: '' }) }
}

/** Shown when google.script.run itself fails (the server function threw, or the call never arrived). */
export function unexpectedFailureView (): SidebarView {
  const code = CLIENT_ERROR_CODES.unexpected
  return { mode: 'disconnected', error: describeError({ code, message: '' }), errorCode: code }
}

const number = (n: number): string => n.toLocaleString('en-US')

/** The progress bar and its sentence while a sheet is submitted. */
export function progressView (progress: SendProgress): { percent: number, text: string } {
  const total = Math.max(progress.totalRows, 1)
  const percent = progress.done ? 100 : Math.min(99, Math.floor((progress.doneRows / total) * 100))
  if (progress.done) {
    const { accepted, existing, requeued, rejected } = progress.counts
    const added = accepted + requeued
    const parts = [`${number(added)} ${added === 1 ? 'row' : 'rows'} queued`]
    if (existing > 0) parts.push(`${number(existing)} already in the campaign`)
    if (rejected > 0) parts.push(`${number(rejected)} not sent (see the Reason column)`)
    const when = progress.campaign?.state === 'scheduled' && progress.campaign.scheduleAt !== null ? ' for the scheduled time' : ''
    return { percent, text: `Done: ${parts.join(', ')}${when}.` }
  }
  if (progress.submitted) return { percent, text: 'All rows are in. Starting the campaign…' }
  return { percent, text: `Submitted ${number(progress.doneRows)} of ${number(progress.totalRows)} rows…` }
}

const STATE_TEXT: Record<CampaignSummary['state'], string> = {
  draft: 'Draft (not sent yet)',
  scheduled: 'Scheduled',
  running: 'Sending',
  paused: 'Paused',
  completed: 'Finished',
  cancelled: 'Cancelled',
}

/** The campaign's state and counters as the status panel shows them. */
export function campaignView (campaign: CampaignSummary, timeZone: string): { title: string, state: string, counts: Array<[string, string]>, lastSync: string } {
  const c = campaign.counts
  const scheduled = campaign.state === 'scheduled' && campaign.scheduleAt !== null ? ` for ${formatInstant(campaign.scheduleAt, timeZone)}` : ''
  return {
    title: campaign.name,
    state: `${STATE_TEXT[campaign.state]}${scheduled}`,
    counts: [
      ['Recipients', number(c.total)],
      ['Queued', number(c.pending)],
      ['Sent', number(c.sent + c.delivered + c.read)],
      ['Delivered', number(c.delivered + c.read)],
      ['Read', number(c.read)],
      ['Replied', number(c.replied)],
      ['Failed', number(c.failed)],
    ],
    lastSync: campaign.lastSyncAt === null ? 'Statuses not synced yet.' : `Statuses synced ${formatInstant(campaign.lastSyncAt, timeZone)}.`,
  }
}

const PROBLEM_LABELS: Record<RowProblem, string> = {
  phone_missing: 'without a phone number',
  phone_invalid: 'with an invalid phone number',
  phone_ambiguous: 'with a phone number that reads two ways (format the column as plain text and type the +, or mark its numbers international)',
  duplicate_in_request: 'repeating a number of another row',
  duplicate_in_campaign: 'with a number already in the campaign',
  opted_out: 'opted out of marketing messages',
  variable_missing: 'missing a template value',
  cell_error: 'with a formula error or a value still loading',
  variable_invalid: 'with a media link that is not https://',
}

/** The validation summary's sentences. */
export function validationView (summary: ValidationSummary): { headline: string, lines: string[], issues: string[], hasIssues: boolean } {
  const rejected = Object.values(summary.problems).reduce((a, b) => a + b, 0)
  const lines = (Object.keys(PROBLEM_LABELS) as RowProblem[])
    .filter((p) => summary.problems[p] > 0)
    .map((p) => `${number(summary.problems[p])} ${summary.problems[p] === 1 ? 'row' : 'rows'} ${PROBLEM_LABELS[p]}`)
  if (summary.existingRows > 0) lines.push(`${number(summary.existingRows)} already in the campaign (never sent twice)`)
  if (summary.skippedRows > 0) lines.push(`${number(summary.skippedRows)} skipped: they already have a status`)
  if (summary.uncheckedRows > 0) lines.push(`${number(summary.uncheckedRows)} not checked in time; they are checked when sent`)
  const issues = summary.issues.map((i) => `Row ${i.row}: ${i.message}`)
  if (summary.truncated) issues.push('…and more: see the Reason column after sending.')
  return {
    headline: `${number(summary.readyRows)} ${summary.readyRows === 1 ? 'row is' : 'rows are'} ready to send${rejected > 0 ? `, ${number(rejected)} cannot be sent` : ''}.`,
    lines,
    issues,
    hasIssues: rejected > 0,
  }
}

/** An ISO instant as a short local time in `timeZone`. */
export function formatInstant (iso: string, timeZone: string): string {
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso
  try {
    return new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'medium', timeStyle: 'short' }).format(date)
  } catch {
    return date.toISOString()
  }
}
