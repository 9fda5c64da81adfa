import { createHash, timingSafeEqual } from 'node:crypto'
import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ErrorSchema } from '../../common-schemas.js'
import { SwitchboardError } from '../../errors.js'
import { verifyWebhookSignature } from '../cloud-api/webhook-signature.js'

/** Credentials that replace the runtime's (the configured Meta app, or the in-process sandbox). */
export interface WebhookRoutesOptions {
  /** Signs Meta's POSTs (X-Hub-Signature-256). */
  appSecret?: string | undefined
  /** What Meta's verification GET must carry as hub.verify_token. */
  verifyToken?: string | undefined
}

/** Meta sends webhook payloads of up to 3 MB. */
export const WEBHOOK_BODY_LIMIT = 3 * 1024 * 1024

const PATH = '/webhooks/whatsapp'

const VerifyQuerySchema = Type.Object({
  'hub.mode': Type.Optional(Type.String({ maxLength: 64 })),
  'hub.verify_token': Type.Optional(Type.String({ maxLength: 512 })),
  'hub.challenge': Type.Optional(Type.String({ maxLength: 512 })),
})

/** Equal strings, compared in constant time whatever their lengths. */
function sameSecret (given: string | undefined, expected: string): boolean {
  if (given === undefined) return false
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest()
  return timingSafeEqual(digest(given), digest(expected))
}

/**
 * Meta's webhook endpoint. Public: Meta authenticates by signing each body with the app
 * secret, so the POST checks that signature over the bytes exactly as received, stores
 * them in the durable inbox, and answers 200 at once (only 200 counts as delivered;
 * anything else is retried for days). Processing happens after the answer, in the inbox
 * processor. Both routes skip the per-caller rate limit: this is Meta's traffic, at up to
 * three statuses per message sent.
 */
const webhookRoutes: FastifyPluginAsyncTypebox<WebhookRoutesOptions> = async (app, options) => {
  const { runtime, webhooks } = app.services.whatsapp
  const appSecret = options.appSecret ?? runtime.appSecret
  const verifyToken = options.verifyToken ?? runtime.verifyToken

  // Signatures cover the raw bytes, and re-serialised JSON does not match them (Meta
  // escapes non-ASCII). This parser replaces the JSON one for these routes only: the
  // plugin is encapsulated, so the rest of the API keeps parsing JSON.
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (_request, body, done) => done(null, body))

  // The worker must finish its batch before the store under it closes.
  app.addHook('onClose', async () => webhooks.processor.stop())

  app.get(PATH, {
    schema: {
      tags: ['webhooks'],
      summary: 'Meta\'s webhook verification: echoes hub.challenge when the verify token matches',
      security: [],
      querystring: VerifyQuerySchema,
      response: { 200: Type.String({ description: 'The hub.challenge, as text/plain' }), 403: ErrorSchema },
    },
    config: { rateLimit: false },
  }, async (request, reply) => {
    const query = request.query
    const challenge = query['hub.challenge']
    if (query['hub.mode'] !== 'subscribe' || verifyToken === undefined || challenge === undefined || !sameSecret(query['hub.verify_token'], verifyToken)) {
      throw new SwitchboardError('SB_WEBHOOK_VERIFY_FAILED')
    }
    // The challenge is Meta's text echoed back: nosniff keeps a browser from reading it as HTML.
    return reply.type('text/plain; charset=utf-8').header('x-content-type-options', 'nosniff').send(challenge)
  })

  app.post(PATH, {
    schema: {
      tags: ['webhooks'],
      summary: 'Meta\'s signed webhook: stored durably, answered 200, processed afterwards',
      security: [],
      response: { 200: Type.Unsafe<undefined>({ description: 'Stored; the body is empty' }), 401: ErrorSchema, 413: ErrorSchema, 415: ErrorSchema },
    },
    bodyLimit: WEBHOOK_BODY_LIMIT,
    config: { rateLimit: false },
  }, async (request, reply) => {
    const raw = request.body
    const header = request.headers['x-hub-signature-256']
    if (appSecret === undefined || !Buffer.isBuffer(raw) || !verifyWebhookSignature(appSecret, raw, typeof header === 'string' ? header : undefined)) {
      throw new SwitchboardError('SB_WEBHOOK_SIGNATURE_INVALID')
    }
    // Meta escapes everything beyond ASCII, so decoding loses nothing; the inbox stores text.
    // A raw NUL byte is not JSON and no text column holds it (PostgreSQL refuses it): kept
    // visibly as the escape `\u0000`, so a signed body is never lost nor answered with a 500.
    await webhooks.append(raw.toString('utf8').replaceAll('\u0000', '\\u0000'))
    return reply.code(200).send()
  })
}

export default webhookRoutes
