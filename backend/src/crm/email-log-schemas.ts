import { Type } from 'typebox'
import { EmailSchema, IdSchema, Nullable, StrictObject, TimestampSchema } from '../common-schemas.js'
import { ActivitySchema } from './activity-schemas.js'

/**
 * Attachment files a person chose to upload with a logged email, decoded, across the
 * email: enough for quotes and contracts, small enough that one request stays cheap.
 */
export const MAX_ATTACHMENT_UPLOAD_BYTES = 4 * 1_048_576
const MAX_ATTACHMENT_BASE64_CHARS = Math.ceil(MAX_ATTACHMENT_UPLOAD_BYTES / 3) * 4
/** The log route's own body limit: the upload cap in base64, plus headers and a body. */
export const EMAIL_LOG_BODY_LIMIT = MAX_ATTACHMENT_BASE64_CHARS + 1_048_576

/** An uploaded attachment file, as the download route describes it. */
export const AttachmentParamsSchema = StrictObject({
  id: IdSchema,
  position: Type.Integer({ minimum: 0, maximum: 99, description: 'Index in the activity\'s data.attachments' }),
})

/** The headers that identify an email (its Message-ID, or a fingerprint of the rest). */
export const EmailHeadersSchema = {
  messageId: Type.Optional(Type.String({ maxLength: 998, description: 'RFC 5322 Message-ID (internetMessageId); without it the email is known by a fingerprint' })),
  subject: Type.String({ maxLength: 998 }),
  from: EmailSchema,
  to: Type.Array(EmailSchema, { maxItems: 500 }),
  cc: Type.Optional(Type.Array(EmailSchema, { maxItems: 500 })),
  date: TimestampSchema,
}

export const LogEmailSchema = StrictObject({
  email: StrictObject({
    ...EmailHeadersSchema,
    threadId: Type.Optional(Type.String({ maxLength: 256 })),
    body: Type.Optional(Type.String({ maxLength: 500_000, description: 'Only when the user chose "include body"' })),
    attachments: Type.Optional(Type.Array(StrictObject({
      name: Type.String({ maxLength: 255 }),
      // Bounded: a client's claim is stored and summed; no mail host carries a file past 1 TiB.
      size: Type.Integer({ minimum: 0, maximum: 2 ** 40 }),
      contentType: Type.Optional(Type.String({ maxLength: 255 })),
      content: Type.Optional(Type.String({
        maxLength: MAX_ATTACHMENT_BASE64_CHARS,
        contentEncoding: 'base64',
        description: `The file, base64, only when the person chose to upload it; at most ${MAX_ATTACHMENT_UPLOAD_BYTES / 1_048_576} MiB decoded across one email's attachments`,
      })),
    }), { maxItems: 100, description: 'Names and sizes; content only when uploaded' })),
  }),
  dealId: Type.Optional(IdSchema),
  contactId: Type.Optional(IdSchema),
  client: Type.Optional(Type.Enum(['gmail', 'outlook', 'api'], { description: 'Where the email was read: provenance for Google and Microsoft data' })),
}, { description: 'Exactly one of dealId or contactId' })

/** Where an email was logged, by whom and when. */
export const EmailLogSchema = Type.Object({
  targetType: Type.Enum(['contact', 'deal']),
  targetId: IdSchema,
  targetName: Type.String(),
  activityId: IdSchema,
  loggedBy: Nullable(Type.Object({ id: IdSchema, displayName: Type.String() })),
  loggedAt: TimestampSchema,
  source: Type.String(),
})

export const LogResultSchema = Type.Object({
  alreadyLogged: Type.Boolean(),
  log: EmailLogSchema,
  activity: Nullable(ActivitySchema),
})
