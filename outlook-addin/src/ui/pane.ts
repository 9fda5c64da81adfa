import { NEW_DEAL, type CrmModel, type DealOption, type NewContactOption } from '../core/crm-view.js'
import type { PaneView } from '../core/message-view.js'

function element<T extends HTMLElement> (id: string, type: new () => T): T {
  const found = document.getElementById(id)
  if (!(found instanceof type)) throw new Error(`Task pane markup lacks #${id}`)
  return found
}

const STATUS_TEXT: Record<Exclude<PaneView['kind'], 'message'>, string> = {
  'not-outlook': 'Open this pane from Outlook to see the selected message.',
  'no-item': 'Select a message to see its sender, subject and recipients.',
}

export type DealChoice = { kind: 'deal', id: string, label: string } | { kind: 'contact', id: string, label: string } | { kind: 'new', title: string }

/** Select values of the contact options: deals and contacts share one list. */
const CONTACT_VALUE = 'contact:'

export interface LogForm {
  choice: DealChoice
  includeBody: boolean
  includeAttachments: boolean
  uploadFiles: boolean
}

export interface PaneHandlers {
  signIn: () => void
  signOut: () => void
  retry: () => void
  log: (form: LogForm) => void
  search: (text: string) => void
  /** "Add … as a contact" for one address on the email. */
  addContact: (option: NewContactOption) => void
}

function option (value: string, label: string): HTMLOptionElement {
  const el = document.createElement('option')
  el.value = value
  el.textContent = label
  return el
}

function listItems (list: HTMLUListElement, lines: readonly string[]): void {
  list.replaceChildren(...lines.map((text) => {
    const li = document.createElement('li')
    li.textContent = text
    return li
  }))
}

