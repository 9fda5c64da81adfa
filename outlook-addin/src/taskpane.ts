import { paneView } from './core/message-view.js'
import { canFollowSelection, currentMessage, officeReady, onSelectionChanged } from './host/office.js'
import { createPane } from './ui/pane.js'

async function start (): Promise<void> {
  const pane = createPane()
  const host = await officeReady()
  if (!host.inOutlook) {
    pane.render({ kind: 'not-outlook' })
    return
  }
  const show = (): void => { pane.render(paneView(currentMessage())) }
  show()
  if (!canFollowSelection()) {
    // Before Mailbox 1.5 a pinned pane cannot hear about a new selection: say so rather than show stale data.
    pane.showNotice('This version of Outlook cannot follow the selection: reopen the pane for another message.')
    return
  }
  try {
    await onSelectionChanged(show)
  } catch {
    pane.showNotice('The pane could not follow the selection: reopen it for another message.')
  }
}

void start()
