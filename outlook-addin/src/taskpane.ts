import type { AddonView, Deal, DealPage, LogEmailResult, EmailLog } from '../../backend/src/api.js'
import { BACKEND_URL } from './build-constants.js'
import { crmModel, dealLabel, loggedLines } from './core/crm-view.js'
import { listedAttachments, logRequestOf, viewRequestOf } from './core/log-request.js'
import type { MailItemSnapshot } from './core/mail-item.js'
import { paneView } from './core/message-view.js'
import { BackendError, createSession, NetworkError, REFRESH_TOKEN_SETTING, SignInRequiredError } from './core/session.js'
import {
  canFollowSelection, canReadAttachmentFiles, canReadBody, currentMessage, DialogClosedError, officeReady, onSelectionChanged, openDialog,
  readAttachmentFile, readBodyText, roaming,
} from './host/office.js'
import { createPane, type LogForm } from './ui/pane.js'

const RESTRICTED = 'Switchboard cannot read this message: Outlook gives the add-in restricted access to it. Ask your Microsoft 365 admin to allow the "read item" permission, then reopen the pane.'
const OFFLINE = 'Switchboard cannot be reached. Check your connection, then try again.'

async function start (): Promise<void> {
  const session = createSession({
    backendUrl: BACKEND_URL,
    store: { get: () => roaming.get(REFRESH_TOKEN_SETTING), set: (value) => roaming.set(REFRESH_TOKEN_SETTING, value) },
    openDialog,
  })
  // Every load bumps this; an answer for an earlier selection is dropped, never shown under a newer message.
  let generation = 0
  let item: MailItemSnapshot | null = null
  let logs: EmailLog[] = []
  let contactIds: string[] = []

  const pane = createPane({
    signIn: () => { void signIn() },
    signOut: () => { void signOut() },
    retry: () => { void boot() },
    log: (form) => { void logToDeal(form) },
    search: (text) => { void searchDeals(text) },
  })

  /** What each failure looks like to the person; anything unknown still gets words, not a blank pane. */
  function showFailure (error: unknown): void {
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

  async function load (): Promise<void> {
    const mine = ++generation
    item = currentMessage()
    pane.showProblem(null)
    pane.showNotice(null)
    pane.render(paneView(item))
    if (item === null) {
      pane.renderCrm(null)
      return
    }
    if (!item.readable) {
      pane.renderCrm(null)
      pane.showStatus(null)
      pane.showProblem(RESTRICTED, false)
      return
    }
    const user = session.user()
    if (user === null) {
      pane.showStatus(null)
      pane.renderCrm(null)
      pane.showSignIn(true)
      return
    }
    pane.showSignIn(false)
    pane.setSignedIn(`Signed in as ${user.displayName} (${user.workspaceName})`)
    const request = viewRequestOf(item)
    if (request === null) {
      pane.renderCrm(null)
      pane.showStatus('This message has no email address Switchboard can look up.')
      return
    }
    pane.showStatus('Looking up contacts and deals…')
    try {
      const view = await session.api<AddonView>('POST', '/addon/view', request)
      if (mine !== generation) return
      logs = view.emailLogs
      contactIds = view.contacts.map((c) => c.contact.id)
      pane.showStatus(null)
      pane.renderCrm(crmModel(view, item, canReadBody(), canReadAttachmentFiles()))
    } catch (error) {
      if (mine === generation) showFailure(error)
    }
  }

  /** Resumes a stored sign-in (if any), then shows the selected message. */
  async function boot (): Promise<void> {
    pane.showProblem(null)
    try {
      await session.resume()
    } catch (error) {
      showFailure(error)
      return
    }
    await load()
  }

  async function signIn (): Promise<void> {
    pane.setBusy(true)
    pane.showNotice(null)
    try {
      await session.signIn()
      pane.showSignIn(false)
      await load()
    } catch (error) {
      if (error instanceof DialogClosedError) pane.showNotice('Sign-in was cancelled.')
      else showFailure(error)
    } finally {
      pane.setBusy(false)
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

  async function logToDeal (form: LogForm): Promise<void> {
    const mine = generation
    const open = item
    if (open === null) return
    pane.setBusy(true)
    pane.showProblem(null)
    pane.showNotice(null)
    try {
      let body: string | undefined
      if (form.includeBody) {
        try {
          body = await readBodyText()
        } catch {
          pane.showProblem('Outlook did not give Switchboard the message body. Untick "Include the message body" or try again.')
          return
        }
      }
      let files: Map<string, string> | undefined
      if (form.uploadFiles) {
        try {
          files = new Map()
          for (const attachment of listedAttachments(open)) {
            const content = await readAttachmentFile(attachment.id)
            if (content !== null) files.set(attachment.id, content)
          }
        } catch {
          pane.showProblem('Outlook did not give Switchboard the attachment files. Untick "Also upload the attachment files" or try again.')
          return
        }
      }
      let dealId: string
      if (form.choice.kind === 'new') {
        const deal = await session.api<Deal>('POST', '/deals', { title: form.choice.title, contactIds })
        dealId = deal.id
        if (mine === generation) pane.addDeal({ id: deal.id, label: deal.title })
      } else {
        dealId = form.choice.id
      }
      const request = logRequestOf(open, { dealId, body, includeAttachments: form.includeAttachments, files })
      if (request === null) {
        pane.showProblem('This message has no sender address to log it under.', false)
        return
      }
      const result = await session.api<LogEmailResult>('POST', '/emails/log', request)
      if (mine !== generation) return
      if (!logs.some((l) => l.activityId === result.log.activityId)) logs = [...logs, result.log]
      pane.setLogged(loggedLines(logs, result.alreadyLogged ? { alreadyId: result.log.activityId } : {}))
    } catch (error) {
      if (mine === generation) showFailure(error)
    } finally {
      pane.setBusy(false)
    }
  }

  const host = await officeReady()
  if (!host.inOutlook) {
    pane.render({ kind: 'not-outlook' })
    return
  }
  await boot()
  if (!canFollowSelection()) {
    // Before Mailbox 1.5 a pinned pane cannot hear about a new selection: say so rather than show stale data.
    pane.showNotice('This version of Outlook cannot follow the selection: reopen the pane for another message.')
    return
  }
  try {
    await onSelectionChanged(() => { void load() })
  } catch {
    pane.showNotice('The pane could not follow the selection: reopen it for another message.')
  }
}

void start()
