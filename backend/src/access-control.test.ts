import { describe, expect, it } from 'vitest'
import type { Scope } from './identity/access.js'
import { addUser, bearer, buildTestApp, createWorkspace, type TestApp } from '../test/helper.js'

/**
 * Tenant isolation and role checks, one row per protected route. A new route joins by
 * adding a row here; the last test fails while any protected route has no row.
 */

/** Records in workspace A that the rows address. */
interface Fixture {
  pipelineId: string
  stageId: string
  agentUserId: string
  agentTokenId: string
  companyId: string
  /** Holds the email ada@acme.example. */
  contactId: string
  /** In a second pipeline, so the default one stays deletable. */
  dealId: string
  /** A later stage of the deal's pipeline, to move it to. */
  dealStageId: string
  /** A note on the contact. */
  activityId: string
  /** A running campaign with one recipient. */
  campaignId: string
  /** A webhook endpoint, and the delivery of the contact's contact.created to it. */
  webhookEndpointId: string
  webhookDeliveryId: string
}

interface RouteCase {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE'
  /** The route pattern as registered, to check coverage. */
  route: string
  url: (f: Fixture) => string
  body?: (f: Fixture) => unknown
  scope: Scope
  /** Addresses one record of workspace A: another workspace must get 404, as if it did not exist. */
  record: boolean
  /** What workspace B's owner gets when not 2xx (B has no WhatsApp connection). */
  otherStatus?: number
  /** What A's owner gets when not 2xx (the route is reached but the input is refused further in). */
  ownerStatus?: number
  headers?: () => Record<string, string>
}

