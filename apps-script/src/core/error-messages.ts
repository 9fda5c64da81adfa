import type { ErrorCode } from './api-types.js'
import type { ClientErrorCode } from './backend-client.js'

/**
 * What to tell a person for each error code both add-ons can meet. Keys are checked against the
 * backend's registry, so a renamed or removed server code is a compile error here. Codes not
 * listed fall back to the server's own constant message, which never carries contact data.
 */
const MESSAGES: Partial<Record<ErrorCode | ClientErrorCode, string>> = {
  SB_UNAUTHENTICATED: 'This API token is not valid or has been revoked. Create a new one in Switchboard under Settings → API tokens.',
  SB_AUTH_SCOPE_MISSING: 'This API token lacks the permission this needs. Create a token with the crm:read and crm:write scopes.',
  SB_AUTH_ROLE_FORBIDDEN: 'Your Switchboard role does not allow this. Ask a workspace admin.',
  SB_AUTH_USER_DEACTIVATED: 'Your Switchboard user is deactivated. Ask a workspace admin.',
  SB_RATE_LIMITED: 'Too many requests right now. Wait a minute and try again.',
  SB_UNAVAILABLE: 'Switchboard is starting up or under maintenance. Try again shortly.',
  SB_INTERNAL: 'Something went wrong on Switchboard\'s side. Try again; if it keeps happening, contact support.',
  SB_CLIENT_UNREACHABLE: 'Switchboard could not be reached. Check your connection and try again.',
  SB_CLIENT_BAD_RESPONSE: 'Switchboard gave an answer the add-on does not understand. Try again later.',
  SB_CLIENT_UNEXPECTED: 'The add-on hit an unexpected error. Close it and open it again; if it keeps happening, contact support.',
  SB_CLIENT_TOKEN_FORMAT: 'That does not look like a Switchboard API token. Tokens start with "sbt_"; paste the whole token.',
  SB_WHATSAPP_NOT_CONNECTED: 'Connect a WhatsApp number to your Switchboard workspace first (Settings → WhatsApp).',
  SB_WHATSAPP_TEMPLATE_NOT_APPROVED: 'Meta has not approved this template (or no longer does). Choose another template.',
  SB_WHATSAPP_TEMPLATE_NOT_FOUND: 'This template no longer exists in your WhatsApp account. Choose another one.',
  SB_WHATSAPP_TEMPLATE_PARAMETER_MISSING: 'A template variable has no value in this row. Map every variable to a column or a text.',
  SB_WHATSAPP_SEND_REJECTED: 'WhatsApp refused the message. Check the number and the template.',
  SB_CAMPAIGN_STATE: 'The campaign cannot do that in its current state (it may be cancelled or finished).',
  SB_CAMPAIGN_EMPTY: 'No row could be added to the campaign: fix the rows marked "Not sent" and send again.',
  SB_SCHEDULE_INVALID: 'The schedule must be a future date and time, in your workspace\'s time zone.',
}

export interface DescribableError {
  code: string
  message: string
}

/**
 * The sentence to show for an error: the add-on's own words (`own`, for codes only it
 * meets) first, then the shared ones, else the server's constant message.
 */
export function describeError (error: DescribableError, own: Partial<Record<string, string>> = {}): string {
  return own[error.code] ?? (MESSAGES as Partial<Record<string, string>>)[error.code] ?? error.message
}
