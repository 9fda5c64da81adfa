import type { Kysely } from 'kysely'
import type { Database } from '../store/schema.js'
import { newId, type WorkspaceId } from '../ids.js'
import { SwitchboardError } from '../errors.js'
import type { AuditLog } from '../privacy/audit-log.js'
import type { SecretBinding, SecretBox } from '../privacy/secret-box.js'
import { checkWebhookUrl } from '../privacy/outbound-addresses.js'
import type { Actor } from '../identity/identity-service.js'
import { toEndpoint, type EndpointRow, type EndpointsRepository } from './endpoints-repository.js'
import type { DeliveriesRepository } from './deliveries-repository.js'
import type { CreateWebhookEndpoint, UpdateWebhookEndpoint, WebhookDelivery, WebhookDeliveryDetail, WebhookDeliveryQuery, WebhookEndpoint } from './schemas.js'
import { newSigningSecret } from './signing.js'

/** Endpoints a workspace may have: enough for every tool a team wires up, few enough that one event cannot fan out without bound. */
export const MAX_ENDPOINTS = 20

/** After a rotation the previous secret keeps signing this long, so receivers can switch without losing a delivery. */
export const PREVIOUS_SECRET_MS = 24 * 3_600_000

/** Where an endpoint secret is sealed: its AEAD binding, so a sealed secret copied to another row or workspace fails to open. */
export function sealedSecretBinding (ws: string, endpointId: string, column: 'secret' | 'previous_secret'): SecretBinding {
  return { table: 'webhook_endpoints', column, rowId: endpointId, workspaceId: ws }
}

export interface WebhookServiceDeps {
  db: Kysely<Database>
  audit: AuditLog
  secretBox: SecretBox
  endpoints: EndpointsRepository
  deliveries: DeliveriesRepository
  /** `WEBHOOKS_ALLOW_PRIVATE`: the same rule the delivery worker applies. */
  allowPrivate: boolean
  /** Wakes this process's delivery worker after a redelivery is queued. */
  wake?: () => void
  now?: () => Date
}

function auditActor (actor: Actor) {
  return { actorUserId: actor.userId, actorTokenId: actor.tokenId ?? null, ip: actor.ip ?? null }
}

/**
 * Managing a workspace's webhook endpoints (admins) and reading their delivery log. Every
 * change is audited with the endpoint's host, never its full URL (paths and queries of
 * receivers often hold their own tokens). Secrets are created here, shown once, and kept
 * sealed with the secret box.
 */
