/**
 * What a caller should do about a Cloud API error:
 * - `retry_soon`: transient; retry this request after a short backoff (seconds).
 * - `retry_later`: transient but slow to clear; retry after the suggested delay (minutes to a day).
 * - `permanent_recipient`: this recipient cannot get this message; others can continue.
 * - `permanent_request`: the request itself is wrong (parameters, template data); fix it, do not retry.
 * - `stop_number`: the sending number (or its token) cannot send until someone acts; pause it.
 * - `stop_account`: the whole account or app is blocked or misconfigured; pause everything on it.
 */
export type CloudApiHandling =
  | 'retry_soon'
  | 'retry_later'
  | 'permanent_recipient'
  | 'permanent_request'
  | 'stop_number'
  | 'stop_account'

/** The handling class of one error code, and for retry classes how long to wait. */
export interface HandlingRule {
  handling: CloudApiHandling
  /** First suggested wait before a retry (retry classes only). */
  delayMs?: number
  /** Each further attempt multiplies the wait by this (1 = fixed delay). */
  backoff?: number
  /** Retries worth making before giving up; absent = until the caller's own limit. */
  maxRetries?: number
  /**
   * Back-pressure, not the recipient's fault (130429 throughput, 131056 pair rate): the retry
   * never counts toward a recipient's attempts, and the sender slows the number's lane.
   */
  throttle?: true
  /** The user stopped marketing messages (131050): record the opt-out as Meta's user_preferences "stop" would. */
  optOut?: true
  /** Meta refuses the template itself (unknown, paused, disabled): every recipient would fail, so pause the campaign. */
  templateWide?: true
}

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE

const RETRY_SOON: HandlingRule = { handling: 'retry_soon', delayMs: SECOND, backoff: 2 }
const RECIPIENT: HandlingRule = { handling: 'permanent_recipient' }
const REQUEST: HandlingRule = { handling: 'permanent_request' }
const STOP_NUMBER: HandlingRule = { handling: 'stop_number' }
const STOP_ACCOUNT: HandlingRule = { handling: 'stop_account' }

/** Graph's "capability / permission missing" codes span 200–299; each means a missing grant, never a transient fault. */
function permissionRange (): Record<number, HandlingRule> {
  const rows: Record<number, HandlingRule> = {}
  for (let code = 200; code <= 299; code += 1) rows[code] = STOP_ACCOUNT
  return rows
}

/**
 * The one table from Meta error code to handling (reference §2, "Codes and handling").
 * Sync send errors, async `statuses[].errors[]` and management-call errors all go
 * through it; callers branch on `handling`, never on HTTP status or title (Meta's rule).
 */
