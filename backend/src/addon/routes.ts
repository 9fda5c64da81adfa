import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { COMMON_ERROR_RESPONSES } from '../common-schemas.js'
import { authOf } from '../plugins/app/auth.js'
import { AddonViewRequestSchema, AddonViewSchema } from './schemas.js'
import { createEmailLogService } from '../crm/email-logs.js'
import { createAddonView } from './view-query.js'
import { serviceWindow } from '../whatsapp/messaging-service.js'

/** WhatsApp messages a contact card shows. */
const RECENT_WHATSAPP_MESSAGES = 3

/**
 * What the Gmail add-on and the Outlook add-in show beside an open email, in one request.
 * It lives above crm/ and whatsapp/ and composes them, so the CRM core knows no channel.
 */
const addonRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const addon = createAddonView(app.store.db)
  const emailLogService = createEmailLogService(app.store.db)

  // POST, not GET: the addresses are personal data and stay out of URLs and access logs.
  app.post('/addon/view', {
    schema: {
      tags: ['add-ons'],
      summary: 'Contacts, companies, open deals and recent activity for the addresses on one email',
      body: AddonViewRequestSchema,
      response: { 200: AddonViewSchema, ...COMMON_ERROR_RESPONSES },
    },
    config: { access: { scope: 'crm:read' } },
  }, async (request) => {
    const ws = authOf(request).workspaceId
    const { message } = request.body
    const [view, emailLogs] = await Promise.all([
      addon.view(ws, request.body.emails),
      message === undefined ? [] : emailLogService.status(ws, { ...message, cc: message.cc ?? [] }),
    ])
    const threads = await app.services.whatsapp.messages.recentByContacts(ws, view.contacts.map((c) => c.contact.id), RECENT_WHATSAPP_MESSAGES)
    return {
      ...view,
      contacts: view.contacts.map((card) => {
        const thread = threads.get(card.contact.id)
        const window = serviceWindow(thread?.lastInboundAt ?? null)
        return { ...card, whatsapp: { windowOpenUntil: window.open ? window.until : null, recentMessages: thread?.messages ?? [] } }
      }),
      emailLogs,
    }
  })
}

export default addonRoutes
