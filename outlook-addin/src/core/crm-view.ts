import type { AddonView, EmailLog } from '../../../backend/src/api.js'
import type { MailItemSnapshot } from './mail-item.js'
import { formatSize, listedAttachments, loggedText, MAX_UPLOAD_BYTES, uploadable } from './log-request.js'

export const NEW_DEAL = '__new__'

export interface DealOption {
  id: string
  label: string
}

/** A person on the email no contact holds yet, offered as "Add … as a contact". */
export interface NewContactOption {
  email: string
  name: string
  /** The company whose domain their address is at, if Switchboard knows one. */
  companyId: string | null
  label: string
}

/** What the CRM part of the pane shows for one message; the DOM code only copies it. */
export interface CrmModel {
  contacts: Array<{ id: string, name: string, detail: string, recent: string[], whatsapp: string[] }>
  /** Unmatched addresses, sender first: one action each makes a contact. */
  newContacts: NewContactOption[]
  /** Ids of the matched contacts: a new deal is linked to them. */
  contactIds: string[]
  /** The contacts' open deals, each once, newest first per contact. */
  dealOptions: DealOption[]
  /** One line per record the message is logged to already; empty when it is not logged. */
  loggedLines: string[]
  attachments: string[]
  canReadBody: boolean
  /** Null when files can be uploaded; else why not, for the disabled checkbox. */
  uploadBlocked: string | null
  newDealTitle: string
}

export function dealLabel (deal: { title: string, stageName?: string, pipelineName?: string }): string {
  return deal.stageName === undefined ? deal.title : `${deal.title} (${deal.stageName})`
}

export function loggedLines (logs: readonly EmailLog[], options: { alreadyId?: string, timeZone?: string } = {}): string[] {
  return logs.map((log) => loggedText(log, { already: log.activityId === options.alreadyId, ...(options.timeZone === undefined ? {} : { timeZone: options.timeZone }) }))
}

export function crmModel (view: AddonView, item: MailItemSnapshot, canReadBody: boolean, canReadFiles = false): CrmModel {
  const seen = new Set<string>()
  const dealOptions: DealOption[] = []
  for (const card of view.contacts) {
    for (const deal of card.openDeals) {
      if (seen.has(deal.id)) continue
      seen.add(deal.id)
      dealOptions.push({ id: deal.id, label: dealLabel(deal) })
    }
  }
  return {
    contacts: view.contacts.map((card) => {
      const email = card.contact.emails[0] ?? ''
      const parts = [card.company?.name, card.openDeals.length === 0 ? 'no open deals' : `${card.openDeals.length} open deal${card.openDeals.length === 1 ? '' : 's'}`]
      return {
        id: card.contact.id,
        name: card.contact.name === '' ? email : card.contact.name,
        detail: parts.filter((p) => p !== undefined && p !== '').join(' · '),
        recent: card.recentActivities.map((a) => `${a.type}: ${a.subject ?? a.body?.slice(0, 80) ?? ''} (${shortDate(a.occurredAt)})`),
        whatsapp: whatsappLines(card.whatsapp),
      }
    }),
    newContacts: newContactsOf(view, item),
    contactIds: view.contacts.map((card) => card.contact.id).slice(0, 50),
    dealOptions,
    loggedLines: loggedLines(view.emailLogs),
    attachments: listedAttachments(item).map((a) => `${a.name} (${formatSize(a.size)})`),
    canReadBody,
    uploadBlocked: uploadBlockedReason(item, canReadFiles),
    newDealTitle: item.subject.trim() === '' ? 'New deal' : item.subject.trim().slice(0, 200),
  }
}

function shortDate (iso: string): string {
  return new Date(iso).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric' })
}

/** The WhatsApp part of a card: whether a free-form reply is allowed now, then the newest messages. */
export function whatsappLines (whatsapp: AddonView['contacts'][number]['whatsapp']): string[] {
  const window = whatsapp.windowOpenUntil === null
    ? 'WhatsApp: only a template can be sent (no message from them in the last 24 hours)'
    : `WhatsApp: you can reply until ${new Date(whatsapp.windowOpenUntil).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' })}`
  const messages = whatsapp.recentMessages.map((m) => `${m.direction === 'in' ? 'They' : 'You'}: ${m.body ?? (m.templateName === null ? `[${m.type}]` : `template ${m.templateName}`)}`)
  return [window, ...messages]
}

/** Addresses on the email no contact holds (sender first, as the view orders them), with the names Outlook shows. */
function newContactsOf (view: AddonView, item: MailItemSnapshot): NewContactOption[] {
  const names = new Map<string, string>()
  for (const a of [item.from, item.sender, ...item.to, ...item.cc]) {
    if (a !== null && a.displayName.trim() !== '' && a.displayName.trim().toLowerCase() !== a.emailAddress.trim().toLowerCase()) names.set(a.emailAddress.trim().toLowerCase(), a.displayName.trim())
  }
  return view.unmatchedEmails.slice(0, 10).map((email) => {
    const company = view.companiesByDomain.find((c) => c.domain === email.slice(email.lastIndexOf('@') + 1))?.company ?? null
    const name = names.get(email) ?? email
    return { email, name, companyId: company?.id ?? null, label: `Add ${name} as a contact${company === null ? '' : ` at ${company.name}`}` }
  })
}

function uploadBlockedReason (item: MailItemSnapshot, canReadFiles: boolean): string | null {
  if (listedAttachments(item).length === 0) return 'No attachments'
  if (!canReadFiles) return 'This version of Outlook cannot give add-ins attachment files'
  const { ok, totalBytes } = uploadable(item)
  return ok ? null : `Over the ${formatSize(MAX_UPLOAD_BYTES)} upload limit (${formatSize(totalBytes)})`
}
