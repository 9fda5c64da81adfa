import type { CreateContactRequest, CreateDealRequest } from '../../../apps-script/src/core/api-types.js'
import { BackendError } from '../../../apps-script/src/core/backend-client.js'
import { isBackendEmail, parseMailbox } from './address.js'
import type { CardAction, CardActionName, CardActionParameters, ParsedAction } from './card-actions.js'
import type { ActionResult, CardModel, NavigationStep } from './card-model.js'
import {
  accessCard, addNoteCard, composeCard, contactCard, connectionCheckMessage, createContactCard, errorCard, FIELDS, fillTemplateCard, HOME_ACTIVITY_LIMIT,
  homepageCard, INCLUDE_BODY_VALUE, messageCard, moveStageCard, newDealCard, previewTemplateCard, refreshAction, searchResultsCard,
  settingsCard, templatesCard, THREAD_LIMIT, variableField, whatsappCard, whatsappLinkHtml, type ComposeRecipient, type ConnectionCheck,
} from './cards.js'
import { decodeContact, decodeDeal, decodeDealList, decodeTemplate, decodeValues, type ContactRef, type TemplateChoice } from './card-state.js'
import { createDeadline, type Deadline } from './deadline.js'
import { emailContext, LOOKUP_LIMIT, logRequest, parseLogTarget, type EmailContext } from './email-context.js'
import { isTicked, textValue, type FormValues } from './form-inputs.js'
import { whatsappDigits } from './format.js'
import { describeGmailError, GMAIL_ERROR_CODES, isAccessProblem, isOutage } from './gmail-errors.js'
import type { ExecutionInput, GmailPorts } from './ports.js'

/**
 * What the add-on does, as pure functions of its ports: the three root cards (message,
 * homepage, compose) and every card action, each returning data (a CardModel or an
 * ActionResult) that the host renders. Failures of the backend become cards or
 * notifications here, so no raw exception reaches Gmail.
 */

/** One execution: the ports, where the user is, the clicked form's values and the time left. */
export interface AddonContext {
  ports: GmailPorts
  input: ExecutionInput
  form: FormValues
  deadline: Deadline
}

/** The context of one execution. */
export function addonContext (ports: GmailPorts, input: ExecutionInput, form: FormValues = {}): AddonContext {
  return { ports, input, form, deadline: createDeadline(ports.now, input.startedAt) }
}

function clientError (code: string, field?: string): BackendError {
  return new BackendError(code, code, 0, { field })
}

// ---------------------------------------------------------------------------------------------
// Root cards

/** The card beside the open email: ONE backend call (/addon/view), none when nobody can be looked up. */
export function messageRoot (ctx: AddonContext): CardModel {
  const message = ctx.ports.mail.openMessage()
  const context: EmailContext = message === null
    ? { participants: [], lookup: [], notLookedUp: 0, headers: null, subject: '', threadId: '' }
    : emailContext(message, ctx.ports.userEmail())
  if (context.lookup.length === 0) return messageCard(context, null, ctx.input.timeZoneOffsetMs)
  const view = ctx.ports.backend.view(context.headers === null ? { emails: context.lookup } : { emails: context.lookup, message: context.headers })
  return messageCard(context, view, ctx.input.timeZoneOffsetMs)
}

/** The homepage: one call for the recent activity. */
export function homeRoot (ctx: AddonContext): CardModel {
  return homepageCard(ctx.ports.backend.recentActivities(HOME_ACTIVITY_LIMIT), ctx.input.timeZoneOffsetMs)
}

/** The compose card: the draft's recipients looked up in one call. */
export function composeRoot (ctx: AddonContext): CardModel {
  const emails = [...new Set(ctx.ports.mail.draftRecipients().map((r) => parseMailbox(r).email).filter((e): e is string => e !== null && isBackendEmail(e)))]
    .slice(0, LOOKUP_LIMIT)
  if (emails.length === 0) return composeCard([], 0)
  const view = ctx.ports.backend.view({ emails })
  const recipients: ComposeRecipient[] = view.contacts.map((c) => ({
    name: c.contact.name,
    email: c.contact.emails.find((e) => emails.includes(e)) ?? c.contact.emails[0] ?? '',
    digits: whatsappDigits(c.contact),
  }))
  return composeCard(recipients, emails.length)
}

const ROOTS = { message: messageRoot, home: homeRoot, compose: composeRoot } as const

