import type { ErrorCode } from '../../../apps-script/src/core/api-types.js'
import { CLIENT_ERROR_CODES, type ClientErrorCode } from '../../../apps-script/src/core/backend-client.js'
import { describeError } from '../../../apps-script/src/core/error-messages.js'

/** Codes for failures the Gmail add-on detects itself; the server never sends them. */
export const GMAIL_ERROR_CODES = {
  /** ScriptApp gave no identity token (the openid scope is missing from the manifest). */
  noIdentity: 'SB_CLIENT_NO_IDENTITY',
  /** Gmail would not let the add-on read the open message (a stale access token). */
  gmailRefused: 'SB_CLIENT_GMAIL_REFUSED',
  /** A button's saved parameters could not be read: a card from an older deployment. */
  staleCard: 'SB_CLIENT_STALE_CARD',
  /** The open email has no sender address the backend accepts, so it cannot be logged. */
  noSender: 'SB_CLIENT_NO_SENDER',
  /** A required form field was left empty; `field` names it. */
  formMissing: 'SB_CLIENT_FORM_MISSING',
  /** The backend answered so slowly that the 30-second add-on limit left no time for the next call. */
  slow: 'SB_CLIENT_SLOW',
} as const

export type GmailErrorCode = typeof GMAIL_ERROR_CODES[keyof typeof GMAIL_ERROR_CODES]

/** What the add-on knows about a failure: the server's (or the client's) code and its extras. */
export interface GmailError {
  code: string
  message: string
  status?: number
  field?: string | undefined
  detail?: string | undefined
}

// Keys are checked against the backend's registry: a renamed server code is a compile error.
// Where Gmail needs other words than the Sheets sidebar (sign-in, WhatsApp to one person),
// they are here; everything else falls back to the shared messages.
const MESSAGES: Partial<Record<ErrorCode | ClientErrorCode | GmailErrorCode, string>> = {
  SB_UNAUTHENTICATED: 'Switchboard could not verify your Google sign-in. Ask your Switchboard admin to check that the server\'s GOOGLE_CLIENT_IDS lists this add-on\'s OAuth client id.',
  SB_AUTH_UNKNOWN_USER: 'Your Google account is not a Switchboard user. Ask an owner or admin of your Switchboard workspace to add your email address as a user, then press Retry.',
  SB_AUTH_SCOPE_MISSING: 'Your Switchboard sign-in lacks the permission this needs. Ask a workspace admin.',
  SB_CONTACT_DUPLICATE: 'Another contact already has this email address or phone number.',
  SB_CONTACT_NOT_FOUND: 'This contact no longer exists in Switchboard. Refresh the card.',
  SB_DEAL_NOT_FOUND: 'This deal no longer exists in Switchboard. Refresh the card.',
  SB_STAGE_NOT_FOUND: 'That stage is no longer in the deal\'s pipeline. Refresh and choose again.',
  SB_PIPELINE_NOT_FOUND: 'That pipeline no longer exists. Refresh and choose again.',
  SB_EMAIL_INVALID: 'That email address is not valid.',
  SB_PHONE_INVALID: 'That phone number cannot be read. Write it with its country code, like +44 20 7946 0958.',
  SB_WHATSAPP_WINDOW_CLOSED: 'Not sent: the 24-hour reply window is closed (the contact has not written in the last 24 hours). Send an approved template instead.',
  SB_WHATSAPP_OPTED_OUT: 'Not sent: this contact opted out of marketing messages. Choose a utility template, or wait until they opt in again.',
  SB_WHATSAPP_NO_NUMBER: 'Not sent: this contact has no WhatsApp number or phone number in Switchboard. Add one first.',
  SB_WHATSAPP_TEMPLATE_PARAMETER_MISSING: 'Not sent: a template variable has no value. Fill in every field.',
  SB_WHATSAPP_TEMPLATE_NOT_APPROVED: 'Not sent: Meta has not approved this template (or no longer does). Choose another one.',
  SB_WHATSAPP_TEMPLATE_NOT_FOUND: 'Not sent: this template no longer exists in your WhatsApp account. Choose another one.',
  SB_WHATSAPP_NUMBER_PAUSED: 'Not sent: sending is paused on your WhatsApp number after an error from Meta. An admin sees why under Settings → WhatsApp.',
  SB_WHATSAPP_SEND_REJECTED: 'Not sent: WhatsApp refused the message.',
  SB_WHATSAPP_SEND_UNKNOWN: 'WhatsApp did not answer, so the message may or may not have gone out. It shows in the thread as "unknown" until WhatsApp reports on it; do not send it again before then.',
  SB_WHATSAPP_UNAVAILABLE: 'WhatsApp could not be reached and nothing was sent. Try again in a moment.',
  SB_CLIENT_UNREACHABLE: 'Switchboard could not be reached. Check your connection, then press Retry.',
  SB_CLIENT_BAD_RESPONSE: 'Switchboard is not answering properly right now (it may be restarting). Press Retry in a moment.',
  SB_CLIENT_NO_IDENTITY: 'Google did not give the add-on your sign-in. Remove the add-on and install it again, allowing every permission it asks for.',
  SB_CLIENT_GMAIL_REFUSED: 'Gmail did not let the add-on read this email. Close it and open it again.',
  SB_CLIENT_STALE_CARD: 'This button no longer works (the add-on was updated). Open the email again.',
  SB_CLIENT_NO_SENDER: 'This email has no sender address Switchboard can use, so it cannot be logged.',
  SB_CLIENT_FORM_MISSING: 'Fill in the required field first.',
  SB_CLIENT_SLOW: 'Switchboard is answering slowly right now. Press Retry.',
}

// Failures of the connection or the server, not of the request: trying again may work.
const OUTAGE_CODES: ReadonlySet<string> = new Set([
  CLIENT_ERROR_CODES.unreachable, CLIENT_ERROR_CODES.badResponse, 'SB_UNAVAILABLE', 'SB_INTERNAL', 'SB_RATE_LIMITED', GMAIL_ERROR_CODES.slow,
])

/** Whether the failure is the backend being down, overloaded or slow, so a Retry card fits. */
export function isOutage (error: GmailError): boolean {
  return OUTAGE_CODES.has(error.code)
}

/** Whether the failure says who may use Switchboard (sign-in, unknown user): the access card fits. */
export function isAccessProblem (error: GmailError): boolean {
  return error.code === 'SB_UNAUTHENTICATED' || error.code === 'SB_AUTH_UNKNOWN_USER' || error.code === GMAIL_ERROR_CODES.noIdentity
}

/** The sentence to show for a failure: ours for known codes, with the field or Meta's reason where they help. */
export function describeGmailError (error: GmailError): string {
  const known = (MESSAGES as Partial<Record<string, string>>)[error.code]
  const base = known ?? describeError(error)
  if (error.code === 'SB_WHATSAPP_TEMPLATE_PARAMETER_MISSING' && error.field?.startsWith('parameters/') === true) {
    return `Not sent: the template variable "${error.field.slice('parameters/'.length)}" has no value. Fill it in.`
  }
  if (error.code === 'SB_WHATSAPP_SEND_REJECTED' && error.detail !== undefined) return `${base} Meta's reason: ${error.detail}.`
  if (error.code === 'SB_VALIDATION' && error.field !== undefined) {
    return `Check "${error.field}"${error.detail === undefined ? '' : `: it ${error.detail}`}.`
  }
  if (error.code === GMAIL_ERROR_CODES.formMissing && error.field !== undefined) return `Fill in "${error.field}" first.`
  return base
}
