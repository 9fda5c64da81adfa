import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { COMMON_ERROR_RESPONSES, ErrorSchema, IdParamsSchema } from '../common-schemas.js'
import { SwitchboardError } from '../errors.js'
import { authOf } from '../plugins/app/auth.js'
import { CompanyPageSchema, CompanyQuerySchema, CompanySchema, CreateCompanySchema, UpdateCompanySchema } from './company-schemas.js'

/** Companies, one per domain, so an unknown sender's address still says where they work. */
const companyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { companies } = app.services.crm
  const tags = ['companies']

  app.get('/companies', {
    schema: { tags, summary: 'Companies, newest first, searchable by name or domain', querystring: CompanyQuerySchema, response: { 200: CompanyPageSchema, ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'crm:read' } },
  }, async (request) => companies.list(authOf(request).workspaceId, request.query))

  app.get('/companies/:id', {
    schema: { tags, summary: 'One company', params: IdParamsSchema, response: { 200: CompanySchema, ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'crm:read' } },
  }, async (request) => {
    const company = await companies.get(authOf(request).workspaceId, request.params.id)
    if (company === undefined) throw new SwitchboardError('SB_COMPANY_NOT_FOUND')
    return company
  })

  app.post('/companies', {
    schema: { tags, summary: 'Create a company; 409 with existingId when the domain is taken', body: CreateCompanySchema, response: { 201: CompanySchema, 409: ErrorSchema, ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'crm:write' } },
  }, async (request, reply) => {
    const company = await companies.create(authOf(request).workspaceId, request.body)
    return reply.code(201).send(company)
  })

  app.patch('/companies/:id', {
    schema: { tags, summary: 'Rename a company or change its domain', params: IdParamsSchema, body: UpdateCompanySchema, response: { 200: CompanySchema, 409: ErrorSchema, ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'crm:write' } },
  }, async (request) => {
    const company = await companies.update(authOf(request).workspaceId, request.params.id, request.body)
    if (company === undefined) throw new SwitchboardError('SB_COMPANY_NOT_FOUND')
    return company
  })

  app.delete('/companies/:id', {
    schema: { tags, summary: 'Delete a company; its contacts and deals stay, unlinked (admins)', params: IdParamsSchema, response: { 204: Type.Null(), ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'admin' } },
  }, async (request, reply) => {
    if (!await companies.delete(authOf(request).workspaceId, request.params.id)) throw new SwitchboardError('SB_COMPANY_NOT_FOUND')
    return reply.code(204).send(null)
  })
}

export default companyRoutes
