import { messageParent, officeReady } from './host/office.js'

/**
 * The sign-in dialog's landing page: the backend redirected here with `code` and `state`.
 * It hands both to the pane through messageParent (never through storage, which browser
 * partitioning splits between the dialog and the pane) and the pane closes the dialog.
 */
async function start (): Promise<void> {
  const params = new URLSearchParams(window.location.search)
  const text = document.getElementById('status')
  const host = await officeReady()
  if (!host.inOutlook) {
    if (text !== null) text.textContent = 'Open Switchboard from Outlook to sign in.'
    return
  }
  // The code leaves the address bar (and history) before anything else can read it.
  window.history.replaceState?.(null, '', window.location.pathname)
  messageParent(JSON.stringify({ code: params.get('code'), state: params.get('state') }))
  if (text !== null) text.textContent = 'Signed in. You can close this window.'
}

void start()
