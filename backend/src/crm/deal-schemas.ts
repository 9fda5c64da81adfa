import { Type, type Static } from 'typebox'
import { IdSchema, PageQuerySchema, PageSchema, StrictObject, TimestampSchema, Nullable } from '../common-schemas.js'
import { SearchText, SourceSchema } from './shared-schemas.js'

/** Deal states (the deals table's check constraint lists the same). */
export const DEAL_STATUSES = ['open', 'won', 'lost'] as const
export const DealStatusSchema = Type.Enum(DEAL_STATUSES, { description: 'Follows the stage: a stage with an outcome closes the deal as won or lost' })

const TitleSchema = Type.String({ minLength: 1, maxLength: 200 })
const AmountSchema = Type.Number({ minimum: 0, description: 'Major units (19.99), with no more decimals than the currency has' })
const CurrencySchema = Type.String({ pattern: '^[A-Za-z]{3}$', description: 'ISO 4217 code; required with an amount' })
const DateSchema = Type.String({ format: 'date', description: 'YYYY-MM-DD' })
const ContactIdsSchema = Type.Array(IdSchema, { maxItems: 50, description: 'Replaces the whole list' })

/** A deal as the API shows it; amounts in major units. */
export const DealSchema = Type.Object({
  id: IdSchema,
  title: Type.String(),
  amount: Nullable(Type.Number()),
  currency: Nullable(Type.String()),
  pipelineId: IdSchema,
  stageId: IdSchema,
  status: DealStatusSchema,
  contactIds: Type.Array(IdSchema),
  companyId: Nullable(IdSchema),
  ownerUserId: Nullable(IdSchema),
  expectedClose: Nullable(Type.String({ description: 'YYYY-MM-DD' })),
  source: SourceSchema,
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
})
export type Deal = Static<typeof DealSchema>

/** A new deal. */
export const CreateDealSchema = StrictObject({
  title: TitleSchema,
  amount: Type.Optional(Nullable(AmountSchema)),
  currency: Type.Optional(Nullable(CurrencySchema)),
  pipelineId: Type.Optional(IdSchema),
  stageId: Type.Optional(IdSchema),
  contactIds: Type.Optional(ContactIdsSchema),
  companyId: Type.Optional(Nullable(IdSchema)),
  ownerUserId: Type.Optional(Nullable(IdSchema)),
  expectedClose: Type.Optional(Nullable(DateSchema)),
}, { description: 'Without pipelineId the workspace\'s first pipeline; without stageId its first stage' })
export type CreateDeal = Static<typeof CreateDealSchema>

/** Changes to a deal: any subset; contactIds replace, null clears. */
export const UpdateDealSchema = StrictObject({
  title: Type.Optional(TitleSchema),
  amount: Type.Optional(Nullable(AmountSchema)),
  currency: Type.Optional(Nullable(CurrencySchema)),
  pipelineId: Type.Optional(IdSchema),
  stageId: Type.Optional(IdSchema),
  contactIds: Type.Optional(ContactIdsSchema),
  companyId: Type.Optional(Nullable(IdSchema)),
  ownerUserId: Type.Optional(Nullable(IdSchema)),
  expectedClose: Type.Optional(Nullable(DateSchema)),
}, { description: 'A new stage (in the deal\'s pipeline, or in pipelineId) records a stage change on the timeline' })
export type UpdateDeal = Static<typeof UpdateDealSchema>

/** A stage move. */
export const MoveDealSchema = StrictObject({
  stageId: IdSchema,
}, { description: 'A stage of the deal\'s pipeline' })

/** Deal list paging and filters; they combine. */
export const DealQuerySchema = StrictObject({
  ...PageQuerySchema,
  q: Type.Optional(SearchText('Title contains')),
  pipelineId: Type.Optional(IdSchema),
  stageId: Type.Optional(IdSchema),
  status: Type.Optional(DealStatusSchema),
  contactId: Type.Optional(IdSchema),
  companyId: Type.Optional(IdSchema),
})
export type DealQuery = Static<typeof DealQuerySchema>

/** A page of deals, newest first. */
export const DealPageSchema = PageSchema(DealSchema)