export const ERROR_HANDLING: Readonly<Record<number, HandlingRule>> = Object.freeze({
  // Transient platform faults: nothing about the request is wrong.
  1: RETRY_SOON, // invalid request *or* possible server error; Meta says retry with backoff
  2: RETRY_SOON, // API downtime or overload
  4: { handling: 'retry_soon', delayMs: 5 * SECOND, backoff: 2 }, // app-level call rate limit: back off harder than a blip
  80007: { handling: 'retry_soon', delayMs: 5 * SECOND, backoff: 2 }, // WABA rate limit: same as 4, one level down
  130429: { handling: 'retry_soon', delayMs: SECOND, backoff: 2, throttle: true }, // throughput (mps) reached, inbound and outbound together: slow the lane and retry
  131016: RETRY_SOON, // service temporarily unavailable
  133004: RETRY_SOON, // server temporarily unavailable
  131000: { handling: 'retry_soon', delayMs: 2 * SECOND, backoff: 2, maxRetries: 2 }, // unknown error: may have gone out, so only once or twice

  // Transient, but the wait is long enough that the caller should park the work.
  131056: { handling: 'retry_later', delayMs: SECOND, backoff: 4, throttle: true }, // pair rate to one recipient: 4^n s; other recipients continue
  132069: { handling: 'retry_later', delayMs: HOUR, backoff: 1 }, // the template's flow is throttled: sends resume when Meta lifts it
  131057: { handling: 'retry_later', delayMs: 60 * SECOND, backoff: 1 }, // number in maintenance (throughput upgrade) for up to a minute
  131049: { handling: 'retry_later', delayMs: 24 * HOUR, backoff: 1 }, // per-user marketing cap: Meta says wait at least 24 h; not charged
  133015: { handling: 'retry_later', delayMs: 5 * MINUTE, backoff: 1 }, // number was deleted recently: registration waits 5 min
  80008: { handling: 'retry_later', delayMs: MINUTE, backoff: 2 }, // management API calls per WABA per hour exhausted
  133009: { handling: 'retry_later', delayMs: MINUTE, backoff: 2 }, // 2FA PIN guessed too fast

  // This recipient cannot receive this message; everyone else is unaffected.
  131026: RECIPIENT, // undeliverable: not on WhatsApp, old client, terms not accepted
  131047: RECIPIENT, // 24 h window closed: free-form to this user is impossible until they write; send a template instead
  131050: { handling: 'permanent_recipient', optOut: true }, // user stopped marketing messages: record the opt-out, suppress marketing to them
  130472: RECIPIENT, // the user's number is part of a Meta experiment: this message is not sent to them
  130403: RECIPIENT, // the business blocked this user
  131021: RECIPIENT, // sender and recipient are the same number
  131030: RECIPIENT, // recipient not in the test number's allowed list
  130497: RECIPIENT, // business restricted from messaging users in this recipient's country

  // The request is wrong; the same request will fail the same way.
  100: REQUEST, // invalid or unknown parameter
  131008: REQUEST, // required parameter missing
  131009: REQUEST, // parameter value not valid
  131051: REQUEST, // unsupported message type
  131052: REQUEST, // media download failed: fix the media
  131053: REQUEST, // media upload failed: fix the media
  132000: REQUEST, // template parameter count does not match: fix the template data
  132001: { handling: 'permanent_request', templateWide: true }, // template missing in that language or not approved
  132005: REQUEST, // template text too long after substitution
  132007: REQUEST, // template text violates policy
  132012: REQUEST, // template parameter format mismatch
  132015: { handling: 'permanent_request', templateWide: true }, // template paused for low quality: stop using it until reinstated
  132016: { handling: 'permanent_request', templateWide: true }, // template disabled for good
  132068: { handling: 'permanent_request', templateWide: true }, // the template's flow is blocked
  131055: REQUEST, // method not allowed on this endpoint
  135000: REQUEST, // generic user error: Meta could not say more; a resend fails the same way
  133005: REQUEST, // 2FA PIN mismatch: the PIN sent is wrong
  2388019: REQUEST, // 250-template WABA limit reached
  2200: REQUEST, // webhook callback verification failed: fix the callback or verify token

  // The sending number (or the token of its channel) is unusable until someone acts.
  190: STOP_NUMBER, // access token expired or revoked: the channel needs a new token; other channels are fine
  131048: STOP_NUMBER, // spam rate limit from blocks/reports: pause the number, a quick retry makes it worse
  131064: STOP_NUMBER, // messaging limited for template-classification violations until enforcement ends
  131045: STOP_NUMBER, // number registration error: register again
  133010: STOP_NUMBER, // number not registered on Cloud API
  133016: STOP_NUMBER, // too many (de)registration attempts (about 10 per 72 h): a person must wait, never auto-retry
  133008: STOP_NUMBER, // too many 2FA PIN guesses: locked for a while
  131037: STOP_NUMBER, // the number's display name is not approved yet: nothing can go out from it until it is
  33: STOP_NUMBER, // the business phone number was deleted
  133000: STOP_NUMBER, // a previous deregistration did not finish: deregister again before registering
  133006: STOP_NUMBER, // the number must be verified again before it can be registered

  // The account or app is blocked or misconfigured: stop everything on it.
  0: STOP_ACCOUNT, // the app user could not be authenticated: re-authorise
  3: STOP_ACCOUNT, // the app lacks the capability for this call
  10: STOP_ACCOUNT, // permission denied
  ...permissionRange(), // 200–299: a permission is missing
  368: STOP_ACCOUNT, // WABA restricted or disabled for policy violations
  131031: STOP_ACCOUNT, // account locked (or 2FA PIN mismatch on the account)
  131005: STOP_ACCOUNT, // access denied: a permission was not granted or was removed
  131042: STOP_ACCOUNT, // payment method problem: nothing billable will go out
  131063: STOP_ACCOUNT, // marketing templates disabled on Cloud API for this WABA: every marketing send fails until onboarded to MM API
})

/**
 * The rule for a code; unknown codes are `permanent_request` (a retry will not fix what we do
 * not understand) unless the answer was 5xx or 429, where the server itself says "try again".
 */
export function handlingFor (code: number, httpStatus?: number): HandlingRule {
  const rule = ERROR_HANDLING[code]
  if (rule !== undefined) return rule
  if (httpStatus !== undefined && (httpStatus >= 500 || httpStatus === 429)) return RETRY_SOON
  return REQUEST
}

