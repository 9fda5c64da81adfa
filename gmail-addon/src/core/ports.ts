import type { GmailBackend } from './gmail-client.js'

/** The open message's headers as Gmail returns them (metadata scope; no body). */
export interface OpenMessage {
  /** Gmail's id of the message (not the RFC Message-ID). */
  gmailId: string
  threadId: string
  from: string
  to: string
  cc: string
  subject: string
  /** ISO 8601. */
  date: string
  /** The RFC 5322 Message-ID header, '' when the message has none. */
  messageIdHeader: string
}

/** What only a click may read (gmail.addons.current.message.action). */
export interface MessageContent {
  body: string
  attachments: Array<{ name: string, size: number, contentType: string }>
}

/** Gmail as the add-on's logic sees it. */
export interface MailPort {
  /** The open message's headers, or null outside a message (homepage, compose). */
  openMessage: () => OpenMessage | null
  /** The open message's plain-text body and attachment names; only inside a card action. */
  content: () => MessageContent
  /** The draft's To, Cc and Bcc, as Gmail gives them to a compose action (draftAccess METADATA). */
  draftRecipients: () => string[]
}

/**
 * Everything the add-on's logic needs from Apps Script, so it runs the same in Apps Script
 * (host/ports.ts) and in unit tests.
 */
export interface GmailPorts {
  backend: GmailBackend
  mail: MailPort
  /** Milliseconds on the execution's clock. */
  now: () => number
  /** The signed-in Google account's address (Session; userinfo.email). */
  userEmail: () => string
  /** The Switchboard server this build talks to (for links). */
  backendUrl: string
}

/** Where the user is: which root screen a change refreshes. */
export type Surface = 'message' | 'home' | 'compose'

/** One execution's inputs besides the ports. */
export interface ExecutionInput {
  surface: Surface
  /** The user's offset from UTC in ms (commonEventObject.timeZone.offset). */
  timeZoneOffsetMs: number
  /** When the execution began, on the ports' clock. */
  startedAt: number
}
