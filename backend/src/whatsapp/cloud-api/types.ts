/**
 * Inputs and results of the Cloud API client, in camelCase. The client maps them to and
 * from Meta's snake_case wire format; nothing above it sees Meta's field names.
 */

/** Options every send accepts. */
export interface SendOptions {
  /** The wamid this message replies to (`context.message_id`). */
  replyTo?: string
  /** Echoed back in every status webhook of this message; carry the campaign/recipient id here. */
  bizOpaqueCallbackData?: string
}

export interface TextOptions extends SendOptions {
  /** Let WhatsApp render a preview of the first URL in the body. */
  previewUrl?: boolean
}

/** What Meta accepted. `waId` is the canonical user key: store it, it may differ from `input`. */
export interface SendResult {
  wamid: string
  waId: string
  input: string
  /** `accepted` or `held_for_quality_assessment` under template pacing; absent for most sends. */
  messageStatus?: string
}

/** One template parameter. `parameterName` is required for NAMED templates and must be absent for POSITIONAL ones. */
export type TemplateParameter =
  | { type: 'text', text: string, parameterName?: string }
  | { type: 'currency', fallbackValue: string, code: string, amount1000: number, parameterName?: string }
  | { type: 'date_time', fallbackValue: string, parameterName?: string }
  | { type: 'image' | 'video' | 'document', link?: string, id?: string, filename?: string }
  | { type: 'location', latitude: number, longitude: number, name?: string, address?: string }
  | { type: 'payload', payload: string }
  | { type: 'coupon_code', couponCode: string }

export type TemplateButtonSubType = 'quick_reply' | 'url' | 'copy_code' | 'flow' | 'catalog'

/** The variable parts of a template: header, body and per-button parameters. */
export type TemplateComponentInput =
  | { type: 'header', parameters: TemplateParameter[] }
  | { type: 'body', parameters: TemplateParameter[] }
  /** `index` is the button's position in the template, from 0. */
  | { type: 'button', subType: TemplateButtonSubType, index: number, parameters: TemplateParameter[] }

export interface TemplateMessage {
  name: string
  /** As in the template definition, such as `en_US` or `pt_BR`. */
  languageCode: string
  components?: TemplateComponentInput[]
}

export type MediaKind = 'image' | 'video' | 'audio' | 'document' | 'sticker'

/** A media message by uploaded media `id` or by public `link` (exactly one). */
export interface MediaMessage {
  kind: MediaKind
  link?: string
  id?: string
  /** Not for audio or sticker. */
  caption?: string
  /** Documents only. */
  filename?: string
}

/** Interactive messages in Meta's own shape (reply buttons, lists, CTA URL). */
export interface InteractiveMessage {
  type: 'button' | 'list' | 'cta_url'
  header?: Record<string, unknown>
  body: { text: string }
  footer?: { text: string }
  action: Record<string, unknown>
}

/** Template statuses Meta reports. */
export type TemplateStatus =
  | 'APPROVED' | 'PENDING' | 'REJECTED' | 'PAUSED' | 'DISABLED' | 'IN_APPEAL'
  | 'PENDING_DELETION' | 'DELETED' | 'ARCHIVED' | 'LIMIT_EXCEEDED' | 'LOCKED'

/** A template definition component, as Meta returns it (upper-case types, `{{n}}` / `{{name}}` placeholders). */
export interface TemplateDefinitionComponent {
  type: 'HEADER' | 'BODY' | 'FOOTER' | 'BUTTONS'
  format?: 'TEXT' | 'IMAGE' | 'VIDEO' | 'DOCUMENT' | 'LOCATION'
  text?: string
  buttons?: Array<{ type: string, text: string, url?: string, phone_number?: string, example?: string[] }>
  example?: Record<string, unknown>
}

/** One template in one language. */
export interface MessageTemplate {
  id: string
  name: string
  language: string
  status: TemplateStatus | string
  category: string
  parameterFormat: 'NAMED' | 'POSITIONAL'
  components: TemplateDefinitionComponent[]
}

export interface ListTemplatesOptions {
  /** Page size; Meta's default is 25. */
  limit?: number
  /** Cursor from a previous page's `nextCursor`. */
  after?: string
  /** Only templates with this status (for example `APPROVED`). */
  status?: TemplateStatus
}

export interface TemplatePage {
  templates: MessageTemplate[]
  /** Cursor for the next page, or null on the last page. */
  nextCursor: string | null
}

/** A business phone number's identity, limits and health. */
export interface PhoneNumberInfo {
  id: string
  displayPhoneNumber: string
  verifiedName: string
  /** GREEN, YELLOW, RED or UNKNOWN. */
  qualityRating: string
  /** `throughput.level`: STANDARD, HIGH or NOT_APPLICABLE. */
  throughputLevel: string | null
  /** `whatsapp_business_manager_messaging_limit`, such as TIER_250 or TIER_UNLIMITED. */
  messagingLimitTier: string | null
}

/** The business token an Embedded Signup code is exchanged for. */
export interface ExchangedToken {
  accessToken: string
  tokenType: string
  /** Seconds; Business Integration System User tokens usually carry none. */
  expiresIn?: number
}

export interface SubscribeAppOptions {
  /** Send this WABA's webhooks to another callback than the app's (Meta verifies it first). */
  overrideCallbackUri?: string
  verifyToken?: string
}
