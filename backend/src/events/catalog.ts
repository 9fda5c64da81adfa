import { Type, type Static, type TSchema } from 'typebox'
import { IdSchema, Nullable, StrictObject, TimestampSchema } from '../common-schemas.js'
import { ContactSchema } from '../crm/contact-schemas.js'
import { DealSchema } from '../crm/deal-schemas.js'
import type { DataCategory, Origin } from '../privacy/data-inventory.js'

/**
 * Every event Switchboard sends to webhook endpoints: what it means, the shape of its
 * `data`, which stored column each field is drawn from (the data inventory resolves their
 * categories and publishes them on /privacy), and the key its deliveries are ordered by.
 *
 * Adding an event type is one entry here and one `events.emit(trx, ws, type, data)` where
 * the change happens, inside its transaction. The OpenAPI document's `webhooks`, the typed
 * client, the endpoint forms and the privacy page all read this list.
 */

/**
 * Where one field of an event comes from: a stored `table.column` (or several), or a
 * value worked out when the event is emitted. `origin` vouches for the rows an event reads
 * where the column's provenance varies (a message body is Google-derived when a campaign
 * from a sheet sent it, but an inbound message's body always comes from WhatsApp).
 */
export type Carried =
  | string
  | { from: string | readonly string[], origin?: Origin }
  | { computed: string, category: DataCategory }

export interface EventDefinition<S extends TSchema = TSchema> {
  description: string
  data: S
  /** Dotted paths into `data` (`contact.marketing.status`) and where each comes from. */
  carries: Readonly<Record<string, Carried>>
  /** Deliveries with the same key go to an endpoint one at a time, oldest first. */
  orderingKey: (data: Static<S>) => string
}

function define<S extends TSchema> (definition: EventDefinition<S>): EventDefinition<S> {
  return definition
}

/** A copy of `schema` with a description (shared schemas such as IdSchema carry none). */
function described<T extends TSchema> (schema: T, description: string): T {
  return { ...schema, description }
}

const WamidSchema = Type.String({ description: 'Meta\'s message id (wamid)' })
const PhoneNumberIdSchema = Type.String({ description: 'The Meta id of your WhatsApp number' })

/** The contact fields every contact event carries, as the contacts API shows them. */
const CONTACT_FIELDS = {
  'contact.id': 'contacts.id',
  'contact.name': 'contacts.name',
  'contact.emails': 'contact_emails.email',
  'contact.phones': 'contact_phones.phone',
  'contact.whatsappId': 'contacts.whatsapp_id',
  'contact.companyId': 'contacts.company_id',
  'contact.tags': 'contacts.tags',
  'contact.ownerUserId': 'contacts.owner_user_id',
  'contact.marketing.status': 'contacts.marketing_status',
  'contact.marketing.source': 'contacts.marketing_status_source',
  'contact.marketing.updatedAt': 'contacts.marketing_status_at',
  'contact.source': 'contacts.source',
  'contact.createdAt': 'contacts.created_at',
  'contact.updatedAt': 'contacts.updated_at',
} as const

const DEAL_FIELDS = {
  'deal.id': 'deals.id',
  'deal.title': 'deals.title',
  'deal.amount': 'deals.amount_minor',
  'deal.currency': 'deals.currency',
  'deal.pipelineId': 'deals.pipeline_id',
  'deal.stageId': 'deals.stage_id',
  'deal.status': 'deals.status',
  'deal.contactIds': 'deal_contacts.contact_id',
  'deal.companyId': 'deals.company_id',
  'deal.ownerUserId': 'deals.owner_user_id',
  'deal.expectedClose': 'deals.expected_close',
  'deal.source': 'deals.source',
  'deal.createdAt': 'deals.created_at',
  'deal.updatedAt': 'deals.updated_at',
} as const

const StageRefSchema = StrictObject({ pipelineId: IdSchema, stageId: IdSchema, stage: Type.String({ description: 'The stage\'s name' }) })

/** The contact fields that can change; `contact.updated` lists which did. */
export const CONTACT_CHANGE_FIELDS = ['name', 'emails', 'phones', 'whatsappId', 'companyId', 'tags', 'ownerUserId', 'marketing'] as const
export type ContactChangeField = typeof CONTACT_CHANGE_FIELDS[number]

