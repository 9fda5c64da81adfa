import { Type } from 'typebox'
import type { FastifyReply } from 'fastify'

/** Every form's CSRF field; the web plugin's preValidation hook checks it before the schema. */
export const CsrfField = { _csrf: Type.Optional(Type.String({ maxLength: 200 })) }

/** `?notice=` after a redirect names one of the fixed messages below; the URL never carries text we echo. */
export const NoticeQuery = { notice: Type.Optional(Type.String({ maxLength: 40 })) }

const NOTICES: Record<string, string> = {
  'contact-created': 'Contact created.',
  'company-created': 'Company created.',
  'templates-synced': 'Templates fetched from Meta.',
  'retention-changed': 'Retention period saved.',
  'deal-created': 'Deal added.',
  'deal-moved': 'Deal moved.',
  'token-revoked': 'Token revoked.',
  'user-invited': 'User added.',
  'user-updated': 'User updated.',
  'whatsapp-connected': 'The sandbox number is connected and its templates are synced.',
  'campaign-started': 'Campaign started.',
  'campaign-paused': 'Campaign paused.',
  'campaign-resumed': 'Campaign resumed.',
  'campaign-cancelled': 'Campaign cancelled.',
  'webhook-updated': 'Webhook endpoint saved.',
  'webhook-deleted': 'Webhook endpoint removed, with its deliveries.',
  'webhook-redelivered': 'Queued to be sent again.',
  'export-requested': 'Export requested: it is being prepared below.',
  'contact-erased': 'Contact erased.',
  'user-erased': 'User closed: name and email removed, sign-ins and tokens deleted.',
}

export function noticeOf (key: string | undefined): string | undefined {
  return key === undefined ? undefined : NOTICES[key]
}

/** Post/redirect/get: a reload after a form never posts it again. */
export function seeOther (reply: FastifyReply, location: string): FastifyReply {
  return reply.code(303).header('location', location).header('cache-control', 'no-store').send(null)
}