const ROUTES: RouteCase[] = [
  { method: 'GET', route: '/api/v1/me', url: () => '/api/v1/me', scope: 'crm:read', record: false },
  { method: 'POST', route: '/auth/logout', url: () => '/auth/logout', scope: 'crm:read', record: false },
  { method: 'GET', route: '/api/v1/users', url: () => '/api/v1/users', scope: 'crm:read', record: false },
  { method: 'POST', route: '/api/v1/users', url: () => '/api/v1/users', body: () => ({ email: `new.person.${Math.random().toString(36).slice(2)}@acme.example`, displayName: 'New Person', role: 'agent' }), scope: 'admin', record: false },
  { method: 'PATCH', route: '/api/v1/users/:id', url: (f) => `/api/v1/users/${f.agentUserId}`, body: () => ({ displayName: 'Renamed' }), scope: 'admin', record: true },
  { method: 'PATCH', route: '/api/v1/workspace/google-domain', url: () => '/api/v1/workspace/google-domain', body: () => ({ domain: null }), scope: 'admin', record: false },
  { method: 'GET', route: '/api/v1/tokens', url: () => '/api/v1/tokens', scope: 'crm:read', record: false },
  { method: 'POST', route: '/api/v1/tokens', url: () => '/api/v1/tokens', body: () => ({ name: 'another', scopes: ['crm:read'] }), scope: 'crm:read', record: false },
  { method: 'DELETE', route: '/api/v1/tokens/:id', url: (f) => `/api/v1/tokens/${f.agentTokenId}`, scope: 'crm:read', record: true, ownerStatus: 409 },
  { method: 'GET', route: '/api/v1/audit', url: () => '/api/v1/audit', scope: 'admin', record: false },
  { method: 'GET', route: '/api/v1/pipelines', url: () => '/api/v1/pipelines', scope: 'crm:read', record: false },
  { method: 'GET', route: '/api/v1/pipelines/:id', url: (f) => `/api/v1/pipelines/${f.pipelineId}`, scope: 'crm:read', record: true },
  { method: 'POST', route: '/api/v1/pipelines', url: () => '/api/v1/pipelines', body: () => ({ name: 'Renewals', stages: [{ name: 'Due' }, { name: 'Renewed', outcome: 'won' }] }), scope: 'admin', record: false },
  { method: 'PATCH', route: '/api/v1/pipelines/:id', url: (f) => `/api/v1/pipelines/${f.pipelineId}`, body: () => ({ name: 'Sales EMEA' }), scope: 'admin', record: true },
  { method: 'DELETE', route: '/api/v1/pipelines/:id', url: (f) => `/api/v1/pipelines/${f.pipelineId}`, scope: 'admin', record: true },
  { method: 'GET', route: '/api/v1/companies', url: () => '/api/v1/companies', scope: 'crm:read', record: false },
  { method: 'GET', route: '/api/v1/companies/:id', url: (f) => `/api/v1/companies/${f.companyId}`, scope: 'crm:read', record: true },
  { method: 'POST', route: '/api/v1/companies', url: () => '/api/v1/companies', body: () => ({ name: 'Globex' }), scope: 'crm:write', record: false },
  { method: 'PATCH', route: '/api/v1/companies/:id', url: (f) => `/api/v1/companies/${f.companyId}`, body: () => ({ name: 'Acme Renamed' }), scope: 'crm:write', record: true },
  { method: 'DELETE', route: '/api/v1/companies/:id', url: (f) => `/api/v1/companies/${f.companyId}`, scope: 'admin', record: true },
  { method: 'GET', route: '/api/v1/contacts', url: () => '/api/v1/contacts', scope: 'crm:read', record: false },
  { method: 'GET', route: '/api/v1/contacts/lookup', url: () => '/api/v1/contacts/lookup?email=ada%40acme.example', scope: 'crm:read', record: true },
  { method: 'GET', route: '/api/v1/contacts/:id', url: (f) => `/api/v1/contacts/${f.contactId}`, scope: 'crm:read', record: true },
  { method: 'POST', route: '/api/v1/contacts', url: () => '/api/v1/contacts', body: () => ({ name: 'New Person' }), scope: 'crm:write', record: false },
  { method: 'PATCH', route: '/api/v1/contacts/:id', url: (f) => `/api/v1/contacts/${f.contactId}`, body: () => ({ name: 'Ada Renamed' }), scope: 'crm:write', record: true },
  { method: 'DELETE', route: '/api/v1/contacts/:id', url: (f) => `/api/v1/contacts/${f.contactId}`, scope: 'admin', record: true },
  { method: 'GET', route: '/api/v1/deals', url: () => '/api/v1/deals', scope: 'crm:read', record: false },
  { method: 'GET', route: '/api/v1/deals/:id', url: (f) => `/api/v1/deals/${f.dealId}`, scope: 'crm:read', record: true },
  { method: 'POST', route: '/api/v1/deals', url: () => '/api/v1/deals', body: () => ({ title: 'New deal' }), scope: 'crm:write', record: false },
  { method: 'PATCH', route: '/api/v1/deals/:id', url: (f) => `/api/v1/deals/${f.dealId}`, body: () => ({ title: 'Renamed deal' }), scope: 'crm:write', record: true },
  { method: 'POST', route: '/api/v1/deals/:id/stage', url: (f) => `/api/v1/deals/${f.dealId}/stage`, body: (f) => ({ stageId: f.dealStageId }), scope: 'crm:write', record: true },
  { method: 'DELETE', route: '/api/v1/deals/:id', url: (f) => `/api/v1/deals/${f.dealId}`, scope: 'admin', record: true },
  { method: 'GET', route: '/api/v1/activities', url: () => '/api/v1/activities', scope: 'crm:read', record: false },
  { method: 'GET', route: '/api/v1/activities/:id', url: (f) => `/api/v1/activities/${f.activityId}`, scope: 'crm:read', record: true },
  // The fixture's note has no uploaded file: its owner reaches the route and gets 404 too.
  { method: 'GET', route: '/api/v1/activities/:id/attachments/:position', url: (f) => `/api/v1/activities/${f.activityId}/attachments/0`, scope: 'crm:read', record: true, ownerStatus: 404 },
  // Logging onto A's contact is addressing A's record: another workspace gets 404.
  { method: 'POST', route: '/api/v1/activities', url: () => '/api/v1/activities', body: (f) => ({ type: 'note', body: 'Called', contactId: f.contactId }), scope: 'crm:write', record: true },
  { method: 'PATCH', route: '/api/v1/activities/:id', url: (f) => `/api/v1/activities/${f.activityId}`, body: () => ({ body: 'Edited' }), scope: 'crm:write', record: true },
  { method: 'DELETE', route: '/api/v1/activities/:id', url: (f) => `/api/v1/activities/${f.activityId}`, scope: 'admin', record: true },
  { method: 'POST', route: '/api/v1/addon/view', url: () => '/api/v1/addon/view', body: () => ({ emails: ['ada@acme.example', 'someone@acme.example'] }), scope: 'crm:read', record: false },
  { method: 'GET', route: '/api/v1/whatsapp/connection', url: () => '/api/v1/whatsapp/connection', scope: 'crm:read', record: false },
  { method: 'POST', route: '/api/v1/whatsapp/connection/sandbox', url: () => '/api/v1/whatsapp/connection/sandbox', scope: 'admin', record: false },
  { method: 'POST', route: '/api/v1/whatsapp/connection/signup', url: () => '/api/v1/whatsapp/connection/signup', body: () => ({ code: 'not-a-code', wabaId: '1', phoneNumberId: '2', pin: '123456' }), scope: 'admin', record: false, otherStatus: 502, ownerStatus: 502 },
  { method: 'POST', route: '/api/v1/whatsapp/numbers/refresh', url: () => '/api/v1/whatsapp/numbers/refresh', scope: 'admin', record: false, otherStatus: 409 },
  { method: 'DELETE', route: '/api/v1/whatsapp/connection', url: () => '/api/v1/whatsapp/connection', scope: 'admin', record: false, otherStatus: 409 },
  { method: 'GET', route: '/api/v1/whatsapp/templates', url: () => '/api/v1/whatsapp/templates', scope: 'crm:read', record: false },
  { method: 'POST', route: '/api/v1/whatsapp/templates/sync', url: () => '/api/v1/whatsapp/templates/sync', scope: 'crm:write', record: false, otherStatus: 409 },
  { method: 'POST', route: '/api/v1/whatsapp/templates/preview', url: () => '/api/v1/whatsapp/templates/preview', body: () => ({ name: 'hello_world', language: 'en_US' }), scope: 'crm:read', record: false, otherStatus: 404 },
  { method: 'GET', route: '/api/v1/contacts/:id/whatsapp', url: (f) => `/api/v1/contacts/${f.contactId}/whatsapp`, scope: 'crm:read', record: true },
  { method: 'POST', route: '/api/v1/contacts/:id/whatsapp', url: (f) => `/api/v1/contacts/${f.contactId}/whatsapp`, body: () => ({ template: { name: 'hello_world', language: 'en_US' } }), scope: 'crm:write', record: true },
  { method: 'POST', route: '/api/v1/emails/log', url: () => '/api/v1/emails/log', body: (f) => ({ email: { messageId: `<${Math.random()}@x>`, subject: 'Hi', from: 'ada@acme.example', to: ['us@acme.example'], date: '2026-11-20T10:00:00Z' }, dealId: f.dealId }), scope: 'crm:write', record: true },
  { method: 'POST', route: '/api/v1/emails/status', url: () => '/api/v1/emails/status', body: () => ({ subject: 'Hi', from: 'ada@acme.example', to: ['us@acme.example'], date: '2026-11-20T10:00:00Z' }), scope: 'crm:read', record: false },
  { method: 'POST', route: '/api/v1/campaigns', url: () => '/api/v1/campaigns', body: () => ({ name: 'Launch', template: { name: 'hello_world', language: 'en_US' } }), scope: 'crm:write', record: false, otherStatus: 404 },
  { method: 'GET', route: '/api/v1/campaigns', url: () => '/api/v1/campaigns', scope: 'crm:read', record: false },
  { method: 'GET', route: '/api/v1/campaigns/:id', url: (f) => `/api/v1/campaigns/${f.campaignId}`, scope: 'crm:read', record: true },
  { method: 'POST', route: '/api/v1/campaigns/:id/recipients', url: (f) => `/api/v1/campaigns/${f.campaignId}/recipients`, body: () => ({ rows: [{ rowKey: 'r2', phone: '+14155550102' }] }), headers: () => ({ 'idempotency-key': `key-${Math.random()}` }), scope: 'crm:write', record: true },
  { method: 'POST', route: '/api/v1/campaigns/:id/recipients/validate', url: (f) => `/api/v1/campaigns/${f.campaignId}/recipients/validate`, body: () => ({ rows: [{ rowKey: 'r3', phone: '+14155550103' }] }), scope: 'crm:read', record: true },
  { method: 'GET', route: '/api/v1/campaigns/:id/recipients', url: (f) => `/api/v1/campaigns/${f.campaignId}/recipients`, scope: 'crm:read', record: true },
  { method: 'GET', route: '/api/v1/campaigns/:id/changes', url: (f) => `/api/v1/campaigns/${f.campaignId}/changes`, scope: 'crm:read', record: true },
  { method: 'POST', route: '/api/v1/campaigns/:id/preview', url: (f) => `/api/v1/campaigns/${f.campaignId}/preview`, body: () => ({ variables: {} }), scope: 'crm:read', record: true },
  { method: 'POST', route: '/api/v1/campaigns/test-send', url: () => '/api/v1/campaigns/test-send', body: () => ({ template: { name: 'hello_world', language: 'en_US' }, phone: '+14155550109' }), scope: 'crm:write', record: false, otherStatus: 404 },
  { method: 'POST', route: '/api/v1/campaigns/:id/start', url: (f) => `/api/v1/campaigns/${f.campaignId}/start`, body: () => ({}), scope: 'crm:write', record: true, ownerStatus: 409 },
  // Agents may run campaigns: the agent's call before the owner's pauses (or cancels) it, so the owner meets the new state.
  { method: 'POST', route: '/api/v1/campaigns/:id/pause', url: (f) => `/api/v1/campaigns/${f.campaignId}/pause`, scope: 'crm:write', record: true, ownerStatus: 409 },
  { method: 'POST', route: '/api/v1/campaigns/:id/resume', url: (f) => `/api/v1/campaigns/${f.campaignId}/resume`, scope: 'crm:write', record: true, ownerStatus: 409 },
  { method: 'POST', route: '/api/v1/campaigns/:id/cancel', url: (f) => `/api/v1/campaigns/${f.campaignId}/cancel`, scope: 'crm:write', record: true, ownerStatus: 409 },
  { method: 'GET', route: '/api/v1/privacy/retention', url: () => '/api/v1/privacy/retention', scope: 'crm:read', record: false },
  { method: 'PATCH', route: '/api/v1/privacy/retention/:key', url: () => '/api/v1/privacy/retention/whatsapp_message_bodies', body: () => ({ days: 14 }), scope: 'admin', record: false },
  { method: 'GET', route: '/api/v1/privacy/support-consents', url: () => '/api/v1/privacy/support-consents', scope: 'crm:read', record: false },
  // A consent may name only the workspace's own records: another workspace naming A's note gets 404.
  { method: 'POST', route: '/api/v1/privacy/support-consents', url: () => '/api/v1/privacy/support-consents', body: (f) => ({ records: [{ type: 'activity', id: f.activityId }] }), scope: 'crm:write', record: true },
  { method: 'POST', route: '/api/v1/privacy/support-consents/:id/revoke', url: () => '/api/v1/privacy/support-consents/cns_01jzzzzzzzzzzzzzzzzzzzzzzz/revoke', scope: 'crm:write', record: true, ownerStatus: 404 },
  { method: 'POST', route: '/api/v1/privacy/exports', url: () => '/api/v1/privacy/exports', body: () => ({ kind: 'user' }), scope: 'crm:read', record: false },
  { method: 'GET', route: '/api/v1/privacy/exports/:id', url: () => '/api/v1/privacy/exports/exp_01jzzzzzzzzzzzzzzzzzzzzzzz', scope: 'crm:read', record: true, ownerStatus: 404 },
  { method: 'GET', route: '/api/v1/privacy/exports/:id/download', url: () => '/api/v1/privacy/exports/exp_01jzzzzzzzzzzzzzzzzzzzzzzz/download?token=sbx_0123456789abcdef', scope: 'crm:read', record: true, ownerStatus: 404 },
  { method: 'POST', route: '/api/v1/privacy/erasure/contacts/:id', url: (f) => `/api/v1/privacy/erasure/contacts/${f.contactId}`, scope: 'admin', record: true },
  // Outbound webhooks: admins only, everything scoped to the caller's workspace.
  { method: 'GET', route: '/api/v1/webhook-event-types', url: () => '/api/v1/webhook-event-types', scope: 'admin', record: false },
  { method: 'GET', route: '/api/v1/webhook-endpoints', url: () => '/api/v1/webhook-endpoints', scope: 'admin', record: false },
  { method: 'POST', route: '/api/v1/webhook-endpoints', url: () => '/api/v1/webhook-endpoints', body: () => ({ url: 'https://hooks.bravo.example/in', eventTypes: ['contact.created'] }), scope: 'admin', record: false },
  { method: 'GET', route: '/api/v1/webhook-endpoints/:id', url: (f) => `/api/v1/webhook-endpoints/${f.webhookEndpointId}`, scope: 'admin', record: true },
  { method: 'PATCH', route: '/api/v1/webhook-endpoints/:id', url: (f) => `/api/v1/webhook-endpoints/${f.webhookEndpointId}`, body: () => ({ description: 'Renamed' }), scope: 'admin', record: true },
  { method: 'DELETE', route: '/api/v1/webhook-endpoints/:id', url: (f) => `/api/v1/webhook-endpoints/${f.webhookEndpointId}`, scope: 'admin', record: true },
  { method: 'POST', route: '/api/v1/webhook-endpoints/:id/rotate-secret', url: (f) => `/api/v1/webhook-endpoints/${f.webhookEndpointId}/rotate-secret`, scope: 'admin', record: true },
  { method: 'GET', route: '/api/v1/webhook-deliveries', url: () => '/api/v1/webhook-deliveries', scope: 'admin', record: false },
  { method: 'GET', route: '/api/v1/webhook-deliveries/:id', url: (f) => `/api/v1/webhook-deliveries/${f.webhookDeliveryId}`, scope: 'admin', record: true },
  { method: 'POST', route: '/api/v1/webhook-deliveries/:id/redeliver', url: (f) => `/api/v1/webhook-deliveries/${f.webhookDeliveryId}/redeliver`, scope: 'admin', record: true },
  { method: 'POST', route: '/api/v1/privacy/erasure/users/:id', url: (f) => `/api/v1/privacy/erasure/users/${f.agentUserId}`, scope: 'admin', record: true },
  // Workspace B's owner deletes B (its own): the route only ever acts on the caller's workspace.
  { method: 'POST', route: '/api/v1/privacy/erasure/workspace', url: () => '/api/v1/privacy/erasure/workspace', body: () => ({ confirm: 'delete everything' }), scope: 'admin', record: false },
  // The web app's pages (backend/src/web): same rules as the API. A form post answers 303
  // (post/redirect/get); without Accept: text/html errors are the registry's JSON.
  { method: 'POST', route: '/app/sign-out', url: () => '/app/sign-out', scope: 'crm:read', record: false, ownerStatus: 303, otherStatus: 303 },
  { method: 'GET', route: '/app/contacts', url: () => '/app/contacts?q=ada', scope: 'crm:read', record: false },
  { method: 'POST', route: '/app/contacts', url: () => '/app/contacts', body: () => ({ name: 'Web Person' }), scope: 'crm:write', record: false, ownerStatus: 303, otherStatus: 303 },
  { method: 'GET', route: '/app/contacts/:id', url: (f) => `/app/contacts/${f.contactId}`, scope: 'crm:read', record: true },
  { method: 'GET', route: '/app/deals', url: () => '/app/deals', scope: 'crm:read', record: false },
  // A new deal names a stage of A's pipeline: another workspace gets 404.
  { method: 'POST', route: '/app/deals', url: () => '/app/deals', body: (f) => ({ title: 'Web deal', stageId: f.stageId }), scope: 'crm:write', record: true, ownerStatus: 303 },
  { method: 'POST', route: '/app/deals/:id/move', url: (f) => `/app/deals/${f.dealId}/move`, body: (f) => ({ stageId: f.dealStageId }), scope: 'crm:write', record: true, ownerStatus: 303 },
  { method: 'GET', route: '/app/tokens', url: () => '/app/tokens', scope: 'crm:read', record: false },
  { method: 'POST', route: '/app/tokens', url: () => '/app/tokens', body: () => ({ name: 'web token', scope_crm_read: 'on' }), scope: 'crm:read', record: false },
  { method: 'POST', route: '/app/tokens/:id/revoke', url: (f) => `/app/tokens/${f.agentTokenId}/revoke`, scope: 'crm:read', record: true, ownerStatus: 409 },
  { method: 'GET', route: '/app/team', url: () => '/app/team', scope: 'admin', record: false },
  { method: 'POST', route: '/app/team', url: () => '/app/team', body: () => ({ email: `web.person.${Math.random().toString(36).slice(2)}@acme.example`, displayName: 'Web Person', role: 'agent' }), scope: 'admin', record: false, ownerStatus: 303, otherStatus: 303 },
  { method: 'POST', route: '/app/team/:id', url: (f) => `/app/team/${f.agentUserId}`, body: () => ({ role: 'agent' }), scope: 'admin', record: true, ownerStatus: 303 },
  { method: 'GET', route: '/app/whatsapp', url: () => '/app/whatsapp', scope: 'crm:read', record: false },
  { method: 'POST', route: '/app/whatsapp/sandbox', url: () => '/app/whatsapp/sandbox', scope: 'admin', record: false, ownerStatus: 303, otherStatus: 303 },
  { method: 'GET', route: '/app/audit', url: () => '/app/audit?action=user.login', scope: 'admin', record: false },
  { method: 'GET', route: '/app/campaigns', url: () => '/app/campaigns', scope: 'crm:read', record: false },
  { method: 'POST', route: '/app/campaigns', url: () => '/app/campaigns', body: () => ({ name: 'Web launch', template: 'hello_world|en_US', recipients: '+14155550111' }), scope: 'crm:write', record: false, ownerStatus: 303, otherStatus: 404 },
  { method: 'GET', route: '/app/campaigns/:id', url: (f) => `/app/campaigns/${f.campaignId}`, scope: 'crm:read', record: true },
  { method: 'POST', route: '/app/campaigns/:id/pause', url: (f) => `/app/campaigns/${f.campaignId}/pause`, scope: 'crm:write', record: true, ownerStatus: 409 },
  { method: 'POST', route: '/app/campaigns/:id/resume', url: (f) => `/app/campaigns/${f.campaignId}/resume`, scope: 'crm:write', record: true, ownerStatus: 409 },
  { method: 'POST', route: '/app/campaigns/:id/cancel', url: (f) => `/app/campaigns/${f.campaignId}/cancel`, scope: 'crm:write', record: true, ownerStatus: 409 },
  { method: 'GET', route: '/app/companies', url: () => '/app/companies?q=acme', scope: 'crm:read', record: false },
  { method: 'POST', route: '/app/companies', url: () => '/app/companies', body: () => ({ name: 'Globex' }), scope: 'crm:write', record: false, ownerStatus: 303, otherStatus: 303 },
  { method: 'GET', route: '/app/companies/:id', url: (f) => `/app/companies/${f.companyId}`, scope: 'crm:read', record: true },
  { method: 'GET', route: '/app/settings', url: () => '/app/settings', scope: 'crm:read', record: false },
  { method: 'POST', route: '/app/settings/retention/:key', url: () => '/app/settings/retention/whatsapp_message_bodies', body: () => ({ days: '14' }), scope: 'admin', record: false, ownerStatus: 303, otherStatus: 303 },
  { method: 'GET', route: '/app/webhooks', url: () => '/app/webhooks', scope: 'admin', record: false },
  { method: 'POST', route: '/app/webhooks', url: () => '/app/webhooks', body: () => ({ url: 'https://hooks.bravo.example/in', event_contact_created: 'on' }), scope: 'admin', record: false },
  { method: 'GET', route: '/app/webhooks/:id', url: (f) => `/app/webhooks/${f.webhookEndpointId}`, scope: 'admin', record: true },
  { method: 'POST', route: '/app/webhooks/:id', url: (f) => `/app/webhooks/${f.webhookEndpointId}`, body: () => ({ url: 'https://hooks.acme.example/moved', event_deal_stage_changed: 'on' }), scope: 'admin', record: true, ownerStatus: 303 },
  { method: 'POST', route: '/app/webhooks/:id/status', url: (f) => `/app/webhooks/${f.webhookEndpointId}/status`, body: () => ({ status: 'disabled' }), scope: 'admin', record: true, ownerStatus: 303 },
  { method: 'POST', route: '/app/webhooks/:id/rotate', url: (f) => `/app/webhooks/${f.webhookEndpointId}/rotate`, scope: 'admin', record: true },
  { method: 'POST', route: '/app/webhooks/:id/delete', url: (f) => `/app/webhooks/${f.webhookEndpointId}/delete`, scope: 'admin', record: true, ownerStatus: 303 },
  { method: 'GET', route: '/app/webhooks/deliveries/:id', url: (f) => `/app/webhooks/deliveries/${f.webhookDeliveryId}`, scope: 'admin', record: true },
  { method: 'POST', route: '/app/webhooks/deliveries/:id/redeliver', url: (f) => `/app/webhooks/deliveries/${f.webhookDeliveryId}/redeliver`, scope: 'admin', record: true, ownerStatus: 303 },
  { method: 'GET', route: '/app/templates', url: () => '/app/templates', scope: 'crm:read', record: false },
  { method: 'POST', route: '/app/templates/sync', url: () => '/app/templates/sync', scope: 'crm:write', record: false, ownerStatus: 303, otherStatus: 409 },
  { method: 'GET', route: '/app/privacy', url: () => '/app/privacy', scope: 'crm:read', record: false },
  { method: 'POST', route: '/app/privacy/exports', url: () => '/app/privacy/exports', body: () => ({ kind: 'user' }), scope: 'crm:read', record: false, ownerStatus: 303, otherStatus: 303 },
  // No export of A's exists here: the point is that nobody but its requester gets one (privacy-pages.test.ts).
  { method: 'GET', route: '/app/privacy/exports/:id/download', url: () => '/app/privacy/exports/exp_01jzzzzzzzzzzzzzzzzzzzzzzz/download', scope: 'crm:read', record: false, ownerStatus: 404, otherStatus: 404 },
  { method: 'POST', route: '/app/privacy/erase-contact', url: () => '/app/privacy/erase-contact', body: (f) => ({ id: f.contactId, confirm: 'yes' }), scope: 'admin', record: true, ownerStatus: 303 },
  { method: 'POST', route: '/app/privacy/erase-user', url: () => '/app/privacy/erase-user', body: (f) => ({ id: f.agentUserId, confirm: 'yes' }), scope: 'admin', record: true, ownerStatus: 303 },
  { method: 'GET', route: '/app/privacy/deletion', url: () => '/app/privacy/deletion?code=abcdEFGH1234', scope: 'crm:read', record: false, ownerStatus: 303, otherStatus: 303 },
]

