import { Type, type Static } from 'typebox'
import { IdSchema, Nullable, StrictObject, TimestampSchema } from '../common-schemas.js'

export const NumberSchema = Type.Object({
  id: Type.String({ description: 'Meta\'s phone number id' }),
  displayPhoneNumber: Type.String(),
  verifiedName: Nullable(Type.String()),
  qualityRating: Nullable(Type.String({ description: 'GREEN, YELLOW, RED or UNKNOWN' })),
  messagingLimitTier: Nullable(Type.String({ description: 'Unique users per 24 h outside the service window, e.g. TIER_2K' })),
  throughputLevel: Nullable(Type.String()),
  throughputPerSecond: Type.Integer(),
  registered: Type.Boolean(),
  coexistence: Type.Optional(Type.Boolean({ description: 'Shared with the WhatsApp Business app: not registered by Switchboard, fixed at 20 messages/s' })),
  status: Type.Enum(['active', 'paused']),
  pausedReason: Nullable(Type.String({ description: 'Meta\'s error code and title that paused sending' })),
  pausedAt: Nullable(TimestampSchema),
})

export const ConnectionStatusSchema = Type.Object({
  mode: Type.Enum(['sandbox', 'meta'], { description: 'sandbox: the local Cloud API stand-in plays Meta' }),
  connection: Nullable(Type.Object({
    id: IdSchema,
    status: Type.Enum(['pending', 'connected', 'failed']),
    businessId: Nullable(Type.String()),
    wabaId: Nullable(Type.String()),
    signupStep: Nullable(Type.String({ description: 'exchange, subscribe, register or done' })),
    signupError: Nullable(Type.String({ description: 'Meta\'s code and message for the failed step' })),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
  })),
  numbers: Type.Array(NumberSchema),
  embeddedSignup: Nullable(Type.Object({ appId: Type.String(), configId: Type.String(), graphVersion: Type.String() })),
})
export type ConnectionStatus = Static<typeof ConnectionStatusSchema>

export const SignupSchema = StrictObject({
  code: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, description: 'From FB.login; may be left out when resuming after the exchange step' })),
  wabaId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9]+$' }),
  phoneNumberId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9]+$' }),
  businessId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9]+$' })),
  pin: Type.String({ pattern: '^[0-9]{6}$', description: 'Six digits; becomes the number\'s two-step verification PIN' }),
  coexistence: Type.Optional(Type.Boolean({ description: 'The popup finished with FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING: the number is on the WhatsApp Business app, so it is not registered again and runs at 20 messages/s' })),
})

export const TemplateVariableSchema = Type.Object({
  key: Type.String({ description: 'body.1, header.first_name, button0.1, header.media, header.filename, header.latitude, header.longitude, header.location_name, header.location_address, button1.coupon_code, button2.payload' }),
  name: Type.String(),
  component: Type.Enum(['header', 'body', 'button']),
  kind: Type.Enum(['text', 'image', 'video', 'document', 'filename', 'latitude', 'longitude', 'location_name', 'location_address', 'coupon_code', 'payload']),
  required: Type.Optional(Type.Boolean({ description: 'False for values the send may leave out (a document filename, a quick-reply payload); always present in answers' })),
  example: Nullable(Type.String()),
})

export const TemplateSchema = Type.Object({
  name: Type.String(),
  language: Type.String(),
  status: Type.String(),
  category: Type.String(),
  parameterFormat: Type.Enum(['NAMED', 'POSITIONAL']),
  variables: Type.Array(TemplateVariableSchema),
  text: Type.String({ description: 'The message with its placeholders' }),
})

export const TemplateQuerySchema = StrictObject({
  status: Type.Optional(Type.String({ maxLength: 32, description: 'Default APPROVED; ALL for every status' })),
})

const ParametersSchema = Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 1024 }), { description: 'Values by variable key (body.1) or bare name (first_name)' })

export const TemplateRefSchema = StrictObject({
  name: Type.String({ minLength: 1, maxLength: 512 }),
  language: Type.String({ minLength: 2, maxLength: 15 }),
  parameters: Type.Optional(ParametersSchema),
})

export const PreviewSchema = Type.Object({
  text: Type.String(),
  missing: Type.Array(Type.String()),
})

export const ThreadMessageSchema = Type.Object({
  id: IdSchema,
  direction: Type.Enum(['in', 'out']),
  wamid: Nullable(Type.String()),
  type: Type.String(),
  body: Nullable(Type.String()),
  templateName: Nullable(Type.String()),
  templateLanguage: Nullable(Type.String()),
  status: Type.Enum(['sending', 'accepted', 'sent', 'delivered', 'read', 'failed', 'unknown', 'received']),
  statusAt: TimestampSchema,
  errorCode: Nullable(Type.Integer()),
  errorTitle: Nullable(Type.String()),
  authorUserId: Nullable(Type.String()),
  source: Type.String(),
  createdAt: TimestampSchema,
})

export const ThreadSchema = Type.Object({
  items: Type.Array(ThreadMessageSchema),
  window: Type.Object({ open: Type.Boolean(), until: Nullable(TimestampSchema) }),
})

export const ThreadQuerySchema = StrictObject({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  before: Type.Optional(TimestampSchema),
})

export const SendSchema = StrictObject({
  text: Type.Optional(Type.String({ minLength: 1, maxLength: 4096, description: 'Free-form; only inside the 24-hour window' })),
  template: Type.Optional(TemplateRefSchema),
}, { description: 'Exactly one of text or template' })