export const EVENT_CATALOG = {
  'message.received': define({
    description: 'A contact sent your WhatsApp number a message (text, media, a tapped button). Sent once per message, after any contact.created it caused.',
    data: StrictObject({
      messageId: IdSchema,
      wamid: WamidSchema,
      contactId: IdSchema,
      contactCreated: Type.Boolean({ description: 'This message created the contact' }),
      from: Type.String({ description: 'The sender\'s WhatsApp id: their number, digits only' }),
      phoneNumberId: PhoneNumberIdSchema,
      type: Type.String({ description: 'text, image, document, button, interactive, …' }),
      body: Nullable(Type.String({ description: 'The text, a caption, or the label of the tapped button; null for media without text' })),
      contextWamid: Nullable(Type.String({ description: 'The message this one replies to' })),
      sentAt: TimestampSchema,
      optedOut: Type.Boolean({ description: 'The message opted the contact out of marketing (STOP or an opt-out button)' }),
    }),
    carries: {
      messageId: 'wa_messages.id',
      wamid: 'wa_messages.wamid',
      contactId: 'wa_messages.contact_id',
      contactCreated: { computed: 'whether this message created the contact', category: 'crm' },
      from: 'wa_messages.wa_id',
      phoneNumberId: 'wa_messages.phone_number_id',
      type: 'wa_messages.type',
      // Inbound messages are always stored with source `whatsapp`: Meta's, never Google's or Microsoft's.
      body: { from: 'wa_messages.body', origin: 'meta' },
      contextWamid: 'wa_messages.context_wamid',
      sentAt: 'wa_messages.created_at',
      optedOut: { computed: 'whether the message was an opt-out keyword or button', category: 'crm' },
    },
    orderingKey: (data) => `contact:${data.contactId}`,
  }),

  'message.status': define({
    description: 'WhatsApp reported a new status for a message you sent: sent, delivered, read or failed (each status once, as Meta reports it). Not sent for a Sheets campaign\'s message to a number that is no contact: that number came from the sheet, and Google\'s Limited Use keeps it from other tools (campaign.finished has the counts).',
    data: StrictObject({
      wamid: WamidSchema,
      status: Type.String({ description: 'sent, delivered, read, failed (played for voice messages)' }),
      messageId: Nullable(described(IdSchema, 'The message in the contact\'s thread; null when Meta reported the status before the send was recorded')),
      contactId: Nullable(IdSchema),
      campaignId: Nullable(described(IdSchema, 'The campaign that sent it, if one did')),
      to: Type.String({ description: 'The recipient\'s WhatsApp id, as Meta reports it' }),
      phoneNumberId: PhoneNumberIdSchema,
      occurredAt: TimestampSchema,
      error: Nullable(StrictObject({ code: Nullable(Type.Integer()), title: Nullable(Type.String()) }, { description: 'Meta\'s error, for failed' })),
    }),
    carries: {
      wamid: 'wa_status_events.wamid',
      status: 'wa_status_events.status',
      messageId: 'wa_messages.id',
      contactId: 'wa_messages.contact_id',
      campaignId: 'campaign_recipients.campaign_id',
      to: 'wa_status_events.recipient_id',
      phoneNumberId: 'wa_status_events.phone_number_id',
      occurredAt: 'wa_status_events.occurred_at',
      'error.code': 'wa_status_events.error_code',
      'error.title': 'wa_status_events.error_title',
    },
    // Statuses of a message not in anyone's thread (a campaign row that is no contact) queue by number.
    orderingKey: (data) => data.contactId === null ? `whatsapp:${data.to}` : `contact:${data.contactId}`,
  }),

  'campaign.finished': define({
    description: 'A campaign ended: every recipient was sent to or settled (completed), or someone cancelled it. Counts are final for sending; deliveries and reads can still come in.',
    data: StrictObject({
      campaignId: IdSchema,
      name: Nullable(Type.String({ description: 'Null for a campaign started from Google Sheets: its name defaults to the spreadsheet\'s title and sheet name, which Google\'s Limited Use keeps from other tools' })),
      state: Type.Union([Type.Literal('completed'), Type.Literal('cancelled')]),
      source: Type.String({ description: 'Where the campaign was started: web, api, sheets' }),
      counts: StrictObject({
        total: Type.Integer(),
        sent: Type.Integer(),
        delivered: Type.Integer(),
        read: Type.Integer(),
        failed: Type.Integer(),
        unknown: Type.Integer(),
        cancelled: Type.Integer(),
        replied: Type.Integer(),
      }),
      startedAt: Nullable(TimestampSchema),
      finishedAt: TimestampSchema,
    }),
    carries: {
      campaignId: 'campaigns.id',
      name: 'campaigns.name',
      state: 'campaigns.state',
      source: 'campaigns.source',
      'counts.total': 'campaigns.count_total',
      'counts.sent': 'campaigns.count_sent',
      'counts.delivered': 'campaigns.count_delivered',
      'counts.read': 'campaigns.count_read',
      'counts.failed': 'campaigns.count_failed',
      'counts.unknown': 'campaigns.count_unknown',
      'counts.cancelled': 'campaigns.count_cancelled',
      'counts.replied': 'campaigns.count_replied',
      startedAt: 'campaigns.started_at',
      finishedAt: 'campaigns.completed_at',
    },
    orderingKey: (data) => `campaign:${data.campaignId}`,
  }),

  'contact.created': define({
    description: 'A contact was created: in the web app, through the API or an add-on, or by a first WhatsApp message from a new number.',
    data: StrictObject({ contact: ContactSchema }),
    carries: CONTACT_FIELDS,
    orderingKey: (data) => `contact:${data.contact.id}`,
  }),

  'contact.updated': define({
    description: 'A contact changed: edited by someone, linked to a WhatsApp id, or their marketing consent changed (a STOP reply, WhatsApp\'s own preference setting). The changed list names the fields; contact is the whole contact after the change.',
    data: StrictObject({
      contact: ContactSchema,
      changed: Type.Array(Type.Enum(CONTACT_CHANGE_FIELDS)),
    }),
    carries: { ...CONTACT_FIELDS, changed: { computed: 'the names of the fields that changed', category: 'crm' } },
    orderingKey: (data) => `contact:${data.contact.id}`,
  }),

  'deal.stage_changed': define({
    description: 'A deal moved to another stage (or pipeline). A stage with an outcome closes the deal as won or lost: see deal.status.',
    data: StrictObject({
      deal: DealSchema,
      from: StageRefSchema,
      to: StageRefSchema,
      changedBy: Nullable(described(IdSchema, 'The user who moved it')),
    }),
    carries: {
      ...DEAL_FIELDS,
      'from.pipelineId': 'deals.pipeline_id',
      'from.stageId': 'deals.stage_id',
      'from.stage': 'pipeline_stages.name',
      'to.pipelineId': 'deals.pipeline_id',
      'to.stageId': 'deals.stage_id',
      'to.stage': 'pipeline_stages.name',
      changedBy: 'activities.author_user_id',
    },
    orderingKey: (data) => `deal:${data.deal.id}`,
  }),
} as const

