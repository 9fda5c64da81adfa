import type { Transaction } from 'kysely'
import type { Database } from '../store/schema.js'
import type { WorkspaceId } from '../ids.js'
import type { EventData } from '../events/catalog.js'
import { toCampaign } from './campaigns-repository.js'

/**
 * The `campaign.finished` event of a campaign that has just been completed or cancelled,
 * read inside the transaction that finished it (its counts as of that moment).
 */
export async function campaignFinished (trx: Transaction<Database>, ws: WorkspaceId, campaignId: string): Promise<EventData<'campaign.finished'>> {
  const row = await trx.selectFrom('campaigns').selectAll().where('workspace_id', '=', ws).where('id', '=', campaignId).executeTakeFirstOrThrow()
  const campaign = toCampaign(row)
  if (campaign.state !== 'completed' && campaign.state !== 'cancelled') throw new Error(`campaign ${campaignId} is ${campaign.state}, not finished`)
  const { counts } = campaign
  return {
    campaignId: campaign.id,
    // A Sheets campaign's name defaults to "spreadsheet title · sheet name", read from Google Sheets: Limited Use keeps it
    // from other tools, so the event identifies the campaign by id only.
    name: campaign.source === 'sheets' ? null : campaign.name,
    state: campaign.state,
    source: campaign.source,
    counts: { total: counts.total, sent: counts.sent, delivered: counts.delivered, read: counts.read, failed: counts.failed, unknown: counts.unknown, cancelled: counts.cancelled, replied: counts.replied },
    startedAt: campaign.startedAt,
    finishedAt: campaign.completedAt ?? campaign.updatedAt,
  }
}
