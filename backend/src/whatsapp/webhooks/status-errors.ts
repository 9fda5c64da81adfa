import type { Transaction } from 'kysely'
import type { Database } from '../../store/schema.js'
import type { WorkspaceId } from '../../ids.js'
import type { ContactsRepository } from '../../crm/contacts-repository.js'
import type { ConnectionsRepository } from '../connections-repository.js'
import { handlingFor } from '../cloud-api/errors.js'

/** A `failed` status with Meta's error, as the webhook processor read it. */
export interface FailedStatus {
  phoneNumberId: string
  /** The user's wa_id (`recipient_id`). */
  recipientId: string
  errorCode: number
  errorTitle: string | null
  occurredAt: string
}

/**
 * The number- and contact-wide effects of an error that arrived by webhook, through the same
 * table as a send's synchronous error (`ERROR_HANDLING`): Meta reports errors "either
 * synchronously as a Graph API response, asynchronously via Webhook, or sometimes through
 * both methods" (https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes/).
 *
 * - `stop_number` (131048 spam rate limit, 131037 display name not approved, …) pauses the
 *   number with Meta's reason; the sender then pauses its campaigns.
 * - 131050 (the user stopped marketing messages) records the opt-out on the contact, as
 *   their user_preferences "stop" would.
 *
 * The campaign side (requeue or fail the recipient) is the campaign tracking listener's.
 */
export async function applyStatusError (trx: Transaction<Database>, ws: WorkspaceId, status: FailedStatus, deps: { contacts: ContactsRepository, connections: ConnectionsRepository }): Promise<void> {
  const rule = handlingFor(status.errorCode)
  const reason = `${status.errorCode}: ${status.errorTitle ?? 'Failed'}`
  if (rule.handling === 'stop_number') {
    await deps.connections.setNumberPaused(ws, status.phoneNumberId, reason, trx)
  }
  if (rule.optOut === true && status.recipientId !== '') {
    const { contactId } = await deps.contacts.findOrCreateForWhatsapp(ws, { waId: status.recipientId }, trx)
    await deps.contacts.setMarketingFromWhatsapp(ws, contactId, { status: 'opted_out', source: 'whatsapp_user_preferences', at: status.occurredAt }, trx)
  }
}
