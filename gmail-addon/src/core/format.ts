import type { Activity, ThreadMessage } from '../../../apps-script/src/core/api-types.js'

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/**
 * An instant as the user reads it: "3 Mar 2026, 14:05" in their zone. The zone comes as
 * the event's offset (commonEventObject.timeZone.offset), which keeps this pure and
 * independent of what Intl data the Apps Script runtime carries.
 */
export function formatDateTime (iso: string, offsetMs: number): string {
  const ms = Date.parse(iso)
  if (Number.isNaN(ms)) return iso
  const local = new Date(ms + offsetMs)
  const pad = (n: number): string => String(n).padStart(2, '0')
  return `${local.getUTCDate()} ${MONTHS[local.getUTCMonth()]!} ${local.getUTCFullYear()}, ${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}`
}

/** An amount in major units with its currency: "12,000 EUR", "19.99 USD". */
export function formatMoney (amount: number | null, currency: string | null): string | null {
  if (amount === null) return null
  const [whole, fraction] = (Number.isInteger(amount) ? String(amount) : amount.toFixed(2)).split('.')
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return `${grouped}${fraction === undefined ? '' : `.${fraction}`}${currency === null ? '' : ` ${currency}`}`
}

/** One line of at most `max` characters: whitespace collapsed, an ellipsis where it was cut. */
export function snippet (text: string | null | undefined, max = 120): string {
  const line = (text ?? '').replace(/\s+/g, ' ').trim()
  if (line.length <= max) return line
  // Cut between UTF-16 halves would leave a broken character (emoji are two units).
  const cut = /[\uD800-\uDBFF]$/.test(line.slice(0, max - 1)) ? max - 2 : max - 1
  return `${line.slice(0, cut)}…`
}

/** The digits WhatsApp knows a contact by: their WhatsApp id, else their first phone without "+". */
export function whatsappDigits (contact: { whatsappId: string | null, phones: readonly string[] }): string | null {
  const raw = contact.whatsappId ?? contact.phones[0] ?? null
  if (raw === null) return null
  const digits = raw.replace(/\D/g, '')
  return digits === '' ? null : digits
}

/** WhatsApp's click-to-chat link for a number. */
export function clickToChatUrl (digits: string): string {
  return `https://wa.me/${digits}`
}

const STATUS_WORDS: Record<ThreadMessage['status'], string> = {
  sending: 'Sending',
  accepted: 'Accepted',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
  failed: 'Failed',
  unknown: 'Unknown',
  received: 'Received',
}

/** A WhatsApp message's status as a word. */
export function messageStatus (status: ThreadMessage['status']): string {
  return STATUS_WORDS[status] ?? status
}

/** What a WhatsApp message says: its text, or the template it was. */
export function messageText (message: ThreadMessage): string {
  if (message.body !== null && message.body !== '') return message.body
  if (message.templateName !== null) return `Template ${message.templateName}`
  return `(${message.type})`
}

/** One timeline entry as a label ("Email", "Stage") and a line of text. */
export function describeActivity (activity: Activity): { label: string, text: string } {
  switch (activity.type) {
    case 'email':
      return { label: 'Email', text: snippet(activity.subject ?? '(no subject)') }
    case 'note':
      return { label: 'Note', text: snippet(activity.body) }
    case 'whatsapp':
      return { label: 'WhatsApp', text: snippet(activity.body ?? activity.subject) }
    case 'stage_change': {
      const from = typeof activity.data['fromStage'] === 'string' ? activity.data['fromStage'] : '?'
      const to = typeof activity.data['toStage'] === 'string' ? activity.data['toStage'] : '?'
      return { label: 'Stage', text: `${from} → ${to}` }
    }
    default:
      return { label: 'Activity', text: snippet(activity.subject ?? activity.body) }
  }
}
