/** The add-on menu item and the sidebar; the only place that touches SpreadsheetApp's UI and HtmlService. */

export const MENU_ITEMS = [{ caption: 'Open Switchboard', functionName: 'showSidebar' }] as const

// Apps Script looks files up by name without extension: dist/sheets-plugin/Sidebar.html.
const SIDEBAR_FILE = 'Sidebar'

/** Adds the add-on menu. Safe in every auth mode, AuthMode.NONE included: it only adds menu items. */
export function addAddonMenu (): void {
  const menu = SpreadsheetApp.getUi().createAddonMenu()
  for (const item of MENU_ITEMS) menu.addItem(item.caption, item.functionName)
  menu.addToUi()
}

export function openSidebar (): void {
  const html = HtmlService.createHtmlOutputFromFile(SIDEBAR_FILE).setTitle('Switchboard')
  SpreadsheetApp.getUi().showSidebar(html)
}
