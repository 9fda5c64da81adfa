import type {
  Activity, AddonContactView, AddonView, Contact, Health, Pipeline, Template, TemplatePreview, WhatsappThread,
} from '../../../sheets-plugin/src/core/api-types.js'
import type { BackendError } from '../../../sheets-plugin/src/core/backend-client.js'
import type { CardAction } from './card-actions.js'
import type { ButtonModel, CardModel, ChoiceOption, SectionModel, WidgetModel } from './card-model.js'
import { encodeState, templateChoice, type ContactRef, type DealRef, type TemplateChoice } from './card-state.js'
import { logTargetValue, type EmailContext } from './email-context.js'
import { clickToChatUrl, describeActivity, formatDateTime, formatMoney, messageStatus, messageText, snippet, whatsappDigits } from './format.js'
import type { SearchResult } from './gmail-client.js'
import { describeGmailError, type GmailError } from './gmail-errors.js'
import type { Surface } from './ports.js'
import { prefillValues } from './template-prefill.js'

/**
 * The add-on's screens as CardModels, built from backend answers and nothing else: no
 * Apps Script, no backend calls, so every screen is a pure function tests can call.
 */

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

const REFRESH: Record<Surface, CardAction> = {
  message: { name: 'refreshMessage' },
  home: { name: 'refreshHome' },
  compose: { name: 'refreshCompose' },
}

/** The action that draws a surface's root card again (Retry and Refresh buttons). */
export function refreshAction (surface: Surface): CardAction {
  return REFRESH[surface]
}

const settingsButton: ButtonModel = { text: 'Settings', action: { name: 'openSettings' } }

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
export function homepageCard (activities: readonly Activity[], offsetMs: number): CardModel {
  const recent: WidgetModel[] = activities.length === 0
    ? [{ kind: 'text', text: 'Nothing yet. Emails you log, notes and WhatsApp messages show here.', tone: 'muted' }]
    : activities.map((a) => activityField(a, offsetMs))
  return {
    name: ROOT_CARD.home,
    title: 'Switchboard',
    subtitle: 'WhatsApp Business CRM',
    sections: [
      {
        widgets: [
          { kind: 'text', text: 'Open an email to see its sender in your WhatsApp Business CRM, or search contacts and deals.' },
          { kind: 'input', name: FIELDS.query, title: 'Search contacts and deals', hint: 'Name, email, phone or deal title' },
          { kind: 'buttons', buttons: [{ text: 'Search', action: { name: 'search' }, filled: true }, settingsButton] },
        ],
      },
      { header: 'Recent activity', collapsedAfter: 5, widgets: recent },
    ],
    footer: { primary: { text: 'Refresh', action: REFRESH.home } },
  }
}

/** What a search found. */
export function searchResultsCard (query: string, result: SearchResult): CardModel {
  const stageNames = stageIndex(result.pipelines)
  const contacts: WidgetModel[] = result.contacts.length === 0
    ? [{ kind: 'text', text: 'No contact matches.', tone: 'muted' }]
    : result.contacts.map((c) => {
      const email = c.emails[0]
      const field: WidgetModel = { kind: 'field', label: c.emails[0] ?? c.phones[0] ?? '', value: c.name }
      // The contact card is looked up by address; a contact without one can only be listed.
      return email === undefined ? field : { ...field, button: { text: 'Open', action: { name: 'openContact', parameters: { email } } } }
    })
  const deals: WidgetModel[] = result.deals.length === 0
    ? [{ kind: 'text', text: 'No deal matches.', tone: 'muted' }]
    : result.deals.map((d) => ({
      kind: 'field',
      label: stageNames.get(d.stageId) ?? d.status,
      value: d.title,
      bottom: formatMoney(d.amount, d.currency) ?? undefined,
      button: { text: 'Move', action: { name: 'openMoveStage', parameters: { deal: encodeState({ id: d.id, title: d.title, pipelineId: d.pipelineId, stageId: d.stageId }) } } },
    } satisfies WidgetModel))
  return {
    title: 'Search',
    subtitle: query,
    sections: [{ header: 'Contacts', widgets: contacts }, { header: 'Deals', widgets: deals }],
  }
}

