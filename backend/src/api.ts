/**
 * The request and response types clients (add-ons, web pages) import with `import type`.
 * They are the static types of the TypeBox schemas that validate the requests, so a
 * change to the API is a type error in every client that it breaks.
 */
import type { Static } from 'typebox'
import type { ErrorSchema } from './common-schemas.js'
import type { MeSchema, UserSchema, ApiTokenSchema, CreatedTokenSchema } from './identity/schemas.js'
import type { PipelineSchema } from './crm/pipeline-schemas.js'
import type {
  ContactLookupQuerySchema, ContactPageSchema, ContactQuerySchema, ContactSchema, CreateContactSchema, UpdateContactSchema,
} from './crm/contact-schemas.js'
import type { CompanyPageSchema, CompanyQuerySchema, CompanySchema, CreateCompanySchema, UpdateCompanySchema } from './crm/company-schemas.js'
import type { CreateDealSchema, DealPageSchema, DealQuerySchema, DealSchema, MoveDealSchema, UpdateDealSchema } from './crm/deal-schemas.js'
import type { ActivityPageSchema, ActivityQuerySchema, ActivitySchema, CreateActivitySchema, UpdateActivitySchema } from './crm/activity-schemas.js'
import type { AddonContactViewSchema, AddonViewRequestSchema, AddonViewSchema, OpenDealSummarySchema } from './addon/schemas.js'
import type {
  CampaignSchema, ChangesQuerySchema, ChangesSchema, CreateCampaignSchema, PreviewBodySchema, RecipientSchema, RowResultSchema,
  RowSchema, StartSchema, SubmissionSchema, SubmitSchema, TestSendSchema,
} from './campaigns/schemas.js'
import type {
  ConnectionStatusSchema, NumberSchema, PreviewSchema, TemplateRefSchema, TemplateSchema, TemplateVariableSchema, ThreadMessageSchema,
} from './whatsapp/schemas.js'
import type { EmailLogSchema, LogEmailSchema, LogResultSchema } from './crm/email-log-schemas.js'
import type { StageSchema } from './crm/pipeline-schemas.js'
import type { SendSchema, ThreadSchema } from './whatsapp/schemas.js'
import type { AddinTokenRequestSchema, AddinTokenSchema } from './identity/addin-schemas.js'
import type {
  CreateWebhookEndpointSchema, UpdateWebhookEndpointSchema, WebhookDeliveryDetailSchema, WebhookDeliverySchema, WebhookEndpointSchema, WebhookSecretSchema,
} from './events/schemas.js'

export type { ErrorCode } from './errors.js'
export type ApiError = Static<typeof ErrorSchema>
export type Me = Static<typeof MeSchema>
export type User = Static<typeof UserSchema>
export type ApiToken = Static<typeof ApiTokenSchema>
export type CreatedToken = Static<typeof CreatedTokenSchema>
export type Pipeline = Static<typeof PipelineSchema>

export type Contact = Static<typeof ContactSchema>
export type CreateContactRequest = Static<typeof CreateContactSchema>
export type UpdateContactRequest = Static<typeof UpdateContactSchema>
export type ContactQuery = Static<typeof ContactQuerySchema>
export type ContactLookupQuery = Static<typeof ContactLookupQuerySchema>
export type ContactPage = Static<typeof ContactPageSchema>

export type Company = Static<typeof CompanySchema>
export type CreateCompanyRequest = Static<typeof CreateCompanySchema>
export type UpdateCompanyRequest = Static<typeof UpdateCompanySchema>
export type CompanyQuery = Static<typeof CompanyQuerySchema>
export type CompanyPage = Static<typeof CompanyPageSchema>

export type Deal = Static<typeof DealSchema>
export type CreateDealRequest = Static<typeof CreateDealSchema>
export type UpdateDealRequest = Static<typeof UpdateDealSchema>
export type MoveDealRequest = Static<typeof MoveDealSchema>
export type DealQuery = Static<typeof DealQuerySchema>
export type DealPage = Static<typeof DealPageSchema>

export type Activity = Static<typeof ActivitySchema>
export type CreateActivityRequest = Static<typeof CreateActivitySchema>
export type UpdateActivityRequest = Static<typeof UpdateActivitySchema>
export type ActivityQuery = Static<typeof ActivityQuerySchema>
export type ActivityPage = Static<typeof ActivityPageSchema>

export type AddonViewRequest = Static<typeof AddonViewRequestSchema>
export type AddonView = Static<typeof AddonViewSchema>
export type AddonContactView = Static<typeof AddonContactViewSchema>
export type OpenDealSummary = Static<typeof OpenDealSummarySchema>

// Campaigns and WhatsApp templates, as the Sheets add-on drives them.
export type Campaign = Static<typeof CampaignSchema>
export type CreateCampaignRequest = Static<typeof CreateCampaignSchema>
export type CampaignRow = Static<typeof RowSchema>
export type SubmitRecipientsRequest = Static<typeof SubmitSchema>
export type RowResult = Static<typeof RowResultSchema>
export type Submission = Static<typeof SubmissionSchema>
export type Recipient = Static<typeof RecipientSchema>
export type ChangesQuery = Static<typeof ChangesQuerySchema>
export type Changes = Static<typeof ChangesSchema>
export type StartCampaignRequest = Static<typeof StartSchema>
export type CampaignPreviewRequest = Static<typeof PreviewBodySchema>
export type TestSendRequest = Static<typeof TestSendSchema>

export type WhatsappConnectionStatus = Static<typeof ConnectionStatusSchema>
export type WhatsappNumber = Static<typeof NumberSchema>
export type Template = Static<typeof TemplateSchema>
export type TemplateVariable = Static<typeof TemplateVariableSchema>
export type TemplateRef = Static<typeof TemplateRefSchema>
export type TemplatePreview = Static<typeof PreviewSchema>
export type ThreadMessage = Static<typeof ThreadMessageSchema>

// Email logging, pipeline stages and one contact's WhatsApp thread, as the Gmail add-on drives them.
export type Stage = Static<typeof StageSchema>
export type EmailLog = Static<typeof EmailLogSchema>
export type LogEmailRequest = Static<typeof LogEmailSchema>
export type LogEmailResult = Static<typeof LogResultSchema>
export type WhatsappThread = Static<typeof ThreadSchema>
export type SendWhatsappRequest = Static<typeof SendSchema>

// The Outlook add-in's sign-in (authorization code + PKCE, rotating refresh tokens).
export type AddinTokenRequest = Static<typeof AddinTokenRequestSchema>
export type AddinToken = Static<typeof AddinTokenSchema>

// Outbound webhooks: endpoints, the delivery log, and the events a receiver gets.
export type WebhookEndpoint = Static<typeof WebhookEndpointSchema>
export type CreateWebhookEndpointRequest = Static<typeof CreateWebhookEndpointSchema>
export type UpdateWebhookEndpointRequest = Static<typeof UpdateWebhookEndpointSchema>
export type WebhookEndpointWithSecret = Static<typeof WebhookSecretSchema>
export type WebhookDelivery = Static<typeof WebhookDeliverySchema>
export type WebhookDeliveryDetail = Static<typeof WebhookDeliveryDetailSchema>
export type { EventEnvelope as WebhookEvent, EventType as WebhookEventType } from './events/catalog.js'
