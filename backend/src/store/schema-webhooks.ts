import type { Generated } from 'kysely'

/**
 * Table types of outbound webhooks (migration 0012), kept beside schema.ts, which is past
 * the size the style guide asks for; `Database` there lists them.
 */

export type WebhookEndpointStatus = 'active' | 'disabled'
export type WebhookDeliveryStatus = 'pending' | 'delivering' | 'delivered' | 'failed'

export interface WebhookEndpointsTable {
  id: string
  workspace_id: string
  /** https (or http to a private address where the operator allows private addresses). */
  url: string
  description: string
  /** JSON array of event types this endpoint receives. */
  event_types: string
  /** `whsec_…`, sealed with the secret box (binding: webhook_endpoints, secret, id, workspace). */
  secret: string
  /** The secret before the last rotation, sealed; deliveries are signed with both until `previous_secret_until`. */
  previous_secret: string | null
  previous_secret_until: string | null
  status: WebhookEndpointStatus
  /** Why it is disabled: by an admin, or the receiver answered 410 Gone. */
  disabled_reason: string | null
  created_by: string | null
  created_at: string
  updated_at: string
}

export interface WebhookEventsTable {
  /** `evt_…`: the `webhook-id` header, the same for every attempt and redelivery. */
  id: string
  workspace_id: string
  type: string
  ordering_key: string
  /** The JSON body exactly as sent and signed. */
  body: string
  created_at: string
}

export interface WebhookDeliveriesTable {
  /** Store-assigned, in commit order: the order deliveries of one key go out in. */
  seq: Generated<number>
  /** `whd_…`, the id the API and the web app show. */
  id: string
  workspace_id: string
  endpoint_id: string
  event_id: string
  ordering_key: string
  status: WebhookDeliveryStatus
  attempts: number
  next_attempt_at: string
  lease_owner: string | null
  lease_until: string | null
  last_status_code: number | null
  /** What went wrong, in words that quote nothing the receiver sent back. */
  last_error: string | null
  redelivery_of: string | null
  created_at: string
  updated_at: string
  completed_at: string | null
}

export interface WebhookAttemptsTable {
  id: Generated<number>
  workspace_id: string
  delivery_seq: number
  attempt: number
  attempted_at: string
  duration_ms: number
  status_code: number | null
  error: string | null
}