/** Where the add-on points and a check that the server answers. */
export function settingsCard (backendUrl: string): CardModel {
  return {
    title: 'Settings',
    sections: [{
      widgets: [
        { kind: 'field', label: 'Switchboard server', value: backendUrl, wrap: true },
        { kind: 'text', text: 'You sign in with your Google account: Switchboard knows you by its email address.', tone: 'muted' },
        { kind: 'buttons', buttons: [{ text: 'Check connection', action: { name: 'checkConnection' } }, { text: 'Open Switchboard', url: `${backendUrl}/` }] },
      ],
    }],
  }
}

/** The result of GET /health, or why it failed. */
export type ConnectionCheck = { ok: true, health: Health } | { ok: false, error: BackendError }

/** The notification for a connection check. */
export function connectionCheckMessage (check: ConnectionCheck): string {
  if (!check.ok) return describeGmailError(check.error)
  return check.health.status === 'ok' ? 'Switchboard is reachable.' : 'Switchboard answers but is not ready (it may be starting or migrating). Try again shortly.'
}

// ---------------------------------------------------------------------------------------------
// The message card

/**
 * The card beside an open email, from one /addon/view answer: a section per matched
 * contact (company, numbers, tags, open deals, WhatsApp, recent activity, actions), where the
 * email is logged and a form to log it, and "Create contact" for unmatched participants.
 */
export function messageCard (context: EmailContext, view: AddonView | null, offsetMs: number): CardModel {
  const sections: SectionModel[] = []
  if (view === null || (view.contacts.length === 0 && context.lookup.length === 0)) {
    sections.push({ widgets: [{ kind: 'text', text: 'No one on this email besides you has an address Switchboard can look up.', tone: 'muted' }] })
    return { name: ROOT_CARD.message, title: 'Switchboard', subtitle: snippet(context.subject, 60), sections }
  }
  // A card holds at most 100 sections: the first few contacts get their full sections, the
  // rest (a mailing to many customers) one line each that opens their card.
  for (const card of view.contacts.slice(0, FULL_CONTACTS)) sections.push(...contactSections(card, context.subject, offsetMs))
  const more = view.contacts.slice(FULL_CONTACTS)
  if (more.length > 0) {
    sections.push({
      header: 'Also in Switchboard',
      collapsedAfter: 5,
      widgets: more.slice(0, 50).map((c) => {
        const email = c.contact.emails.find((e) => context.lookup.includes(e)) ?? c.contact.emails[0]
        const field: WidgetModel = { kind: 'field', label: c.company?.name ?? '', value: c.contact.name, bottom: c.openDeals.length === 0 ? undefined : `${c.openDeals.length} open deal${c.openDeals.length === 1 ? '' : 's'}` }
        return email === undefined ? field : { ...field, button: { text: 'Open', action: { name: 'openContact', parameters: { email } } } }
      }),
    })
  }

  const sender = context.participants.find((p) => p.role === 'from')
  const unmatched = new Set(view.unmatchedEmails)
  const strangers = context.participants.filter((p) => unmatched.has(p.email))
  if (strangers.length > 0) {
    const byDomain = new Map(view.companiesByDomain.map((c) => [c.domain, c.company]))
    const widgets: WidgetModel[] = strangers.slice(0, 10).map((p) => {
      const company = byDomain.get(p.email.slice(p.email.lastIndexOf('@') + 1)) ?? null
      return {
        kind: 'field',
        label: p === sender ? 'Sender, not in Switchboard' : `${p.role === 'cc' ? 'Cc' : 'To'}, not in Switchboard`,
        value: p.name ?? p.email,
        bottom: [p.name === null ? null : p.email, company === null ? null : `Probably ${company.name}`].filter((x) => x !== null).join(' · ') || undefined,
        wrap: true,
        button: {
          text: 'Create contact',
          action: { name: 'openCreateContact', parameters: { email: p.email, name: p.name ?? '', companyId: company?.id ?? '', companyName: company?.name ?? '' } },
        },
      } satisfies WidgetModel
    })
    if (strangers.length > 10) widgets.push({ kind: 'text', text: `And ${strangers.length - 10} more not in Switchboard.`, tone: 'muted' })
    sections.push({ header: view.contacts.length === 0 ? 'Not in Switchboard yet' : 'Others on this email', widgets })
  }
  if (context.notLookedUp > 0) {
    sections.push({ widgets: [{ kind: 'text', text: `${context.notLookedUp} more recipients were not looked up (at most 50 per email).`, tone: 'muted' }] })
  }
  const log = logSection(context, view)
  if (log !== null) sections.push(log)
  return {
    name: ROOT_CARD.message,
    title: view.contacts.length === 1 ? view.contacts[0]!.contact.name : 'Switchboard',
    subtitle: view.contacts.length === 1 ? view.contacts[0]!.company?.name ?? snippet(context.subject, 60) : snippet(context.subject, 60),
    sections,
    footer: { primary: { text: 'Refresh', action: REFRESH.message } },
  }
}

