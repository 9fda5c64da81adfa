/**
 * The open message as plain data, copied out of Office.js at one moment. Views and tests use
 * these instead of live Office objects, which change under them when the selection moves.
 */
export interface MailAddress {
  displayName: string
  emailAddress: string
}

export interface MailItemSnapshot {
  /** EWS item id; null for items Outlook has not saved. */
  itemId: string | null
  subject: string
  from: MailAddress | null
  to: MailAddress[]
  cc: MailAddress[]
  internetMessageId: string | null
  conversationId: string | null
  /** ISO 8601. */
  createdAt: string | null
}
