import type { AddonViewRequest, LogEmailRequest } from '../../../apps-script/src/core/api-types.js'
import { isBackendEmail, parseAddressList, parseMailbox } from './address.js'
import type { MessageContent, OpenMessage } from './ports.js'

/** The backend looks up at most this many addresses per request (AddonViewRequest.emails). */
export const LOOKUP_LIMIT = 50
/** RFC 5322 caps a header line at 998 characters; so does the backend. */
const HEADER_MAX = 998
/** The backend stores at most this much of a logged body. */
export const BODY_MAX = 500_000

/** Someone on the email. */
export interface Participant {
  email: string
  name: string | null
  role: 'from' | 'to' | 'cc'
}

/** The headers that identify an email to the backend. */
export type EmailHeaders = NonNullable<AddonViewRequest['message']>

/** What the add-on makes of an open message before asking the backend anything. */
export interface EmailContext {
  /** Everyone with an address the backend accepts, sender first, each once. */
  participants: Participant[]
  /** The addresses to look up: participants without the user, at most LOOKUP_LIMIT. */
  lookup: string[]
  /** Participants left out of the lookup by the limit. */
  notLookedUp: number
  /** The headers to log and match the email by; null without a usable sender. */
  headers: EmailHeaders | null
  subject: string
  threadId: string
}

/**
 * Reads the open message's headers into what the backend needs. Addresses the backend would
 * refuse (malformed, "undisclosed-recipients") are left out, since one bad address would
 * fail the whole request; the user's own address is not looked up (they are a Switchboard
 * user, not a contact), but stays in the headers that identify the email.
 */
export function emailContext (message: OpenMessage, userEmail: string): EmailContext {
  const from = parseMailbox(message.from)
  const to = parseAddressList(message.to)
  const cc = parseAddressList(message.cc)
  const participants: Participant[] = []
  const seen = new Set<string>()
  const add = (mailbox: { email: string | null, name: string | null }, role: Participant['role']): void => {
    if (mailbox.email === null || !isBackendEmail(mailbox.email) || seen.has(mailbox.email)) return
    seen.add(mailbox.email)
    participants.push({ email: mailbox.email, name: mailbox.name, role })
  }
  add(from, 'from')
  to.forEach((m) => { add(m, 'to') })
  cc.forEach((m) => { add(m, 'cc') })

  const self = userEmail.trim().toLowerCase()
  const others = participants.filter((p) => p.email !== self)
  const valid = (list: typeof to): string[] => [...new Set(list.flatMap((m) => m.email !== null && isBackendEmail(m.email) ? [m.email] : []))].slice(0, 500)
  const subject = message.subject.slice(0, HEADER_MAX)
  let headers: EmailHeaders | null = null
  if (from.email !== null && isBackendEmail(from.email)) {
    headers = { subject, from: from.email, to: valid(to), date: message.date }
    const ccList = valid(cc)
    if (ccList.length > 0) headers.cc = ccList
    const messageId = message.messageIdHeader.trim()
    if (messageId !== '' && messageId.length <= HEADER_MAX) headers.messageId = messageId
  }
  return {
    participants,
    lookup: others.slice(0, LOOKUP_LIMIT).map((p) => p.email),
    notLookedUp: Math.max(0, others.length - LOOKUP_LIMIT),
    headers,
    subject,
    threadId: message.threadId,
  }
}

/** Where an email is logged: a contact or a deal. */
export type LogTarget = { type: 'contact', id: string } | { type: 'deal', id: string }

/** A choice's value for a log target, and back. */
export function logTargetValue (target: LogTarget): string {
  return `${target.type}:${target.id}`
}

/** The log target a form value names, or null. */
export function parseLogTarget (value: string): LogTarget | null {
  const match = /^(contact|deal):(\S+)$/.exec(value)
  return match === null ? null : { type: match[1] as LogTarget['type'], id: match[2]! }
}

/**
 * The request that logs the email: metadata only, unless the user ticked "include body"
 * and the content was read after that click.
 */
export function logRequest (context: EmailContext & { headers: EmailHeaders }, target: LogTarget, content: MessageContent | null): LogEmailRequest {
  const email: LogEmailRequest['email'] = { ...context.headers }
  if (context.threadId !== '') email.threadId = context.threadId.slice(0, 256)
  if (content !== null) {
    if (content.body !== '') email.body = content.body.slice(0, BODY_MAX)
    if (content.attachments.length > 0) {
      email.attachments = content.attachments.slice(0, 100).map((a) => ({ name: a.name.slice(0, 255), size: Math.max(0, Math.floor(a.size)), contentType: a.contentType.slice(0, 255) }))
    }
  }
  return target.type === 'deal'
    ? { email, dealId: target.id, client: 'gmail' }
    : { email, contactId: target.id, client: 'gmail' }
}
