import type { MailAddress, MailItemSnapshot } from '../core/mail-item.js'

/**
 * The only module that touches `Office.*`. Callback APIs become promises that reject when
 * Office reports Failed (rather than resolving with a failure value), and items come out as
 * plain snapshots.
 */

/** An Office API call that reported `AsyncResultStatus.Failed`. */
export class OfficeCallError extends Error {
  /** Office's numeric error code (e.g. 9017), when it gave one. */
  readonly code: number | undefined

  constructor (error: Office.Error | undefined) {
    super(error?.message ?? 'The Office call failed')
    this.name = 'OfficeCallError'
    this.code = typeof error?.code === 'number' ? error.code : undefined
  }
}

/** Wraps a callback-style Office API; `invoke` receives the callback to hand to Office. */
export function officeCall<T> (invoke: (callback: (result: Office.AsyncResult<T>) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    invoke((result) => {
      if (result.status === Office.AsyncResultStatus.Failed) reject(new OfficeCallError(result.error))
      else resolve(result.value)
    })
  })
}

export interface HostInfo {
  /** True inside Outlook. Outside Office, office.js resolves onReady with host null. */
  inOutlook: boolean
}

/** Waits for office.js. Resolves `inOutlook: false` when office.js failed to load or runs outside Outlook. */
export async function officeReady (): Promise<HostInfo> {
  if (typeof Office === 'undefined') return { inOutlook: false }
  const info = await Office.onReady()
  return { inOutlook: info.host === Office.HostType.Outlook }
}

/** The selected message, or null when nothing (or something other than a message) is selected. */
export function currentMessage (): MailItemSnapshot | null {
  const item = Office.context.mailbox.item
  if (item === null || item === undefined) return null
  if (item.itemType !== Office.MailboxEnums.ItemType.Message) return null
  return snapshot(item as Office.MessageRead)
}

/** ItemChanged needs Mailbox 1.5; the manifest only demands 1.1, so ask at runtime. */
export function canFollowSelection (): boolean {
  return Office.context.requirements.isSetSupported('Mailbox', '1.5')
}

/** Calls `handler` whenever a pinned pane's selection changes. */
export function onSelectionChanged (handler: () => void): Promise<void> {
  return officeCall<void>((callback) => {
    Office.context.mailbox.addHandlerAsync(Office.EventType.ItemChanged, handler, callback)
  })
}

function snapshot (item: Office.MessageRead): MailItemSnapshot {
  return {
    itemId: nonEmpty(item.itemId),
    subject: item.subject ?? '',
    from: item.from === null || item.from === undefined ? null : address(item.from),
    to: (item.to ?? []).map(address),
    cc: (item.cc ?? []).map(address),
    internetMessageId: nonEmpty(item.internetMessageId),
    conversationId: nonEmpty(item.conversationId),
    createdAt: item.dateTimeCreated instanceof Date ? item.dateTimeCreated.toISOString() : null,
  }
}

function address (details: Office.EmailAddressDetails): MailAddress {
  return { displayName: details.displayName ?? '', emailAddress: details.emailAddress ?? '' }
}

function nonEmpty (value: string | undefined | null): string | null {
  return value === undefined || value === null || value === '' ? null : value
}
