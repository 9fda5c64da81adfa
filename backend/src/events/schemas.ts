import { Type, type Static } from 'typebox'
import { IdSchema, Nullable, PageQuerySchema, PageSchema, StrictObject, TimestampSchema } from '../common-schemas.js'
import { EVENT_TYPES } from './catalog.js'

export const EventTypeSchema = Type.Enum(EVENT_TYPES, { description: 'An event type; see GET /api/v1/webhook-event-types' })

export const WEBHOOK_ENDPOINT_STATUSES = ['active', 'disabled'] as const
export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'delivering', 'delivered', 'failed'] as const

const UrlSchema = Type.String({ minLength: 8, maxLength: 2048, description: 'https:// (plain http:// only to a private address, where the operator allows those); checked again after DNS at every delivery' })
const DescriptionSchema = Type.String({ maxLength: 200 })
const EventTypesSchema = Type.Array(EventTypeSchema, { minItems: 1, maxItems: 50, description: 'The events this endpoint receives' })

/** A webhook endpoint as the API shows it; its secret never appears here. */
export const WebhookEndpointSchema = Type.Object({
  id: IdSchema,
  url: Type.String(),
  description: Type.String(),
  eventTypes: Type.Array(EventTypeSchema),
  status: Type.Enum(WEBHOOK_ENDPOINT_STATUSES, { description: 'disabled: no delivery is attempted until it is active again (its deliveries wait)' }),
  disabledReason: Nullable(Type.String()),
  previousSecretValidUntil: Nullable(Type.String({ format: 'date-time', description: 'After a rotation, deliveries are also signed with the previous secret until then' })),
  createdBy: Nullable(IdSchema),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
})
export type WebhookEndpoint = Static<typeof WebhookEndpointSchema>

export const CreateWebhookEndpointSchema = StrictObject({
  url: UrlSchema,
  description: Type.Optional(DescriptionSchema),
  eventTypes: EventTypesSchema,
})
export type CreateWebhookEndpoint = Static<typeof CreateWebhookEndpointSchema>

export const UpdateWebhookEndpointSchema = StrictObject({
  url: Type.Optional(UrlSchema),
  description: Type.Optional(DescriptionSchema),
  eventTypes: Type.Optional(EventTypesSchema),
  status: Type.Optional(Type.Enum(WEBHOOK_ENDPOINT_STATUSES)),
})
export type UpdateWebhookEndpoint = Static<typeof UpdateWebhookEndpointSchema>

/** The endpoint and its signing secret: the only answers that show the secret. */
export const WebhookSecretSchema = Type.Object({
  endpoint: WebhookEndpointSchema,
  secret: Type.String({ description: 'whsec_…: the key receivers verify signatures with. Shown this once; Switchboard keeps it encrypted' }),
})

export const WebhookEndpointListSchema = Type.Object({ items: Type.Array(WebhookEndpointSchema) })

/** One event sent to one endpoint, with its retry state. */
export const WebhookDeliverySchema = Type.Object({
  id: IdSchema,
  endpointId: IdSchema,
  eventId: Type.String(),
  eventType: Type.String(),
  status: Type.Enum(WEBHOOK_DELIVERY_STATUSES, { description: 'pending (waiting or between retries), delivering, delivered (a 2xx answer), failed (given up after 24 hours, or the receiver answered 410 Gone)' }),
  attempts: Type.Integer(),
  nextAttemptAt: Nullable(TimestampSchema),
  lastStatusCode: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
  redeliveryOf: Nullable(IdSchema),
  createdAt: TimestampSchema,
  completedAt: Nullable(TimestampSchema),
})
export type WebhookDelivery = Static<typeof WebhookDeliverySchema>

export const WebhookAttemptSchema = Type.Object({
  attempt: Type.Integer(),
  attemptedAt: TimestampSchema,
  durationMs: Type.Integer(),
  statusCode: Nullable(Type.Integer()),
  error: Nullable(Type.String()),
})

export const WebhookDeliveryDetailSchema = Type.Object({
  delivery: WebhookDeliverySchema,
  attemptLog: Type.Array(WebhookAttemptSchema),
  /** The JSON body exactly as sent. */
  body: Type.String({ description: 'The delivery\'s JSON body, exactly as sent and signed' }),
})
export type WebhookDeliveryDetail = Static<typeof WebhookDeliveryDetailSchema>

export const WebhookDeliveryQuerySchema = StrictObject({
  endpointId: Type.Optional(IdSchema),
  status: Type.Optional(Type.Enum(WEBHOOK_DELIVERY_STATUSES)),
  eventType: Type.Optional(EventTypeSchema),
  ...PageQuerySchema,
})
export type WebhookDeliveryQuery = Static<typeof WebhookDeliveryQuerySchema>

export const WebhookDeliveryPageSchema = PageSchema(WebhookDeliverySchema)

export const WebhookEventTypeListSchema = Type.Object({
  items: Type.Array(Type.Object({
    type: EventTypeSchema,
    description: Type.String(),
  })),
})
