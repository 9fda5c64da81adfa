import { handlingFor, retryDelayMs, type HandlingRule } from '../../whatsapp/cloud-api/errors.js'

/**
 * What one Meta error means for one campaign recipient. The same answer whether the error
 * came back from the send (synchronous) or later in a `failed` status webhook's `errors[]`
 * (Meta: "Cloud API errors are returned either synchronously as a Graph API response,
 * asynchronously via Webhook, or sometimes through both methods",
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes/).
 *
 * - `fail`: this recipient is done (`optOut`: also record that the user stopped marketing).
 * - `retry`: back to pending after `delayMs`; `counts` false for back-pressure (throughput,
 *   pair rate), which never uses up the recipient's attempts; `exhausted` when the attempts
 *   (or the code's own retry limit) are used up, and the recipient fails instead.
 * - `requeue`: not the recipient's fault and not sent: back to pending with the attempt
 *   not counted, while the number, the account or the campaign is paused (`stop`).
 */
/** Attempts of a recipient before a retryable error fails it, unless the sender is told otherwise. */
export const DEFAULT_MAX_ATTEMPTS = 5

export type RecipientAction =
  | { kind: 'fail', optOut: boolean }
  | { kind: 'retry', delayMs: number, counts: boolean, exhausted: boolean, throttle: boolean }
  | { kind: 'requeue', stop: 'number' | 'account' | 'campaign' }

export interface RecipientAttempts {
  /** Attempts made, including the one that failed. */
  attempts: number
  maxAttempts: number
  /** Back-pressure retries this recipient already had (for the 4^n pair-rate wait). */
  throttled?: number
}

export function recipientAction (rule: HandlingRule, at: RecipientAttempts): RecipientAction {
  if (rule.throttle === true) {
    return { kind: 'retry', delayMs: retryDelayMs(rule, at.throttled ?? 0) ?? 1000, counts: false, exhausted: false, throttle: true }
  }
  switch (rule.handling) {
    case 'retry_soon':
    case 'retry_later': {
      const retriesMade = at.attempts - 1
      const exhausted = at.attempts >= at.maxAttempts || (rule.maxRetries !== undefined && retriesMade >= rule.maxRetries)
      return { kind: 'retry', delayMs: retryDelayMs(rule, retriesMade) ?? 1000, counts: true, exhausted, throttle: false }
    }
    case 'permanent_recipient':
      return { kind: 'fail', optOut: rule.optOut === true }
    case 'permanent_request':
      return rule.templateWide === true ? { kind: 'requeue', stop: 'campaign' } : { kind: 'fail', optOut: false }
    case 'stop_number':
      return { kind: 'requeue', stop: 'number' }
    case 'stop_account':
      return { kind: 'requeue', stop: 'account' }
  }
}

/** The action for a code as a status webhook reports it (no HTTP status: unknown codes are permanent). */
export function recipientActionForCode (code: number, at: RecipientAttempts): RecipientAction {
  return recipientAction(handlingFor(code), at)
}
