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

/** The task pane's elements, found once; text only ever goes in through textContent. */
export function createPane (): { render: (view: PaneView) => void, showNotice: (text: string) => void } {
  const status = element('status', HTMLParagraphElement)
  const message = element('message', HTMLElement)
  const senderName = element('sender-name', HTMLElement)
  const senderEmail = element('sender-email', HTMLElement)
  const subject = element('subject', HTMLElement)
  const recipients = element('recipients', HTMLUListElement)
  const notice = element('notice', HTMLParagraphElement)

  return {
    render (view) {
      if (view.kind !== 'message') {
        message.hidden = true
        delete message.dataset.key
        status.hidden = false
        status.textContent = STATUS_TEXT[view.kind]
        return
      }
      status.hidden = true
      message.hidden = false
      message.dataset.key = view.key
      senderName.textContent = view.senderName ?? ''
      senderName.hidden = view.senderName === null
      senderEmail.textContent = view.senderEmail ?? 'No sender address'
      subject.textContent = view.subject
      recipients.replaceChildren(...view.recipients.map((text) => {
        const li = document.createElement('li')
        li.textContent = text
        return li
      }))
    },
    showNotice (text) {
      notice.textContent = text
      notice.hidden = false
    },
  }
}
