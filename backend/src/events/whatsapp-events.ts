import type { Transaction } from 'kysely'
import type { Database } from '../store/schema.js'
import type { WorkspaceId } from '../ids.js'
import { attachListenersOnce, type InboundListener, type ListenerRegistry, type StatusListener } from '../whatsapp/webhooks/hooks.js'
import { LIMITED_USE_SOURCES } from '../privacy/data-inventory.js'
import type { EventSink } from './outbox.js'

/** Campaign sends carry their recipient id as `biz_opaque_callback_data` (see campaigns/sender/tracking.ts). */
const RECIPIENT_ID = /^rcp_[0-9a-z]{26}$/

async function messageByWamid (trx: Transaction<Database>, ws: WorkspaceId, wamid: string) {
  return trx.selectFrom('wa_messages').select(['id', 'contact_id']).where('workspace_id', '=', ws).where('wamid', '=', wamid).executeTakeFirst()
}

/** The campaign recipient a status is about, if a campaign sent the message: by wamid, else by the id the send carried. */
async function recipientOf (trx: Transaction<Database>, ws: WorkspaceId, wamid: string, opaque: string | null): Promise<{ campaignId: string, contactId: string | null, campaignSource: string } | undefined> {
  const base = trx.selectFrom('campaign_recipients as r').innerJoin('campaigns as c', 'c.id', 'r.campaign_id')
    .select(['r.campaign_id as campaignId', 'r.contact_id as contactId', 'c.source as campaignSource']).where('r.workspace_id', '=', ws)
  const byWamid = await base.where('r.wamid', '=', wamid).executeTakeFirst()
  if (byWamid !== undefined) return byWamid
  if (opaque === null || !RECIPIENT_ID.test(opaque)) return undefined
  return base.where('r.id', '=', opaque).executeTakeFirst()
}

/**
 * `message.received` and `message.status` from processed WhatsApp webhooks. The webhook
 * processor calls these inside the transaction that records each message and status, and
 * only for the first time it records one (a webhook Meta sends twice is announced once).
 */
export function whatsappEventListeners (events: EventSink): { onInbound: InboundListener, onStatus: StatusListener } {
  return {
    async onInbound (event, trx) {
      await events.emit(trx, event.workspaceId, 'message.received', async () => {
        const message = await messageByWamid(trx, event.workspaceId, event.wamid)
        if (message === undefined) throw new Error('inbound message vanished inside its own transaction')
        return {
          messageId: message.id,
          wamid: event.wamid,
          contactId: event.contactId,
          contactCreated: event.contactCreated,
          from: event.waId,
          phoneNumberId: event.phoneNumberId,
          type: event.type,
          body: event.body,
          contextWamid: event.contextWamid,
          sentAt: event.sentAt,
          optedOut: event.optedOut,
        }
      })
    },

    async onStatus (event, trx) {
      const ws = event.workspaceId
      await events.emit(trx, ws, 'message.status', async () => {
        // The status may name a message not recorded yet (the send's answer is still on its way).
        const message = await messageByWamid(trx, ws, event.wamid)
        const recipient = await recipientOf(trx, ws, event.wamid, event.bizOpaqueCallbackData)
        // A campaign row from a Google Sheet that is no contact: its number (in `to`, and
        // encoded in the wamid) is Google-derived (campaign_recipients.phone), and Limited
        // Use keeps it from other tools. The sheet gets the status; campaign.finished the counts.
        const contactId = message?.contact_id ?? recipient?.contactId ?? null
        if (recipient !== undefined && contactId === null && LIMITED_USE_SOURCES.includes(recipient.campaignSource)) return undefined
        return {
          wamid: event.wamid,
          status: event.status,
          messageId: message?.id ?? null,
          contactId: message?.contact_id ?? null,
          campaignId: recipient?.campaignId ?? null,
          to: event.recipientId,
          phoneNumberId: event.phoneNumberId,
          occurredAt: event.occurredAt,
          error: event.errorCode === null && event.errorTitle === null ? null : { code: event.errorCode, title: event.errorTitle },
        }
      })
    },
  }
}

const attached = new WeakMap<object, () => void>()

/**
 * Registers the WhatsApp events on a webhook inbox (`services.whatsapp.webhooks`); safe to
 * call twice for one inbox (nothing is announced twice). Returns the removal.
 */
export function attachWhatsappEvents (webhooks: ListenerRegistry, events: EventSink): () => void {
  return attachListenersOnce(webhooks, attached, () => whatsappEventListeners(events))
}