/** Suggested wait before retry number `attempt` (0 = first retry), or undefined when the class is not a retry class. */
export function retryDelayMs (rule: HandlingRule, attempt = 0): number | undefined {
  if (rule.handling !== 'retry_soon' && rule.handling !== 'retry_later') return undefined
  const base = rule.delayMs ?? SECOND
  return base * Math.pow(rule.backoff ?? 2, Math.max(0, attempt))
}

/** Meta's error body (`{ error: {...} }`), as far as we read it. */
export interface MetaErrorBody {
  message?: string
  type?: string
  code: number
  error_subcode?: number
  error_data?: { messaging_product?: string, details?: string }
  error_user_title?: string
  error_user_msg?: string
  fbtrace_id?: string
}

/** Code used when an error answer carried no Meta error we could read (a proxy page, an empty body). */
export const UNREADABLE_ERROR_CODE = -1

/** Graph's message is `(#code) title`; the title is what is left. */
function titleOf (error: MetaErrorBody): string {
  const message = error.message ?? ''
  return message.replace(/^\(#\d+\)\s*/, '') || error.error_user_title || 'Unknown error'
}

/**
 * Meta answered with an error body. Branch on `handling` (or `code`); `details` is Meta's
 * explanation and may name parameters. Never carries the access token or app secret.
 */
export class CloudApiError extends Error {
  readonly code: number
  readonly title: string
  readonly details: string | undefined
  readonly fbtraceId: string | undefined
  readonly httpStatus: number
  readonly handling: CloudApiHandling
  readonly rule: HandlingRule
  /** Which client call failed (`sendTemplate`, `listTemplates`, …). */
  readonly operation: string
  readonly type: string | undefined
  readonly subcode: number | undefined

  constructor (operation: string, httpStatus: number, error: MetaErrorBody, redact: (text: string) => string = (t) => t) {
    const title = redact(titleOf(error))
    super(`Cloud API ${operation} failed: (#${error.code}) ${title}`)
    this.name = 'CloudApiError'
    this.operation = operation
    this.httpStatus = httpStatus
    this.code = error.code
    this.title = title
    this.details = error.error_data?.details === undefined ? undefined : redact(error.error_data.details)
    this.fbtraceId = error.fbtrace_id
    this.type = error.type
    this.subcode = error.error_subcode
    this.rule = handlingFor(error.code, httpStatus)
    this.handling = this.rule.handling
  }

  /** True for `retry_soon` and `retry_later`. */
  get retryable (): boolean {
    return this.handling === 'retry_soon' || this.handling === 'retry_later'
  }

  /** Suggested wait before retry number `attempt` (0-based), or undefined when retrying is pointless. */
  retryDelayMs (attempt = 0): number | undefined {
    return retryDelayMs(this.rule, attempt)
  }
}

/** Why an answer is ambiguous. */
export type AmbiguityReason = 'timeout' | 'connection_lost' | 'server_error' | 'unreadable_response'

/**
 * The request reached (or may have reached) Meta but no usable answer came back: a timeout,
 * a connection dropped after sending, a 5xx without a Meta error, or an unreadable 2xx.
 * The message MAY have gone out. Do not resend blindly: keep the attempt as `unknown` and
 * reconcile from status webhooks (there is no idempotency key in the send API).
 */
export class AmbiguousSendError extends Error {
  readonly reason: AmbiguityReason
  readonly operation: string
  readonly httpStatus: number | undefined
  readonly ambiguous = true as const

  constructor (operation: string, reason: AmbiguityReason, httpStatus?: number, causeCode?: string) {
    const suffix = httpStatus === undefined ? '' : ` (HTTP ${httpStatus})`
    const cause = causeCode === undefined ? '' : ` [${causeCode}]`
    super(`Cloud API ${operation}: no usable answer (${reason})${suffix}${cause}; the request may have taken effect`)
    this.name = 'AmbiguousSendError'
    this.reason = reason
    this.operation = operation
    this.httpStatus = httpStatus
  }
}

/**
 * The request never left this machine (connection refused, DNS failure, TLS failure before
 * sending): nothing happened at Meta, so retrying is safe.
 */
export class CloudApiNetworkError extends Error {
  readonly operation: string
  /** The system error code, such as ECONNREFUSED or ENOTFOUND. */
  readonly causeCode: string
  readonly handling = 'retry_soon' as const
  readonly retryable = true as const

  constructor (operation: string, causeCode: string) {
    super(`Cloud API ${operation}: could not connect (${causeCode}); nothing was sent`)
    this.name = 'CloudApiNetworkError'
    this.operation = operation
    this.causeCode = causeCode
  }
}
