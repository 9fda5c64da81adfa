import type { Transaction } from 'kysely'
import type { Database, RecipientStatus } from '../../store/schema.js'
import type { MessagesRepository } from '../../whatsapp/messages-repository.js'
import { attachListenersOnce, type InboundHookEvent, type InboundListener, type ListenerRegistry, type StatusHookEvent, type StatusListener } from '../../whatsapp/webhooks/hooks.js'
import type { CampaignsRepository, RecipientChange } from '../campaigns-repository.js'
import { advanceRecipient } from '../recipient-status.js'
import { MESSAGING_WINDOW_MS } from './rate-limits.js'
import { whatsappPhones } from '../../crm/wa-id.js'
import { DEFAULT_MAX_ATTEMPTS, recipientActionForCode } from './error-policy.js'

/** Meta's status names as recipient statuses; `played` (voice) counts as read. */
const FROM_WEBHOOK: Record<string, RecipientStatus | undefined> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  played: 'read',
  failed: 'failed',
}

/** Recipient ids carry this prefix; `biz_opaque_callback_data` of a campaign send is the recipient id. */
const RECIPIENT_ID = /^rcp_[0-9a-z]{26}$/

/** Longest reply text kept on the recipient (the full message is in the contact's thread). */
const REPLY_TEXT_MAX = 1000

/** Meta's code and title as the reason people read, e.g. `131026: Message undeliverable`. */
export function reasonOf (code: number | null, title: string | null): string {
  if (code === null) return title ?? 'Failed'
  return `${code}: ${title ?? 'Failed'}`
}

export interface CampaignTrackingDeps {
  campaigns: CampaignsRepository
  messages: MessagesRepository
  /** Attempts of a recipient before a retryable error fails it (default 5, as the sender's). */
  maxAttempts?: number
}

/** Pauses a workspace's running and scheduled campaigns (of one number, one campaign, or all) with a reason. */
async function pauseCampaigns (trx: Transaction<Database>, ws: string, reason: string, filter: { phoneNumberId?: string, campaignId?: string }): Promise<void> {
  let query = trx.updateTable('campaigns').set({ state: 'paused', state_reason: reason, updated_at: new Date().toISOString() })
    .where('workspace_id', '=', ws).where('state', 'in', ['running', 'scheduled'])
  if (filter.phoneNumberId !== undefined) query = query.where('phone_number_id', '=', filter.phoneNumberId)
  if (filter.campaignId !== undefined) query = query.where('id', '=', filter.campaignId)
  await query.execute()
}

/** The campaign side of processed webhooks: listeners that run inside the webhook's transaction. */
export interface CampaignTracking {
  onStatus: StatusListener
  onInbound: InboundListener
}

/**
 * Keeps recipients in step with Meta's webhooks, inside the transaction that records each
 * webhook (so a crash never applies half of one):
 *
 * - A status finds its recipient by wamid, or, when the send's answer was never recorded
 *   (a timeout, a crash, a lease that ran out), by `biz_opaque_callback_data`, which the
 *   sender sets to the recipient id; the wamid is then stored, and an `unknown` recipient
 *   is reconciled. Statuses only move forward (`advanceRecipient`): a late `sent` never
 *   undoes `delivered`, `failed` is final, and nothing undoes `read`.
 * - An inbound message marks the most recent campaign recipient of that number as having
 *   replied, when it came within 24 h of that send; each recipient counts once.
 *
 * Every change goes through `transition`, so counters and the change feed follow.
 */
