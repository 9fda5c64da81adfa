import { BackendError } from '../../../apps-script/src/core/backend-client.js'
import { GMAIL_ERROR_CODES } from '../core/gmail-errors.js'
import type { MailPort, MessageContent, OpenMessage } from '../core/ports.js'

/**
 * GmailApp for one execution. The open message is reached only through the access token its
 * event carried (setCurrentMessageAccessToken first), with gmail.addons.current.message.metadata
 * for headers; the body needs gmail.addons.current.message.action, which Gmail grants only
 * to the token of a user's click, so `content` is called from card actions only.
 */
export function gmailMailPort (event: GoogleAppsScript.Addons.EventObject): MailPort {
  let message: GoogleAppsScript.Gmail.GmailMessage | null | undefined
  const open = (): GoogleAppsScript.Gmail.GmailMessage | null => {
    if (message !== undefined) return message
    const gmail = event.gmail
    if (gmail === undefined || gmail.messageId === undefined || gmail.messageId === '') {
      message = null
      return message
    }
    message = refusedAsBackendError(() => {
      GmailApp.setCurrentMessageAccessToken(gmail.accessToken)
      return GmailApp.getMessageById(gmail.messageId)
    })
    return message
  }
  return {
    openMessage (): OpenMessage | null {
      const m = open()
      if (m === null) return null
      return refusedAsBackendError(() => {
        const date = m.getDate()
        return {
          gmailId: m.getId(),
          threadId: event.gmail?.threadId ?? '',
          from: m.getFrom(),
          to: m.getTo(),
          cc: m.getCc(),
          subject: m.getSubject(),
          // A message without a Date header still has Gmail's received time; an invalid one falls back to now.
          date: Number.isNaN(date.getTime()) ? new Date().toISOString() : date.toISOString(),
          messageIdHeader: m.getHeader('Message-ID'),
        }
      })
    },
    content (): MessageContent {
      const m = open()
      if (m === null) throw new BackendError(GMAIL_ERROR_CODES.noSender, 'No message is open', 0)
      return refusedAsBackendError(() => ({
        body: m.getPlainBody(),
        attachments: m.getAttachments().map((a) => ({ name: a.getName(), size: a.getSize(), contentType: a.getContentType() })),
      }))
    },
    draftRecipients (): string[] {
      const gmail = event.gmail
      if (gmail === undefined) return []
      return [...gmail.toRecipients ?? [], ...gmail.ccRecipients ?? [], ...gmail.bccRecipients ?? []]
    },
  }
}

// Gmail refuses with an exception (a stale token, a message gone); the card says so instead
// of Gmail's generic "add-on failed" bar.
function refusedAsBackendError<T> (read: () => T): T {
  try {
    return read()
  } catch (cause) {
    throw new BackendError(GMAIL_ERROR_CODES.gmailRefused, 'Gmail refused to open the message', 0, { cause })
  }
}
