import type { StatePort } from '../core/ports.js'

/**
 * Where the add-on keeps its per-sheet state (mapping, campaign binding, feed cursor, unfinished
 * submission), so that both the sidebar and the hourly trigger find it.
 *
 * Document properties are shared by everyone editing the file, but a time-driven trigger has
 * none: PropertiesService.getDocumentProperties() is a store "within the open document,
 * spreadsheet, or form", and "when document properties are not available this method returns
 * null" (https://developers.google.com/apps-script/reference/properties/properties-service#getDocumentProperties()).
 * So every write also goes to the user's properties under a per-spreadsheet prefix (user
 * properties exist in every context the user's code runs in), and the trigger works on that
 * copy. When the trigger has written, the next execution with the document open copies its
 * writes back into the document's properties before anything reads them.
 */
export function addonState (spreadsheetId: string): StatePort {
  const documentStore = PropertiesService.getDocumentProperties() as GoogleAppsScript.Properties.Properties | null
  const user = PropertiesService.getUserProperties()
  const prefix = userPrefix(spreadsheetId)
  const dirty = `${prefix}~trigger-wrote`
  if (documentStore !== null && user.getProperty(dirty) !== null) {
    const copy: Record<string, string> = {}
    const all = user.getProperties()
    for (const [key, value] of Object.entries(all)) if (key.startsWith(prefix) && key !== dirty) copy[key.slice(prefix.length)] = value
    // What the trigger deleted (a finished job) is deleted here too.
    for (const key of documentStore.getKeys()) if (key.startsWith('sb1.') && copy[key] === undefined) documentStore.deleteProperty(key)
    documentStore.setProperties(copy)
    user.deleteProperty(dirty)
  }
  const touched = (): void => { if (documentStore === null) user.setProperty(dirty, '1') }
  return {
    get: (key) => documentStore !== null ? documentStore.getProperty(key) : user.getProperty(prefix + key),
    set: (key, value) => {
      documentStore?.setProperty(key, value)
      user.setProperty(prefix + key, value)
      touched()
    },
    delete: (key) => {
      documentStore?.deleteProperty(key)
      user.deleteProperty(prefix + key)
      touched()
    },
    keys: () => documentStore !== null
      ? documentStore.getKeys()
      : user.getKeys().filter((k) => k.startsWith(prefix) && k !== dirty).map((k) => k.slice(prefix.length)),
  }
}

/** The user-properties prefix of one spreadsheet's copy of the state. */
export function userPrefix (spreadsheetId: string): string {
  return `sb1@${spreadsheetId}:`
}

/** The user property that tells a trigger (by its unique id) which spreadsheet it serves. */
export function triggerKey (triggerUid: string): string {
  return `sb1.trigger.${triggerUid}`
}
