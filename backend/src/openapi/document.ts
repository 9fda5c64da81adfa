import type { FastifySchema, RouteOptions } from 'fastify'
import { ErrorSchema } from '../common-schemas.js'
import { EVENT_CATALOG, EVENT_TYPES, envelopeSchema, type EventType } from '../events/catalog.js'
import { NOT_OPERATIONS, OPERATION_IDS } from './operation-ids.js'

/**
 * What the OpenAPI document says beyond each route's own schema, so generators and
 * integration builders can rely on it (linted with Redocly's recommended rules):
 * every operation's chosen operationId, the 429 every rate-limited route can answer,
 * routes that are no API operation left out, and the outbound webhook events as
 * OpenAPI 3.1 `webhooks`, so a generated client types what a receiver gets.
 */

/** Documentation only: the route's own schema still validates and serialises. */
export function routeTransform ({ schema, url, route }: { schema: FastifySchema, url: string, route: RouteOptions }): { schema: FastifySchema, url: string } {
  // Routes without a schema still reach here (as undefined, whatever the types say).
  const own = ((schema as FastifySchema | undefined) ?? {}) as FastifySchema & { hide?: boolean, operationId?: string }
  if (own.hide === true) return { schema: own, url }
  const method = Array.isArray(route.method) ? route.method[0] : route.method
  const key = `${String(method)} ${url}`
  if (url.includes('*') || NOT_OPERATIONS.has(key)) return { schema: { ...own, hide: true } as FastifySchema, url }
  const response: Record<string, unknown> = { ...(own.response as Record<string, unknown> | undefined) }
  // The rate limiter (plugins/external/rate-limit.ts) guards every route that does not opt out.
  if ((route.config as { rateLimit?: unknown } | undefined)?.rateLimit !== false && !('429' in response)) response['429'] = ErrorSchema
  const operationId = OPERATION_IDS[key]
  return { schema: { ...own, response, ...(operationId === undefined ? {} : { operationId }) } as FastifySchema, url }
}

const SIGNATURE_HEADERS = [
  { name: 'webhook-id', in: 'header', required: true, description: 'The event id (evt_…): the same in every retry and redelivery. Process each id once.', schema: { type: 'string' } },
  { name: 'webhook-timestamp', in: 'header', required: true, description: 'When this attempt was sent, in Unix seconds. Refuse deliveries more than five minutes away from your clock (replays).', schema: { type: 'string', pattern: '^[0-9]+$' } },
  { name: 'webhook-signature', in: 'header', required: true, description: 'Space-separated `v1,<base64>` signatures: HMAC-SHA256 of `<webhook-id>.<webhook-timestamp>.<raw body>` keyed with the base64-decoded part of your endpoint secret after `whsec_` (Standard Webhooks 1.0). Two during the day after a secret rotation; any one matching is enough.', schema: { type: 'string' } },
]

function operationIdOf (type: EventType): string {
  return `${type.replace(/[._](\w)/g, (_m, c: string) => c.toUpperCase())}Event`
}

/** The `webhooks` object: one POST per event type, as an endpoint receives it. */
export function webhooksSection (): Record<string, object> {
  return Object.fromEntries(EVENT_TYPES.map((type) => [type, {
    post: {
      operationId: operationIdOf(type),
      tags: ['webhooks'],
      summary: `${type} (sent to your endpoint)`,
      description: `${EVENT_CATALOG[type].description}\n\nDeliveries to one endpoint with the same ordering key (the contact, deal or campaign) arrive one at a time, in order. Failed deliveries are retried with backoff for 24 hours; a 410 answer turns the endpoint off.`,
      parameters: SIGNATURE_HEADERS,
      requestBody: { required: true, content: { 'application/json': { schema: envelopeSchema(type) } } },
      responses: {
        '2XX': { description: 'Received: any 2xx answer within 15 seconds acknowledges the delivery. Redirects are not followed.' },
        410: { description: 'Gone: Switchboard turns the endpoint off until an admin turns it back on.' },
      },
      // Switchboard calls you: no API credential, the signature headers above instead.
      security: [],
    },
  }]))
}
