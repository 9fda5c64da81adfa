import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { COMMON_ERROR_RESPONSES, ErrorSchema, IdParamsSchema } from '../common-schemas.js'
import { SwitchboardError } from '../errors.js'
import { authOf } from '../plugins/app/auth.js'
import type { AuthContext } from '../identity/access.js'
import type { WorkspaceId } from '../ids.js'
import { fillTemplate } from './template-variables.js'
import { toTemplateView } from './templates-service.js'
import {
  ConnectionStatusSchema, PreviewSchema, SendSchema, SignupSchema, TemplateQuerySchema, TemplateRefSchema,
  TemplateSchema, ThreadMessageSchema, ThreadQuerySchema, ThreadSchema, type ConnectionStatus,
} from './schemas.js'

const WHATSAPP_ERRORS = { 409: ErrorSchema, 422: ErrorSchema, 502: ErrorSchema, 503: ErrorSchema } as const

/** The WhatsApp connection, templates and each contact's thread, for the add-ons and the web app. */
const whatsappRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { connection, templates, messaging } = app.services.whatsapp
  const tags = ['whatsapp']
  const actor = (auth: AuthContext, ip: string) => ({ userId: auth.userId, tokenId: auth.tokenId, ip })

  async function status (ws: WorkspaceId): Promise<ConnectionStatus> {
    const { connection: current, numbers } = await connection.status(ws)
    const runtime = connection.runtime
    return {
      mode: runtime.mode,
      connection: current === undefined
        ? null
        : {
            id: current.id,
            status: current.status,
            businessId: current.businessId,
            wabaId: current.wabaId,
            signupStep: current.signupStep,
            signupError: current.signupError,
            createdAt: current.createdAt,
            updatedAt: current.updatedAt,
          },
      numbers,
      embeddedSignup: runtime.mode === 'meta' && runtime.appId !== undefined && runtime.configId !== undefined
        ? { appId: runtime.appId, configId: runtime.configId, graphVersion: runtime.graphVersion }
        : null,
    }
  }

  app.get('/whatsapp/connection', {
    schema: { tags, summary: 'The workspace\'s WhatsApp connection, numbers, quality and limits', response: { 200: ConnectionStatusSchema, ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'crm:read' } },
  }, async (request) => status(authOf(request).workspaceId))

  app.post('/whatsapp/connection/sandbox', {
    schema: { tags, summary: 'Connect the local sandbox number (sandbox mode only; admins)', response: { 201: ConnectionStatusSchema, ...WHATSAPP_ERRORS, ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'admin' } },
  }, async (request, reply) => {
    const auth = authOf(request)
    await connection.connectSandbox(auth.workspaceId, actor(auth, request.ip))
    return reply.code(201).send(await status(auth.workspaceId))
  })

  app.post('/whatsapp/connection/signup', {
    schema: { tags, summary: 'Complete or resume Embedded Signup with what the Facebook popup returned (admins)', body: SignupSchema, response: { 200: ConnectionStatusSchema, ...WHATSAPP_ERRORS, ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'admin' } },
  }, async (request) => {
    const auth = authOf(request)
    await connection.signup(auth.workspaceId, request.body, actor(auth, request.ip))
    return status(auth.workspaceId)
  })

  app.post('/whatsapp/numbers/refresh', {
    schema: { tags, summary: 'Refresh quality, limits and throughput from Meta (admins)', response: { 200: ConnectionStatusSchema, ...WHATSAPP_ERRORS, ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'admin' } },
  }, async (request) => {
    const auth = authOf(request)
    await connection.refreshNumbers(auth.workspaceId)
    return status(auth.workspaceId)
  })

  app.delete('/whatsapp/connection', {
    schema: { tags, summary: 'Disconnect: forget the business token and numbers (admins)', response: { 204: Type.Null(), ...WHATSAPP_ERRORS, ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'admin' } },
  }, async (request, reply) => {
    const auth = authOf(request)
    await connection.disconnect(auth.workspaceId, actor(auth, request.ip))
    return reply.code(204).send(null)
  })

  app.get('/whatsapp/templates', {
    schema: { tags, summary: 'Templates with their variables and languages (approved ones unless ?status=ALL)', querystring: TemplateQuerySchema, response: { 200: Type.Object({ items: Type.Array(TemplateSchema) }), ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'crm:read' } },
  }, async (request) => {
    const wanted = request.query.status ?? 'APPROVED'
    const items = await templates.list(authOf(request).workspaceId, { status: wanted === 'ALL' ? undefined : wanted })
    return { items: items.map(toTemplateView) }
  })

  app.post('/whatsapp/templates/sync', {
    schema: { tags, summary: 'Fetch the current templates from Meta', response: { 200: Type.Object({ count: Type.Integer() }), ...WHATSAPP_ERRORS, ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'crm:write' } },
  }, async (request) => ({ count: await templates.sync(authOf(request).workspaceId) }))

  app.post('/whatsapp/templates/preview', {
    schema: { tags, summary: 'Render a template with values, and list what is missing', body: TemplateRefSchema, response: { 200: PreviewSchema, ...WHATSAPP_ERRORS, ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'crm:read' } },
  }, async (request) => {
    const template = await templates.find(authOf(request).workspaceId, request.body.name, request.body.language)
    if (template === undefined) throw new SwitchboardError('SB_WHATSAPP_TEMPLATE_NOT_FOUND', 'name')
    const filled = fillTemplate(template, request.body.parameters ?? {})
    return { text: filled.text, missing: filled.missing }
  })

  app.get('/contacts/:id/whatsapp', {
    schema: { tags, summary: 'A contact\'s WhatsApp thread, newest first, and whether the 24-hour window is open', params: IdParamsSchema, querystring: ThreadQuerySchema, response: { 200: ThreadSchema, ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'crm:read' } },
  }, async (request) => messaging.thread(authOf(request).workspaceId, request.params.id, { limit: request.query.limit ?? 30, before: request.query.before }))

  app.post('/contacts/:id/whatsapp', {
    schema: { tags, summary: 'Send a contact a free-form reply (inside the window) or an approved template', params: IdParamsSchema, body: SendSchema, response: { 201: ThreadMessageSchema, ...WHATSAPP_ERRORS, ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'crm:write' } },
  }, async (request, reply) => {
    const auth = authOf(request)
    const { text, template } = request.body
    if ((text === undefined) === (template === undefined)) throw new SwitchboardError('SB_VALIDATION', 'text', { detail: 'send exactly one of text or template' })
    const message = text !== undefined
      ? { kind: 'text' as const, text }
      : { kind: 'template' as const, name: template!.name, language: template!.language, parameters: template!.parameters ?? {} }
    const sent = await messaging.send(auth.workspaceId, request.params.id, message, { authorUserId: auth.userId, source: auth.via === 'session' ? 'web' : 'api' })
    return reply.code(201).send(sent)
  })
}

export default whatsappRoutes
