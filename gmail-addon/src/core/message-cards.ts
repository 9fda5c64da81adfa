import type { Activity, AddonContactView, AddonView, Pipeline } from '../../../apps-script/src/core/api-types.js'
import { contactRef, FIELDS, FULL_CONTACTS, INCLUDE_BODY_VALUE, REFRESH, ROOT_CARD } from './card-fields.js'
import type { CardModel, ChoiceOption, SectionModel, WidgetModel } from './card-model.js'
import { encodeState, type DealRef } from './card-state.js'
import { logTargetValue, type EmailContext } from './email-context.js'
import { clickToChatUrl, describeActivity, formatDateTime, formatMoney, messageStatus, messageText, snippet, whatsappDigits } from './format.js'
import { describeGmailError } from './gmail-errors.js'

// The card beside an open email: the sender's CRM record and the log section.

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

/** One activity as a line of a card. */
export function activityField (activity: Activity, offsetMs: number): WidgetModel {
  const { label, text } = describeActivity(activity)
  return { kind: 'field', label: `${label} · ${formatDateTime(activity.occurredAt, offsetMs)}`, value: text === '' ? '—' : text, wrap: true }
}

/** Stage names by id, across pipelines. */
export function stageIndex (pipelines: readonly Pipeline[]): Map<string, string> {
  const names = new Map<string, string>()
  for (const p of pipelines) for (const s of p.stages) names.set(s.id, `${p.name} · ${s.name}`)
  return names
}

// ---------------------------------------------------------------------------------------------
// Forms

/** "Create contact", prefilled from the email's header. */