async function setUp (t: TestApp) {
  const a = await createWorkspace(t, 'Acme')
  const b = await createWorkspace(t, 'Bravo')
  const agent = await addUser(t, a, 'agent')
  const readOnly = await addUser(t, a, 'admin', ['crm:read'])
  const revoked = await addUser(t, a, 'owner')
  const tokens = await t.app.services.apiTokens.list(a.workspaceId)
  const agentToken = tokens.find((tk) => tk.userId === agent.userId)!
  const revokedToken = tokens.find((tk) => tk.userId === revoked.userId)!
  await t.app.services.identity.revokeToken(a.workspaceId, revokedToken.id, { userId: a.ownerId })
  const [pipeline] = await t.app.services.crm.pipelines.list(a.workspaceId)
  const { crm } = t.app.services
  const author = { userId: a.ownerId, source: 'api' }
  const { endpoint } = await t.app.services.events.webhooks.create(a.workspaceId, { url: 'https://hooks.acme.example/in', eventTypes: ['contact.created'] }, { userId: a.ownerId })
  const company = await crm.companies.create(a.workspaceId, { name: 'Acme', domain: 'acme.example' })
  const contact = await crm.contacts.create(a.workspaceId, { name: 'Ada', emails: ['ada@acme.example'], phones: ['+14155550100'], companyId: company.id }, author)
  await t.app.services.whatsapp.connection.connectSandbox(a.workspaceId, { userId: a.ownerId })
  await t.app.services.whatsapp.templates.sync(a.workspaceId)
  const campaign = await t.app.services.campaigns.create(a.workspaceId, { name: 'Launch', template: { name: 'hello_world', language: 'en_US' } }, a.ownerId)
  await t.app.services.campaigns.submit(a.workspaceId, campaign.id, [{ rowKey: 'r1', phone: '+14155550101', variables: {} }], false)
  // Paused, so no sender picks it up while the rows run; the start and resume rows then meet a state that refuses them.
  await t.app.services.campaigns.start(a.workspaceId, campaign.id, undefined)
  await t.app.services.campaigns.pause(a.workspaceId, campaign.id, 'test')
  await t.app.services.campaigns.resume(a.workspaceId, campaign.id)
  const renewals = await crm.pipelines.create(a.workspaceId, { name: 'Renewals', stages: [{ name: 'Due' }, { name: 'Renewed', outcome: 'won' }] })
  const deal = await crm.deals.create(a.workspaceId, { title: 'Renewal', pipelineId: renewals.id, contactIds: [contact.id], companyId: company.id }, author)
  const note = await crm.activities.log(a.workspaceId, { type: 'note', body: 'Met Ada', contactId: contact.id }, author)
  const [delivery] = (await t.app.services.events.webhooks.deliveries(a.workspaceId, { endpointId: endpoint.id })).items
  const fixture: Fixture = {
    pipelineId: pipeline!.id,
    stageId: pipeline!.stages[0]!.id,
    agentUserId: agent.userId,
    agentTokenId: agentToken.id,
    companyId: company.id,
    contactId: contact.id,
    dealId: deal.id,
    dealStageId: renewals.stages[1]!.id,
    activityId: note.id,
    campaignId: campaign.id,
    webhookEndpointId: endpoint.id,
    webhookDeliveryId: delivery!.id,
  }
  return { a, b, agent, readOnly, revoked, fixture }
}

