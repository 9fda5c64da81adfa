/**
 * The open message as plain data, copied out of Office.js at one moment. Views and tests use
 * these instead of live Office objects, which change under them when the selection moves.
 */
export interface MailAddress {
  displayName: string
  emailAddress: string
}

export interface MailAttachment {
  id: string
  name: string
  /** Bytes. */
  size: number
  contentType: string | null
  /** Inline images of an HTML body: part of the body, not attachments a person chose to send. */
  isInline: boolean
}

export interface MailItemSnapshot {
  /** EWS item id; null for items Outlook has not saved. */
  itemId: string | null
  subject: string
  /** Who the message is from; on "sent on behalf of" mail, the person it was sent for. */
  from: MailAddress | null
  /** Who actually sent it (a delegate), when Outlook says and it differs from `from`. */
  sender: MailAddress | null
  to: MailAddress[]
  cc: MailAddress[]
  internetMessageId: string | null
  conversationId: string | null
  /** ISO 8601. */
  createdAt: string | null
  attachments: MailAttachment[]
  /**
   * False when Outlook withholds the addresses (the add-in has Restricted permission on
   * this item): there is nothing to look up or log, and the pane must say why.
   */
  readable: boolean
}
