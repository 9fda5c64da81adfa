import type {
  Activity, ActivityPage, AddonView, AddonViewRequest, Contact, ContactPage, CreateActivityRequest, CreateContactRequest, CreateDealRequest,
  Deal, DealPage, Health, LogEmailRequest, LogEmailResult, Me, Pipeline, SendWhatsappRequest, Template, TemplatePreview, TemplateRef, ThreadMessage,
  WhatsappThread,
} from '../../../apps-script/src/core/api-types.js'
import {
  BackendError, createBackendClient, createRequester, interpretResponse, unreachable, type HttpBatchTransport, type HttpResponse, type HttpTransport, type Requester,
} from '../../../apps-script/src/core/backend-client.js'
import { CRM_ROUTES, ROUTES } from '../../../apps-script/src/core/routes.js'
import { GMAIL_ERROR_CODES } from './gmail-errors.js'

/** How many of each kind the homepage search shows. */
export const SEARCH_LIMIT = 10

/** What one search answers: contacts and deals, and the pipelines that name the deals' stages. */
export interface SearchResult {
  contacts: Contact[]
  deals: Deal[]
  pipelines: Pipeline[]
}

/**
 * The backend calls the Gmail add-on makes, one method per request (search is one
 * UrlFetchApp.fetchAll of three). Every method throws BackendError carrying the server's
 * code, or a client code when no answer came.
 */
export interface GmailBackend {
  /** `GET /health`, unauthenticated: asks Google for no identity token. */
  health: () => Health
  me: () => Me
  view: (request: AddonViewRequest) => AddonView
  logEmail: (request: LogEmailRequest) => LogEmailResult
  createContact: (request: CreateContactRequest) => Contact
  search: (text: string) => SearchResult
  pipelines: () => Pipeline[]
  createDeal: (request: CreateDealRequest) => Deal
  moveDeal: (dealId: string, stageId: string) => Deal
  addNote: (request: CreateActivityRequest) => Activity
  recentActivities: (limit: number) => Activity[]
  templates: () => Template[]
  previewTemplate: (template: TemplateRef) => TemplatePreview
  thread: (contactId: string, limit: number) => WhatsappThread
  sendWhatsapp: (contactId: string, request: SendWhatsappRequest) => ThreadMessage
}

export interface GmailBackendOptions {
  baseUrl: string
  /**
   * The Google ID token (ScriptApp.getIdentityToken()), asked for on the first request
   * only: a card that needs no backend never asks Google for it.
   */
  identityToken: () => string | null
  transport: HttpTransport
  batchTransport: HttpBatchTransport
}

/** The Gmail add-on's client of the Switchboard API, over the shared request plumbing. */
export function createGmailBackend (options: GmailBackendOptions): GmailBackend {
  let requester: Requester | undefined
  const current = (): Requester => {
    if (requester !== undefined) return requester
    const token = options.identityToken()
    if (token === null || token === '') throw new BackendError(GMAIL_ERROR_CODES.noIdentity, 'No Google identity token', 0)
    requester = createRequester({ baseUrl: options.baseUrl, token, transport: options.transport })
    return requester
  }
  const get = <T>(path: Parameters<Requester['send']>[1]): T => current().send<T>('get', path, { authenticated: true })
  const post = <T>(path: Parameters<Requester['send']>[1], body: unknown): T => current().send<T>('post', path, { authenticated: true, body })

  return {
    health: () => createBackendClient({ baseUrl: options.baseUrl, transport: options.transport }).health(),
    me: () => get<Me>(ROUTES.me),
    view: (request) => post<AddonView>(ROUTES.addonView, request),
    logEmail: (request) => post<LogEmailResult>(ROUTES.emailLog, request),
    createContact: (request) => post<Contact>(ROUTES.contacts, request),
    search (text) {
      const r = current()
      const requests = [
        r.prepare('get', CRM_ROUTES.searchContacts(text, SEARCH_LIMIT), { authenticated: true }),
        r.prepare('get', CRM_ROUTES.searchDeals(text, SEARCH_LIMIT), { authenticated: true }),
        r.prepare('get', ROUTES.pipelines, { authenticated: true }),
      ]
      let answers: HttpResponse[]
      try {
        answers = options.batchTransport(requests)
      } catch (cause) {
        throw unreachable(cause)
      }
      const [contacts, deals, pipelines] = answers
      return {
        contacts: interpretResponse<ContactPage>(contacts!).items,
        deals: interpretResponse<DealPage>(deals!).items,
        pipelines: interpretResponse<{ items: Pipeline[] }>(pipelines!).items,
      }
    },
    pipelines: () => get<{ items: Pipeline[] }>(ROUTES.pipelines).items,
    createDeal: (request) => post<Deal>(ROUTES.deals, request),
    moveDeal: (dealId, stageId) => post<Deal>(CRM_ROUTES.dealStage(dealId), { stageId }),
    addNote: (request) => post<Activity>(ROUTES.activities, request),
    recentActivities: (limit) => get<ActivityPage>(CRM_ROUTES.recentActivities(limit)).items,
    templates: () => get<{ items: Template[] }>(ROUTES.templates).items,
    previewTemplate: (template) => post<TemplatePreview>(ROUTES.templatePreview, template),
    thread: (contactId, limit) => get<WhatsappThread>(CRM_ROUTES.whatsappThread(contactId, limit)),
    sendWhatsapp: (contactId, request) => post<ThreadMessage>(CRM_ROUTES.whatsappSend(contactId), request),
  }
}