function request (t: TestApp, row: RouteCase, f: Fixture, headers: Record<string, string>) {
  const body = row.body?.(f)
  return t.app.inject({ method: row.method, url: row.url(f), headers: { ...row.headers?.(), ...headers }, ...(body === undefined ? {} : { payload: body as object }) })
}

describe('access control', () => {
  it.each(ROUTES)('$method $route: anonymous and revoked 401, other workspace cannot see A, roles and scopes enforced', async (row) => {
    const t = await buildTestApp({}, { sandbox: true })
    const { a, b, agent, readOnly, revoked, fixture } = await setUp(t)

    const anonymous = await request(t, row, fixture, {})
    expect(anonymous.statusCode, 'anonymous').toBe(401)
    expect(anonymous.json().code).toBe('SB_UNAUTHENTICATED')

    const revokedResponse = await request(t, row, fixture, bearer(revoked.token))
    expect(revokedResponse.statusCode, 'revoked token').toBe(401)

    const otherWorkspace = await request(t, row, fixture, bearer(b.token))
    if (row.record) {
      expect(otherWorkspace.statusCode, 'other workspace').toBe(404)
    } else if (row.otherStatus !== undefined) {
      expect(otherWorkspace.statusCode, 'other workspace').toBe(row.otherStatus)
    } else {
      expect(otherWorkspace.statusCode, 'other workspace').toBeLessThan(300)
      for (const id of Object.values(fixture)) expect(otherWorkspace.body, 'other workspace sees A\'s record').not.toContain(id)
    }

    const asAgent = await request(t, row, fixture, bearer(agent.token))
    if (row.scope === 'admin') {
      expect(asAgent.statusCode, 'agent on an admin route').toBe(403)
      expect(asAgent.json().code).toBe('SB_AUTH_ROLE_FORBIDDEN')
    }

    if (row.scope !== 'crm:read') {
      const narrow = await request(t, row, fixture, bearer(readOnly.token))
      expect(narrow.statusCode, 'read-only token on a write route').toBe(403)
      expect(narrow.json().code).toBe('SB_AUTH_SCOPE_MISSING')
    }

    const owner = await request(t, row, fixture, bearer(a.token))
    if (row.ownerStatus !== undefined) expect(owner.statusCode, `owner: ${owner.body}`).toBe(row.ownerStatus)
    else expect(owner.statusCode, `owner: ${owner.body}`).toBeLessThan(300)
  })

  it('every route except the public ones declares its access, and every protected route has a row above', async () => {
    const t = await buildTestApp()
    const PUBLIC = new Set(['GET /health', 'GET /ready', 'GET /openapi.json',
      // Prometheus: its own bearer token (METRICS_TOKEN) or a direct loopback connection (app.test.ts).
      'GET /metrics', 'POST /auth/login', 'GET /webhooks/whatsapp', 'POST /webhooks/whatsapp',
      // Outlook add-in sign-in: the page and form come before any credential exists, and the
      // token endpoint is authenticated by the code + PKCE verifier or the refresh token itself.
      'GET /oauth/addin/authorize', 'POST /oauth/addin/authorize', 'POST /oauth/addin/token', 'POST /oauth/addin/revoke',
      // The built pane's static files: Outlook loads them before anyone signs in.
      'GET /outlook/*',
      // The published privacy pages are for anyone; Meta calls the deletion callback (it proves
      // itself by the signed_request) and the person who removed our app opens its status page.
      'GET /privacy', 'GET /scopes', 'GET /data-deletion', 'POST /meta/data-deletion', 'GET /data-deletion/status/:code',
      // Support staff present their own staff token (customers' credentials are refused) and a
      // customer's consent for the exact records; privacy-routes.test.ts covers it.
      'POST /support/v1/records',
      // The web app's way in: the sign-in page and form come before any session (the form is
      // CSRF-bound to its own pre-session cookie), /app only redirects, and the one script is static.
      'GET /app', 'GET /app/sign-in', 'POST /app/sign-in', 'GET /app/assets/live.js',
      // First-run setup: only while no workspace exists, and only from the machine itself (web.test.ts).
      'GET /app/setup', 'POST /app/setup',
      // Google / Microsoft sign-in: the redirect to the provider, and its callback, which is
      // authenticated by the state cookie, the PKCE exchange and the verified ID token (oidc.test.ts).
      'GET /app/sign-in/:provider', 'GET /app/sign-in/:provider/callback'])
    const protectedRoutes = t.app.routeAccess.filter((r) => !r.url.startsWith('/docs') && !PUBLIC.has(`${r.method} ${r.url}`))
    const open = protectedRoutes.filter((r) => r.access === undefined).map((r) => `${r.method} ${r.url}`)
    expect(open, 'routes without config.access').toEqual([])
    const covered = new Set(ROUTES.map((r) => `${r.method} ${r.route}`))
    const missing = protectedRoutes.map((r) => `${r.method} ${r.url}`).filter((key) => !covered.has(key))
    expect(missing, 'protected routes without a row in ROUTES').toEqual([])
  })
})