/**
 * A root card, or the card that says why it could not be drawn: access (unknown user, sign-in
 * refused) or an outage, each with a Retry that draws it again.
 */
export function rootCard (ctx: AddonContext): CardModel {
  try {
    return ROOTS[ctx.input.surface](ctx)
  } catch (error) {
    if (!(error instanceof BackendError)) throw error
    return failureCard(ctx, error, refreshAction(ctx.input.surface))
  }
}

function failureCard (ctx: AddonContext, error: BackendError, retry: CardAction): CardModel {
  return isAccessProblem(error)
    ? accessCard(error, safeUserEmail(ctx), ctx.ports.backendUrl, retry)
    : errorCard(error, retry)
}

function safeUserEmail (ctx: AddonContext): string {
  try {
    return ctx.ports.userEmail()
  } catch {
    return ''
  }
}

/**
 * After a change: back to the root card, drawn again so it shows the change. The second
 * call starts only if it can finish inside Google's 30 seconds; otherwise the notification
 * says to refresh, and the old card stays.
 */
function backToRoot (ctx: AddonContext, notification: string): ActionResult {
  if (!ctx.deadline.allowsAnotherCall()) {
    return { kind: 'response', navigation: [{ op: 'popToRoot' }], notification: `${notification} Switchboard is answering slowly, so the card was not redrawn: press Refresh.`, stateChanged: true }
  }
  try {
    const card = ROOTS[ctx.input.surface](ctx)
    return { kind: 'response', navigation: [{ op: 'popToRoot' }, { op: 'update', card }], notification, stateChanged: true }
  } catch (error) {
    if (!(error instanceof BackendError)) throw error
    // The change itself went through; only the redraw failed.
    return { kind: 'response', navigation: [{ op: 'popToRoot' }], notification: `${notification} The card could not be refreshed: press Refresh.`, stateChanged: true }
  }
}

const push = (card: CardModel): ActionResult => ({ kind: 'response', navigation: [{ op: 'push', card }] })
const update = (card: CardModel): ActionResult => ({ kind: 'response', navigation: [{ op: 'update', card }] })
const notify = (notification: string, navigation?: NavigationStep[]): ActionResult => navigation === undefined
  ? { kind: 'response', notification }
  : { kind: 'response', notification, navigation }

// ---------------------------------------------------------------------------------------------
// Actions

function required (form: FormValues, field: string, label: string): string {
  const value = textValue(form, field)
  if (value === '') throw clientError(GMAIL_ERROR_CODES.formMissing, label)
  return value
}

/** The template values as typed on the fill card, by variable key. */
function typedValues (form: FormValues, template: TemplateChoice): Record<string, string> {
  const values: Record<string, string> = {}
  template.variables.forEach((v, i) => {
    const value = textValue(form, variableField(i))
    if (value !== '') values[v.key] = value
  })
  return values
}

function checkConnection (ctx: AddonContext): ConnectionCheck {
  try {
    return { ok: true, health: ctx.ports.backend.health() }
  } catch (error) {
    if (error instanceof BackendError) return { ok: false, error }
    throw error
  }
}

function openThread (ctx: AddonContext, contact: ContactRef): CardModel {
  return whatsappCard(contact, ctx.ports.backend.thread(contact.id, THREAD_LIMIT), ctx.input.timeZoneOffsetMs)
}

/** After a send: the thread again (its statuses), if there is time for the call. */
function afterSend (ctx: AddonContext, contact: ContactRef, notification: string, navigation: (card: CardModel) => NavigationStep[]): ActionResult {
  if (!ctx.deadline.allowsAnotherCall()) return notify(`${notification} Press Refresh on the thread to see its status.`)
  try {
    return { kind: 'response', notification, navigation: navigation(openThread(ctx, contact)) }
  } catch (error) {
    if (!(error instanceof BackendError)) throw error
    return notify(`${notification} The thread could not be refreshed.`)
  }
}

type Handler<K extends CardActionName> = (ctx: AddonContext, parameters: CardActionParameters[K]) => ActionResult

