import type { FastifySchema, RouteOptions } from 'fastify'
import type { TSchema } from 'typebox'
import { ErrorSchema } from '../common-schemas.js'
import { ApiTokenSchema, AuditEventSchema, UserSchema } from '../identity/schemas.js'
import { ContactSchema } from '../crm/contact-schemas.js'
import { CompanySchema } from '../crm/company-schemas.js'
import { DealSchema } from '../crm/deal-schemas.js'
import { PipelineSchema } from '../crm/pipeline-schemas.js'
import { ActivitySchema } from '../crm/activity-schemas.js'
import { CampaignSchema, RecipientSchema } from '../campaigns/schemas.js'
import { NumberSchema, TemplateSchema, ThreadMessageSchema } from '../whatsapp/schemas.js'
import { WebhookDeliverySchema, WebhookEndpointSchema } from '../events/schemas.js'
import { EVENT_CATALOG, EVENT_TYPES, envelopeSchema, type EventType } from '../events/catalog.js'
import { NOT_OPERATIONS, OPERATION_IDS } from './operation-ids.js'

/**
 * What the OpenAPI document says beyond each route's own schema, so generators and
 * integration builders can rely on it (linted with Redocly's recommended rules):
 * every operation's chosen operationId, the 429 every rate-limited route can answer,
 * routes that are no API operation left out, the outbound webhook events as OpenAPI 3.1
 * `webhooks` (so a generated client types what a receiver gets), and the API's main
 * records as named components (`components.schemas.Contact`), referenced wherever they
 * appear instead of repeated.
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

/** Records clients name in their own code; each becomes `#/components/schemas/<name>`. */
const NAMED_SCHEMAS: Readonly<Record<string, TSchema>> = {
  Error: ErrorSchema,
  User: UserSchema,
  ApiToken: ApiTokenSchema,
  AuditEvent: AuditEventSchema,
  Contact: ContactSchema,
  Company: CompanySchema,
  Deal: DealSchema,
  Pipeline: PipelineSchema,
  Activity: ActivitySchema,
  Campaign: CampaignSchema,
  CampaignRecipient: RecipientSchema,
  WhatsappNumber: NumberSchema,
  WhatsappTemplate: TemplateSchema,
  WhatsappMessage: ThreadMessageSchema,
  WebhookEndpoint: WebhookEndpointSchema,
  WebhookDelivery: WebhookDeliverySchema,
}

/**
 * Replaces every copy of a named schema in the document with a reference to one
 * component (as JSON, which is how the document is served). Components nobody
 * references are left out, as Redocly's no-unused-components asks.
 */
export function hoistNamedSchemas<T extends object> (document: T): T {
  const byJson = new Map(Object.entries(NAMED_SCHEMAS).map(([name, schema]) => [canonical(schema), name]))
  const used = new Map<string, unknown>()
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk)
    if (typeof node !== 'object' || node === null) return node
    const name = byJson.get(canonical(node))
    if (name !== undefined) {
      used.set(name, JSON.parse(JSON.stringify(node)))
      return { $ref: `#/components/schemas/${name}` }
    }
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, walk(value)]))
  }
  const out = walk(JSON.parse(JSON.stringify(document))) as T & { components?: { schemas?: Record<string, unknown>, responses?: Record<string, unknown> } }
  const errors = factorErrorResponses(out)
  out.components = {
    ...out.components,
    schemas: { ...out.components?.schemas, ...Object.fromEntries([...used].sort(([a], [b]) => a.localeCompare(b))) },
    ...(errors ? { responses: { ...out.components?.responses, Error: ERROR_RESPONSE } } : {}),
  }
  return out
}

const ERROR_REF = { $ref: '#/components/schemas/Error' }
const ERROR_RESPONSE = { description: 'The error body every 4xx and 5xx answer has: a stable code, see docs/errors.md', content: { 'application/json': { schema: ERROR_REF } } }

/** Every plain error answer becomes a reference to one `Error` response; true when there was any. */
function factorErrorResponses (document: object): boolean {
  let found = false
  const paths = ((document as { paths?: unknown }).paths ?? {}) as Record<string, Record<string, { responses?: Record<string, unknown> }>>
  for (const item of Object.values(paths)) {
    for (const operation of Object.values(item)) {
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        const r = response as { description?: string, content?: Record<string, { schema?: unknown }>, headers?: unknown }
        const only = r.content !== undefined && Object.keys(r.content).length === 1 ? r.content['application/json'] : undefined
        if (r.headers === undefined && only !== undefined && JSON.stringify(only) === JSON.stringify({ schema: ERROR_REF })) {
          operation.responses![status] = { $ref: '#/components/responses/Error' }
          found = true
        }
      }
    }
  }
  return found
}

/**
 * A schema as comparable text: keys sorted, and TypeBox's `patternProperties: { '^.*$' }`
 * (a record) read as the `additionalProperties` @fastify/swagger writes for it.
 */
function canonical (schema: unknown): string {
  const norm = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(norm)
    if (typeof node !== 'object' || node === null) return node
    const entries = Object.entries(node)
    const pattern = (node as { patternProperties?: Record<string, unknown> }).patternProperties
    const record = pattern !== undefined && Object.keys(pattern).length === 1 && '^.*$' in pattern
    const kept = entries.filter(([key]) => !(record && key === 'patternProperties'))
    if (record) kept.push(['additionalProperties', pattern['^.*$']])
    return Object.fromEntries(kept.sort(([a], [b]) => a.localeCompare(b)).map(([key, value]) => [key, norm(value)]))
  }
  return JSON.stringify(norm(schema))
}
