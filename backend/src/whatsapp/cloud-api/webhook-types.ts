/**
 * Wire types of the webhooks Meta POSTs for a WhatsApp Business Account (reference §3),
 * shared by the sandbox (which emits them) and the receiver (which parses them). Field
 * names are Meta's (snake_case); everything optional that Meta may omit is optional here.
 */

/** The POST body: one or more WABAs, each with one or more changes. */
export interface WebhookEnvelope {
  object: 'whatsapp_business_account'
  entry: WebhookEntry[]
}

/** `id` is the WABA id, never the phone number id. */
export interface WebhookEntry {
  id: string
  /** Unix seconds; present on template and account events. */
  time?: number
  changes: WebhookChange[]
}

/** One change; `field` says which subscription produced it. */
export type WebhookChange =
  | { field: 'messages', value: MessagesValue }
  | { field: 'user_preferences', value: UserPreferencesValue }
  | { field: 'message_template_status_update', value: TemplateStatusValue }
  /** https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/phone_number_quality_update/ */
  | { field: 'phone_number_quality_update', value: { display_phone_number: string, event: string, current_limit?: string, old_limit?: string, max_daily_conversations_per_business?: string | number } }
  /** https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/account_update/ */
  | { field: 'account_update', value: { phone_number?: string, event: string, ban_info?: { waba_ban_state: string, waba_ban_date?: string }, restriction_info?: Array<{ restriction_type: string, expiration?: string }> } }

/** The sending/receiving business number; `display_phone_number` is digits only. */
export interface WebhookMetadata {
  display_phone_number: string
  phone_number_id: string
}

/** An error inside `statuses[].errors[]` or `value.errors[]`. */
export interface WebhookError {
  code: number
  title: string
  message?: string
  error_data?: { details: string }
  href?: string
}

export type MessageStatusName = 'sent' | 'delivered' | 'read' | 'failed' | 'played'

/** Pricing under per-message pricing (PMP); on `sent` and on one of delivered/read. */
export interface StatusPricing {
  billable: boolean
  pricing_model: 'PMP' | 'CBP'
  type?: 'regular' | 'free_customer_service' | 'free_entry_point'
  category: 'marketing' | 'utility' | 'authentication' | 'authentication_international' | 'marketing_lite' | 'service' | 'referral_conversion'
}

/** Omitted from v24.0 on, except inside free-entry-point windows. */
export interface StatusConversation {
  id: string
  expiration_timestamp?: string
  origin: { type: string }
}

/** A delivery status of a message the business sent. */
export interface MessageStatus {
  id: string
  status: MessageStatusName
  /** Unix seconds, as a string. */
  timestamp: string
  recipient_id: string
  recipient_type?: 'individual' | 'group'
  biz_opaque_callback_data?: string
  conversation?: StatusConversation
  pricing?: StatusPricing
  errors?: WebhookError[]
}

/** The profile of a user who wrote in. */
export interface WebhookContact {
  profile: { name: string }
  wa_id: string
}

/** Reply context: which business message the user answered. */
export interface InboundContext {
  from: string
  id: string
}

interface InboundBase {
  from: string
  id: string
  timestamp: string
  context?: InboundContext
}

/** A message a user sent to the business. */
export type InboundMessage =
  | InboundBase & { type: 'text', text: { body: string } }
  | InboundBase & { type: 'button', button: { payload: string, text: string } }
  | InboundBase & { type: 'interactive', interactive: { type: 'button_reply', button_reply: { id: string, title: string } } | { type: 'list_reply', list_reply: { id: string, title: string, description?: string } } }
  | InboundBase & { type: 'image' | 'video' | 'audio' | 'document' | 'sticker', [media: string]: unknown }

/** `value` of a `messages` change: statuses, or inbound messages with their contacts. */
export interface MessagesValue {
  messaging_product: 'whatsapp'
  metadata: WebhookMetadata
  statuses?: MessageStatus[]
  contacts?: WebhookContact[]
  messages?: InboundMessage[]
  errors?: WebhookError[]
}

/** A user stopped or resumed marketing messages from the business. */
export interface UserPreference {
  wa_id: string
  detail: string
  category: 'marketing_messages'
  value: 'stop' | 'resume'
  timestamp: number
}

export interface UserPreferencesValue {
  messaging_product: 'whatsapp'
  metadata: WebhookMetadata
  contacts?: WebhookContact[]
  user_preferences: UserPreference[]
}

/** A template was approved, rejected, paused, disabled, … */
export interface TemplateStatusValue {
  event: string
  message_template_id: number
  message_template_name: string
  message_template_language: string
  reason: string | null
  message_template_category?: string
  rejection_info?: { reason: string, recommendation: string }
}