/** A contact opened from search: their sections only; there is no email to log and no root to refresh. */
export function contactCard (view: AddonView, offsetMs: number): CardModel {
  const [first] = view.contacts
  if (first === undefined) {
    return { title: 'Contact', sections: [{ widgets: [{ kind: 'text', text: 'This contact is no longer in Switchboard.', tone: 'muted' }] }] }
  }
  return {
    title: first.contact.name,
    subtitle: first.company?.name,
    sections: view.contacts.slice(0, FULL_CONTACTS).flatMap((c) => contactSections(c, '', offsetMs)),
  }
}

/** One matched contact: facts, open deals, WhatsApp, recent activity and what can be done. */
export function contactSections (card: AddonContactView, subject: string, offsetMs: number): SectionModel[] {
  const { contact, company } = card
  const ref = contactRef(contact, company)
  const facts: WidgetModel[] = []
  if (company !== null) facts.push({ kind: 'field', label: 'Company', value: company.name })
  if (contact.emails.length > 0) facts.push({ kind: 'field', label: 'Email', value: contact.emails.join(', '), wrap: true })
  const digits = whatsappDigits(contact)
  if (digits !== null) {
    facts.push({
      kind: 'field',
      label: contact.whatsappId !== null ? 'WhatsApp' : 'Phone',
      value: `+${digits}`,
      button: { text: 'Chat', url: clickToChatUrl(digits) },
    })
  } else {
    facts.push({ kind: 'field', label: 'WhatsApp', value: 'No number yet' })
  }
  if (contact.tags.length > 0) facts.push({ kind: 'field', label: 'Tags', value: contact.tags.join(', '), wrap: true })
  if (ref.optedOut) facts.push({ kind: 'text', text: 'Opted out of marketing messages.', tone: 'error' })
  facts.push({
    kind: 'buttons',
    buttons: [
      { text: 'WhatsApp', action: { name: 'openWhatsapp', parameters: { contact: encodeState(ref) } }, filled: true },
      { text: 'Send template', action: { name: 'chooseTemplate', parameters: { contact: encodeState(ref) } } },
    ],
  })
  facts.push({
    kind: 'buttons',
    buttons: [
      { text: 'Add note', action: { name: 'openAddNote', parameters: { contact: encodeState(ref), deals: encodeState(card.openDeals.map((d) => ({ id: d.id, title: d.title }))) } } },
      { text: 'New deal', action: { name: 'openNewDeal', parameters: { contact: encodeState(ref), title: snippet(subject, 200) } } },
    ],
  })
  const sections: SectionModel[] = [{ header: contact.name, widgets: facts }]

  if (card.openDeals.length > 0) {
    sections.push({
      header: 'Open deals',
      collapsedAfter: 3,
      widgets: card.openDeals.map((d) => {
        const deal: DealRef = { id: d.id, title: d.title, pipelineId: d.pipelineId, stageId: d.stageId }
        return {
          kind: 'field',
          label: `${d.pipelineName} · ${d.stageName}`,
          value: d.title,
          bottom: formatMoney(d.amount, d.currency) ?? undefined,
          wrap: true,
          button: { text: 'Move', action: { name: 'openMoveStage', parameters: { deal: encodeState(deal) } } },
        } satisfies WidgetModel
      }),
    })
  }

  const whatsapp: WidgetModel[] = [{
    kind: 'text',
    text: card.whatsapp.windowOpenUntil === null
      ? 'Reply window closed: only templates can be sent.'
      : `Reply window open until ${formatDateTime(card.whatsapp.windowOpenUntil, offsetMs)}.`,
    tone: 'muted',
  }]
  for (const m of card.whatsapp.recentMessages) {
    whatsapp.push({ kind: 'field', label: `${m.direction === 'in' ? 'Received' : messageStatus(m.status)} · ${formatDateTime(m.createdAt, offsetMs)}`, value: snippet(messageText(m)), wrap: true })
  }
  sections.push({ header: 'WhatsApp', widgets: whatsapp })

  if (card.recentActivities.length > 0) {
    sections.push({ header: 'Recent activity', collapsedAfter: 2, widgets: card.recentActivities.map((a) => activityField(a, offsetMs)) })
  }
  return sections
}