// Keyed by CardActionName: an action without a handler is a compile error.
const HANDLERS: { readonly [K in CardActionName]: Handler<K> } = {
  openSettings: (ctx) => push(settingsCard(ctx.ports.backendUrl)),
  checkConnection: (ctx) => notify(connectionCheckMessage(checkConnection(ctx))),
  refreshMessage: (ctx) => update(rootCard({ ...ctx, input: { ...ctx.input, surface: 'message' } })),
  refreshHome: (ctx) => update(rootCard({ ...ctx, input: { ...ctx.input, surface: 'home' } })),
  refreshCompose: (ctx) => update(rootCard({ ...ctx, input: { ...ctx.input, surface: 'compose' } })),

  search (ctx) {
    const query = required(ctx.form, FIELDS.query, 'Search')
    return push(searchResultsCard(query, ctx.ports.backend.search(query)))
  },
  openContact: (ctx, { email }) => push(contactCard(ctx.ports.backend.view({ emails: [email] }), ctx.input.timeZoneOffsetMs)),

  logEmail (ctx) {
    const message = ctx.ports.mail.openMessage()
    if (message === null) throw clientError(GMAIL_ERROR_CODES.noSender)
    const context = emailContext(message, ctx.ports.userEmail())
    if (context.headers === null) throw clientError(GMAIL_ERROR_CODES.noSender)
    const target = parseLogTarget(textValue(ctx.form, FIELDS.logTarget))
    if (target === null) throw clientError(GMAIL_ERROR_CODES.formMissing, 'Log to')
    // The body is read only now, after the click and only when asked for (message.action scope).
    const content = isTicked(ctx.form, FIELDS.includeBody, INCLUDE_BODY_VALUE) ? ctx.ports.mail.content() : null
    const result = ctx.ports.backend.logEmail(logRequest({ ...context, headers: context.headers }, target, content))
    const where = `${result.log.targetType === 'deal' ? 'deal' : 'contact'} ${result.log.targetName}`
    if (result.alreadyLogged) {
      const by = result.log.loggedBy === null ? '' : ` by ${result.log.loggedBy.displayName}`
      return notify(`Already logged to ${where}${by}: nothing was added.`)
    }
    return backToRoot(ctx, `Logged to ${where}${content === null ? ' (without the body)' : ' with its body'}.`)
  },

  openCreateContact: (_ctx, prefill) => push(createContactCard(prefill)),
  createContact (ctx, { companyId }) {
    const request: CreateContactRequest = { name: required(ctx.form, FIELDS.name, 'Name') }
    const email = textValue(ctx.form, FIELDS.email)
    if (email !== '') request.emails = [email]
    const phone = textValue(ctx.form, FIELDS.phone)
    if (phone !== '') request.phones = [phone]
    if (companyId !== '') request.companyId = companyId
    const contact = ctx.ports.backend.createContact(request)
    return backToRoot(ctx, `${contact.name} is now a contact.`)
  },

  openNewDeal: (_ctx, { contact, title }) => push(newDealCard(decodeContact(contact), title)),
  createDeal (ctx, parameters) {
    const contact = decodeContact(parameters.contact)
    const request: CreateDealRequest = { title: required(ctx.form, FIELDS.title, 'Title'), contactIds: [contact.id] }
    if (contact.companyId !== null) request.companyId = contact.companyId
    const amountText = textValue(ctx.form, FIELDS.amount).replace(/[\s,]/g, '')
    if (amountText !== '') {
      const amount = Number(amountText)
      if (!Number.isFinite(amount) || amount < 0) throw new BackendError('SB_VALIDATION', 'amount', 0, { field: 'Amount', detail: 'must be a number like 12000 or 19.99' })
      request.amount = amount
      request.currency = required(ctx.form, FIELDS.currency, 'Currency').toUpperCase()
    }
    const deal = ctx.ports.backend.createDeal(request)
    return backToRoot(ctx, `Deal "${deal.title}" created.`)
  },

  openMoveStage (ctx, parameters) {
    const deal = decodeDeal(parameters.deal)
    return push(moveStageCard(deal, ctx.ports.backend.pipelines().find((p) => p.id === deal.pipelineId)))
  },
  moveStage (ctx, parameters) {
    const deal = decodeDeal(parameters.deal)
    const stageId = required(ctx.form, FIELDS.stage, 'Stage')
    if (stageId === deal.stageId) return notify('The deal is already in that stage.')
    const moved = ctx.ports.backend.moveDeal(deal.id, stageId)
    return backToRoot(ctx, `"${moved.title}" moved${moved.status === 'open' ? '' : ` (${moved.status})`}.`)
  },

  openAddNote: (_ctx, { contact, deals }) => push(addNoteCard(decodeContact(contact), decodeDealList(deals))),
  addNote (ctx) {
    const body = required(ctx.form, FIELDS.note, 'Note')
    const target = parseLogTarget(textValue(ctx.form, FIELDS.noteTarget))
    if (target === null) throw clientError(GMAIL_ERROR_CODES.formMissing, 'On')
    ctx.ports.backend.addNote(target.type === 'deal' ? { type: 'note', body, dealId: target.id } : { type: 'note', body, contactId: target.id })
    return backToRoot(ctx, 'Note saved.')
  },

  openWhatsapp: (ctx, { contact }) => push(openThread(ctx, decodeContact(contact))),
  refreshWhatsapp: (ctx, { contact }) => update(openThread(ctx, decodeContact(contact))),
  sendReply (ctx, parameters) {
    const contact = decodeContact(parameters.contact)
    const text = required(ctx.form, FIELDS.reply, 'Reply')
    const sent = ctx.ports.backend.sendWhatsapp(contact.id, { text })
    return afterSend(ctx, contact, sent.status === 'failed' ? 'WhatsApp refused the reply.' : 'Reply sent.', (card) => [{ op: 'update', card }])
  },

  chooseTemplate (ctx, parameters) {
    const contact = decodeContact(parameters.contact)
    // Refused before any call: the backend would refuse too, and the reason is known here.
    if (contact.phone === null) return notify(describeGmailError({ code: 'SB_WHATSAPP_NO_NUMBER', message: '' }))
    return push(templatesCard(contact, ctx.ports.backend.templates()))
  },
  fillTemplate: (_ctx, { contact, template }) => push(fillTemplateCard(decodeContact(contact), decodeTemplate(template))),
  previewTemplate (ctx, parameters) {
    const contact = decodeContact(parameters.contact)
    const template = decodeTemplate(parameters.template)
    const values = typedValues(ctx.form, template)
    const preview = ctx.ports.backend.previewTemplate({ name: template.name, language: template.language, parameters: values })
    return push(previewTemplateCard(contact, template, values, preview))
  },
  sendTemplate (ctx, parameters) {
    const contact = decodeContact(parameters.contact)
    const template = decodeTemplate(parameters.template)
    const values = decodeValues(parameters.values)
    const sent = ctx.ports.backend.sendWhatsapp(contact.id, { template: { name: template.name, language: template.language, parameters: values } })
    const notification = sent.status === 'failed' ? `WhatsApp refused the template${sent.errorTitle === null ? '' : `: ${sent.errorTitle}`}.` : `Template ${template.name} sent to ${contact.name}.`
    // Back to the root, then the thread on top of it, so Back leads to the email.
    return afterSend(ctx, contact, notification, (card) => [{ op: 'popToRoot' }, { op: 'push', card }])
  },

  insertWhatsappLink: (_ctx, { digits, name }) => ({ kind: 'draft', html: whatsappLinkHtml(digits, name) }),
}

