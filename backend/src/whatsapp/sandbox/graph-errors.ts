import { randomBytes } from 'node:crypto'
import type { WebhookError } from '../cloud-api/webhook-types.js'

interface Entry { title: string, details: string }

/** Titles and default details as on Meta's error-codes page, for the codes the sandbox emits. */
const CATALOGUE: Record<number, Entry> = {
  0: { title: 'AuthException', details: 'We were unable to authenticate the app user.' },
  3: { title: 'API Method', details: 'The app lacks the capability for this call.' },
  10: { title: 'Permission Denied', details: 'Permission is either not granted or has been removed.' },
  200: { title: 'Permission Denied', details: 'The app lacks a permission required for this call.' },
  368: { title: 'Temporarily blocked for policies violations', details: 'The WhatsApp Business Account is restricted or disabled for violating a platform policy.' },
  80007: { title: 'Rate limit issues', details: 'The WhatsApp Business Account has reached its rate limit.' },
  130403: { title: 'Recipient blocked', details: 'The business has blocked this user.' },
  130497: { title: 'Business account is restricted from messaging users in this country', details: 'The business cannot message users in this country.' },
  131016: { title: 'Service unavailable', details: 'A service is temporarily unavailable.' },
  131021: { title: 'Recipient cannot be sender', details: 'The sender and the recipient are the same phone number.' },
  131030: { title: 'Recipient phone number not in allowed list', details: 'Add the recipient to the allowed list of the test number.' },
  131031: { title: 'Account has been locked', details: 'The business account is locked.' },
  131042: { title: 'Business eligibility payment issue', details: 'There was an error related to the payment method.' },
  131045: { title: 'Incorrect certificate', details: 'The phone number registration failed.' },
  131048: { title: 'Spam rate limit hit', details: 'Message failed to send because there are restrictions on how many messages can be sent from this phone number.' },
  131052: { title: 'Media download error', details: 'Unable to download the media sent by the user.' },
  131057: { title: 'Account in maintenance mode', details: 'The business account is in maintenance mode (for example a throughput upgrade).' },
  131063: { title: 'Marketing messages disabled', details: 'Marketing template messages are not available on Cloud API for this account.' },
  131064: { title: 'Messaging limited', details: 'Messaging is limited because of template classification violations.' },
  132005: { title: 'Translated text too long', details: 'The translated text is too long.' },
  132007: { title: 'Template format character policy violated', details: 'The template content violates a WhatsApp policy.' },
  133004: { title: 'Server Temporarily Unavailable', details: 'The server is temporarily unavailable.' },
  133008: { title: 'Too many two step verification PIN guesses for this phone number', details: 'Too many PIN guesses; try again later.' },
  133009: { title: 'Two step verification PIN Guessed Too Fast', details: 'PIN guesses came too quickly.' },
  133015: { title: 'Please wait a few minutes before attempting to register this phone number', details: 'The phone number was deleted recently.' },
  1: { title: 'API Unknown', details: 'Invalid request or possible server error.' },
  2: { title: 'API Service', details: 'Temporary due to downtime or due to being overloaded.' },
  4: { title: 'API Too Many Calls', details: 'The app has reached its API call rate limit.' },
  100: { title: 'Invalid parameter', details: 'The request included one or more unsupported or misspelled parameters.' },
  190: { title: 'Invalid OAuth access token - Cannot parse access token', details: 'The access token is missing, malformed, expired or revoked.' },
  2200: { title: 'Callback verification failed', details: 'The callback URL did not echo hub.challenge for the verify token.' },
  2500: { title: 'Unknown path components', details: 'The path does not name a known edge.' },
  130429: { title: 'Rate limit hit', details: 'Cloud API message throughput has been reached.' },
  131000: { title: 'Something went wrong', details: 'Message failed to send due to an unknown error.' },
  131008: { title: 'Required parameter is missing', details: 'The request is missing a required parameter.' },
  131009: { title: 'Parameter value is not valid', details: 'One or more parameter values are invalid.' },
  131026: { title: 'Message Undeliverable', details: 'Unable to deliver message. The recipient may not be a WhatsApp user, may not have accepted the terms of service, or may use an old client.' },
  131047: { title: 'Re-engagement message', details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.' },
  131049: { title: 'This message was not delivered to maintain healthy ecosystem engagement.', details: 'In order to maintain a healthy ecosystem engagement, the message failed to be delivered.' },
  131050: { title: 'Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.', details: 'The recipient stopped marketing messages from this business.' },
  131051: { title: 'Unsupported message type', details: 'Unsupported message type.' },
  131053: { title: 'Media upload error', details: 'Unable to download the media from the link.' },
  131056: { title: '(Business Account, Consumer Account) pair rate limit hit', details: 'Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.' },
  132000: { title: 'Number of parameters does not match the expected number of params', details: 'The number of parameters does not match the expected number of parameters of the template.' },
  132001: { title: 'Template name does not exist in the translation', details: 'The template does not exist in the specified language or the template has not been approved.' },
  132012: { title: 'Parameter format does not match format in the created template', details: 'A parameter does not match the format of the template.' },
  132015: { title: 'Template is Paused', details: 'The template is paused due to low quality and cannot be sent.' },
  132016: { title: 'Template is disabled', details: 'The template has been paused too many times due to low quality and is now permanently disabled.' },
  133005: { title: 'Two step verification PIN Mismatch', details: 'The two-step verification PIN is incorrect.' },
  133010: { title: 'Phone number Not registered', details: 'The phone number is not registered on the WhatsApp Business Platform.' },
  133016: { title: 'Account register deregister rate limit exceeded', details: 'Registration or deregistration failed because there were too many attempts for this phone number in a short period of time.' },
}

/**
 * HTTP status per the reference's sandbox suggestion: 400 by default, 401 for 190, 429 for
 * rate limits, 500 for server-side faults, 503 for downtime. Clients must not rely on it.
 */
export function httpStatusFor (code: number): number {
  if (code === 190) return 401
  if (code === 4 || code === 80007 || code === 130429) return 429
  if (code === 1 || code === 131000 || code === 131016 || code === 133004) return 500
  if (code === 2) return 503
  return 400
}

const tracePrefix = randomBytes(4).toString('base64url')
let traceCounter = 0

/** An id like Meta's `fbtrace_id`: unique per answer, cheap enough for every response header. */
export function newTraceId (): string {
  traceCounter = (traceCounter + 1) % 0x1000000000
  return `${tracePrefix}${traceCounter.toString(36).padStart(7, '0')}`
}

/** A Graph error answer: status and `{ error: {...} }` body. */
export interface GraphErrorAnswer {
  status: number
  body: { error: Record<string, unknown> }
}

/** The `{ error }` body Meta sends for `code`, with `details` overriding the default explanation. */
export function graphError (code: number, details?: string, options: { type?: string, message?: string, subcode?: number } = {}): GraphErrorAnswer {
  const entry = CATALOGUE[code] ?? { title: 'Unknown error', details: 'Unknown error.' }
  const error: Record<string, unknown> = {
    message: options.message ?? `(#${code}) ${entry.title}`,
    type: options.type ?? 'OAuthException',
    code,
    error_data: { messaging_product: 'whatsapp', details: details ?? entry.details },
    fbtrace_id: newTraceId(),
  }
  if (options.subcode !== undefined) error['error_subcode'] = options.subcode
  return { status: httpStatusFor(code), body: { error } }
}

/** The error object inside a `failed` status webhook (reference §3, "Failed example"). */
export function webhookError (code: number): WebhookError {
  const entry = CATALOGUE[code] ?? { title: 'Unknown error', details: 'Unknown error.' }
  return { code, title: entry.title, message: entry.title, error_data: { details: entry.details }, href: '/docs/whatsapp/cloud-api/support/error-codes/' }
}

/** Meta's answer for an object id that does not exist or that the token may not see. */
export function unknownObject (method: string, id: string): GraphErrorAnswer {
  return graphError(100, undefined, {
    type: 'GraphMethodException',
    subcode: 33,
    message: `Unsupported ${method.toLowerCase()} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
  })
}