function logSection (context: EmailContext, view: AddonView): SectionModel | null {
  if (context.headers === null) {
    return { header: 'Log this email', widgets: [{ kind: 'text', text: describeGmailError({ code: 'SB_CLIENT_NO_SENDER', message: '' }), tone: 'muted' }] }
  }
  const widgets: WidgetModel[] = view.emailLogs.map((log) => ({
    kind: 'field',
    label: 'Logged',
    value: `${log.targetType === 'deal' ? 'Deal' : 'Contact'}: ${log.targetName}`,
    bottom: log.loggedBy === null ? undefined : `by ${log.loggedBy.displayName}`,
    wrap: true,
  } satisfies WidgetModel))
  // Logged targets stay in the list, marked: logging one again answers "already logged"
  // (the backend dedupes by Message-ID) instead of the option silently vanishing.
  const logged = new Set(view.emailLogs.map((l) => `${l.targetType}:${l.targetId}`))
  const options: ChoiceOption[] = []
  const add = (text: string, value: string): void => {
    if (!options.some((o) => o.value === value)) options.push({ text: logged.has(value) ? `${text} (logged)` : text, value })
  }
  for (const card of view.contacts.slice(0, FULL_CONTACTS)) {
    add(card.contact.name, logTargetValue({ type: 'contact', id: card.contact.id }))
    for (const d of card.openDeals) add(`Deal: ${d.title}`, logTargetValue({ type: 'deal', id: d.id }))
  }
  if (options.length === 0) {
    if (widgets.length === 0) return null
    return { header: 'Log this email', widgets }
  }
  const first = options.findIndex((o) => !logged.has(o.value))
  options[Math.max(first, 0)] = { ...options[Math.max(first, 0)]!, selected: true }
  widgets.push(
    { kind: 'choice', name: FIELDS.logTarget, title: 'Log to', type: 'dropdown', options },
    { kind: 'choice', name: FIELDS.includeBody, title: 'Content', type: 'checkbox', options: [{ text: 'Include the body (off: subject, addresses and date only)', value: INCLUDE_BODY_VALUE }] },
    { kind: 'button', text: 'Log email', action: { name: 'logEmail' }, filled: true },
  )
  return { header: 'Log this email', widgets }
}

function activityField (activity: Activity, offsetMs: number): WidgetModel {
  const { label, text } = describeActivity(activity)
  return { kind: 'field', label: `${label} · ${formatDateTime(activity.occurredAt, offsetMs)}`, value: text === '' ? '—' : text, wrap: true }
}

function stageIndex (pipelines: readonly Pipeline[]): Map<string, string> {
  const names = new Map<string, string>()
  for (const p of pipelines) for (const s of p.stages) names.set(s.id, `${p.name} · ${s.name}`)
  return names
}

// ---------------------------------------------------------------------------------------------
// Forms

/** "Create contact", prefilled from the email's header. */
export function createContactCard (prefill: { email: string, name: string, companyId: string, companyName: string }): CardModel {
  const widgets: WidgetModel[] = [
    { kind: 'input', name: FIELDS.name, title: 'Name', value: prefill.name === '' ? prefill.email.slice(0, prefill.email.indexOf('@')) : prefill.name },
    { kind: 'input', name: FIELDS.email, title: 'Email', value: prefill.email },
    { kind: 'input', name: FIELDS.phone, title: 'Phone / WhatsApp (optional)', hint: 'With country code, like +44 20 7946 0958' },
  ]
  if (prefill.companyName !== '') widgets.push({ kind: 'field', label: 'Company', value: prefill.companyName, bottom: 'Matched by the email domain' })
  widgets.push({ kind: 'button', text: 'Create contact', action: { name: 'createContact', parameters: { companyId: prefill.companyId } }, filled: true })
  return { title: 'New contact', sections: [{ widgets }] }
}