export type EventCatalog = typeof EVENT_CATALOG
export type EventType = keyof EventCatalog
export type EventData<T extends EventType> = Static<EventCatalog[T]['data']>

export const EVENT_TYPES = Object.keys(EVENT_CATALOG) as EventType[]

export function isEventType (value: string): value is EventType {
  return Object.hasOwn(EVENT_CATALOG, value)
}

/** The event id's form: also the `webhook-id` header, so it must never hold a `.` (the signed content is dot-joined). */
export const EVENT_ID_PATTERN = '^evt_[0-9a-z]{26}$'

/** The JSON body of every delivery: Standard Webhooks' recommended `type`, `timestamp` and `data`, plus ids. */
export function envelopeSchema<T extends EventType> (type: T) {
  return StrictObject({
    id: Type.String({ pattern: EVENT_ID_PATTERN, description: 'The event id; the same in the webhook-id header, in every retry and in every redelivery: use it to process each event once' }),
    type: Type.Literal(type),
    timestamp: Type.String({ format: 'date-time', description: 'When the event happened (not when this attempt was made)' }),
    workspaceId: IdSchema,
    data: EVENT_CATALOG[type].data,
  })
}

/** An event as delivered. */
export type EventEnvelope<T extends EventType = EventType> = { [K in T]: Static<ReturnType<typeof envelopeSchema<K>>> }[T]
