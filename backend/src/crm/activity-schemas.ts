import { Type, type Static } from 'typebox'
import { EmailSchema, IdSchema, PageQuerySchema, PageSchema, StrictObject, TimestampSchema, Nullable } from '../common-schemas.js'
import { SourceSchema } from './shared-schemas.js'

/** Every kind of timeline entry. */
export const ACTIVITY_TYPES = ['note', 'email', 'whatsapp', 'stage_change'] as const
export const ActivityTypeSchema = Type.Enum(ACTIVITY_TYPES)
/** What people may log by hand; WhatsApp messages and stage changes are written by Switchboard itself. */
export const LOGGABLE_ACTIVITY_TYPES = ['note', 'email'] as const

const SubjectSchema = Type.String({ minLength: 1, maxLength: 998, description: 'RFC 5322 caps a header line at 998 characters' })
const BodySchema = Type.String({ minLength: 1, maxLength: 20_000 })

/** One timeline entry, linked to a contact, a company and/or a deal. */
export const ActivitySchema = Type.Object({
  id: IdSchema,
  type: ActivityTypeSchema,
  occurredAt: TimestampSchema,
  contactId: Nullable(IdSchema),
  companyId: Nullable(IdSchema),
  dealId: Nullable(IdSchema),
  authorUserId: Nullable(IdSchema),
  subject: Nullable(Type.String()),
  body: Nullable(Type.String()),
  data: Type.Record(Type.String(), Type.Unknown(), { description: 'Type-specific: email headers, stage ids and names, message ids' }),
  source: SourceSchema,
  createdAt: TimestampSchema,
})
export type Activity = Static<typeof ActivitySchema>

/** The headers of a logged email; kept in the activity's `data`. */
export const LoggedEmailSchema = StrictObject({
  from: EmailSchema,
  to: Type.Array(EmailSchema, { maxItems: 100 }),
  cc: Type.Optional(Type.Array(EmailSchema, { maxItems: 100 })),
  messageId: Type.Optional(Type.String({ minLength: 1, maxLength: 998, description: 'The RFC 5322 Message-ID, to recognise the same email logged twice' })),
  date: Type.Optional(TimestampSchema),
})

/** What people may log: a note or an email. */
export const CreateActivitySchema = StrictObject({
  type: Type.Enum(LOGGABLE_ACTIVITY_TYPES, { description: 'note (body required) or email (subject and email required)' }),
  occurredAt: Type.Optional(TimestampSchema),
  contactId: Type.Optional(IdSchema),
  companyId: Type.Optional(IdSchema),
  dealId: Type.Optional(IdSchema),
  subject: Type.Optional(SubjectSchema),
  body: Type.Optional(BodySchema),
  email: Type.Optional(LoggedEmailSchema),
}, { description: 'Linked to at least one of contactId, companyId, dealId' })
export type CreateActivity = Static<typeof CreateActivitySchema>

/** The editable part of a note. */
export const UpdateActivitySchema = StrictObject({
  subject: Type.Optional(Nullable(SubjectSchema)),
  body: Type.Optional(BodySchema),
}, { description: 'Only notes can be edited' })
export type UpdateActivity = Static<typeof UpdateActivitySchema>

/** Timeline filters; they combine. */
export const ActivityQuerySchema = StrictObject({
  ...PageQuerySchema,
  contactId: Type.Optional(IdSchema),
  companyId: Type.Optional(IdSchema),
  dealId: Type.Optional(IdSchema),
})
export type ActivityQuery = Static<typeof ActivityQuerySchema>

/** A timeline page, newest first. */
export const ActivityPageSchema = PageSchema(ActivitySchema)
