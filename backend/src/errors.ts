/**
 * The error registry: every error the API can answer with, by stable code.
 * Codes never change meaning once shipped; clients (add-ons, web app) branch on them.
 * Messages are constant so contact data never reaches a log line or a response body;
 * the variable part travels in `field`.
 */
export const ERRORS = {
  SB_VALIDATION: { status: 400, message: 'The request does not match the schema' },
  SB_INVALID_JSON: { status: 400, message: 'The request body is not valid JSON' },
  SB_EMAIL_INVALID: { status: 400, message: 'Not a valid email address' },
  SB_PHONE_INVALID: { status: 400, message: 'Not a valid phone number' },
  SB_CURSOR_INVALID: { status: 400, message: 'The pagination cursor is not valid' },
  SB_BODY_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  SB_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send the body as application/json' },

  SB_UNAUTHENTICATED: { status: 401, message: 'Sign in or send a valid API token' },
  SB_AUTH_INVALID_CREDENTIALS: { status: 401, message: 'Email or password is wrong' },
  SB_AUTH_LOCKED: { status: 429, message: 'Too many failed sign-in attempts; try again later' },
  SB_AUTH_USER_DEACTIVATED: { status: 403, message: 'This user is deactivated' },
  SB_AUTH_ROLE_FORBIDDEN: { status: 403, message: 'Your role does not allow this action' },
  SB_AUTH_SCOPE_MISSING: { status: 403, message: 'The API token lacks the scope for this action' },
  SB_AUTH_UNKNOWN_USER: { status: 401, message: 'Your Google account is not a Switchboard user; ask an admin of your workspace to add your email' },
  SB_AUTH_CSRF: { status: 403, message: 'Cross-site request refused; send it from the Switchboard origin' },
  SB_WEB_CSRF_INVALID: { status: 403, message: 'This form is out of date or did not come from Switchboard; reload the page and try again' },
  SB_WEB_OIDC_FAILED: { status: 400, message: 'Sign-in with your Google or Microsoft account did not complete; start again from the sign-in page' },
  SB_WEB_OIDC_NO_ACCOUNT: { status: 403, message: 'No Switchboard user has this email; ask an admin of your workspace to add it' },
  SB_ADDIN_CLIENT_UNKNOWN: { status: 400, message: 'Unknown add-in client' },
  SB_ADDIN_REDIRECT_INVALID: { status: 400, message: 'The redirect address is not registered for this add-in' },
  SB_ADDIN_GRANT_INVALID: { status: 400, message: 'The sign-in code or refresh token is invalid, expired or already used; sign in again' },
  SB_RATE_LIMITED: { status: 429, message: 'Too many requests; slow down' },

  SB_NOT_FOUND: { status: 404, message: 'No such route' },
  SB_WORKSPACE_NOT_FOUND: { status: 404, message: 'Workspace not found' },
  SB_USER_NOT_FOUND: { status: 404, message: 'User not found' },
  SB_USER_DUPLICATE: { status: 409, message: 'A user with this email already exists' },
  SB_USER_LAST_OWNER: { status: 409, message: 'A workspace must keep at least one active owner' },
  SB_TOKEN_NOT_FOUND: { status: 404, message: 'API token not found' },
  SB_TOKEN_SCOPE_EXCEEDS_ROLE: { status: 403, message: 'A token cannot carry a scope its user\'s role lacks' },

  SB_CONTACT_NOT_FOUND: { status: 404, message: 'Contact not found' },
  SB_CONTACT_DUPLICATE: { status: 409, message: 'A contact with this email or phone already exists' },
  SB_COMPANY_NOT_FOUND: { status: 404, message: 'Company not found' },
  SB_COMPANY_DUPLICATE: { status: 409, message: 'A company with this domain already exists' },
  SB_PIPELINE_NOT_FOUND: { status: 404, message: 'Pipeline not found' },
  SB_PIPELINE_IN_USE: { status: 409, message: 'The pipeline or stage still holds deals' },
  SB_STAGE_NOT_FOUND: { status: 404, message: 'Stage not found in this pipeline' },
  SB_STAGE_DUPLICATE: { status: 409, message: 'Stage names must be unique within a pipeline' },
  SB_DEAL_NOT_FOUND: { status: 404, message: 'Deal not found' },
  SB_ACTIVITY_NOT_FOUND: { status: 404, message: 'Activity not found' },
  SB_OWNER_NOT_FOUND: { status: 404, message: 'Owner is not a user of this workspace' },
  SB_ACTIVITY_NOT_EDITABLE: { status: 409, message: 'Only notes can be edited; other activities record what happened' },
  SB_EMAIL_ATTACHMENTS_TOO_LARGE: { status: 413, message: 'The attachment files of one email are over the upload limit; log them without content' },
  SB_ATTACHMENT_NOT_FOUND: { status: 404, message: 'No uploaded attachment file here' },

  SB_WHATSAPP_NOT_CONNECTED: { status: 409, message: 'Connect a WhatsApp number first' },
  SB_WHATSAPP_SANDBOX_OFF: { status: 409, message: 'The WhatsApp sandbox runs only when no Meta app is configured' },
  SB_WHATSAPP_SIGNUP_NOT_CONFIGURED: { status: 409, message: 'Embedded Signup needs META_APP_ID and WHATSAPP_APP_SECRET' },
  SB_WHATSAPP_SIGNUP_FAILED: { status: 502, message: 'Meta refused a step of the WhatsApp signup; fix the cause and resume' },
  SB_WHATSAPP_NO_NUMBER: { status: 422, message: 'The contact has no WhatsApp number' },
  SB_WHATSAPP_WINDOW_CLOSED: { status: 409, message: 'The 24-hour window is closed: send an approved template instead' },
  SB_WHATSAPP_TEMPLATE_NOT_FOUND: { status: 404, message: 'No template with this name and language' },
  SB_WHATSAPP_TEMPLATE_NOT_APPROVED: { status: 409, message: 'The template is not approved by Meta' },
  SB_WHATSAPP_TEMPLATE_PARAMETER_MISSING: { status: 400, message: 'A template variable has no value' },
  SB_WHATSAPP_OPTED_OUT: { status: 409, message: 'The contact opted out of marketing messages' },
  SB_WHATSAPP_NUMBER_PAUSED: { status: 409, message: 'Sending from this WhatsApp number is paused' },
  SB_WHATSAPP_SEND_REJECTED: { status: 502, message: 'Meta refused the message' },
  SB_WHATSAPP_SEND_UNKNOWN: { status: 502, message: 'No answer from Meta: the message may have gone out; it is marked unknown and is not resent' },
  SB_WHATSAPP_UNAVAILABLE: { status: 503, message: 'Meta could not be reached; nothing was sent' },

  SB_IDEMPOTENCY_KEY_INVALID: { status: 400, message: 'The Idempotency-Key header must be 8 to 255 visible ASCII characters' },
  SB_IDEMPOTENCY_KEY_REUSED: { status: 422, message: 'This Idempotency-Key was used for a different request' },
  SB_IDEMPOTENCY_IN_PROGRESS: { status: 409, message: 'A request with this Idempotency-Key is still being processed' },
  SB_IDEMPOTENCY_KEY_REQUIRED: { status: 400, message: 'This request needs an Idempotency-Key header' },
  SB_CAMPAIGN_NOT_FOUND: { status: 404, message: 'Campaign not found' },
  SB_CAMPAIGN_STATE: { status: 409, message: 'The campaign is not in a state that allows this' },
  SB_CAMPAIGN_EMPTY: { status: 409, message: 'The campaign has no recipients to send to' },
  SB_SCHEDULE_INVALID: { status: 400, message: 'The schedule must be a future local date and time' },

  SB_WEBHOOK_SIGNATURE_INVALID: { status: 401, message: 'The webhook signature (X-Hub-Signature-256) is missing or wrong' },
  SB_WEBHOOK_VERIFY_FAILED: { status: 403, message: 'Webhook verification refused: wrong mode or verify token' },

  SB_WEBHOOK_URL_INVALID: { status: 400, message: 'This webhook URL cannot be used' },
  SB_WEBHOOK_ENDPOINT_NOT_FOUND: { status: 404, message: 'Webhook endpoint not found' },
  SB_WEBHOOK_ENDPOINT_LIMIT: { status: 409, message: 'The workspace has as many webhook endpoints as it may have; remove one first' },
  SB_WEBHOOK_DELIVERY_NOT_FOUND: { status: 404, message: 'Webhook delivery not found' },

  SB_PRIVACY_PURPOSE_REFUSED: { status: 403, message: 'This use of the data is not permitted' },
  SB_PRIVACY_CONSENT_REQUIRED: { status: 403, message: 'Support access needs the user\'s current consent for these records' },
  SB_PRIVACY_CONSENT_NOT_FOUND: { status: 404, message: 'Support consent not found' },
  SB_PRIVACY_RECORD_NOT_FOUND: { status: 404, message: 'A named record does not exist in this workspace' },
  SB_PRIVACY_EXPORT_NOT_FOUND: { status: 404, message: 'Export not found, or its link has expired' },
  SB_PRIVACY_SIGNED_REQUEST_INVALID: { status: 400, message: 'The signed_request is missing, malformed or not signed with our app secret' },
  SB_PRIVACY_DELETION_NOT_FOUND: { status: 404, message: 'No deletion request with this confirmation code' },

  SB_INTERNAL: { status: 500, message: 'Something went wrong on our side' },
  SB_UNAVAILABLE: { status: 503, message: 'The service is not ready' },
  SB_STORE_UNAVAILABLE: { status: 503, message: 'The database could not be reached; nothing was stored, try again shortly' },
  SB_STORE_FULL: { status: 507, message: 'The database\'s disk is full; nothing was stored, try again later' },
  SB_TOKEN_ALREADY_REVOKED: { status: 409, message: 'This API token is already revoked' },
  SB_BODY_TOO_DEEP: { status: 400, message: 'The request body is nested more than 32 levels deep' },
  SB_WHATSAPP_ACCOUNT_IN_USE: { status: 409, message: 'This WhatsApp Business Account is already connected to another Switchboard workspace; disconnect it there first' },
  SB_CONFLICT: { status: 409, message: 'The request conflicts with data already stored' },
} as const

export type ErrorCode = keyof typeof ERRORS

/** Extra, non-personal facts an error may carry to the client (for example the id a duplicate collided with). */
export interface ErrorExtras {
  existingId?: string
  retryAfterSeconds?: number
  /** What went wrong, in words that hold no user data (a schema rule, Meta's error code and title). */
  detail?: string
}

/** The one error type domain code throws; the error handler turns it into `{ code, message, field? }`. */
export class SwitchboardError extends Error {
  readonly code: ErrorCode
  readonly statusCode: number
  readonly field?: string
  readonly extras: ErrorExtras

  constructor (code: ErrorCode, field?: string, options?: ErrorOptions & ErrorExtras) {
    super(ERRORS[code].message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'SwitchboardError'
    this.code = code
    this.statusCode = ERRORS[code].status
    if (field !== undefined) this.field = field
    this.extras = {}
    if (options?.existingId !== undefined) this.extras.existingId = options.existingId
    if (options?.retryAfterSeconds !== undefined) this.extras.retryAfterSeconds = options.retryAfterSeconds
    if (options?.detail !== undefined) this.extras.detail = options.detail
  }
}