// Actions that only read: when the backend is down their Retry can simply run them again.
// Writes answer with a notification instead, so the filled form stays for another try.
const READS: ReadonlySet<CardActionName> = new Set<CardActionName>([
  'search', 'openContact', 'openMoveStage', 'openWhatsapp', 'refreshWhatsapp', 'chooseTemplate', 'previewTemplate',
])

/**
 * Runs one clicked action; a backend failure becomes a card (access, outage of a read) or a
 * notification. With `replaces` (a Retry on an error card) a card the action pushes takes the
 * place of the card clicked on, so the error card does not stay under it.
 */
export function runAction (ctx: AddonContext, action: ParsedAction, replaces = false): ActionResult {
  const result = runHandler(ctx, action)
  const [first, ...rest] = result.kind === 'response' ? result.navigation ?? [] : []
  if (!replaces || result.kind !== 'response' || first?.op !== 'push') return result
  return { ...result, navigation: [{ op: 'update', card: first.card }, ...rest] }
}

function runHandler (ctx: AddonContext, action: ParsedAction): ActionResult {
  try {
    return (HANDLERS[action.name] as Handler<typeof action.name>)(ctx, action.parameters as never)
  } catch (error) {
    if (!(error instanceof BackendError)) throw error
    if (isAccessProblem(error)) return push(accessCard(error, safeUserEmail(ctx), ctx.ports.backendUrl, refreshAction(ctx.input.surface)))
    if (isOutage(error) && READS.has(action.name)) {
      const retry = { name: action.name, parameters: action.parameters, replaces: true } as CardAction
      return push(errorCard(error, retry))
    }
    return notify(describeGmailError(error))
  }
}
