import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { COMMON_ERROR_RESPONSES, IdParamsSchema } from '../common-schemas.js'
import { SwitchboardError } from '../errors.js'
import { authOf } from '../plugins/app/auth.js'
import { CreateDealSchema, DealPageSchema, DealQuerySchema, DealSchema, MoveDealSchema, UpdateDealSchema } from './deal-schemas.js'
import { authorOf } from './request-context.js'

/** Deals moving through pipeline stages; every move lands on the deal's timeline. */
const dealRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { deals } = app.services.crm
  const tags = ['deals']

  app.get('/deals', {
    schema: { tags, summary: 'Deals, newest first, with filters', querystring: DealQuerySchema, response: { 200: DealPageSchema, ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'crm:read' } },
  }, async (request) => deals.list(authOf(request).workspaceId, request.query))

  app.get('/deals/:id', {
    schema: { tags, summary: 'One deal', params: IdParamsSchema, response: { 200: DealSchema, ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'crm:read' } },
  }, async (request) => {
    const deal = await deals.get(authOf(request).workspaceId, request.params.id)
    if (deal === undefined) throw new SwitchboardError('SB_DEAL_NOT_FOUND')
    return deal
  })

  app.post('/deals', {
    schema: { tags, summary: 'Create a deal (default: first stage of the first pipeline)', body: CreateDealSchema, response: { 201: DealSchema, ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'crm:write' } },
  }, async (request, reply) => {
    const deal = await deals.create(authOf(request).workspaceId, request.body, authorOf(request))
    return reply.code(201).send(deal)
  })

  app.patch('/deals/:id', {
    schema: { tags, summary: 'Change a deal; a new stage is recorded on its timeline', params: IdParamsSchema, body: UpdateDealSchema, response: { 200: DealSchema, ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'crm:write' } },
  }, async (request) => {
    const deal = await deals.update(authOf(request).workspaceId, request.params.id, request.body, authorOf(request))
    if (deal === undefined) throw new SwitchboardError('SB_DEAL_NOT_FOUND')
    return deal
  })

  app.post('/deals/:id/stage', {
    schema: { tags, summary: 'Move a deal to another stage of its pipeline', params: IdParamsSchema, body: MoveDealSchema, response: { 200: DealSchema, ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'crm:write' } },
  }, async (request) => {
    const deal = await deals.moveStage(authOf(request).workspaceId, request.params.id, request.body.stageId, authorOf(request))
    if (deal === undefined) throw new SwitchboardError('SB_DEAL_NOT_FOUND')
    return deal
  })

  app.delete('/deals/:id', {
    schema: { tags, summary: 'Delete a deal and its stage history (admins)', params: IdParamsSchema, response: { 204: Type.Null(), ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'admin' } },
  }, async (request, reply) => {
    if (!await deals.delete(authOf(request).workspaceId, request.params.id)) throw new SwitchboardError('SB_DEAL_NOT_FOUND')
    return reply.code(204).send(null)
  })
}

export default dealRoutes
