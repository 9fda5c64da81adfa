import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import { ErrorSchema, IdSchema, StrictObject } from '../common-schemas.js'
import { asWorkspaceId } from '../ids.js'
import { RECORD_TYPES } from './purpose-guard.js'
import { SwitchboardError } from '../errors.js'
import { createDeletionRequests, parseSignedRequest } from './deletion-requests.js'
import { renderDataDeletionPage, renderDeletionStatusPage, renderPrivacyPolicy, renderScopesPage } from './policy-pages.js'

// Static pages: no scripts, no framing, nothing from elsewhere.
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
} as const

// Declared as the HTML it is (not a JSON string), so generators treat the answer as text.
const HtmlSchema = { description: 'An HTML page', content: { 'text/html': { schema: { type: 'string' } } } }

/**
 * Public privacy pages (generated from the inventory, so they cannot drift), Meta's
 * Data Deletion Request Callback with its status page, and support staff's consented
 * reads. No user authentication: Meta, support staff and anyone reading the policy call these.
 */
const privacyPublicRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['privacy']
  const deletions = createDeletionRequests(app.store.db)
  const publicUrl = app.config.publicUrl
  const options = { publicUrl, contactEmail: `privacy@${new URL(publicUrl).hostname}` }
  // Rendered once: they change only with the code.
  const pages = { privacy: renderPrivacyPolicy(options), scopes: renderScopesPage(), deletion: renderDataDeletionPage(options) }
  const html = (reply: FastifyReply, body: string): FastifyReply => reply.headers(PAGE_HEADERS).send(body)

  // Meta posts the callback as an HTML form; parsed only inside this plugin.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16_384 }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)))
  })

  app.get('/privacy', { schema: { tags, summary: 'The privacy policy, generated from the data inventory and retention periods', response: { 200: HtmlSchema } } }, async (_request, reply) => html(reply, pages.privacy))
  app.get('/scopes', { schema: { tags, summary: 'Every OAuth scope of every add-on, with why it is needed', response: { 200: HtmlSchema } } }, async (_request, reply) => html(reply, pages.scopes))
  app.get('/data-deletion', { schema: { tags, summary: 'How to delete your data', response: { 200: HtmlSchema } } }, async (_request, reply) => html(reply, pages.deletion))

  app.post('/meta/data-deletion', {
    schema: {
      tags,
      summary: 'Meta\'s Data Deletion Request Callback: a signed_request in, a status URL and confirmation code out',
      body: StrictObject({ signed_request: Type.String({ minLength: 3, maxLength: 8192 }) }),
      response: { 200: Type.Object({ url: Type.String(), confirmation_code: Type.String() }), 400: ErrorSchema, 429: ErrorSchema },
    },
    config: { rateLimit: { max: 60, timeWindow: 60_000 } },
  }, async (request) => {
    const secret = app.services.whatsapp.runtime.appSecret
    const parsed = secret === undefined ? undefined : parseSignedRequest(request.body.signed_request, secret)
    if (parsed === undefined) throw new SwitchboardError('SB_PRIVACY_SIGNED_REQUEST_INVALID', 'signed_request')
    const code = await deletions.metaUser(parsed.userId)
    return { url: `${publicUrl}/data-deletion/status/${code}`, confirmation_code: code }
  })

  // Switchboard's support staff read customer records here, and only here: with their own
  // staff token (customers' credentials do not work), under a consent the customer
  // recorded for exactly these records; the purpose guard checks and audits each read.
  app.post('/support/v1/records', {
    schema: {
      tags,
      summary: 'Support staff: read records a customer consented to show (staff token; audited)',
      body: StrictObject({
        workspaceId: Type.String({ minLength: 4, maxLength: 64, pattern: '^ws_[0-9a-z]{26}$' }),
        consentId: IdSchema,
        reason: Type.String({ minLength: 3, maxLength: 200 }),
        records: Type.Array(StrictObject({ type: Type.Enum([...RECORD_TYPES]), id: IdSchema }), { minItems: 1, maxItems: 50 }),
      }),
      response: {
        200: Type.Object({ records: Type.Array(Type.Object({ type: Type.String(), id: Type.String(), source: Type.String(), origin: Type.String(), fields: Type.Record(Type.String(), Type.Unknown()) })) }),
        400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 429: ErrorSchema,
      },
    },
    config: { rateLimit: { max: 120, timeWindow: 60_000 } },
  }, async (request) => {
    const bearer = /^Bearer\s+(sbstaff_\S+)$/i.exec(request.headers.authorization ?? '')?.[1]
    const staffId = bearer === undefined ? undefined : await app.services.supportAccess.staffByToken(bearer)
    if (staffId === undefined) throw new SwitchboardError('SB_UNAUTHENTICATED')
    const { workspaceId, consentId, reason, records } = request.body
    const read = await app.services.purposeGuard.read(asWorkspaceId(workspaceId), { purpose: 'support', staffId, consentId, reason, ip: request.ip }, records)
    return { records: read }
  })

  app.get('/data-deletion/status/:code', {
    schema: {
      tags,
      summary: 'The status of a deletion request, by its confirmation code',
      params: StrictObject({ code: Type.String({ minLength: 8, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) }),
      response: { 200: HtmlSchema, 400: ErrorSchema, 404: ErrorSchema, 429: ErrorSchema },
    },
    config: { rateLimit: { max: 60, timeWindow: 60_000 } },
  }, async (request, reply) => {
    const status = await deletions.status(request.params.code)
    if (status === undefined) throw new SwitchboardError('SB_PRIVACY_DELETION_NOT_FOUND')
    return html(reply.header('cache-control', 'no-store'), renderDeletionStatusPage(status))
  })
}

export default privacyPublicRoutes
