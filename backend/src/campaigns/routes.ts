import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { COMMON_ERROR_RESPONSES, ErrorSchema, IdParamsSchema } from '../common-schemas.js'
import { SwitchboardError } from '../errors.js'
import { authOf } from '../plugins/app/auth.js'
import { ThreadMessageSchema } from '../whatsapp/schemas.js'
import {
  CampaignSchema, ChangesQuerySchema, ChangesSchema, CreateCampaignSchema, ListQuerySchema, PreviewBodySchema,
  RecipientSchema, RecipientsQuerySchema, StartSchema, SubmissionSchema, SubmitSchema, TestSendSchema,
} from './schemas.js'

const ERRORS = { 409: ErrorSchema, 422: ErrorSchema, 502: ErrorSchema, 503: ErrorSchema } as const

/** Campaigns, built for the Sheets add-on: chunked idempotent submission, per-row answers, a change feed. */
const campaignRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { campaigns, idempotency } = app.services
  const tags = ['campaigns']
  const write = { access: { scope: 'crm:write' as const } }
  const read = { access: { scope: 'crm:read' as const } }

  app.post('/campaigns', {
    schema: { tags, summary: 'Create a draft campaign from an approved template', body: CreateCampaignSchema, response: { 201: CampaignSchema, ...ERRORS, ...COMMON_ERROR_RESPONSES } },
    config: write,
  }, async (request, reply) => {
    const auth = authOf(request)
    return reply.code(201).send(await campaigns.create(auth.workspaceId, request.body, auth.userId))
  })

  app.get('/campaigns', {
    schema: { tags, summary: 'Campaigns, newest first', querystring: ListQuerySchema, response: { 200: Type.Object({ items: Type.Array(CampaignSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) }), ...COMMON_ERROR_RESPONSES } },
    config: read,
  }, async (request) => {
    const limit = request.query.limit ?? 50
    const items = await campaigns.list(authOf(request).workspaceId, { limit, beforeId: request.query.cursor })
    return { items, nextCursor: items.length === limit ? items[items.length - 1]!.id : null }
  })

  app.get('/campaigns/:id', {
    schema: { tags, summary: 'A campaign with its state and live counters', params: IdParamsSchema, response: { 200: CampaignSchema, ...COMMON_ERROR_RESPONSES } },
    config: read,
  }, async (request) => campaigns.get(authOf(request).workspaceId, request.params.id))

  app.post('/campaigns/:id/recipients', {
    schema: {
      tags,
      summary: 'Add up to 1,000 rows; each answered by its row key. Needs an Idempotency-Key header: a retried chunk gets the same answer',
      params: IdParamsSchema,
      body: SubmitSchema,
      headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ maxLength: 255 })) }),
      response: { 200: SubmissionSchema, ...ERRORS, ...COMMON_ERROR_RESPONSES },
    },
    config: write,
  }, async (request, reply) => {
    const auth = authOf(request)
    const key = request.headers['idempotency-key']
    if (key === undefined) throw new SwitchboardError('SB_IDEMPOTENCY_KEY_REQUIRED', 'Idempotency-Key')
    const rows = request.body.rows.map((r) => ({ rowKey: r.rowKey, phone: r.phone, phoneCell: r.phoneCell, variables: r.variables ?? {} }))
    const result = await idempotency.run(auth.workspaceId, key, `POST /campaigns/${request.params.id}/recipients`, request.body, async () =>
      ({ status: 200, body: await campaigns.submit(auth.workspaceId, request.params.id, rows, request.body.resendFailed === true) }))
    if (result.replayed) void reply.header('idempotent-replayed', 'true')
    return reply.code(result.status as 200).send(result.body)
  })

  app.post('/campaigns/:id/recipients/validate', {
    schema: { tags, summary: 'Check rows as a submission would, storing nothing: the validation summary', params: IdParamsSchema, body: SubmitSchema, response: { 200: SubmissionSchema, ...ERRORS, ...COMMON_ERROR_RESPONSES } },
    config: read,
  }, async (request) => {
    const rows = request.body.rows.map((r) => ({ rowKey: r.rowKey, phone: r.phone, phoneCell: r.phoneCell, variables: r.variables ?? {} }))
    return campaigns.validate(authOf(request).workspaceId, request.params.id, rows)
  })

  app.get('/campaigns/:id/recipients', {
    schema: { tags, summary: 'Recipients in id order, optionally of one status', params: IdParamsSchema, querystring: RecipientsQuerySchema, response: { 200: Type.Object({ items: Type.Array(RecipientSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) }), ...COMMON_ERROR_RESPONSES } },
    config: read,
  }, async (request) => {
    const ws = authOf(request).workspaceId
    await campaigns.get(ws, request.params.id)
    const limit = request.query.limit ?? 200
    const items = await campaigns.recipients(ws, request.params.id, { limit, afterId: request.query.cursor, status: request.query.status })
    return { items, nextCursor: items.length === limit ? items[items.length - 1]!.id : null }
  })

  app.get('/campaigns/:id/changes', {
    schema: { tags, summary: 'Recipients changed since the cursor, with their row keys: write back only these', params: IdParamsSchema, querystring: ChangesQuerySchema, response: { 200: ChangesSchema, ...COMMON_ERROR_RESPONSES } },
    config: read,
  }, async (request) => campaigns.changes(authOf(request).workspaceId, request.params.id, request.query.cursor, request.query.limit ?? 1000))

  app.post('/campaigns/:id/preview', {
    schema: { tags, summary: 'The final message for one row\'s values', params: IdParamsSchema, body: PreviewBodySchema, response: { 200: Type.Object({ text: Type.String(), missing: Type.Array(Type.String()) }), ...ERRORS, ...COMMON_ERROR_RESPONSES } },
    config: read,
  }, async (request) => campaigns.preview(authOf(request).workspaceId, request.params.id, request.body.variables))

  app.post('/campaigns/test-send', {
    schema: { tags, summary: 'Send the template once to one number to see it on a phone', body: TestSendSchema, response: { 201: ThreadMessageSchema, ...ERRORS, ...COMMON_ERROR_RESPONSES } },
    config: write,
  }, async (request, reply) => {
    const auth = authOf(request)
    const sent = await campaigns.testSend(auth.workspaceId, { template: request.body.template, variables: request.body.variables ?? {}, phone: request.body.phone }, auth.userId)
    return reply.code(201).send(sent)
  })

  app.post('/campaigns/:id/start', {
    schema: { tags, summary: 'Start now, or schedule for a local time in the workspace\'s zone', params: IdParamsSchema, body: StartSchema, response: { 200: CampaignSchema, ...ERRORS, ...COMMON_ERROR_RESPONSES } },
    config: write,
  }, async (request) => {
    const auth = authOf(request)
    const started = await campaigns.start(auth.workspaceId, request.params.id, request.body.scheduleAt)
    // Campaign sends are audited (who started which campaign, when, from where); never the rows' content.
    await app.services.audit.record(auth.workspaceId, { action: 'campaign.started', actorUserId: auth.userId, actorTokenId: auth.tokenId, targetType: 'campaign', targetId: started.id, ip: request.ip, details: { state: started.state, scheduled: request.body.scheduleAt !== undefined } })
    return started
  })

  app.post('/campaigns/:id/pause', {
    schema: { tags, summary: 'Pause sending; recipients already sent keep being tracked', params: IdParamsSchema, response: { 200: CampaignSchema, ...ERRORS, ...COMMON_ERROR_RESPONSES } },
    config: write,
  }, async (request) => {
    const auth = authOf(request)
    return campaigns.pause(auth.workspaceId, request.params.id, 'paused by a user')
  })

  app.post('/campaigns/:id/resume', {
    schema: { tags, summary: 'Resume a paused campaign', params: IdParamsSchema, response: { 200: CampaignSchema, ...ERRORS, ...COMMON_ERROR_RESPONSES } },
    config: write,
  }, async (request) => campaigns.resume(authOf(request).workspaceId, request.params.id))

  app.post('/campaigns/:id/cancel', {
    schema: { tags, summary: 'Cancel: recipients not yet sent are never sent', params: IdParamsSchema, response: { 200: CampaignSchema, ...ERRORS, ...COMMON_ERROR_RESPONSES } },
    config: write,
  }, async (request) => {
    const auth = authOf(request)
    const cancelled = await campaigns.cancel(auth.workspaceId, request.params.id)
    await app.services.audit.record(auth.workspaceId, { action: 'campaign.cancelled', actorUserId: auth.userId, actorTokenId: auth.tokenId, targetType: 'campaign', targetId: cancelled.id, ip: request.ip, details: {} })
    return cancelled
  })
}

export default campaignRoutes
