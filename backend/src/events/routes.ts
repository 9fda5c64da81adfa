import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { COMMON_ERROR_RESPONSES, ErrorSchema, IdParamsSchema } from '../common-schemas.js'
import { authOf } from '../plugins/app/auth.js'
import { actorOf } from '../identity/identity-service.js'
import { EVENT_CATALOG, EVENT_TYPES } from './catalog.js'
import {
  CreateWebhookEndpointSchema, UpdateWebhookEndpointSchema, WebhookDeliveryDetailSchema, WebhookDeliveryPageSchema, WebhookDeliveryQuerySchema,
  WebhookDeliverySchema, WebhookEndpointListSchema, WebhookEndpointSchema, WebhookEventTypeListSchema, WebhookSecretSchema,
} from './schemas.js'

/**
 * Outbound webhooks: admins register the endpoints the workspace's events go to, rotate
 * their signing secrets, read the delivery log and send a delivery again. Everything here
 * is admin-only: an endpoint decides where the workspace's data leaves for.
 */
const eventRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { webhooks, worker } = app.services.events
  const tags = ['webhooks']
  const admin = { access: { scope: 'admin' as const } }

  // A worker this process started stops with it (main.ts stops it first; a second stop is a no-op).
  app.addHook('onClose', async () => worker.stop())

  app.get('/webhook-event-types', {
    schema: { tags, summary: 'The events an endpoint can receive, and what each means', response: { 200: WebhookEventTypeListSchema, ...COMMON_ERROR_RESPONSES } },
    config: admin,
  }, async () => ({ items: EVENT_TYPES.map((type) => ({ type, description: EVENT_CATALOG[type].description })) }))

  app.get('/webhook-endpoints', {
    schema: { tags, summary: 'The workspace\'s webhook endpoints (admins)', response: { 200: WebhookEndpointListSchema, ...COMMON_ERROR_RESPONSES } },
    config: admin,
  }, async (request) => ({ items: await webhooks.list(authOf(request).workspaceId) }))

  app.post('/webhook-endpoints', {
    schema: {
      tags,
      summary: 'Register an endpoint; the answer holds its signing secret, shown this once (admins)',
      body: CreateWebhookEndpointSchema,
      response: { 201: WebhookSecretSchema, 409: ErrorSchema, ...COMMON_ERROR_RESPONSES },
    },
    config: admin,
  }, async (request, reply) => {
    const auth = authOf(request)
    return reply.code(201).send(await webhooks.create(auth.workspaceId, request.body, actorOf(auth, request.ip)))
  })

  app.get('/webhook-endpoints/:id', {
    schema: { tags, summary: 'One webhook endpoint (admins)', params: IdParamsSchema, response: { 200: WebhookEndpointSchema, ...COMMON_ERROR_RESPONSES } },
    config: admin,
  }, async (request) => webhooks.get(authOf(request).workspaceId, request.params.id))

  app.patch('/webhook-endpoints/:id', {
    schema: {
      tags,
      summary: 'Change an endpoint\'s URL, description or events, or turn it off and on (admins)',
      params: IdParamsSchema,
      body: UpdateWebhookEndpointSchema,
      response: { 200: WebhookEndpointSchema, ...COMMON_ERROR_RESPONSES },
    },
    config: admin,
  }, async (request) => {
    const auth = authOf(request)
    return webhooks.update(auth.workspaceId, request.params.id, request.body, actorOf(auth, request.ip))
  })

  app.delete('/webhook-endpoints/:id', {
    schema: { tags, summary: 'Remove an endpoint with its deliveries (admins)', params: IdParamsSchema, response: { 204: Type.Null(), ...COMMON_ERROR_RESPONSES } },
    config: admin,
  }, async (request, reply) => {
    const auth = authOf(request)
    await webhooks.delete(auth.workspaceId, request.params.id, actorOf(auth, request.ip))
    return reply.code(204).send(null)
  })

  app.post('/webhook-endpoints/:id/rotate-secret', {
    schema: {
      tags,
      summary: 'A new signing secret, shown this once; the previous one keeps signing beside it for 24 hours (admins)',
      params: IdParamsSchema,
      response: { 200: WebhookSecretSchema, ...COMMON_ERROR_RESPONSES },
    },
    config: admin,
  }, async (request) => {
    const auth = authOf(request)
    return webhooks.rotateSecret(auth.workspaceId, request.params.id, actorOf(auth, request.ip))
  })

  app.get('/webhook-deliveries', {
    schema: {
      tags,
      summary: 'The delivery log, newest first, by endpoint, status or event type (admins)',
      querystring: WebhookDeliveryQuerySchema,
      response: { 200: WebhookDeliveryPageSchema, ...COMMON_ERROR_RESPONSES },
    },
    config: admin,
  }, async (request) => webhooks.deliveries(authOf(request).workspaceId, request.query))

  app.get('/webhook-deliveries/:id', {
    schema: { tags, summary: 'One delivery with every attempt and the body it sends (admins)', params: IdParamsSchema, response: { 200: WebhookDeliveryDetailSchema, ...COMMON_ERROR_RESPONSES } },
    config: admin,
  }, async (request) => webhooks.delivery(authOf(request).workspaceId, request.params.id))

  app.post('/webhook-deliveries/:id/redeliver', {
    schema: {
      tags,
      summary: 'Send a delivery\'s event again: at once if it is waiting for a retry (200), else as a new delivery with its own retries (201) (admins)',
      params: IdParamsSchema,
      response: { 200: WebhookDeliverySchema, 201: WebhookDeliverySchema, ...COMMON_ERROR_RESPONSES },
    },
    config: admin,
  }, async (request, reply) => {
    const auth = authOf(request)
    const { delivery, created } = await webhooks.redeliver(auth.workspaceId, request.params.id, actorOf(auth, request.ip))
    return reply.code(created ? 201 : 200).send(delivery)
  })
}

export default eventRoutes