export function createCampaignTracking (deps: CampaignTrackingDeps): CampaignTracking {
  const { campaigns, messages } = deps
  const maxAttempts = deps.maxAttempts ?? DEFAULT_MAX_ATTEMPTS

  async function findRecipient (trx: Transaction<Database>, event: StatusHookEvent) {
    const columns = ['id', 'campaign_id', 'status', 'wamid', 'message_id', 'sent_at', 'delivered_at', 'read_at', 'attempts'] as const
    const byWamid = await trx.selectFrom('campaign_recipients').select(columns)
      .where('wamid', '=', event.wamid).where('workspace_id', '=', event.workspaceId).executeTakeFirst()
    if (byWamid !== undefined) return byWamid
    const opaque = event.bizOpaqueCallbackData
    if (opaque === null || !RECIPIENT_ID.test(opaque)) return undefined
    const byId = await trx.selectFrom('campaign_recipients').select(columns)
      .where('id', '=', opaque).where('workspace_id', '=', event.workspaceId).executeTakeFirst()
    // Another wamid means another message; a pending row has nothing out there (a late status of a
    // send requeued after its failure webhook must not mark it sent); leave both alone.
    return byId !== undefined && byId.status !== 'pending' && (byId.wamid === null || byId.wamid === event.wamid) ? byId : undefined
  }

  /**
   * A `failed` webhook whose error says "not this recipient's fault" or "try again later"
   * (131049: wait at least 24 h; 131048: the number is paused; 130429: back-pressure) puts
   * the recipient back in the queue instead of failing it, through the same table as the
   * send's own answer (`recipientAction`). True when it did.
   */
  async function requeueOnFailure (trx: Transaction<Database>, event: StatusHookEvent, row: NonNullable<Awaited<ReturnType<typeof findRecipient>>>): Promise<boolean> {
    if (event.errorCode === null || advanceRecipient(row.status, 'failed') !== 'failed' || row.status === 'failed') return false
    const attempts = Number(row.attempts)
    const action = recipientActionForCode(event.errorCode, { attempts, maxAttempts })
    if (action.kind === 'fail' || (action.kind === 'retry' && action.exhausted)) return false
    const reason = reasonOf(event.errorCode, event.errorTitle)
    const now = Date.now()
    const delayMs = action.kind === 'retry' ? action.delayMs : 0
    const givesBack = action.kind === 'requeue' || !action.counts
    await campaigns.transition(trx, event.workspaceId, row.campaign_id, [{
      id: row.id,
      from: row.status,
      to: 'pending',
      set: {
        // The message did not go out (failed messages are not charged): the next attempt is a new send.
        wamid: null, sent_at: null, delivered_at: null, read_at: null, lease_owner: null, lease_until: null,
        next_attempt_at: new Date(now + delayMs).toISOString(), error_code: event.errorCode,
        reason: action.kind === 'retry' ? `Retrying after ${reason}` : reason,
        ...(givesBack ? { attempts: Math.max(0, attempts - 1) } : {}),
      },
    }])
    // A campaign that completed meanwhile has work again.
    await trx.updateTable('campaigns').set({ state: 'running', completed_at: null, updated_at: new Date(now).toISOString() })
      .where('id', '=', row.campaign_id).where('workspace_id', '=', event.workspaceId).where('state', '=', 'completed').execute()
    if (action.kind === 'requeue') {
      // The number itself is paused by the webhook processor (the same table); its campaigns say why.
      if (action.stop === 'number') await pauseCampaigns(trx, event.workspaceId, reason, { phoneNumberId: event.phoneNumberId })
      else if (action.stop === 'account') await pauseCampaigns(trx, event.workspaceId, reason, {})
      else await pauseCampaigns(trx, event.workspaceId, reason, { campaignId: row.campaign_id })
    }
    return true
  }

  return {
    async onStatus (event, trx) {
      const incoming = FROM_WEBHOOK[event.status]
      if (incoming === undefined) return
      const row = await findRecipient(trx, event)
      if (row === undefined) return
      if (incoming === 'failed' && await requeueOnFailure(trx, event, row)) return
      const next = advanceRecipient(row.status, incoming)
      const set: NonNullable<RecipientChange['set']> = {}
      if (row.wamid === null) {
        set.wamid = event.wamid
        // The thread row learns its wamid too; statuses that waited for it are applied now.
        if (row.message_id !== null) await messages.markAccepted(event.workspaceId, row.message_id, event.wamid, trx)
      }
      // Any status means Meta accepted the message: it left our hands at the latest then.
      if (row.sent_at === null && incoming !== 'failed') set.sent_at = event.occurredAt
      if (next !== row.status) {
        if (row.status === 'sending' || row.status === 'unknown') {
          set.lease_owner = null
          set.lease_until = null
        }
        if (next === 'failed') {
          set.failed_at = event.occurredAt
          set.error_code = event.errorCode
          set.reason = reasonOf(event.errorCode, event.errorTitle)
        } else if (row.status === 'unknown') {
          // The "no answer" note no longer applies once Meta has told us what happened.
          set.reason = null
        }
      }
      if ((next === 'delivered' || next === 'read') && incoming === 'delivered' && row.delivered_at === null) set.delivered_at = event.occurredAt
      if (next === 'read' && incoming === 'read' && row.read_at === null) set.read_at = event.occurredAt
      if (next === row.status && Object.keys(set).length === 0) return
      await campaigns.transition(trx, event.workspaceId, row.campaign_id, [{
        id: row.id, from: row.status, to: next, ...(Object.keys(set).length === 0 ? {} : { set }),
      }])
    },

    async onInbound (event: InboundHookEvent, trx) {
      const at = Date.parse(event.sentAt)
      if (Number.isNaN(at)) return
      const since = new Date(at - MESSAGING_WINDOW_MS).toISOString()
      // Meta's timestamps have whole seconds: a reply can carry a time just before our send's.
      const until = new Date(at + 1000).toISOString()
      const row = await trx.selectFrom('campaign_recipients').select(['id', 'campaign_id', 'status', 'replied_at'])
        // Brazil's and Mexico's wa_id spellings name the same person as the phone we sent to.
        .where('workspace_id', '=', event.workspaceId).where('phone', 'in', whatsappPhones(event.waId))
        .where('sent_at', '>=', since).where('sent_at', '<=', until)
        .orderBy('sent_at', 'desc').limit(1).executeTakeFirst()
      if (row === undefined || row.replied_at !== null || row.status === 'failed' || row.status === 'cancelled') return
      const text = event.body ?? `[${event.type}]`
      await campaigns.transition(trx, event.workspaceId, row.campaign_id, [{
        id: row.id, from: row.status, to: row.status, replied: true,
        set: { replied_at: event.sentAt, reply_text: text.slice(0, REPLY_TEXT_MAX) },
      }])
    },
  }
}

const attached = new WeakMap<object, () => void>()

/**
 * Registers campaign tracking on a webhook inbox (`services.whatsapp.webhooks`). Safe to
 * call more than once for the same inbox: a second call returns the first removal, so a
 * reply is never counted twice. Returns the removal.
 */
export function attachCampaignTracking (webhooks: ListenerRegistry, deps: CampaignTrackingDeps): () => void {
  return attachListenersOnce(webhooks, attached, () => createCampaignTracking(deps))
}
