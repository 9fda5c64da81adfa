import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { COMMON_ERROR_RESPONSES, IdParamsSchema, IdSchema, StrictObject } from '../common-schemas.js'
import { SwitchboardError } from '../errors.js'
import { authOf } from '../plugins/app/auth.js'
import { roleAtLeast } from '../identity/access.js'
import { MAX_CONSENT_HOURS, RECORD_TYPES } from './purpose-guard.js'
import { RETENTION_POLICIES, WORKSPACE_RETENTION_KEYS, type RetentionKey } from './retention-policies.js'

const RecordRefSchema = StrictObject({ type: Type.Enum([...RECORD_TYPES]), id: IdSchema })

const ConsentSchema = Type.Object({
  id: Type.String(),
  grantedBy: Type.Union([Type.String(), Type.Null()]),
  records: Type.Array(Type.Object({ type: Type.String(), id: Type.String() })),
  createdAt: Type.String(),
  expiresAt: Type.String(),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
})

const RetentionSchema = Type.Object({
  items: Type.Array(Type.Object({
    key: Type.String(), label: Type.String(), days: Type.Integer(), defaultDays: Type.Integer(), minDays: Type.Integer(), maxDays: Type.Integer(), editable: Type.Boolean(),
  })),
})

const ExportJobSchema = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  status: Type.String(),
  progress: Type.Integer(),
  sizeBytes: Type.Union([Type.Integer(), Type.Null()]),
  createdAt: Type.String(),
  completedAt: Type.Union([Type.String(), Type.Null()]),
  expiresAt: Type.Union([Type.String(), Type.Null()]),
})

/**
 * The workspace's privacy controls: retention periods, support consents, exports and
 * erasure. Every change here is audited by the service it calls.
 */
const privacyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { retention, supportAccess, exports, erasure } = app.services
  const tags = ['privacy']
  const read = { access: { scope: 'crm:read' as const } }
  const write = { access: { scope: 'crm:write' as const } }
  const admin = { access: { scope: 'admin' as const } }

  const retentionView = async (ws: Parameters<typeof retention.periods>[0]) => {
    const periods = await retention.periods(ws)
    return {
      items: (Object.keys(RETENTION_POLICIES) as RetentionKey[]).map((key) => {
        const p = RETENTION_POLICIES[key]
        return { key, label: p.label, days: periods[key], defaultDays: p.defaultDays, minDays: p.minDays, maxDays: p.maxDays, editable: (WORKSPACE_RETENTION_KEYS as string[]).includes(key) }
      }),
    }
  }

  app.get('/privacy/retention', {
    schema: { tags, summary: 'How long each kind of data is kept in this workspace', response: { 200: RetentionSchema, ...COMMON_ERROR_RESPONSES } },
    config: read,
  }, async (request) => retentionView(authOf(request).workspaceId))

  app.patch('/privacy/retention/:key', {
    schema: {
      tags, summary: 'Change one retention period, within its bounds',
      params: StrictObject({ key: Type.Enum([...WORKSPACE_RETENTION_KEYS]) }),
      body: StrictObject({ days: Type.Integer({ minimum: 0, maximum: 3650 }) }),
      response: { 200: RetentionSchema, ...COMMON_ERROR_RESPONSES },
    },
    config: admin,
  }, async (request) => {
    const auth = authOf(request)
    await retention.setPeriod(auth.workspaceId, request.params.key, request.body.days, { userId: auth.userId, ip: request.ip })
    return retentionView(auth.workspaceId)
  })

  app.get('/privacy/support-consents', {
    schema: { tags, summary: 'Consents given to Switchboard support to read named records', response: { 200: Type.Object({ items: Type.Array(ConsentSchema) }), ...COMMON_ERROR_RESPONSES } },
    config: read,
  }, async (request) => ({ items: await supportAccess.list(authOf(request).workspaceId) }))

  app.post('/privacy/support-consents', {
    schema: {
      tags, summary: 'Let Switchboard support read these records (and only these) until the consent expires',
      body: StrictObject({ records: Type.Array(RecordRefSchema, { minItems: 1, maxItems: 50 }), hours: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_CONSENT_HOURS })) }),
      response: { 201: ConsentSchema, ...COMMON_ERROR_RESPONSES },
    },
    config: write,
  }, async (request, reply) => {
    const auth = authOf(request)
    const consent = await supportAccess.grant(auth.workspaceId, auth.userId, { records: request.body.records, hours: request.body.hours, ip: request.ip, role: auth.role })
    return reply.code(201).send(consent)
  })

  app.post('/privacy/support-consents/:id/revoke', {
    schema: { tags, summary: 'Withdraw a support consent at once', params: IdParamsSchema, response: { 200: ConsentSchema, ...COMMON_ERROR_RESPONSES } },
    config: write,
  }, async (request) => {
    const auth = authOf(request)
    return supportAccess.revoke(auth.workspaceId, auth.userId, request.params.id, request.ip)
  })

  app.post('/privacy/exports', {
    schema: {
      tags, summary: 'Export your own data, or (admins) the whole workspace, as a JSON archive built in the background',
      body: StrictObject({ kind: Type.Enum(['user', 'workspace']) }),
      response: { 202: Type.Object({ job: ExportJobSchema, downloadUrl: Type.String({ description: 'Shown once; works until the job expires' }) }), ...COMMON_ERROR_RESPONSES },
    },
    config: read,
  }, async (request, reply) => {
    const auth = authOf(request)
    // Anyone may take their own data; the workspace's is for admins with an admin-scoped credential.
    if (request.body.kind === 'workspace' && !roleAtLeast(auth.role, 'admin')) throw new SwitchboardError('SB_AUTH_ROLE_FORBIDDEN')
    if (request.body.kind === 'workspace' && !auth.scopes.has('admin')) throw new SwitchboardError('SB_AUTH_SCOPE_MISSING')
    const { job, token } = await exports.request(auth.workspaceId, { kind: request.body.kind, userId: auth.userId, ip: request.ip })
    return reply.code(202).send({ job, downloadUrl: `${app.config.publicUrl}/api/v1/privacy/exports/${job.id}/download?token=${token}` })
  })

  app.get('/privacy/exports/:id', {
    schema: { tags, summary: 'An export\'s progress', params: IdParamsSchema, response: { 200: ExportJobSchema, ...COMMON_ERROR_RESPONSES } },
    config: read,
  }, async (request) => {
    const job = await exports.get(authOf(request).workspaceId, request.params.id)
    if (job === undefined) throw new SwitchboardError('SB_PRIVACY_EXPORT_NOT_FOUND')
    return job
  })

  app.get('/privacy/exports/:id/download', {
    schema: {
      tags, summary: 'Download a ready export with the token from its link',
      params: IdParamsSchema, querystring: StrictObject({ token: Type.String({ minLength: 10, maxLength: 100 }) }),
      response: { 200: Type.Unknown({ description: 'The JSON archive' }), ...COMMON_ERROR_RESPONSES },
    },
    config: read,
  }, async (request, reply) => {
    const auth = authOf(request)
    const archive = await exports.download(auth.workspaceId, request.params.id, request.query.token, { userId: auth.userId, ip: request.ip })
    return reply.headers({ 'content-type': 'application/json', 'content-disposition': `attachment; filename="switchboard-export-${request.params.id}.json"`, 'cache-control': 'no-store' }).send(archive)
  })

  app.post('/privacy/erasure/contacts/:id', {
    schema: { tags, summary: 'Erase a contact: their messages, timeline, logged emails and campaign rows', params: IdParamsSchema, response: { 200: Type.Object({ erased: Type.Record(Type.String(), Type.Integer()) }), ...COMMON_ERROR_RESPONSES } },
    config: admin,
  }, async (request) => {
    const auth = authOf(request)
    return { erased: await erasure.eraseContact(auth.workspaceId, request.params.id, { userId: auth.userId, ip: request.ip }) }
  })

  app.post('/privacy/erasure/users/:id', {
    schema: { tags, summary: 'Close a user: name and email removed, sign-ins and tokens deleted, the audit chain kept', params: IdParamsSchema, response: { 204: Type.Null(), ...COMMON_ERROR_RESPONSES } },
    config: admin,
  }, async (request, reply) => {
    const auth = authOf(request)
    await erasure.eraseUser(auth.workspaceId, request.params.id, { userId: auth.userId, ip: request.ip, role: auth.role })
    return reply.code(204).send(null)
  })

  app.post('/privacy/erasure/workspace', {
    schema: {
      tags, summary: 'Delete this workspace and everything in it (owners); answers a confirmation code and a status page',
      body: StrictObject({ confirm: Type.Literal('delete everything') }),
      response: { 200: Type.Object({ confirmationCode: Type.String(), statusUrl: Type.String() }), ...COMMON_ERROR_RESPONSES },
    },
    config: admin,
  }, async (request) => {
    const auth = authOf(request)
    // Deleting everything is the owners' call; admins manage but cannot end the workspace.
    if (!roleAtLeast(auth.role, 'owner')) throw new SwitchboardError('SB_AUTH_ROLE_FORBIDDEN')
    const { confirmationCode } = await erasure.eraseWorkspace(auth.workspaceId, { userId: auth.userId, ip: request.ip })
    return { confirmationCode, statusUrl: `${app.config.publicUrl}/data-deletion/status/${confirmationCode}` }
  })
}

export default privacyRoutes