export function createWebhookService (deps: WebhookServiceDeps) {
  const { db, audit, secretBox, endpoints, deliveries } = deps
  const now = deps.now ?? (() => new Date())

  function checkedUrl (raw: string): string {
    const verdict = checkWebhookUrl(raw.trim(), deps.allowPrivate)
    if (!verdict.ok) throw new SwitchboardError('SB_WEBHOOK_URL_INVALID', 'url', { detail: verdict.problem })
    return verdict.url.href
  }

  async function endpointOf (ws: WorkspaceId, id: string): Promise<EndpointRow> {
    const row = await endpoints.get(ws, id)
    if (row === undefined) throw new SwitchboardError('SB_WEBHOOK_ENDPOINT_NOT_FOUND')
    return row
  }

  return {
    async list (ws: WorkspaceId): Promise<WebhookEndpoint[]> {
      return (await endpoints.list(ws)).map(toEndpoint)
    },

    async get (ws: WorkspaceId, id: string): Promise<WebhookEndpoint> {
      return toEndpoint(await endpointOf(ws, id))
    },

    /** Registers an endpoint and returns it with its signing secret, which is never shown again. */
    async create (ws: WorkspaceId, input: CreateWebhookEndpoint, actor: Actor): Promise<{ endpoint: WebhookEndpoint, secret: string }> {
      const url = checkedUrl(input.url)
      const at = now().toISOString()
      const id = newId('webhookEndpoint')
      const secret = newSigningSecret()
      const row: EndpointRow = {
        id,
        workspace_id: ws,
        url,
        description: (input.description ?? '').trim(),
        event_types: JSON.stringify([...new Set(input.eventTypes)]),
        secret: secretBox.seal(secret, sealedSecretBinding(ws, id, 'secret')),
        previous_secret: null,
        previous_secret_until: null,
        status: 'active',
        disabled_reason: null,
        created_by: actor.userId,
        created_at: at,
        updated_at: at,
      }
      await db.transaction().execute(async (trx) => {
        if (await endpoints.count(ws, trx) >= MAX_ENDPOINTS) throw new SwitchboardError('SB_WEBHOOK_ENDPOINT_LIMIT')
        await endpoints.insert(row, trx)
        await audit.record(ws, { action: 'webhook.endpoint_created', ...auditActor(actor), targetType: 'webhook_endpoint', targetId: id, details: { host: new URL(url).host } }, trx)
      })
      return { endpoint: toEndpoint(row), secret }
    },

    /** Changes the URL, description, events or status; turning an endpoint back on clears why it was off. */
    async update (ws: WorkspaceId, id: string, input: UpdateWebhookEndpoint, actor: Actor): Promise<WebhookEndpoint> {
      const url = input.url === undefined ? undefined : checkedUrl(input.url)
      return db.transaction().execute(async (trx) => {
        const current = await endpoints.get(ws, id, trx)
        if (current === undefined) throw new SwitchboardError('SB_WEBHOOK_ENDPOINT_NOT_FOUND')
        const changes: Partial<EndpointRow> = { updated_at: now().toISOString() }
        if (url !== undefined) changes.url = url
        if (input.description !== undefined) changes.description = input.description.trim()
        if (input.eventTypes !== undefined) changes.event_types = JSON.stringify([...new Set(input.eventTypes)])
        if (input.status !== undefined && input.status !== current.status) {
          changes.status = input.status
          changes.disabled_reason = input.status === 'disabled' ? 'Turned off by an admin' : null
        }
        await endpoints.update(ws, id, changes, trx)
        const fields = Object.keys(input).sort().join(',')
        await audit.record(ws, { action: 'webhook.endpoint_updated', ...auditActor(actor), targetType: 'webhook_endpoint', targetId: id, details: { fields, host: new URL(changes.url ?? current.url).host } }, trx)
        return toEndpoint({ ...current, ...changes })
      })
    },

    /** Deletes the endpoint with its deliveries and their log. */
    async delete (ws: WorkspaceId, id: string, actor: Actor): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const current = await endpoints.get(ws, id, trx)
        if (current === undefined) throw new SwitchboardError('SB_WEBHOOK_ENDPOINT_NOT_FOUND')
        await endpoints.delete(ws, id, trx)
        await audit.record(ws, { action: 'webhook.endpoint_deleted', ...auditActor(actor), targetType: 'webhook_endpoint', targetId: id, details: { host: new URL(current.url).host } }, trx)
      })
    },

    /**
     * A new signing secret, shown once. The old one keeps signing beside it for a day, so a
     * receiver that switches within the day never sees a delivery it cannot verify.
     */
    async rotateSecret (ws: WorkspaceId, id: string, actor: Actor): Promise<{ endpoint: WebhookEndpoint, secret: string }> {
      const secret = newSigningSecret()
      return db.transaction().execute(async (trx) => {
        const current = await endpoints.get(ws, id, trx)
        if (current === undefined) throw new SwitchboardError('SB_WEBHOOK_ENDPOINT_NOT_FOUND')
        const at = now()
        const oldSecret = secretBox.open(current.secret, sealedSecretBinding(ws, id, 'secret'))
        const changes = {
          secret: secretBox.seal(secret, sealedSecretBinding(ws, id, 'secret')),
          previous_secret: secretBox.seal(oldSecret, sealedSecretBinding(ws, id, 'previous_secret')),
          previous_secret_until: new Date(at.getTime() + PREVIOUS_SECRET_MS).toISOString(),
          updated_at: at.toISOString(),
        }
        await endpoints.update(ws, id, changes, trx)
        await audit.record(ws, { action: 'webhook.secret_rotated', ...auditActor(actor), targetType: 'webhook_endpoint', targetId: id, details: {} }, trx)
        return { endpoint: toEndpoint({ ...current, ...changes }), secret }
      })
    },

    deliveries: (ws: WorkspaceId, query: WebhookDeliveryQuery) => deliveries.list(ws, query),

    async delivery (ws: WorkspaceId, id: string): Promise<WebhookDeliveryDetail> {
      const detail = await deliveries.detail(ws, id)
      if (detail === undefined) throw new SwitchboardError('SB_WEBHOOK_DELIVERY_NOT_FOUND')
      return detail
    },

    /**
     * Sends a delivery's event to its endpoint again: now, if it is waiting for a retry;
     * else as a new delivery with its own retries (`created`).
     */
    async redeliver (ws: WorkspaceId, id: string, actor: Actor): Promise<{ delivery: WebhookDelivery, created: boolean }> {
      const result = await db.transaction().execute(async (trx) => {
        const outcome = await deliveries.redeliver(ws, id, now().toISOString(), trx)
        if (outcome === undefined) throw new SwitchboardError('SB_WEBHOOK_DELIVERY_NOT_FOUND')
        await audit.record(ws, { action: 'webhook.redelivered', ...auditActor(actor), targetType: 'webhook_delivery', targetId: outcome.delivery.id, details: { of: id, created: outcome.created } }, trx)
        return outcome
      })
      deps.wake?.()
      return result
    },
  }
}

export type WebhookService = ReturnType<typeof createWebhookService>
