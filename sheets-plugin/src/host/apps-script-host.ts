import { BackendError } from '../../../apps-script/src/core/backend-client.js'
import type { HostPort } from '../core/ports.js'
import { SHEETS_ERROR_CODES } from '../core/sheets-errors.js'
import { triggerKey } from './addon-state.js'

/** The trigger's handler; entry.ts exports a function of this name. */
export const SYNC_HANDLER = 'onHourlySync'

// The sidebar and the hourly trigger can run at once; waiting longer than this makes the sidebar look frozen.
const LOCK_WAIT_MS = 10_000

function hex (bytes: number[]): string {
  return bytes.map((b) => ((b + 256) % 256).toString(16).padStart(2, '0')).join('')
}

/** HostPort over Utilities, LockService and ScriptApp. */
export function appsScriptHost (spreadsheet: GoogleAppsScript.Spreadsheet.Spreadsheet): HostPort {
  let issued = 0
  const syncTriggers = (): GoogleAppsScript.Script.Trigger[] =>
    ScriptApp.getUserTriggers(spreadsheet).filter((t) => t.getHandlerFunction() === SYNC_HANDLER)
  return {
    now: () => Date.now(),
    sleep: (ms) => { Utilities.sleep(ms) },
    // Ids sort in the order they were given (time, then a counter, then randomness): rows get them in
    // sheet order, so a submission's id-range segments (core/chunks.ts) start as runs of the sheet,
    // and of two rows with one number the upper one is the one sent.
    newRowId: () => `sb-${Date.now().toString(36).padStart(9, '0')}${(issued++).toString(36).padStart(5, '0')}${Utilities.getUuid().replace(/-/g, '').slice(0, 8)}`,
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
      // Add-ons may keep one time-driven trigger per user and document, firing at most hourly.
      const existing = syncTriggers()
      const trigger = existing[0] ?? ScriptApp.newTrigger(SYNC_HANDLER).timeBased().everyHours(1).create()
      // The trigger runs with no open document: it finds its spreadsheet by its own id, in user properties.
      const key = triggerKey(trigger.getUniqueId())
      if (PropertiesService.getUserProperties().getProperty(key) !== spreadsheet.getId()) PropertiesService.getUserProperties().setProperty(key, spreadsheet.getId())
    },
    removeSyncTrigger () {
      for (const trigger of syncTriggers()) {
        PropertiesService.getUserProperties().deleteProperty(triggerKey(trigger.getUniqueId()))
        ScriptApp.deleteTrigger(trigger)
      }
    },
  }
}
