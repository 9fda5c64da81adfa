import type { Contact } from '../../../apps-script/src/core/api-types.js'
import type { CardAction } from './card-actions.js'
import type { ButtonModel } from './card-model.js'
import type { ContactRef } from './card-state.js'
import { whatsappDigits } from './format.js'
import type { Surface } from './ports.js'

// Names and limits every card shares: root card names, form fields, the refresh and settings buttons.

/** Names of the root cards, for popToNamedCard. */
export const ROOT_CARD = { message: 'message', home: 'home', compose: 'compose' } as const satisfies Record<Surface, string>

/** Form field names, shared by the cards that draw the inputs and the actions that read them. */
export const FIELDS = {
  query: 'query',
  logTarget: 'log_target',
  includeBody: 'include_body',
  name: 'name',
  email: 'email',
  phone: 'phone',
  title: 'title',
  amount: 'amount',
  currency: 'currency',
  stage: 'stage',
  note: 'note',
  noteTarget: 'note_target',
  reply: 'reply',
} as const

/** The value a ticked "include body" checkbox sends. */
export const INCLUDE_BODY_VALUE = 'yes'

/** The form field of a template's variable, by its position (keys like `body.1` are not field names). */
export function variableField (index: number): string {
  return `var_${index}`
}

/** Contacts the message card shows in full; the others get a line each. */
export const FULL_CONTACTS = 5

/** How many activities and WhatsApp messages the root cards list. */
export const HOME_ACTIVITY_LIMIT = 10
export const THREAD_LIMIT = 20

/** The refresh action of each surface's root card. */
export const REFRESH: Record<Surface, CardAction> = {
  message: { name: 'refreshMessage' },
  home: { name: 'refreshHome' },
  compose: { name: 'refreshCompose' },
}

/** The action that draws a surface's root card again (Retry and Refresh buttons). */
export function refreshAction (surface: Surface): CardAction {
  return REFRESH[surface]
}

/** The button that opens the settings card. */
export const settingsButton: ButtonModel = { text: 'Settings', action: { name: 'openSettings' } }

/** A contact as the follow-up cards need it. */
export function contactRef (contact: Contact, company: { id: string, name: string } | null): ContactRef {
  const digits = whatsappDigits(contact)
  return {
    id: contact.id,
    name: contact.name,
    email: contact.emails[0] ?? null,
    phone: digits === null ? null : `+${digits}`,
    company: company?.name ?? null,
    companyId: company?.id ?? contact.companyId,
    optedOut: contact.marketing.status === 'opted_out',
  }
}

// ---------------------------------------------------------------------------------------------
// Home, search, settings

/** The homepage: search, then the workspace's latest activity. */
