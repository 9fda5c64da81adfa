import { BackendError } from '../../../apps-script/src/core/backend-client.js'
import { SPREADSHEET_ID_KEY } from '../core/document-state.js'
import type { HostPort, StatePort } from '../core/ports.js'
import { SHEETS_ERROR_CODES } from '../core/sheets-errors.js'
import { activeSpreadsheet } from './sheet-access.js'

/** The trigger's handler; entry.ts exports a function of this name. */
export const SYNC_HANDLER = 'onHourlySync'

// The sidebar and the hourly trigger can run at once; waiting longer than this makes the sidebar look frozen.
const LOCK_WAIT_MS = 10_000

/** Document properties: the add-on's per-sheet state, shared by everyone who edits the file. */
export function documentProperties (): StatePort {
  const store = (): GoogleAppsScript.Properties.Properties => {
    const properties = PropertiesService.getDocumentProperties()
    if (properties === null) throw new Error('No document properties in this context')
    return properties
  }
  return {
    get: (key) => store().getProperty(key),
    set: (key, value) => { store().setProperty(key, value) },
    delete: (key) => { store().deleteProperty(key) },
    keys: () => store().getKeys(),
  }
}

function hex (bytes: number[]): string {
  return bytes.map((b) => ((b + 256) % 256).toString(16).padStart(2, '0')).join('')
}

/** HostPort over Utilities, LockService and ScriptApp. */
export function appsScriptHost (): HostPort {
  const spreadsheet = activeSpreadsheet()
  const syncTriggers = (): GoogleAppsScript.Script.Trigger[] =>
    ScriptApp.getUserTriggers(spreadsheet).filter((t) => t.getHandlerFunction() === SYNC_HANDLER)
  return {
    now: () => Date.now(),
    newRowId: () => `sb-${Utilities.getUuid().replace(/-/g, '').slice(0, 20)}`,
    digest: (text) => hex(Utilities.computeDigest(Utilities.DigestAlgorithm.SHA_256, text, Utilities.Charset.UTF_8)),
    formatTime: (iso) => Utilities.formatDate(new Date(iso), spreadsheet.getSpreadsheetTimeZone(), 'yyyy-MM-dd HH:mm'),
    withDocumentLock<T> (body: () => T): T {
      const lock = LockService.getDocumentLock() ?? LockService.getUserLock()
      if (!lock.tryLock(LOCK_WAIT_MS)) throw new BackendError(SHEETS_ERROR_CODES.busy, 'The document lock is held', 0)
      try {
        return body()
      } finally {
        lock.releaseLock()
      }
    },
    ensureSyncTrigger () {
      PropertiesService.getDocumentProperties()?.setProperty(SPREADSHEET_ID_KEY, spreadsheet.getId())
      // Add-ons may keep one time-driven trigger per user and document, firing at most hourly.
      if (syncTriggers().length === 0) ScriptApp.newTrigger(SYNC_HANDLER).timeBased().everyHours(1).create()
    },
    removeSyncTrigger () {
      for (const trigger of syncTriggers()) ScriptApp.deleteTrigger(trigger)
    },
  }
}
