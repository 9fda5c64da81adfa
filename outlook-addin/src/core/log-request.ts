import type { AddonViewRequest, EmailLog, LogEmailRequest } from '../../../backend/src/api.js'
import type { MailAddress, MailItemSnapshot } from './mail-item.js'

/** The backend's caps (backend/src/crm/*-schemas.ts): a request over them is a 400, so the pane trims first. */
export const MAX_VIEW_ADDRESSES = 50
export const MAX_LOG_RECIPIENTS = 500
export const MAX_SUBJECT = 998
export const MAX_THREAD_ID = 256
export const MAX_ATTACHMENTS = 100
export const MAX_ATTACHMENT_NAME = 255
/** Bodies above this are cut: the request must stay under the backend's 1 MiB body limit, UTF-8 and JSON escaping included. */
export const MAX_BODY_CHARS = 200_000
/** The backend's cap on uploaded attachment files per email (MAX_ATTACHMENT_UPLOAD_BYTES), decoded. */
export const MAX_UPLOAD_BYTES = 4 * 1_048_576
export const TRUNCATION_NOTE = '\n\n[Switchboard kept the first 200,000 characters of this message]'

// Close to the backend's `format: email` check; Exchange's X.500 addresses ("/o=ExchangeLabs/…") fail it and are skipped.
const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/

function emailOf (address: MailAddress | null): string | null {
  const email = address?.emailAddress.trim() ?? ''
  return email.length <= 254 && EMAIL.test(email) ? email : null
}

function uniqueEmails (addresses: ReadonlyArray<MailAddress | null>): string[] {
  const seen = new Set<string>()
  const out: string[] = []
  for (const address of addresses) {
    const email = emailOf(address)
    if (email === null || seen.has(email.toLowerCase())) continue
    seen.add(email.toLowerCase())
    out.push(email)
  }
  return out
}

/** The message's identifying headers, or null when it has no usable sender address (nothing to log it under). */
export function headersOf (item: MailItemSnapshot): NonNullable<AddonViewRequest['message']> | null {
  const from = emailOf(item.from) ?? emailOf(item.sender)
  if (from === null) return null
  const messageId = item.internetMessageId?.trim() ?? ''
  return {
    ...(messageId === '' ? {} : { messageId }),
    subject: item.subject.slice(0, MAX_SUBJECT),
    from,
    to: uniqueEmails(item.to).slice(0, MAX_LOG_RECIPIENTS),
    cc: uniqueEmails(item.cc).slice(0, MAX_LOG_RECIPIENTS),
    // Without a creation time the fingerprint fallback cannot match later; now is the best left.
    date: item.createdAt ?? new Date().toISOString(),
  }
}

/**
 * The add-on view request: every address on the message (sender first, then a delegate
 * who sent on their behalf, then recipients), at most 50, and the headers so the answer
 * says where this message is logged already.
 */
export function viewRequestOf (item: MailItemSnapshot): AddonViewRequest | null {
  const emails = uniqueEmails([item.from, item.sender, ...item.to, ...item.cc]).slice(0, MAX_VIEW_ADDRESSES)
  if (emails.length === 0) return null
  const message = headersOf(item)
  return message === null ? { emails } : { emails, message }
}

export type LogChoices = ({ dealId: string } | { contactId: string }) & {
  /** The body as text, only when the person ticked "include the body". */
  body?: string | undefined
  includeAttachments: boolean
  /** Attachment files to upload, base64 by attachment id: only when the person chose to, within MAX_UPLOAD_BYTES. */
  files?: ReadonlyMap<string, string> | undefined
}

/** The attachments a person would call attachments: inline images belong to the body. */
export function listedAttachments (item: MailItemSnapshot): MailItemSnapshot['attachments'] {
  return item.attachments.filter((a) => !a.isInline)
}

/** The log request for "Log to deal", or null when the message has no sender address to log. */
export function logRequestOf (item: MailItemSnapshot, choices: LogChoices): LogEmailRequest | null {
  const headers = headersOf(item)
  if (headers === null) return null
  const threadId = item.conversationId !== null && item.conversationId.length <= MAX_THREAD_ID ? item.conversationId : undefined
  const body = choices.body === undefined
    ? undefined
    : choices.body.length > MAX_BODY_CHARS ? choices.body.slice(0, MAX_BODY_CHARS) + TRUNCATION_NOTE : choices.body
  const attachments = choices.includeAttachments
    ? listedAttachments(item).slice(0, MAX_ATTACHMENTS).map((a) => ({
      name: a.name.slice(0, MAX_ATTACHMENT_NAME),
      size: Math.max(0, Math.round(a.size)),
      ...(a.contentType === null || a.contentType === '' ? {} : { contentType: a.contentType.slice(0, 255) }),
      ...(choices.files?.has(a.id) === true ? { content: choices.files.get(a.id) } : {}),
    }))
    : undefined
  return {
    email: {
      ...headers,
      ...(threadId === undefined ? {} : { threadId }),
      ...(body === undefined ? {} : { body }),
      ...(attachments === undefined || attachments.length === 0 ? {} : { attachments }),
    },
    ...('dealId' in choices ? { dealId: choices.dealId } : { contactId: choices.contactId }),
    client: 'outlook',
  }
}

/** "Logged to Acme order by Ada Owner at 1 Mar 2026, 10:00": the line that stops a second log. */
export function loggedText (log: Pick<EmailLog, 'targetName' | 'loggedBy' | 'loggedAt'>, options: { already?: boolean, locale?: string, timeZone?: string } = {}): string {
  const when = new Date(log.loggedAt).toLocaleString(options.locale ?? 'en-GB', { dateStyle: 'medium', timeStyle: 'short', ...(options.timeZone === undefined ? {} : { timeZone: options.timeZone }) })
  const who = log.loggedBy?.displayName ?? 'a former user'
  return `${options.already === true ? 'Already logged' : 'Logged'} to ${log.targetName === '' ? 'a deleted record' : log.targetName} by ${who} at ${when}`
}

/**
 * Whether the listed attachments may be uploaded: Outlook's sizes are close to the files'
 * (they can include a little encoding overhead), so the sum decides before anything is read.
 */
export function uploadable (item: MailItemSnapshot): { ok: boolean, totalBytes: number } {
  const totalBytes = listedAttachments(item).reduce((sum, a) => sum + a.size, 0)
  return { ok: totalBytes > 0 && totalBytes <= MAX_UPLOAD_BYTES, totalBytes }
}

/** Human size for attachment lists: 912 B, 14 KB, 2.3 MB. */
export function formatSize (bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`
}
