import type { AddonView, EmailLog } from '../../../backend/src/api.js'
import type { MailItemSnapshot } from './mail-item.js'
import { formatSize, listedAttachments, loggedText, MAX_UPLOAD_BYTES, uploadable } from './log-request.js'

export const NEW_DEAL = '__new__'

export interface DealOption {
  id: string
  label: string
}

/** What the CRM part of the pane shows for one message; the DOM code only copies it. */
export interface CrmModel {
  contacts: Array<{ name: string, detail: string }>
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
      return { name: card.contact.name === '' ? email : card.contact.name, detail: parts.filter((p) => p !== undefined && p !== '').join(' · ') }
    }),
    contactIds: view.contacts.map((card) => card.contact.id).slice(0, 50),
    dealOptions,
    loggedLines: loggedLines(view.emailLogs),
    attachments: listedAttachments(item).map((a) => `${a.name} (${formatSize(a.size)})`),
    canReadBody,
    uploadBlocked: uploadBlockedReason(item, canReadFiles),
    newDealTitle: item.subject.trim() === '' ? 'New deal' : item.subject.trim().slice(0, 200),
  }
}

function uploadBlockedReason (item: MailItemSnapshot, canReadFiles: boolean): string | null {
  if (listedAttachments(item).length === 0) return 'No attachments'
  if (!canReadFiles) return 'This version of Outlook cannot give add-ins attachment files'
  const { ok, totalBytes } = uploadable(item)
  return ok ? null : `Over the ${formatSize(MAX_UPLOAD_BYTES)} upload limit (${formatSize(totalBytes)})`
}
