import { Type } from 'typebox'
import { IdSchema, Nullable, StrictObject, TimestampSchema } from '../common-schemas.js'

const StatusSchema = Type.Enum(['pending', 'sending', 'sent', 'delivered', 'read', 'failed', 'unknown', 'cancelled'])
const VariablesSchema = Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 1024 }), { description: 'Template variable values by key (body.1) or bare name (first_name)' })

export const CampaignSchema = Type.Object({
  id: IdSchema,
  name: Type.String(),
  templateName: Type.String(),
  templateLanguage: Type.String(),
  templateCategory: Type.String(),
  variableMapping: Type.Record(Type.String(), Type.String()),
  phoneNumberId: Type.String(),
  state: Type.Enum(['draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled']),
  stateReason: Nullable(Type.String({ description: 'Why it is paused: a stop code from Meta, a limit, or a person' })),
  scheduleAt: Nullable(TimestampSchema),
  source: Type.String(),
  createdBy: Nullable(Type.String()),
  counts: Type.Object({
    total: Type.Integer(), pending: Type.Integer(), sending: Type.Integer(), sent: Type.Integer(), delivered: Type.Integer(),
    read: Type.Integer(), failed: Type.Integer(), unknown: Type.Integer(), cancelled: Type.Integer(), replied: Type.Integer(),
  }),
  changeSeq: Type.Integer(),
  startedAt: Nullable(TimestampSchema),
  completedAt: Nullable(TimestampSchema),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
})

export const CreateCampaignSchema = StrictObject({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  template: StrictObject({ name: Type.String({ minLength: 1, maxLength: 512 }), language: Type.String({ minLength: 2, maxLength: 15 }) }),
  variableMapping: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 200 }), { description: 'Template variable → the sheet column it comes from' })),
  phoneNumberId: Type.Optional(Type.String({ maxLength: 64 })),
  source: Type.Optional(Type.Enum(['api', 'sheets', 'web'])),
})

export const RowSchema = StrictObject({
  rowKey: Type.String({ minLength: 1, maxLength: 128, description: 'Your stable key for the row (the sheet\'s hidden row id)' }),
  phone: Type.String({ maxLength: 64, description: 'As typed; read with the workspace\'s default country when it has no +' }),
  phoneCell: Type.Optional(Type.Enum(['text', 'number'], { description: '`number` when the sheet stored the phone as a Number (its + or leading 0 may be lost): it is then never guessed, but reported as phone_ambiguous' })),
  variables: Type.Optional(VariablesSchema),
})

export const SubmitSchema = StrictObject({
  rows: Type.Array(RowSchema, { minItems: 1, maxItems: 1000 }),
  resendFailed: Type.Optional(Type.Boolean({ description: 'Rows that failed before are queued again (never rows that were sent)' })),
})

export const RowResultSchema = Type.Object({
  rowKey: Type.String(),
  outcome: Type.Enum(['accepted', 'existing', 'requeued', 'rejected']),
  recipientId: Type.Optional(Type.String()),
  status: Type.Optional(StatusSchema),
  problem: Type.Optional(Type.Enum(['phone_missing', 'phone_invalid', 'phone_ambiguous', 'duplicate_in_request', 'duplicate_in_campaign', 'opted_out', 'variable_missing', 'variable_invalid'])),
  detail: Type.Optional(Nullable(Type.String({ description: 'The missing or invalid variable, the row key already holding the number, or the readings of an ambiguous phone separated by " or "' }))),
})

export const SubmissionSchema = Type.Object({
  campaignId: IdSchema,
  accepted: Type.Integer(),
  existing: Type.Integer(),
  requeued: Type.Integer(),
  rejected: Type.Integer(),
  rows: Type.Array(RowResultSchema),
})

export const RecipientSchema = Type.Object({
  id: IdSchema,
  rowKey: Type.String(),
  phone: Type.String(),
  contactId: Nullable(Type.String()),
  status: StatusSchema,
  wamid: Nullable(Type.String()),
  errorCode: Nullable(Type.Integer()),
  reason: Nullable(Type.String()),
  attempts: Type.Integer(),
  sentAt: Nullable(TimestampSchema),
  deliveredAt: Nullable(TimestampSchema),
  readAt: Nullable(TimestampSchema),
  failedAt: Nullable(TimestampSchema),
  repliedAt: Nullable(TimestampSchema),
  replyText: Nullable(Type.String()),
  updatedAt: TimestampSchema,
})

export const ChangesQuerySchema = StrictObject({
  cursor: Type.Optional(Type.String({ maxLength: 80, description: 'From the previous answer; empty for everything' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000 })),
})

export const ChangesSchema = Type.Object({
  campaign: CampaignSchema,
  items: Type.Array(RecipientSchema),
  cursor: Type.String(),
  more: Type.Boolean(),
})

export const RecipientsQuerySchema = StrictObject({
  status: Type.Optional(StatusSchema),
  cursor: Type.Optional(IdSchema),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
})

export const ListQuerySchema = StrictObject({
  cursor: Type.Optional(IdSchema),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
})

export const StartSchema = StrictObject({
  scheduleAt: Type.Optional(Type.String({ maxLength: 40, description: 'Local time in the workspace\'s zone (2026-12-01T09:30) or an ISO instant; absent = now' })),
})

export const PreviewBodySchema = StrictObject({ variables: VariablesSchema })

export const TestSendSchema = StrictObject({
  template: StrictObject({ name: Type.String({ minLength: 1, maxLength: 512 }), language: Type.String({ minLength: 2, maxLength: 15 }) }),
  variables: Type.Optional(VariablesSchema),
  phone: Type.String({ minLength: 3, maxLength: 64 }),
})
