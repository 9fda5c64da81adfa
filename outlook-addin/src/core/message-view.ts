import type { MailAddress, MailItemSnapshot } from './mail-item.js'

/** What the task pane shows; the DOM code only copies it into elements. */
export type PaneView =
  | { kind: 'not-outlook' }
  | { kind: 'no-item' }
  | {
    kind: 'message'
    /** Changes whenever the selected message does; the DOM keys its state on it. */
    key: string
    senderName: string | null
    senderEmail: string | null
    subject: string
    recipients: string[]
  }

export const NO_SUBJECT = '(no subject)'

export function paneView (item: MailItemSnapshot | null): PaneView {
  if (item === null) return { kind: 'no-item' }
  const name = item.from?.displayName.trim() ?? ''
  const email = item.from?.emailAddress.trim() ?? ''
  return {
    kind: 'message',
    key: item.itemId ?? item.internetMessageId ?? `${email}|${item.subject}|${item.createdAt ?? ''}`,
    senderName: name === '' || name.toLowerCase() === email.toLowerCase() ? null : name,
    senderEmail: email === '' ? null : email,
    subject: item.subject.trim() === '' ? NO_SUBJECT : item.subject,
    recipients: [...item.to, ...item.cc].map(formatAddress),
  }
}

/** `Name <address>`, or just the address when the name adds nothing. */
export function formatAddress (address: MailAddress): string {
  const name = address.displayName.trim()
  const email = address.emailAddress.trim()
  if (name === '' || name.toLowerCase() === email.toLowerCase()) return email
  if (email === '') return name
  return `${name} <${email}>`
}
