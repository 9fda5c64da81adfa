import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { COMMON_ERROR_RESPONSES, ErrorSchema, IdParamsSchema } from '../common-schemas.js'
import { SwitchboardError } from '../errors.js'
import { authOf } from '../plugins/app/auth.js'
import { CreatePipelineSchema, PipelineSchema, UpdatePipelineSchema } from './pipeline-schemas.js'

/** Pipelines and their ordered stages. Everyone reads them; shaping them is an admin's job. */
const pipelineRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { pipelines } = app.services.crm
  const tags = ['pipelines']

  app.get('/pipelines', {
    schema: { tags, summary: 'All pipelines with their stages', response: { 200: Type.Object({ items: Type.Array(PipelineSchema) }), ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'crm:read' } },
  }, async (request) => ({ items: await pipelines.list(authOf(request).workspaceId) }))

  app.get('/pipelines/:id', {
    schema: { tags, summary: 'One pipeline', params: IdParamsSchema, response: { 200: PipelineSchema, ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'crm:read' } },
  }, async (request) => {
    const pipeline = await pipelines.get(authOf(request).workspaceId, request.params.id)
    if (pipeline === undefined) throw new SwitchboardError('SB_PIPELINE_NOT_FOUND')
    return pipeline
  })

  app.post('/pipelines', {
    schema: { tags, summary: 'Create a pipeline (admins)', body: CreatePipelineSchema, response: { 201: PipelineSchema, 409: ErrorSchema, ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'admin' } },
  }, async (request, reply) => {
    const pipeline = await pipelines.create(authOf(request).workspaceId, request.body)
    return reply.code(201).send(pipeline)
  })

  app.patch('/pipelines/:id', {
    schema: { tags, summary: 'Rename a pipeline or replace its stage list (admins)', params: IdParamsSchema, body: UpdatePipelineSchema, response: { 200: PipelineSchema, 409: ErrorSchema, ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'admin' } },
  }, async (request) => pipelines.update(authOf(request).workspaceId, request.params.id, request.body))

  app.delete('/pipelines/:id', {
    schema: { tags, summary: 'Delete a pipeline that holds no deals (admins)', params: IdParamsSchema, response: { 204: Type.Null(), 409: ErrorSchema, ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'admin' } },
  }, async (request, reply) => {
    await pipelines.delete(authOf(request).workspaceId, request.params.id)
    return reply.code(204).send(null)
  })
}

export default pipelineRoutes
