import type { Recipient, RowResult } from '../../../apps-script/src/core/api-types.js'
import { readingsOf } from '../../../backend/src/campaigns/phone-reading.js'
import type { RowProblem } from './sidebar-protocol.js'

/** A recipient's delivery status, as the backend names it. */
export type RecipientStatus = Recipient['status']

/** What the Status column shows for each recipient status; the add-on reads these words back. */
export const STATUS_TEXT: Record<RecipientStatus, string> = {
  pending: 'Queued',
  sending: 'Sending',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
  failed: 'Failed',
  unknown: 'Unknown',
  cancelled: 'Cancelled',
}

/** A row the backend refused: it is not in the campaign, and may be fixed and sent later. */
export const NOT_SENT = 'Not sent'

const BY_TEXT = new Map(Object.entries(STATUS_TEXT).map(([status, text]) => [text.toLowerCase(), status as RecipientStatus]))

/** The status a Status cell shows, or `null` for blank, "Not sent", or anything the add-on did not write. */
export function statusFromText (text: string): RecipientStatus | null {
  return BY_TEXT.get(text.trim().toLowerCase()) ?? null
}

/**
 * Whether a row should go to the backend: rows never submitted or refused ("Not sent", so
 * a fixed row gets its chance), and failed rows only when resending them was chosen. A row
 * with any other status is in the campaign already and is left alone; the backend would
 * answer "existing" anyway, so this only saves work.
 */
export function shouldSubmit (statusText: string, resendFailed: boolean): boolean {
  const status = statusFromText(statusText)
  if (status === null) return true
  return status === 'failed' && resendFailed
}

/** Rows that are in the campaign: statuses the add-on wrote (not "Not sent"). */
export function isInCampaign (statusText: string): boolean {
  return statusFromText(statusText) !== null
}

/** A person's sentence for a refused row; `rowOf` turns the row key in `detail` into a row number. */
export function problemText (problem: RowProblem, detail: string | null | undefined, rowOf: (rowKey: string) => number | undefined): string {
  switch (problem) {
    case 'phone_missing': return 'No phone number'
    case 'phone_invalid': return 'Not a valid phone number'
    case 'phone_ambiguous': {
      const readings = readingsOf(detail)
      const which = readings.length > 1 ? `could be ${readings.join(' or ')}` : readings.length === 1 ? `may have lost its + or leading 0 (${readings[0]}?)` : 'reads two ways'
      return `The number ${which}: format the column as plain text and type it with + and the country code, or mark the column's numbers international`
    }
    case 'cell_error': return `The cell ${detail ?? ''} shows an error or is still loading: fix the formula`.replace('  ', ' ')
    case 'duplicate_in_request':
    case 'duplicate_in_campaign': {
      const row = detail === null || detail === undefined ? undefined : rowOf(detail)
      return row === undefined ? 'Same number as a row already in this campaign' : `Same number as row ${row}`
    }
    case 'opted_out': return 'Opted out of marketing messages'
    case 'variable_missing': return `No value for ${detail ?? 'a template variable'}`
    case 'variable_invalid': return `Not an https:// link: ${detail ?? 'a media variable'}`
  }
}

/** The cells a submission answer puts in a row: Status and Reason (other cells unchanged). */
export function submissionCells (result: RowResult, rowOf: (rowKey: string) => number | undefined): { status: string, reason: string } {
  if (result.outcome === 'rejected') return { status: NOT_SENT, reason: problemText(result.problem ?? 'phone_invalid', result.detail, rowOf) }
  if (result.outcome === 'accepted' || result.outcome === 'requeued') return { status: STATUS_TEXT.pending, reason: '' }
  return { status: STATUS_TEXT[result.status ?? 'pending'], reason: '' }
}

/** Why a recipient failed, for the Reason column. */
export function failureText (recipient: Pick<Recipient, 'status' | 'reason' | 'errorCode'>): string {
  if (recipient.status !== 'failed' && recipient.status !== 'unknown') return ''
  if (recipient.reason !== null && recipient.reason !== '') return recipient.reason
  if (recipient.errorCode !== null) return `Error ${recipient.errorCode}`
  return recipient.status === 'unknown' ? 'No answer from WhatsApp yet' : ''
}
