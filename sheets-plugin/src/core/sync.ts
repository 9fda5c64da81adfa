import type { Campaign, Recipient } from '../../../apps-script/src/core/api-types.js'
import { BackendError } from '../../../apps-script/src/core/backend-client.js'
import { PACING, type AppContext } from './app-context.js'
import { publicSummary, summaryOf } from './campaign-binding.js'
import type { CampaignClient } from './campaign-client.js'
import type { CampaignBinding } from './document-state.js'
import type { Preparer } from './sheet-preparation.js'
import { planStatusColumns } from './sheet-layout.js'
import { SHEETS_ERROR_CODES } from './sheets-errors.js'
import type { SyncSummary } from './sidebar-protocol.js'
import { failureText, STATUS_TEXT } from './status-text.js'
import { planWrites, type CellUpdate } from './writeback.js'

/** Pulling the change feed into the sheet's status columns. */
export function createSync ({ sheet, host, docs }: AppContext, { placeColumns }: Preparer) {
  /** Pulls the change feed and writes the rows that changed: one read, at most three writes. */
  function sync (client: CampaignClient, sheetId: number, deadline: number): SyncSummary {
    const st = docs.sheet(sheetId)
    const binding = st.campaign
    if (binding === null || st.setup === null) throw new BackendError(SHEETS_ERROR_CODES.noCampaign, 'No campaign', 0)
    const setup = st.setup
    const latest = new Map<string, Recipient>()
    let cursor = binding.cursor
    let more = true
    let campaign: Campaign | null = null
    while (more && (campaign === null || host.now() < deadline)) {
      const page = client.changes(binding.id, cursor, PACING.changesPage)
      for (const item of page.items) latest.set(item.rowKey, item)
      cursor = page.cursor
      more = page.more
      campaign = page.campaign
    }
    let changedRows = 0
    let missingRows = 0
    if (latest.size > 0) {
      host.withDocumentLock(() => {
        sheet.sheetName(sheetId)
        const read = sheet.read(sheetId, setup.headerRow, 1)
        const headers = read.values[0] ?? []
        const layout = planStatusColumns(headers, headers.length, sheet.ownColumns(sheetId))
        // Someone deleted status columns: put them back (headers in the same write) rather than lose the statuses.
        const updates = placeColumns(sheetId, read, layout)
        const columns = layout.columns
        const offsetOf = new Map<string, number>()
        for (let offset = 1; offset < read.values.length; offset++) {
          const key = (read.values[offset]![columns.rowId - 1] ?? '').trim()
          if (key !== '' && !offsetOf.has(key)) offsetOf.set(key, offset)
        }
        for (const [rowKey, recipient] of latest) {
          const offset = offsetOf.get(rowKey)
          if (offset === undefined) {
            missingRows++
            continue
          }
          const line = read.values[offset]!
          const wanted: CellUpdate = {
            status: STATUS_TEXT[recipient.status],
            sentAt: recipient.sentAt === null ? '' : host.formatTime(recipient.sentAt),
            messageId: recipient.wamid ?? '',
            reason: failureText(recipient),
          }
          if (recipient.replyText !== null) wanted.reply = recipient.replyText
          const changed: CellUpdate = {}
          for (const [field, value] of Object.entries(wanted) as Array<[keyof CellUpdate, string]>) {
            if ((line[columns[field] - 1] ?? '') !== value) changed[field] = value
          }
          if (Object.keys(changed).length > 0) updates.set(offset, changed)
        }
        sheet.write(sheetId, planWrites(read, columns, updates))
        changedRows = updates.size - (updates.has(0) ? 1 : 0)
      })
    }
    const now = new Date(host.now()).toISOString()
    // The cursor moves only after the rows are written: a sync that dies re-reads the same changes.
    const next: CampaignBinding = {
      ...(campaign === null ? binding : summaryOf(campaign, now)),
      cursor,
      lastSyncAt: now,
      lastChangeAt: changedRows > 0 || binding.lastChangeAt === null ? now : binding.lastChangeAt,
    }
    docs.saveSheet(sheetId, { ...docs.sheet(sheetId), campaign: next })
    return { campaign: publicSummary(next)!, changedRows, missingRows, more }
  }
  return { sync }
}
