import type { AddonView, Deal, DealPage, LogEmailResult, EmailLog } from '../../backend/src/api.js'
import { BACKEND_URL } from './build-constants.js'
import { crmModel, dealLabel, loggedLines } from './core/crm-view.js'
import { listedAttachments, logRequestOf, viewRequestOf } from './core/log-request.js'
import type { MailItemSnapshot } from './core/mail-item.js'
import { paneView } from './core/message-view.js'
import { dialogProblem } from './core/dialog-errors.js'
import { BackendError, createSession, NetworkError, SIGN_IN_SETTING, SignInRequiredError } from './core/session.js'
import {
  canFollowSelection, canReadAttachmentFiles, canReadBody, currentMessage, DialogClosedError, ItemChangedError, OfficeCallError, officeReady, onSelectionChanged, openDialog,
  readAttachmentFile, readBodyText, roaming,
} from './host/office.js'
import { createPane, type LogForm } from './ui/pane.js'
import type { NewContactOption } from './core/crm-view.js'

const RESTRICTED = 'Switchboard cannot read this message: Outlook gives the add-in restricted access to it. Ask your Microsoft 365 admin to allow the "read item" permission, then reopen the pane.'
const OFFLINE = 'Switchboard cannot be reached. Check your connection, then try again.'
const moved = (subject: string): string => `The selection changed while Switchboard was reading "${subject}", so nothing was logged. Select it again to log it.`

