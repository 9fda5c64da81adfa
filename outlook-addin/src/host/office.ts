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

/**
 * The selection moved away from the item a read was for: what Office answers now belongs to
 * another email, so it is not used.
 */
export class ItemChangedError extends Error {
  constructor () {
    super('The selected message changed')
    this.name = 'ItemChangedError'
  }
}

// Each snapshot remembers the Office item object it was copied from: later reads (body,
// attachment files) go to that object and are refused once Outlook selects another one.
const sources = new WeakMap<MailItemSnapshot, Office.MessageRead>()

/** The selected message, or null when nothing (or something other than a message) is selected. */
export function currentMessage (): MailItemSnapshot | null {
  const item = Office.context.mailbox.item
  if (item === null || item === undefined) return null
  if (item.itemType !== Office.MailboxEnums.ItemType.Message) return null
  const copy = snapshot(item as Office.MessageRead)
  sources.set(copy, item as Office.MessageRead)
  return copy
}

/**
 * The Office item `of` was copied from, while it is still the selected one. Called before and
 * after every asynchronous read: a pinned pane's `mailbox.item` is replaced when the
 * selection changes (https://learn.microsoft.com/office/dev/add-ins/outlook/pinnable-taskpane),
 * and an answer that arrives after that is not trusted to describe the email it was asked for.
 */
function stillSelected (of: MailItemSnapshot): Office.MessageRead {
  const item = sources.get(of)
  if (item === undefined || Office.context.mailbox.item !== item) throw new ItemChangedError()
  return item
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
  const from = item.from === null || item.from === undefined ? null : address(item.from)
  const sender = item.sender === null || item.sender === undefined ? null : address(item.sender)
  return {
    itemId: nonEmpty(item.itemId),
    subject: item.subject ?? '',
    from,
    sender: sender !== null && from !== null && sender.emailAddress.toLowerCase() === from.emailAddress.toLowerCase() ? null : sender,
    to: (item.to ?? []).map(address),
    cc: (item.cc ?? []).map(address),
    internetMessageId: nonEmpty(item.internetMessageId),
    conversationId: nonEmpty(item.conversationId),
    createdAt: item.dateTimeCreated instanceof Date ? item.dateTimeCreated.toISOString() : null,
    attachments: (item.attachments ?? []).map((a) => ({
      id: a.id,
      name: a.name ?? '',
      size: typeof a.size === 'number' ? a.size : 0,
      contentType: a.contentType ?? null,
      isInline: a.isInline === true,
    })),
    // Under Restricted permission Outlook answers null for the address properties.
    readable: item.to !== null && item.to !== undefined,
  }
}

function address (details: Office.EmailAddressDetails): MailAddress {
  return { displayName: details.displayName ?? '', emailAddress: details.emailAddress ?? '' }
}

function nonEmpty (value: string | undefined | null): string | null {
  return value === undefined || value === null || value === '' ? null : value
}

/** Reading the body needs Mailbox 1.3; the manifest promises only 1.1. */
export function canReadBody (): boolean {
  return Office.context.requirements.isSetSupported('Mailbox', '1.3')
}

/**
 * The body of the message `of` was copied from, as plain text (the HTML's inline images are
 * left out with the markup). Rejects with ItemChangedError if the selection moved meanwhile.
 */
export async function readBodyText (of: MailItemSnapshot): Promise<string> {
  const item = stillSelected(of)
  const text = await officeCall<string>((callback) => { item.body.getAsync(Office.CoercionType.Text, callback) })
  stillSelected(of)
  return text
}

/**
 * Roaming settings live in the user's mailbox on the server (Mailbox 1.1), so they survive
 * a reload and are untouched by browser storage partitioning, which breaks localStorage
 * in Outlook on the web and new Outlook.
 */
export const roaming = {
  get (name: string): string | null {
    const value: unknown = Office.context.roamingSettings.get(name)
    return typeof value === 'string' ? value : null
  },
  async set (name: string, value: string | null): Promise<void> {
    if (value === null) Office.context.roamingSettings.remove(name)
    else Office.context.roamingSettings.set(name, value)
    await officeCall<void>((callback) => { Office.context.roamingSettings.saveAsync(callback) })
  },
}

/** The dialog was closed by the person (Office error 12006) before it answered. */
export class DialogClosedError extends Error {
  constructor () {
    super('The sign-in window was closed')
    this.name = 'DialogClosedError'
  }
}

/**
 * Opens `url` in an Office dialog (its own window: identity pages refuse iframes) and
 * resolves with the first message the dialog sends with messageParent, closing it. Office's
 * own prompt stays on (promptBeforeOpen is left at its default): "Best practices and rules
 * for the Office dialog API" (https://learn.microsoft.com/office/dev/add-ins/develop/dialog-best-practices)
 * warns that without it a popup blocker can stop the window. Failures reject with
 * OfficeCallError carrying Office's code (core/dialog-errors.ts words them).
 */
export async function openDialog (url: string): Promise<string> {
  const dialog = await officeCall<Office.Dialog>((callback) => {
    Office.context.ui.displayDialogAsync(url, { height: 60, width: 30, displayInIframe: false }, callback)
  })
  return new Promise((resolve, reject) => {
    dialog.addEventHandler(Office.EventType.DialogMessageReceived, (arg) => {
      dialog.close()
      if ('message' in arg) resolve(arg.message)
      else reject(new DialogClosedError())
    })
    dialog.addEventHandler(Office.EventType.DialogEventReceived, (arg) => {
      // 12006: closed by the person; 12002/12003: the page could not load or left our origin.
      if ('error' in arg && arg.error === 12006) reject(new DialogClosedError())
      else reject(new OfficeCallError({ code: 'error' in arg ? arg.error : 0, message: 'The sign-in window failed', name: 'DialogError' } as Office.Error))
    })
  })
}

/** From inside a dialog: hands `message` to the pane that opened it. */
export function messageParent (message: string): void {
  Office.context.ui.messageParent(message)
}

/** Attachment files need Mailbox 1.8 (getAttachmentContentAsync). */
export function canReadAttachmentFiles (): boolean {
  return Office.context.requirements.isSetSupported('Mailbox', '1.8')
}

/**
 * An attachment's file of the message `of` was copied from, as base64, or null when Outlook gives something else: a link for
 * cloud attachments, the text of an attached email or calendar item.
 */
export async function readAttachmentFile (of: MailItemSnapshot, attachmentId: string): Promise<string | null> {
  const item = stillSelected(of)
  const content = await officeCall<Office.AttachmentContent>((callback) => { item.getAttachmentContentAsync(attachmentId, callback) })
  stillSelected(of)
  return content.format === Office.MailboxEnums.AttachmentContentFormat.Base64 ? content.content : null
}