/** The task pane's elements, found once; text only ever goes in through textContent. */
export function createPane (handlers: PaneHandlers) {
  const status = element('status', HTMLParagraphElement)
  const problem = element('problem', HTMLElement)
  const problemText = element('problem-text', HTMLParagraphElement)
  const retry = element('retry', HTMLButtonElement)
  const signInPanel = element('sign-in-panel', HTMLElement)
  const signIn = element('sign-in', HTMLButtonElement)
  const signOut = element('sign-out', HTMLButtonElement)
  const message = element('message', HTMLElement)
  const senderName = element('sender-name', HTMLElement)
  const senderEmail = element('sender-email', HTMLElement)
  const subject = element('subject', HTMLElement)
  const recipients = element('recipients', HTMLUListElement)
  const crm = element('crm', HTMLElement)
  const logged = element('logged', HTMLParagraphElement)
  const contacts = element('contacts', HTMLUListElement)
  const noContacts = element('no-contacts', HTMLParagraphElement)
  const addContacts = element('add-contacts', HTMLDivElement)
  const newContacts = element('new-contacts', HTMLUListElement)
  const form = element('log-form', HTMLFormElement)
  const deal = element('deal', HTMLSelectElement)
  const newDeal = element('new-deal', HTMLElement)
  const newDealTitle = element('new-deal-title', HTMLInputElement)
  const search = element('deal-search', HTMLInputElement)
  const searchButton = element('deal-search-button', HTMLButtonElement)
  const includeBody = element('include-body', HTMLInputElement)
  const includeAttachments = element('include-attachments', HTMLInputElement)
  const attachments = element('attachments', HTMLUListElement)
  const uploadFiles = element('upload-files', HTMLInputElement)
  const uploadFilesLabel = element('upload-files-label', HTMLLabelElement)
  const logButton = element('log-button', HTMLButtonElement)
  const notice = element('notice', HTMLParagraphElement)
  const signedInAs = element('signed-in-as', HTMLParagraphElement)

  const own = new Map<string, string>()
  const searchGroup = document.createElement('optgroup')
  searchGroup.label = 'Search results'

  const syncNewDeal = (): void => { newDeal.hidden = deal.value !== NEW_DEAL }
  deal.addEventListener('change', syncNewDeal)
  signIn.addEventListener('click', () => { handlers.signIn() })
  signOut.addEventListener('click', () => { handlers.signOut() })
  retry.addEventListener('click', () => { handlers.retry() })
  const runSearch = (): void => { handlers.search(search.value.trim()) }
  searchButton.addEventListener('click', runSearch)
  search.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault()
      runSearch()
    }
  })
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const choice: DealChoice = deal.value === NEW_DEAL
      ? { kind: 'new', title: newDealTitle.value.trim() === '' ? 'New deal' : newDealTitle.value.trim() }
      : deal.value.startsWith(CONTACT_VALUE)
        ? { kind: 'contact', id: deal.value.slice(CONTACT_VALUE.length), label: own.get(deal.value) ?? '' }
        : { kind: 'deal', id: deal.value, label: own.get(deal.value) ?? '' }
    handlers.log({
      choice,
      includeBody: includeBody.checked && !includeBody.disabled,
      includeAttachments: includeAttachments.checked,
      uploadFiles: includeAttachments.checked && uploadFiles.checked && !uploadFiles.disabled,
    })
  })

  return {
    render (view: PaneView): void {
      if (view.kind !== 'message') {
        message.hidden = true
        delete message.dataset.key
        this.showStatus(STATUS_TEXT[view.kind])
        return
      }
      message.hidden = false
      message.dataset.key = view.key
      senderName.textContent = view.senderName ?? ''
      senderName.hidden = view.senderName === null
      senderEmail.textContent = view.senderEmail ?? 'No sender address'
      subject.textContent = view.subject
      listItems(recipients, view.recipients)
    },

    showStatus (text: string | null): void {
      status.hidden = text === null
      status.textContent = text ?? ''
    },

    /** A problem the person can act on; `canRetry` offers the Try again button. */
    showProblem (text: string | null, canRetry = true): void {
      problem.hidden = text === null
      problemText.textContent = text ?? ''
      retry.hidden = !canRetry
    },

    showSignIn (visible: boolean): void {
      signInPanel.hidden = !visible
      signIn.disabled = false
    },

    setSignedIn (text: string | null): void {
      signedInAs.hidden = text === null
      signedInAs.textContent = text ?? ''
      signOut.hidden = text === null
    },

    renderCrm (model: CrmModel | null): void {
      if (model === null) {
        crm.hidden = true
        return
      }
      crm.hidden = false
      this.setLogged(model.loggedLines)
      contacts.replaceChildren(...model.contacts.map((c) => {
        const li = document.createElement('li')
        const name = document.createElement('strong')
        name.textContent = c.name
        const detail = document.createElement('span')
        detail.className = 'muted'
        detail.textContent = c.detail === '' ? '' : ` ${c.detail}`
        const lines = document.createElement('ul')
        lines.className = 'card-lines'
        listItems(lines, [...c.recent, ...c.whatsapp])
        li.append(name, detail, lines)
        return li
      }))
      noContacts.hidden = model.contacts.length > 0
      addContacts.hidden = model.newContacts.length === 0
      newContacts.replaceChildren(...model.newContacts.map((n) => {
        const li = document.createElement('li')
        const button = document.createElement('button')
        button.type = 'button'
        button.className = 'add-contact'
        button.dataset.email = n.email
        button.textContent = n.label
        button.addEventListener('click', () => {
          button.disabled = true
          handlers.addContact(n)
        })
        li.append(button)
        return li
      }))
      own.clear()
      const options = model.dealOptions.map((d) => {
        own.set(d.id, d.label)
        return option(d.id, d.label)
      })
      searchGroup.replaceChildren()
      const contactGroup = document.createElement('optgroup')
      contactGroup.label = 'Contacts'
      contactGroup.replaceChildren(...model.contacts.map((c) => {
        own.set(`${CONTACT_VALUE}${c.id}`, c.name)
        return option(`${CONTACT_VALUE}${c.id}`, `Contact: ${c.name}`)
      }))
      deal.replaceChildren(...options, searchGroup, ...(model.contacts.length === 0 ? [] : [contactGroup]), option(NEW_DEAL, '+ Create a new deal'))
      deal.value = model.dealOptions[0]?.id ?? NEW_DEAL
      newDealTitle.value = model.newDealTitle
      syncNewDeal()
      search.value = ''
      includeBody.checked = false
      includeBody.disabled = !model.canReadBody
      includeBody.parentElement!.title = model.canReadBody ? '' : 'This version of Outlook cannot give add-ins the message body'
      includeAttachments.checked = true
      includeAttachments.disabled = model.attachments.length === 0
      listItems(attachments, model.attachments)
      uploadFiles.checked = false
      uploadFiles.disabled = model.uploadBlocked !== null
      uploadFilesLabel.title = model.uploadBlocked ?? ''
      uploadFilesLabel.hidden = model.attachments.length === 0
      logButton.disabled = false
    },

    /** Search results become selectable deals; the first is selected. */
    setSearchResults (deals: readonly DealOption[]): void {
      for (const d of deals) own.set(d.id, d.label)
      const fresh = deals.filter((d) => ![...deal.options].some((o) => o.value === d.id && o.parentElement !== searchGroup))
      searchGroup.replaceChildren(...fresh.map((d) => option(d.id, d.label)))
      const first = deals[0]
      if (first !== undefined) deal.value = first.id
      syncNewDeal()
    },

    /** Adds a deal made by "create a new deal" to the list, selected. */
    addDeal (added: DealOption): void {
      own.set(added.id, added.label)
      if (![...deal.options].some((o) => o.value === added.id)) deal.insertBefore(option(added.id, added.label), deal.firstChild)
      deal.value = added.id
      syncNewDeal()
    },

    setLogged (lines: readonly string[]): void {
      logged.hidden = lines.length === 0
      logged.textContent = lines.join('\n')
    },

    setBusy (busy: boolean): void {
      logButton.disabled = busy
      searchButton.disabled = busy
      signIn.disabled = busy
    },

    showNotice (text: string | null): void {
      notice.textContent = text ?? ''
      notice.hidden = text === null
    },
  }
}

export type Pane = ReturnType<typeof createPane>