async function start (): Promise<void> {
  const session = createSession({
    backendUrl: BACKEND_URL,
    store: { get: () => roaming.get(SIGN_IN_SETTING), set: (value) => roaming.set(SIGN_IN_SETTING, value) },
    openDialog,
  })
  // Every load bumps this; an answer for an earlier selection is dropped, never shown under a newer message.
  let generation = 0
  // The message the CRM part (and so the log form) is showing, with what its view returned.
  // Set only when that view is rendered and cleared when a load starts: "Log" always logs the
  // message its form belongs to, whatever Outlook has selected since.
  let shown: { item: MailItemSnapshot, logs: EmailLog[], contactIds: string[] } | null = null
  let retrySignIn = false

  const pane = createPane({
    signIn: () => { void signIn() },
    signOut: () => { void signOut() },
    // "Try again" repeats what failed: the sign-in dialog after a dialog error, else the load.
    retry: () => { void (retrySignIn ? signIn() : load()) },
    log: (form) => { void logToDeal(form) },
    search: (text) => { void searchDeals(text) },
    addContact: (option) => { void addContact(option) },
  })

  /** What each failure looks like to the person; anything unknown still gets words, not a blank pane. */
  function showFailure (error: unknown): void {
    retrySignIn = false
    pane.showStatus(null)
    if (error instanceof SignInRequiredError) {
      pane.setSignedIn(null)
      pane.renderCrm(null)
      pane.showSignIn(true)
    } else if (error instanceof NetworkError) {
      pane.showProblem(OFFLINE)
    } else if (error instanceof BackendError && (error.code === 'SB_EMAIL_ATTACHMENTS_TOO_LARGE' || error.code === 'SB_BODY_TOO_LARGE')) {
      pane.showProblem('The attachment files are too large to upload. Untick "Also upload the attachment files" to log their names and sizes.', false)
    } else if (error instanceof BackendError) {
      pane.showProblem(`Switchboard could not do this: ${error.message}`)
    } else {
      pane.showProblem(error instanceof Error ? error.message : 'Something went wrong; try again.')
    }
  }

  /**
   * Shows the selected message and what the CRM knows about it. Every load reads the item
   * once, resumes the stored sign-in if this pane has none yet (so a pane that started
   * offline signs itself in on the next selection), and drops its answers if another load
   * started meanwhile.
   */
  async function load (): Promise<void> {
    const mine = ++generation
    const item = currentMessage()
    shown = null
    retrySignIn = false
    pane.showProblem(null)
    pane.showNotice(null)
    pane.render(paneView(item))
    // The form stays hidden until this message's own view arrives: never one message's headers over another's deals.
    pane.renderCrm(null)
    if (item === null) return
    if (!item.readable) {
      pane.showStatus(null)
      pane.showProblem(RESTRICTED, false)
      return
    }
    let signedIn: boolean
    try {
      signedIn = await session.resume()
    } catch (error) {
      if (mine === generation) showFailure(error)
      return
    }
    if (mine !== generation) return
    const user = session.user()
    if (!signedIn || user === null) {
      pane.showStatus(null)
      pane.setSignedIn(null)
      pane.showSignIn(true)
      return
    }
    pane.showSignIn(false)
    pane.setSignedIn(`Signed in as ${user.displayName} (${user.workspaceName})`)
    const request = viewRequestOf(item)
    if (request === null) {
      pane.showStatus('This message has no email address Switchboard can look up.')
      return
    }
    pane.showStatus('Looking up contacts and deals…')
    try {
      const view = await session.api<AddonView>('POST', '/addon/view', request)
      if (mine !== generation) return
      shown = { item, logs: view.emailLogs, contactIds: view.contacts.map((c) => c.contact.id) }
      pane.showStatus(null)
      pane.renderCrm(crmModel(view, item, canReadBody(), canReadAttachmentFiles()))
    } catch (error) {
      if (mine === generation) showFailure(error)
    }
  }

  async function signIn (): Promise<void> {
    pane.setBusy(true)
    pane.showNotice(null)
    pane.showProblem(null)
    retrySignIn = false
    try {
      await session.signIn()
      pane.showSignIn(false)
      await load()
    } catch (error) {
      if (error instanceof DialogClosedError) {
        pane.showNotice('Sign-in was cancelled.')
      } else if (error instanceof OfficeCallError) {
        // The dialog could not open (or broke): say why, and let "Try again" open it again.
        pane.showProblem(dialogProblem(error.code))
        retrySignIn = true
      } else {
        showFailure(error)
      }
    } finally {
      pane.setBusy(false)
    }
  }

  /** One action: the address becomes a contact (at the company of its domain, if known), and the view is fetched again. */
  async function addContact (option: NewContactOption): Promise<void> {
    const mine = generation
    try {
      await session.api<unknown>('POST', '/contacts', { name: option.name.slice(0, 200), emails: [option.email], ...(option.companyId === null ? {} : { companyId: option.companyId }) })
      if (mine === generation) await load()
    } catch (error) {
      if (mine === generation) showFailure(error)
    }
  }

  async function signOut (): Promise<void> {
    await session.signOut()
    pane.setSignedIn(null)
    await load()
  }

  async function searchDeals (text: string): Promise<void> {
    if (text === '') return
    const mine = generation
    pane.setBusy(true)
    try {
      const page = await session.api<DealPage>('GET', `/deals?${new URLSearchParams({ q: text, status: 'open', limit: '20' }).toString()}`)
      if (mine !== generation) return
      pane.setSearchResults(page.items.map((d) => ({ id: d.id, label: dealLabel(d) })))
      pane.showNotice(page.items.length === 0 ? `No open deal matches "${text}".` : null)
    } catch (error) {
      if (mine === generation) showFailure(error)
    } finally {
      pane.setBusy(false)
    }
  }

  /**
   * Logs the message the form was rendered for. Office reads (body, files) must finish while
   * that message is still selected, or nothing is logged; the requests after them use only
   * what was read, so a log never carries two emails.
   */
  async function logToDeal (form: LogForm): Promise<void> {
    const mine = generation
    const target = shown
    if (target === null) return
    const open = target.item
    pane.setBusy(true)
    pane.showProblem(null)
    pane.showNotice(null)
    try {
      let body: string | undefined
      if (form.includeBody) {
        try {
          body = await readBodyText(open)
        } catch (error) {
          if (error instanceof ItemChangedError) throw error
          pane.showProblem('Outlook did not give Switchboard the message body. Untick "Include the message body" or try again.')
          return
        }
      }
      let files: Map<string, string> | undefined
      if (form.uploadFiles) {
        try {
          files = new Map()
          for (const attachment of listedAttachments(open)) {
            const content = await readAttachmentFile(open, attachment.id)
            if (content !== null) files.set(attachment.id, content)
          }
        } catch (error) {
          if (error instanceof ItemChangedError) throw error
          pane.showProblem('Outlook did not give Switchboard the attachment files. Untick "Also upload the attachment files" or try again.')
          return
        }
      }
      let to: { dealId: string } | { contactId: string }
      if (form.choice.kind === 'new') {
        const deal = await session.api<Deal>('POST', '/deals', { title: form.choice.title, contactIds: target.contactIds })
        to = { dealId: deal.id }
        if (mine === generation) pane.addDeal({ id: deal.id, label: deal.title })
      } else {
        to = form.choice.kind === 'contact' ? { contactId: form.choice.id } : { dealId: form.choice.id }
      }
      const request = logRequestOf(open, { ...to, body, includeAttachments: form.includeAttachments, files })
      if (request === null) {
        pane.showProblem('This message has no sender address to log it under.', false)
        return
      }
      const result = await session.api<LogEmailResult>('POST', '/emails/log', request)
      if (!target.logs.some((l) => l.activityId === result.log.activityId)) target.logs = [...target.logs, result.log]
      if (mine !== generation) return
      pane.setLogged(loggedLines(target.logs, result.alreadyLogged ? { alreadyId: result.log.activityId } : {}))
    } catch (error) {
      // Said even when the pane has moved on: the person must learn that their log did not happen.
      if (error instanceof ItemChangedError) pane.showNotice(moved(open.subject))
      else if (mine === generation) showFailure(error)
    } finally {
      pane.setBusy(false)
    }
  }

  const host = await officeReady()
  if (!host.inOutlook) {
    pane.render({ kind: 'not-outlook' })
    return
  }
  // ItemChanged is registered first, before any network call: the selection can move while
  // start-up requests are in flight, and an event nobody listens for is lost
  // (https://learn.microsoft.com/office/dev/add-ins/outlook/pinnable-taskpane registers the
  // handler in Office.onReady). Loading starts once the registration has answered, so the
  // item it reads is the one selected after any change the pane could not hear about.
  if (!canFollowSelection()) {
    // Before Mailbox 1.5 a pinned pane cannot hear about a new selection: say so rather than show stale data.
    await load()
    pane.showNotice('This version of Outlook cannot follow the selection: reopen the pane for another message.')
    return
  }
  let following = true
  try {
    await onSelectionChanged(() => { void load() })
  } catch {
    following = false
  }
  await load()
  if (!following) pane.showNotice('The pane could not follow the selection: reopen it for another message.')
}

void start()
