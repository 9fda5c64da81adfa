import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import { COMMON_ERROR_RESPONSES, ErrorSchema, StrictObject } from '../common-schemas.js'
import { SwitchboardError } from '../errors.js'
import { authOf } from '../plugins/app/auth.js'
import { createEmailLogService } from './email-logs.js'
import { emailProvenance } from '../privacy/provenance.js'
import { AttachmentParamsSchema, EMAIL_LOG_BODY_LIMIT, EmailHeadersSchema, EmailLogSchema, LogEmailSchema, LogResultSchema } from './email-log-schemas.js'

/** Logging emails from Gmail and Outlook to contacts and deals, deduplicated by Message-ID. */
/** The file's bytes, always as a download (the document says so; the route sends the raw bytes). */
const AttachmentFileSchema = { description: 'The file, as uploaded', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } }

const emailLogRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const emailLogs = createEmailLogService(app.store.db)
  const tags = ['emails']

  app.post('/emails/log', {
    schema: { tags, summary: 'Log an email to a deal or contact; a second log of the same email says who logged it and when', body: LogEmailSchema, response: { 200: LogResultSchema, 201: LogResultSchema, 413: ErrorSchema, ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'crm:write' } },
    // Uploaded attachment files (capped at MAX_ATTACHMENT_UPLOAD_BYTES) need more than the API's default body limit.
    bodyLimit: EMAIL_LOG_BODY_LIMIT,
  }, async (request, reply) => {
    const auth = authOf(request)
    const { email, dealId, contactId } = request.body
    if ((dealId === undefined) === (contactId === undefined)) throw new SwitchboardError('SB_VALIDATION', 'dealId', { detail: 'give exactly one of dealId or contactId' })
    // Provenance for Limited Use: the rows below hold Google or Microsoft data when this says so.
    const source = emailProvenance(auth.via, request.body.client)
    const result = await emailLogs.log(auth.workspaceId, { ...email, cc: email.cc ?? [] }, dealId !== undefined ? { dealId } : { contactId: contactId! }, { userId: auth.userId, source })
    return reply.code(result.alreadyLogged ? 200 : 201).send(result)
  })

  app.post('/emails/status', {
    schema: { tags, summary: 'Where an email has been logged already, by whom and when', body: StrictObject(EmailHeadersSchema), response: { 200: Type.Object({ items: Type.Array(EmailLogSchema) }), ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'crm:read' } },
  }, async (request) => ({ items: await emailLogs.status(authOf(request).workspaceId, { ...request.body, cc: request.body.cc ?? [] }) }))

  app.get('/activities/:id/attachments/:position', {
    schema: { tags, summary: 'Download an attachment file uploaded with a logged email', params: AttachmentParamsSchema, response: { 200: AttachmentFileSchema, ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'crm:read' } },
  }, async (request, reply) => {
    const file = await emailLogs.attachmentFile(authOf(request).workspaceId, request.params.id, request.params.position)
    if (file === undefined) throw new SwitchboardError('SB_ATTACHMENT_NOT_FOUND')
    // Always a download, never rendered on our origin: an uploaded HTML file must not run as our page.
    return (reply as FastifyReply)
      .header('content-type', 'application/octet-stream')
      .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'private, no-store')
      .send(file.content)
  })
}

export default emailLogRoutes
