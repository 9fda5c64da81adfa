import { Type, type Static } from 'typebox'
import { IdSchema, NameSchema, PageQuerySchema, PageSchema, StrictObject, TimestampSchema, Nullable } from '../common-schemas.js'
import { SearchText } from './shared-schemas.js'

const DomainInputSchema = Type.String({ minLength: 1, maxLength: 300, description: 'A host name or URL; stored as the lower-cased host without www.' })

/** A company as the API shows it. */
export const CompanySchema = Type.Object({
  id: IdSchema,
  name: Type.String(),
  domain: Nullable(Type.String({ description: 'Lower-cased host name without www.; unique in the workspace' })),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
})
export type Company = Static<typeof CompanySchema>

/** A new company. */
export const CreateCompanySchema = StrictObject({
  name: NameSchema,
  domain: Type.Optional(Nullable(DomainInputSchema)),
})
export type CreateCompany = Static<typeof CreateCompanySchema>

/** Changes to a company; `domain: null` clears it. */
export const UpdateCompanySchema = StrictObject({
  name: Type.Optional(NameSchema),
  domain: Type.Optional(Nullable(DomainInputSchema)),
})
export type UpdateCompany = Static<typeof UpdateCompanySchema>

/** Company list paging and search. */
export const CompanyQuerySchema = StrictObject({
  ...PageQuerySchema,
  q: Type.Optional(SearchText('Name contains or domain starts with')),
})
export type CompanyQuery = Static<typeof CompanyQuerySchema>

/** A page of companies, newest first. */
export const CompanyPageSchema = PageSchema(CompanySchema)
