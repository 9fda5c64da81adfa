import { Type, type Static } from 'typebox'
import { EmailSchema, IdSchema, StrictObject, Nullable } from '../common-schemas.js'
import { ThreadMessageSchema } from '../whatsapp/schemas.js'
import { EmailHeadersSchema, EmailLogSchema } from '../crm/email-log-schemas.js'
import { ActivitySchema } from '../crm/activity-schemas.js'
import { CompanySchema } from '../crm/company-schemas.js'
import { ContactSchema } from '../crm/contact-schemas.js'
import { DealStatusSchema } from '../crm/deal-schemas.js'

/** The addresses on one open email, and optionally its headers to say where it is logged already. */
export const AddonViewRequestSchema = StrictObject({
  emails: Type.Array(EmailSchema, { minItems: 1, maxItems: 50, description: 'Every address on the open email: sender and recipients' }),
  message: Type.Optional(StrictObject(EmailHeadersSchema, { description: 'The open email\'s headers: the answer then says where it is logged' })),
})
export type AddonViewRequest = Static<typeof AddonViewRequestSchema>

/** An open deal as a contact card shows it, with pipeline and stage names resolved. */
export const OpenDealSummarySchema = Type.Object({
  id: IdSchema,
  title: Type.String(),
  amount: Nullable(Type.Number()),
  currency: Nullable(Type.String()),
  pipelineId: IdSchema,
  pipelineName: Type.String(),
  stageId: IdSchema,
  stageName: Type.String(),
  status: DealStatusSchema,
})
export type OpenDealSummary = Static<typeof OpenDealSummarySchema>

/** One contact card: the contact, their company, open deals and latest activity. */
export const AddonContactViewSchema = Type.Object({
  contact: ContactSchema,
  company: Nullable(CompanySchema),
  openDeals: Type.Array(OpenDealSummarySchema, { description: 'Newest first' }),
  recentActivities: Type.Array(ActivitySchema, { maxItems: 5, description: 'The newest five on the contact or its open deals' }),
  whatsapp: Type.Object({
    windowOpenUntil: Nullable(Type.String({ format: 'date-time', description: 'Free-form replies are allowed until then; null when closed' })),
    recentMessages: Type.Array(ThreadMessageSchema, { maxItems: 3, description: 'The newest three messages of the thread' }),
  }),
})

/** Everything an add-on shows beside one email. */
export const AddonViewSchema = Type.Object({
  contacts: Type.Array(AddonContactViewSchema, { description: 'One per matched contact, in the order of the first address that matched it' }),
  unmatchedEmails: Type.Array(Type.String(), { description: 'Addresses (normalised) no contact holds' }),
  companiesByDomain: Type.Array(Type.Object({ domain: Type.String(), company: CompanySchema }), {
    description: 'Companies whose domain is that of an unmatched address: who a stranger probably works for',
  }),
  emailLogs: Type.Array(EmailLogSchema, { description: 'Where the open email is logged already (when its headers were sent)' }),
})
export type AddonView = Static<typeof AddonViewSchema>
export type AddonContactView = Static<typeof AddonContactViewSchema>

/** The CRM part of the view, before the WhatsApp and email-log parts are added. */
export interface CrmAddonView {
  contacts: Array<Omit<AddonContactView, 'whatsapp'>>
  unmatchedEmails: string[]
  companiesByDomain: AddonView['companiesByDomain']
}
