/**
 * The raw From header of the message the user has open, or null outside a message.
 * Needs only gmail.addons.current.message.metadata: the per-message access token from the
 * event grants it, and it must be set before the message is fetched.
 */
export function openMessageFrom (event: GoogleAppsScript.Addons.EventObject): string | null {
  const gmail = event.gmail
  if (gmail === undefined || gmail.messageId === '') return null
  GmailApp.setCurrentMessageAccessToken(gmail.accessToken)
  return GmailApp.getMessageById(gmail.messageId).getFrom()
}

/** The draft's To/Cc/Bcc addresses, present in compose events because of draftAccess METADATA. */
export function draftRecipients (event: GoogleAppsScript.Addons.EventObject): string[] {
  const gmail = event.gmail
  if (gmail === undefined) return []
  return [...gmail.toRecipients ?? [], ...gmail.ccRecipients ?? [], ...gmail.bccRecipients ?? []]
}
