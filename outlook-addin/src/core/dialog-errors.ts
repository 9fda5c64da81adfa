/**
 * What to tell the person when Office cannot open, or loses, the sign-in dialog. The codes
 * and their meanings are Microsoft's ("Handle errors and events in the Office dialog box",
 * https://learn.microsoft.com/office/dev/add-ins/develop/dialog-handle-errors-events):
 * displayDialogAsync fails with 12004, 12005, 12007, 12009 or 12011; an open dialog reports
 * 12002, 12003 or 12006 (closed by the person, handled apart as a cancel). Every message
 * says what to do next; the pane offers "Try again", which opens the dialog again.
 */
export const DIALOG_PROBLEMS: Readonly<Record<number, string>> = {
  // "The domain of the URL passed to displayDialogAsync isn't trusted."
  12004: 'Outlook would not open the sign-in window: its address is not one this add-in trusts. Ask your admin to check the add-in\'s manifest, then try again.',
  // "The URL passed to displayDialogAsync uses the HTTP protocol. HTTPS is required."
  12005: 'Outlook would not open the sign-in window because Switchboard is not served over HTTPS. Ask your admin to fix the add-in\'s address, then try again.',
  // "A dialog box is already opened from this host window."
  12007: 'A Switchboard window is already open. Finish or close it, then try again.',
  // "The user chose to ignore the dialog box." (Office on the web's prompt, or a popup blocker)
  12009: 'The sign-in window was blocked or dismissed. Allow Switchboard to open a window when Outlook asks (or allow pop-ups for Outlook), then try again.',
  // "The user's browser configuration is blocking popups."
  12011: 'Your browser\'s settings blocked the sign-in window. Allow pop-ups for Outlook, or use another browser, then try again.',
  // Dialog events: the page could not be loaded, or it went to a page Office will not show.
  12002: 'The sign-in page could not be loaded. Check your connection, then try again.',
  12003: 'The sign-in window went to an address Outlook will not show. Try again; if it keeps happening, ask your admin.',
}

/** The message for an Office dialog error code; unknown codes still get words and the code for support. */
export function dialogProblem (code: number | undefined): string {
  return (code === undefined ? undefined : DIALOG_PROBLEMS[code]) ??
    `Outlook could not open the sign-in window${code === undefined ? '' : ` (error ${code})`}. Try again.`
}
