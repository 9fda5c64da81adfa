import type { Template, TemplatePreview, WhatsappThread } from '../../../apps-script/src/core/api-types.js'
import { variableLabel } from '../../../apps-script/src/core/variable-labels.js'
import { FIELDS, REFRESH, ROOT_CARD, variableField } from './card-fields.js'
import type { CardModel, WidgetModel } from './card-model.js'
import { encodeState, templateChoice, type ContactRef, type TemplateChoice } from './card-state.js'
import { clickToChatUrl, formatDateTime, messageStatus, messageText, snippet } from './format.js'
import { describeGmailError } from './gmail-errors.js'
import { prefillValues } from './template-prefill.js'

// WhatsApp: the thread, templates, their variables and preview, and compose links.

export function whatsappCard (contact: ContactRef, thread: WhatsappThread, offsetMs: number): CardModel {
  const param = { contact: encodeState(contact) }
  const messages: WidgetModel[] = thread.items.length === 0
    ? [{ kind: 'text', text: 'No WhatsApp messages yet.', tone: 'muted' }]
    : [...thread.items].reverse().map((m) => {
      const failed = m.status === 'failed' && m.errorTitle !== null ? ` (${m.errorTitle})` : ''
      return {
        kind: 'field',
        label: `${m.direction === 'in' ? 'Received' : `${messageStatus(m.status)}${failed}`} · ${formatDateTime(m.createdAt, offsetMs)}`,
        value: messageText(m),
        wrap: true,
      } satisfies WidgetModel
    })
  const compose: WidgetModel[] = []
  if (contact.phone === null) {
    compose.push({ kind: 'text', text: describeGmailError({ code: 'SB_WHATSAPP_NO_NUMBER', message: '' }), tone: 'error' })
  } else if (thread.window.open && thread.window.until !== null) {
    compose.push(
      { kind: 'text', text: `Reply window open until ${formatDateTime(thread.window.until, offsetMs)}.`, tone: 'muted' },
      { kind: 'input', name: FIELDS.reply, title: 'Reply', multiline: true },
      { kind: 'buttons', buttons: [{ text: 'Send reply', action: { name: 'sendReply', parameters: param }, filled: true }, { text: 'Send template', action: { name: 'chooseTemplate', parameters: param } }] },
    )
  } else {
    compose.push(
      { kind: 'text', text: 'The 24-hour reply window is closed: the contact has not written in the last 24 hours, so only an approved template can be sent.', tone: 'muted' },
      { kind: 'button', text: 'Send template', action: { name: 'chooseTemplate', parameters: param }, filled: true },
    )
  }
  return {
    title: 'WhatsApp',
    subtitle: contact.phone === null ? contact.name : `${contact.name} · ${contact.phone}`,
    sections: [{ header: 'Thread', collapsedAfter: 10, widgets: messages }, { widgets: compose }],
    footer: { primary: { text: 'Refresh', action: { name: 'refreshWhatsapp', parameters: param } } },
  }
}

/** The approved templates to choose from, or why none can be sent to this contact. */
export function templatesCard (contact: ContactRef, templates: readonly Template[]): CardModel {
  const widgets: WidgetModel[] = []
  if (contact.optedOut) widgets.push({ kind: 'text', text: 'This contact opted out of marketing messages: marketing templates will be refused.', tone: 'error' })
  if (templates.length === 0) widgets.push({ kind: 'text', text: 'Your WhatsApp account has no approved templates yet.', tone: 'muted' })
  for (const t of templates) {
    widgets.push({
      kind: 'field',
      label: `${t.category} · ${t.language}`,
      value: t.name,
      bottom: snippet(t.text, 100),
      wrap: true,
      button: { text: 'Choose', action: { name: 'fillTemplate', parameters: { contact: encodeState(contact), template: encodeState(templateChoice(t)) } } },
    })
  }
  return { title: 'Send a template', subtitle: contact.name, sections: [{ widgets: widgets.slice(0, 100) }] }
}

