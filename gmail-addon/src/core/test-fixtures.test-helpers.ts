import type { Activity, AddonContactView, AddonView, Contact, Pipeline, Template, ThreadMessage } from '../../../apps-script/src/core/api-types.js'
import { BackendError } from '../../../apps-script/src/core/backend-client.js'
import type { GmailBackend } from './gmail-client.js'
import type { GmailPorts, MessageContent, OpenMessage } from './ports.js'

// Plain records of the backend's shapes and fake ports, for the core's unit tests. Pure like
// the core (no Node, no Apps Script), so the core's tsconfig checks it too; no bundle imports it.

const T = '2026-03-02T09:00:00.000Z'

export function contact (overrides: Partial<Contact> = {}): Contact {
  return {
    id: 'con_grace', name: 'Grace Hopper', emails: ['grace@navy.example'], phones: ['+442079460958'], whatsappId: null, companyId: 'com_navy',
    tags: ['vip'], ownerUserId: null, marketing: { status: 'unknown', source: null, updatedAt: null }, source: 'api', createdAt: T, updatedAt: T,
    ...overrides,
  }
}

export function contactView (overrides: Partial<AddonContactView> = {}): AddonContactView {
  return {
    contact: contact(),
    company: { id: 'com_navy', name: 'US Navy', domain: 'navy.example', createdAt: T, updatedAt: T },
    openDeals: [{ id: 'dea_1', title: 'Cable order', amount: 12000, currency: 'EUR', pipelineId: 'pip_1', pipelineName: 'Sales', stageId: 'stg_lead', stageName: 'Lead', status: 'open' }],
    recentActivities: [],
    whatsapp: { windowOpenUntil: null, recentMessages: [] },
    ...overrides,
  }
}

export function view (overrides: Partial<AddonView> = {}): AddonView {
  return { contacts: [contactView()], unmatchedEmails: [], companiesByDomain: [], emailLogs: [], ...overrides }
}

export function activity (overrides: Partial<Activity> = {}): Activity {
  return {
    id: 'act_1', type: 'note', occurredAt: T, contactId: 'con_grace', companyId: null, dealId: null, authorUserId: null, subject: null,
    body: 'Call back', data: {}, source: 'api', createdAt: T, ...overrides,
  }
}

export function threadMessage (overrides: Partial<ThreadMessage> = {}): ThreadMessage {
  return {
    id: 'msg_1', direction: 'out', wamid: 'wamid.1', type: 'template', body: null, templateName: 'hello_world', templateLanguage: 'en_US',
    status: 'delivered', statusAt: T, errorCode: null, errorTitle: null, authorUserId: null, source: 'api', createdAt: T, ...overrides,
  }
}

export const PIPELINE: Pipeline = {
  id: 'pip_1', name: 'Sales', createdAt: T,
  stages: [{ id: 'stg_lead', name: 'Lead', position: 0, outcome: null }, { id: 'stg_won', name: 'Won', position: 2, outcome: 'won' }, { id: 'stg_prop', name: 'Proposal', position: 1, outcome: null }],
}

export const WELCOME: Template = {
  name: 'welcome_offer', language: 'en_US', status: 'APPROVED', category: 'MARKETING', parameterFormat: 'NAMED', text: 'Hi {{first_name}}, {{discount}} off',
  variables: [
    { key: 'body.first_name', name: 'first_name', component: 'body', kind: 'text', example: 'Ada' },
    { key: 'body.discount', name: 'discount', component: 'body', kind: 'text', example: '15%' },
  ],
}

export const MESSAGE: OpenMessage = {
  gmailId: 'g1', threadId: 'th1', from: '"Grace Hopper" <grace@navy.example>', to: 'Me <me@acme.example>', cc: '', subject: 'Quote',
  date: T, messageIdHeader: '<q1@navy.example>',
}

/** A backend whose every method fails unless a test gives it an answer; calls are recorded by name. */
export function fakeBackend (answers: Partial<GmailBackend> = {}): { backend: GmailBackend, calls: Array<{ method: string, args: unknown[] }> } {
  const calls: Array<{ method: string, args: unknown[] }> = []
  const backend = new Proxy({} as GmailBackend, {
    get (_target, method: string) {
      return (...args: unknown[]) => {
        calls.push({ method, args })
        const answer = (answers as Record<string, ((...a: unknown[]) => unknown) | undefined>)[method]
        if (answer === undefined) throw new Error(`Unexpected backend call ${method}`)
        return answer(...args)
      }
    },
  })
  return { backend, calls }
}

export interface FakePortsOptions {
  backend: GmailBackend
  message?: OpenMessage | null
  content?: MessageContent
  draft?: string[]
  /** Advances the clock by this much on every backend call (a slow backend). */
  now?: () => number
}

/** Ports over a fake backend and a fake mailbox; `contentReads` counts body reads. */
export function fakePorts (options: FakePortsOptions): { ports: GmailPorts, contentReads: () => number } {
  let reads = 0
  return {
    ports: {
      backend: options.backend,
      mail: {
        openMessage: () => options.message === undefined ? MESSAGE : options.message,
        content: () => { reads++; return options.content ?? { body: 'Hello', attachments: [] } },
        draftRecipients: () => options.draft ?? [],
      },
      now: options.now ?? (() => 0),
      userEmail: () => 'me@acme.example',
      backendUrl: 'https://crm.example',
    },
    contentReads: () => reads,
  }
}

export const unreachable = (): never => { throw new BackendError('SB_CLIENT_UNREACHABLE', 'down', 0) }
export const unknownUser = (): never => { throw new BackendError('SB_AUTH_UNKNOWN_USER', 'unknown', 401) }
