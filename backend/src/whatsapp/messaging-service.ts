import type { WorkspaceId } from '../ids.js'
import { SwitchboardError } from '../errors.js'
import type { AuditLog } from '../privacy/audit-log.js'
import type { CrmRepositories } from '../crm/crm-repositories.js'
import { AmbiguousSendError, CloudApiError, CloudApiNetworkError } from './cloud-api/errors.js'
import type { SendResult } from './cloud-api/types.js'
import type { ConnectionService } from './connection-service.js'
import type { ConnectionsRepository } from './connections-repository.js'
import type { MessagesRepository, ThreadMessage } from './messages-repository.js'
import type { TemplatesService } from './templates-service.js'
import { fillTemplate } from './template-variables.js'
import { chooseNumber } from './reply-number.js'

/** The customer-service window: free-form messages are allowed this long after the contact last wrote. */
export const SERVICE_WINDOW_MS = 24 * 60 * 60 * 1000

export type OutgoingMessage =
  | { kind: 'text', text: string }
  | { kind: 'template', name: string, language: string, parameters: Record<string, string> }

export interface SendContext {
  authorUserId: string | null
  /** Which feature sends: api, web, gmail, outlook. */
  source: string
}

/** Whether free-form messages may go to a contact now, and until when. */
export function serviceWindow (lastInboundAt: string | null, now = Date.now()): { open: boolean, until: string | null } {
  if (lastInboundAt === null) return { open: false, until: null }
  const until = Date.parse(lastInboundAt) + SERVICE_WINDOW_MS
  return { open: until > now, until: new Date(until).toISOString() }
}

/**
 * One-to-one WhatsApp messages to a contact (from an add-on, the web app or the API).
 * The rules are checked before anything is sent, so the user learns which applies: a
 * free-form reply needs the 24-hour window, outside it only an approved template goes,
 * and marketing templates never go to a contact who opted out.
 */
export function createMessagingService (deps: {
  crm: CrmRepositories
  messages: MessagesRepository
  connections: ConnectionsRepository
  connection: ConnectionService
  templates: TemplatesService
  audit: AuditLog
}) {
  const { crm, messages, connections, connection, templates, audit } = deps

  return {
    /** The contact's recent thread and whether the window is open. */
    async thread (ws: WorkspaceId, contactId: string, options: { limit: number, before?: string | undefined }) {
      const contact = await crm.contacts.get(ws, contactId)
      if (contact === undefined) throw new SwitchboardError('SB_CONTACT_NOT_FOUND')
      const [items, numbers, inbound, legacy] = await Promise.all([messages.thread(ws, contactId, options), connections.listNumbers(ws), messages.lastInboundByNumber(ws, contactId), messages.lastInboundAt(ws, contactId)])
      // The window of the number a reply would go from: it is per (contact, number).
      const choice = chooseNumber(numbers, inbound, 'text', legacy)
      return { items, window: serviceWindow(choice.number === undefined ? null : choice.lastInboundAt) }
    },

    async send (ws: WorkspaceId, contactId: string, message: OutgoingMessage, context: SendContext): Promise<ThreadMessage> {
      const contact = await crm.contacts.get(ws, contactId)
      if (contact === undefined) throw new SwitchboardError('SB_CONTACT_NOT_FOUND')
      const to = contact.whatsappId ?? contact.phones[0]?.replace(/^\+/, '')
      if (to === undefined) throw new SwitchboardError('SB_WHATSAPP_NO_NUMBER')

      const { client } = await connection.client(ws)
      const numbers = await connections.listNumbers(ws)
      // From the number the customer last wrote to: the 24-hour window is per business number.
      const choice = chooseNumber(numbers, await messages.lastInboundByNumber(ws, contactId), message.kind, await messages.lastInboundAt(ws, contactId))
      const number = choice.number
      if (number === undefined) throw new SwitchboardError(numbers.length > 0 ? 'SB_WHATSAPP_NUMBER_PAUSED' : 'SB_WHATSAPP_NOT_CONNECTED')

      let body: string
      let send: () => Promise<SendResult>
      let templateName: string | null = null
      let templateLanguage: string | null = null
      if (message.kind === 'text') {
        if (!serviceWindow(choice.lastInboundAt).open) throw new SwitchboardError('SB_WHATSAPP_WINDOW_CLOSED')
        body = message.text
        send = () => client.sendText(number.id, to, message.text)
      } else {
        const template = await templates.find(ws, message.name, message.language)
        if (template === undefined) throw new SwitchboardError('SB_WHATSAPP_TEMPLATE_NOT_FOUND', 'name')
        if (template.status !== 'APPROVED') throw new SwitchboardError('SB_WHATSAPP_TEMPLATE_NOT_APPROVED', 'name', { detail: template.status })
        if (template.category === 'MARKETING' && contact.marketing.status === 'opted_out') throw new SwitchboardError('SB_WHATSAPP_OPTED_OUT')
        const filled = fillTemplate(template, message.parameters)
        if (filled.missing.length > 0) throw new SwitchboardError('SB_WHATSAPP_TEMPLATE_PARAMETER_MISSING', `parameters/${filled.missing[0]!}`)
        if (filled.invalid.length > 0) throw new SwitchboardError('SB_VALIDATION', `parameters/${filled.invalid[0]!}`, { detail: 'must be an https:// link' })
        body = filled.text
        templateName = template.name
        templateLanguage = template.language
        send = () => client.sendTemplate(number.id, to, { name: template.name, languageCode: template.language, components: filled.components })
      }

      // Recorded before the call: if the process dies mid-send, the message shows as sending/unknown, not nothing.
      const id = await messages.createOutbound(ws, {
        contactId, phoneNumberId: number.id, waId: to, type: message.kind, body, templateName, templateLanguage,
        authorUserId: context.authorUserId, source: context.source,
      })
      try {
        const result = await send()
        await messages.markAccepted(ws, id, result.wamid)
        if (contact.whatsappId === null) await crm.contacts.linkWhatsappId(ws, contactId, result.waId)
      } catch (error) {
        await recordFailure(ws, id, number.id, error, context)
      }
      return (await messages.get(ws, id))!
    },
  }

  async function recordFailure (ws: WorkspaceId, id: string, phoneNumberId: string, error: unknown, context: SendContext): Promise<never> {
    if (error instanceof AmbiguousSendError) {
      await messages.markUnknown(ws, id)
      throw new SwitchboardError('SB_WHATSAPP_SEND_UNKNOWN', undefined, { detail: error.reason, cause: error })
    }
    if (error instanceof CloudApiNetworkError) {
      await messages.markFailed(ws, id, null, 'Meta could not be reached')
      throw new SwitchboardError('SB_WHATSAPP_UNAVAILABLE', undefined, { cause: error })
    }
    if (error instanceof CloudApiError) {
      await messages.markFailed(ws, id, error.code, error.title)
      if (error.handling === 'stop_number' || error.handling === 'stop_account') {
        // Meta says this number (or the whole account) must stop: every later send would fail the same way.
        const reason = `${error.code}: ${error.title}`
        await connections.setNumberPaused(ws, phoneNumberId, reason)
        await audit.record(ws, { action: 'whatsapp.number_paused', actorUserId: context.authorUserId, targetType: 'whatsapp_number', targetId: phoneNumberId, details: { code: error.code } })
      }
      throw new SwitchboardError('SB_WHATSAPP_SEND_REJECTED', undefined, { detail: `${error.code}: ${error.title}`, cause: error })
    }
    await messages.markUnknown(ws, id)
    throw error
  }
}

export type MessagingService = ReturnType<typeof createMessagingService>