/** The template's variables, prefilled from the contact where their names say how. */
export function fillTemplateCard (contact: ContactRef, template: TemplateChoice, values?: Readonly<Record<string, string>>): CardModel {
  const start = values ?? prefillValues(template.variables, contact)
  const widgets: WidgetModel[] = [{ kind: 'text', text: template.text }]
  template.variables.forEach((v, i) => {
    // A quick-reply payload is optional and only tells a developer's webhook which button was pressed: nothing a
    // salesperson types beside an email (the Sheets add-on, where columns can feed it, offers it).
    if (v.kind === 'payload') return
    // A named variable can appear in the header and the body (both {{first_name}}): the label says which is which.
    widgets.push({ kind: 'input', name: variableField(i), title: variableLabel(v), value: start[v.key] ?? '', hint: v.example === null ? undefined : `e.g. ${v.example}` })
  })
  widgets.push({ kind: 'button', text: 'Preview', action: { name: 'previewTemplate', parameters: { contact: encodeState(contact), template: encodeState(template) } }, filled: true })
  return { title: template.name, subtitle: `To ${contact.name}`, sections: [{ widgets }] }
}

/** The message as it will go out, and Send. */
export function previewTemplateCard (contact: ContactRef, template: TemplateChoice, values: Readonly<Record<string, string>>, preview: TemplatePreview): CardModel {
  const widgets: WidgetModel[] = [{ kind: 'field', label: `To ${contact.phone ?? 'no number'}`, value: preview.text, wrap: true }]
  if (preview.missing.length > 0) {
    widgets.push({ kind: 'text', text: `Still missing: ${preview.missing.join(', ')}. Go back and fill them in.`, tone: 'error' })
  } else {
    widgets.push({ kind: 'button', text: 'Send', action: { name: 'sendTemplate', parameters: { contact: encodeState(contact), template: encodeState(template), values: encodeState({ ...values }) } }, filled: true })
  }
  return { title: 'Preview', subtitle: template.name, sections: [{ widgets }] }
}

// ---------------------------------------------------------------------------------------------
// Compose

/** A recipient of the draft, as the compose card lists them. */
export interface ComposeRecipient {
  name: string
  email: string
  digits: string | null
}

/** The draft's recipients known to Switchboard, each with a button to insert their click-to-chat link. */
export function composeCard (recipients: readonly ComposeRecipient[], asked: number): CardModel {
  const widgets: WidgetModel[] = []
  if (asked === 0) widgets.push({ kind: 'text', text: 'Add a recipient to the draft, then open this again.', tone: 'muted' })
  else if (recipients.length === 0) widgets.push({ kind: 'text', text: 'None of the draft\'s recipients is in Switchboard.', tone: 'muted' })
  for (const r of recipients) {
    widgets.push(r.digits === null
      ? { kind: 'field', label: r.email, value: r.name, bottom: 'No WhatsApp number in Switchboard' }
      : { kind: 'field', label: r.email, value: r.name, bottom: `+${r.digits}`, button: { text: 'Insert link', action: { name: 'insertWhatsappLink', parameters: { digits: r.digits, name: r.name } } } })
  }
  return { name: ROOT_CARD.compose, title: 'Insert WhatsApp link', sections: [{ widgets }], footer: { primary: { text: 'Refresh', action: REFRESH.compose } } }
}

/** The HTML inserted into the draft: a click-to-chat link; the name is escaped, the digits are digits. */
export function whatsappLinkHtml (digits: string, name: string): string {
  const safeDigits = digits.replace(/\D/g, '')
  const label = name.trim() === '' ? 'Chat on WhatsApp' : `Chat with ${name.trim()} on WhatsApp`
  const escaped = label.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
  return `<a href="${clickToChatUrl(safeDigits)}">${escaped}</a>`
}

// ---------------------------------------------------------------------------------------------
// Failures

/** Backend down, slow or failing: what happened and a Retry that repeats the same step. */
