import { Type, type Static } from 'typebox'
import { EmailSchema, IdSchema, NameSchema, PageQuerySchema, PageSchema, StrictObject, TimestampSchema, Nullable } from '../common-schemas.js'
import { SearchText, SourceSchema } from './shared-schemas.js'

/** Marketing consent states (the contacts table's check constraint lists the same). */
export const MARKETING_STATUSES = ['unknown', 'opted_in', 'opted_out'] as const
export const MarketingStatusSchema = Type.Enum(MARKETING_STATUSES, { description: 'Marketing opt-in: unknown until the contact says yes or no' })

const EmailInputSchema = Type.String({ minLength: 3, maxLength: 254, description: 'Any case; surrounding spaces are ignored' })
const PhoneInputSchema = Type.String({ minLength: 1, maxLength: 40, description: 'Any common format; numbers without + are read in the workspace\'s default country' })
const WhatsappIdSchema = Type.String({ pattern: '^[0-9]{6,20}$', description: 'The WhatsApp id (wa_id): digits only' })
// Tags are stored in a JSON array and filtered with LIKE on its text, so quotes, backslashes
// and control characters (which JSON escapes) are refused to keep that match exact.
const TagSchema = Type.String({ minLength: 1, maxLength: 50, pattern: '^[^"\\\\\\u0000-\\u001f]+$' })
const MarketingSourceSchema = Type.String({ minLength: 1, maxLength: 100, description: 'How the status was given: a form, a keyword reply, an import…' })

/** A contact as the API shows it. */
export const ContactSchema = Type.Object({
  id: IdSchema,
  name: Type.String(),
  emails: Type.Array(Type.String(), { description: 'Lower-cased, first is primary' }),
  phones: Type.Array(Type.String(), { description: 'E.164, first is primary' }),
  whatsappId: Nullable(Type.String()),
  companyId: Nullable(IdSchema),
  tags: Type.Array(Type.String(), { description: 'Lower-cased' }),
  ownerUserId: Nullable(IdSchema),
  marketing: Type.Object({
    status: MarketingStatusSchema,
    source: Nullable(Type.String()),
    updatedAt: Nullable(TimestampSchema),
  }),
  source: SourceSchema,
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
})
export type Contact = Static<typeof ContactSchema>

export const MarketingInputSchema = StrictObject({
  status: MarketingStatusSchema,
  source: Type.Optional(MarketingSourceSchema),
}, { description: 'Changing the status records its source (default: where the request came from) and the time' })

/** A new contact; emails and phones are normalised and must be free in the workspace. */
export const CreateContactSchema = StrictObject({
  name: NameSchema,
  emails: Type.Optional(Type.Array(EmailInputSchema, { maxItems: 10 })),
  phones: Type.Optional(Type.Array(PhoneInputSchema, { maxItems: 10 })),
  whatsappId: Type.Optional(Nullable(WhatsappIdSchema)),
  companyId: Type.Optional(Nullable(IdSchema)),
  tags: Type.Optional(Type.Array(TagSchema, { maxItems: 50 })),
  ownerUserId: Type.Optional(Nullable(IdSchema)),
  marketing: Type.Optional(MarketingInputSchema),
})
export type CreateContact = Static<typeof CreateContactSchema>

/** Changes to a contact: any subset; lists replace, null clears. */
export const UpdateContactSchema = StrictObject({
  name: Type.Optional(NameSchema),
  emails: Type.Optional(Type.Array(EmailInputSchema, { maxItems: 10, description: 'Replaces the whole list' })),
  phones: Type.Optional(Type.Array(PhoneInputSchema, { maxItems: 10, description: 'Replaces the whole list' })),
  whatsappId: Type.Optional(Nullable(WhatsappIdSchema)),
  companyId: Type.Optional(Nullable(IdSchema)),
  tags: Type.Optional(Type.Array(TagSchema, { maxItems: 50, description: 'Replaces the whole list' })),
  ownerUserId: Type.Optional(Nullable(IdSchema)),
  marketing: Type.Optional(MarketingInputSchema),
})
export type UpdateContact = Static<typeof UpdateContactSchema>

/** Contact list paging, search and filters. */
export const ContactQuerySchema = StrictObject({
  ...PageQuerySchema,
  q: Type.Optional(SearchText('Name contains, email starts with, phone contains the digits (3 or more) or is this number, or company domain starts with')),
  companyId: Type.Optional(IdSchema),
  tag: Type.Optional(TagSchema),
})
export type ContactQuery = Static<typeof ContactQuerySchema>

/** The add-on hot path's question: who has this email, or this phone? */
export const ContactLookupQuerySchema = StrictObject({
  email: Type.Optional(EmailSchema),
  phone: Type.Optional(PhoneInputSchema),
}, { description: 'Exactly one of email or phone' })

/** A page of contacts, newest first. */
export const ContactPageSchema = PageSchema(ContactSchema)