/** A new deal for a contact; the title starts as the email's subject. */
export function newDealCard (contact: ContactRef, title: string): CardModel {
  return {
    title: 'New deal',
    subtitle: contact.name,
    sections: [{
      widgets: [
        { kind: 'input', name: FIELDS.title, title: 'Title', value: title },
        { kind: 'input', name: FIELDS.amount, title: 'Amount (optional)', hint: '12000 or 19.99' },
        { kind: 'input', name: FIELDS.currency, title: 'Currency', value: 'EUR', hint: 'ISO code: EUR, USD, GBP…' },
        { kind: 'text', text: 'The deal starts in the first stage of your first pipeline.', tone: 'muted' },
        { kind: 'button', text: 'Create deal', action: { name: 'createDeal', parameters: { contact: encodeState(contact) } }, filled: true },
      ],
    }],
  }
}

/** The stages of the deal's pipeline, the current one chosen. */
export function moveStageCard (deal: DealRef, pipeline: Pipeline | undefined): CardModel {
  if (pipeline === undefined || pipeline.stages.length === 0) {
    return { title: 'Move deal', subtitle: deal.title, sections: [{ widgets: [{ kind: 'text', text: 'This deal\'s pipeline no longer exists. Refresh the card.', tone: 'error' }] }] }
  }
  const options = [...pipeline.stages].sort((a, b) => a.position - b.position).map((s) => ({
    text: s.outcome === null ? s.name : `${s.name} (${s.outcome})`,
    value: s.id,
    selected: s.id === deal.stageId,
  }))
  return {
    title: 'Move deal',
    subtitle: deal.title,
    sections: [{
      header: pipeline.name,
      widgets: [
        { kind: 'choice', name: FIELDS.stage, title: 'Stage', type: 'dropdown', options },
        { kind: 'button', text: 'Move', action: { name: 'moveStage', parameters: { deal: encodeState(deal) } }, filled: true },
      ],
    }],
  }
}

/** A note on the contact or one of their open deals. */
export function addNoteCard (contact: ContactRef, deals: ReadonlyArray<Pick<DealRef, 'id' | 'title'>>): CardModel {
  const options: ChoiceOption[] = [
    { text: contact.name, value: logTargetValue({ type: 'contact', id: contact.id }), selected: true },
    ...deals.map((d) => ({ text: `Deal: ${d.title}`, value: logTargetValue({ type: 'deal', id: d.id }) })),
  ]
  return {
    title: 'Add note',
    subtitle: contact.name,
    sections: [{
      widgets: [
        { kind: 'input', name: FIELDS.note, title: 'Note', multiline: true },
        { kind: 'choice', name: FIELDS.noteTarget, title: 'On', type: 'dropdown', options },
        { kind: 'button', text: 'Save note', action: { name: 'addNote' }, filled: true },
      ],
    }],
  }
}

// ---------------------------------------------------------------------------------------------
// WhatsApp

/** The contact's WhatsApp thread, oldest of the page first, and a reply box while the window is open. */
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
    // A named variable can appear in the header and the body (both {{first_name}}): say which is
    // which. A media header takes the link of the image, video or document to send.
    const where = v.kind !== 'text' ? ` (${v.kind} link)` : v.key.startsWith('header.') ? ' (header)' : v.key.startsWith('button') ? ' (button)' : ''
    widgets.push({ kind: 'input', name: variableField(i), title: `${v.name}${where}`, value: start[v.key] ?? '', hint: v.example === null ? undefined : `e.g. ${v.example}` })
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
export function errorCard (error: GmailError, retry: CardAction): CardModel {
  return {
    title: 'Switchboard',
    subtitle: 'Something went wrong',
    sections: [{
      widgets: [
        { kind: 'text', text: describeGmailError(error), tone: 'error' },
        { kind: 'button', text: 'Retry', action: retry, filled: true },
      ],
    }],
  }
}

/** The signed-in Google account is not (or cannot be verified as) a Switchboard user: how to get access. */
export function accessCard (error: GmailError, userEmail: string, backendUrl: string, retry: CardAction): CardModel {
  const widgets: WidgetModel[] = [{ kind: 'text', text: describeGmailError(error) }]
  if (userEmail !== '') widgets.push({ kind: 'field', label: 'Your Google account', value: userEmail })
  widgets.push(
    { kind: 'text', text: 'How to get access: ask an owner or admin of your Switchboard workspace to add this exact address as a user (with the role agent or higher). Then press Retry.', tone: 'muted' },
    { kind: 'buttons', buttons: [{ text: 'Retry', action: retry, filled: true }, { text: 'Open Switchboard', url: `${backendUrl}/` }] },
  )
  return { title: 'Switchboard', subtitle: 'No access yet', sections: [{ widgets }] }
}
