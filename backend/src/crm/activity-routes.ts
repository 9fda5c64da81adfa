import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { COMMON_ERROR_RESPONSES, ErrorSchema, IdParamsSchema } from '../common-schemas.js'
import { SwitchboardError } from '../errors.js'
import { authOf } from '../plugins/app/auth.js'
import { ActivityPageSchema, ActivityQuerySchema, ActivitySchema, CreateActivitySchema, UpdateActivitySchema } from './activity-schemas.js'
import { authorOf } from './request-context.js'

/** Timelines: notes and logged emails by people; WhatsApp messages and stage changes by Switchboard. */
const activityRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { activities } = app.services.crm
  const tags = ['activities']

  app.get('/activities', {
    schema: { tags, summary: 'A timeline, newest first: filter by contact, company and/or deal', querystring: ActivityQuerySchema, response: { 200: ActivityPageSchema, ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'crm:read' } },
  }, async (request) => activities.list(authOf(request).workspaceId, request.query))

  app.get('/activities/:id', {
    schema: { tags, summary: 'One activity', params: IdParamsSchema, response: { 200: ActivitySchema, ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'crm:read' } },
  }, async (request) => {
    const activity = await activities.get(authOf(request).workspaceId, request.params.id)
    if (activity === undefined) throw new SwitchboardError('SB_ACTIVITY_NOT_FOUND')
    return activity
  })

  app.post('/activities', {
    schema: { tags, summary: 'Log a note or an email on a contact, company and/or deal', body: CreateActivitySchema, response: { 201: ActivitySchema, ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'crm:write' } },
  }, async (request, reply) => {
    const activity = await activities.log(authOf(request).workspaceId, request.body, authorOf(request))
    return reply.code(201).send(activity)
  })

  app.patch('/activities/:id', {
    schema: { tags, summary: 'Edit a note\'s subject or body (other activities are records, not notes)', params: IdParamsSchema, body: UpdateActivitySchema, response: { 200: ActivitySchema, 409: ErrorSchema, ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'crm:write' } },
  }, async (request) => {
    const activity = await activities.update(authOf(request).workspaceId, request.params.id, request.body)
    if (activity === undefined) throw new SwitchboardError('SB_ACTIVITY_NOT_FOUND')
    return activity
  })

  app.delete('/activities/:id', {
    schema: { tags, summary: 'Delete an activity (admins)', params: IdParamsSchema, response: { 204: Type.Null(), ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'admin' } },
  }, async (request, reply) => {
    if (!await activities.delete(authOf(request).workspaceId, request.params.id)) throw new SwitchboardError('SB_ACTIVITY_NOT_FOUND')
    return reply.code(204).send(null)
  })
}

export default activityRoutes
