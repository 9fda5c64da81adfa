import type { Transaction } from 'kysely'
import type { Database } from '../store/schema.js'
import type { WorkspaceId } from '../ids.js'
import { attachListenersOnce, type InboundListener, type ListenerRegistry, type StatusListener } from '../whatsapp/webhooks/hooks.js'
import type { EventSink } from './outbox.js'

/** Campaign sends carry their recipient id as `biz_opaque_callback_data` (see campaigns/sender/tracking.ts). */
const RECIPIENT_ID = /^rcp_[0-9a-z]{26}$/

async function messageByWamid (trx: Transaction<Database>, ws: WorkspaceId, wamid: string) {
  return trx.selectFrom('wa_messages').select(['id', 'contact_id']).where('workspace_id', '=', ws).where('wamid', '=', wamid).executeTakeFirst()
}

async function campaignOf (trx: Transaction<Database>, ws: WorkspaceId, wamid: string, opaque: string | null): Promise<string | null> {
  const byWamid = await trx.selectFrom('campaign_recipients').select('campaign_id').where('workspace_id', '=', ws).where('wamid', '=', wamid).executeTakeFirst()
  if (byWamid !== undefined) return byWamid.campaign_id
  if (opaque === null || !RECIPIENT_ID.test(opaque)) return null
  const byId = await trx.selectFrom('campaign_recipients').select('campaign_id').where('workspace_id', '=', ws).where('id', '=', opaque).executeTakeFirst()
  return byId?.campaign_id ?? null
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
        return {
          wamid: event.wamid,
          status: event.status,
          messageId: message?.id ?? null,
          contactId: message?.contact_id ?? null,
          campaignId: await campaignOf(trx, ws, event.wamid, event.bizOpaqueCallbackData),
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
