import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { IdParamsSchema } from '../common-schemas.js'
import { SwitchboardError } from '../errors.js'
import { authOf } from '../plugins/app/auth.js'
import { actorOf } from '../identity/identity-service.js'
import { EVENT_CATALOG, EVENT_TYPES, type EventType } from '../events/catalog.js'
import { WEBHOOK_DELIVERY_STATUSES, type WebhookDelivery, type WebhookEndpoint } from '../events/schemas.js'
import { csrfField, html, when, type Html } from './html.js'
import { CsrfField, noticeOf, NoticeQuery, seeOther } from './page-helpers.js'

/** One checkbox per event type; distinct names keep the form body a flat record of strings. */
const eventField = (type: EventType): string => `event_${type.replace('.', '_')}`
const EventFields = Object.fromEntries(EVENT_TYPES.map((t) => [eventField(t), Type.Optional(Type.String({ maxLength: 10 }))]))

const EndpointFormSchema = Type.Object({
  url: Type.String({ minLength: 1, maxLength: 2048 }),
  description: Type.Optional(Type.String({ maxLength: 200 })),
  ...EventFields,
  ...CsrfField,
})
const StatusFormSchema = Type.Object({ status: Type.Union([Type.Literal('active'), Type.Literal('disabled')]), ...CsrfField })
const LogQuerySchema = Type.Object({
  ...NoticeQuery,
  status: Type.Optional(Type.Union([Type.Literal(''), ...WEBHOOK_DELIVERY_STATUSES.map((s) => Type.Literal(s))])),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
})

function chosenEvents (body: Record<string, unknown>): EventType[] {
  const chosen = EVENT_TYPES.filter((t) => body[eventField(t)] !== undefined)
  if (chosen.length === 0) throw new SwitchboardError('SB_VALIDATION', 'eventTypes', { detail: 'choose at least one event' })
  return chosen
}

/** The secret, shown the one time it exists in clear. */
function secretNotice (title: string, secret: string): Html {
  return html`<section aria-labelledby="secret-h" class="notice" role="status"><h2 id="secret-h">${title}</h2>
<p>Copy the signing secret now: it is shown this once. Your receiver verifies each delivery's <code>webhook-signature</code> with it (see the README).</p>
<p class="token" id="webhook-secret">${secret}</p></section>`
}

function deliveryRows (items: WebhookDelivery[], csrf: string | undefined, endpoints: Map<string, WebhookEndpoint>): Html[] {
  return items.map((d) => html`<tr><td><a href="/app/webhooks/deliveries/${d.id}">${d.eventType}</a></td><td>${endpoints.get(d.endpointId)?.url ?? d.endpointId}</td>
<td data-status="${d.status}">${d.status}</td><td>${d.attempts}</td><td>${d.lastError ?? d.lastStatusCode ?? ''}</td><td>${when(d.createdAt)}</td><td>${d.nextAttemptAt === null ? '' : when(d.nextAttemptAt)}</td>
<td><form method="post" action="/app/webhooks/deliveries/${d.id}/redeliver" class="inline">${csrfField(csrf)}<button type="submit" class="secondary" aria-label="Redeliver ${d.eventType} ${d.id}">Redeliver</button></form></td></tr>`)
}

const LOG_HEAD = html`<thead><tr><th scope="col">Event</th><th scope="col">Endpoint</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Last answer</th><th scope="col">Queued</th><th scope="col">Next attempt</th><th scope="col">Again</th></tr></thead>`

/**
 * Webhooks (admins): the endpoints the workspace's events go to, their signing secrets
 * (shown once), and the delivery log with a redeliver button on every delivery. The same
 * service as the API, so the same checks (URL rules, audit, workspace scope) apply.
 */
const webhookPages: FastifyPluginAsyncTypebox = async (app) => {
  const { webhooks } = app.services.events
  const admin = { access: { scope: 'admin' as const } }

  async function listPage (request: FastifyRequest, created?: { endpoint: WebhookEndpoint, secret: string }): Promise<Html> {
    const ws = authOf(request).workspaceId
    const [endpoints, log] = await Promise.all([webhooks.list(ws), webhooks.deliveries(ws, { limit: 20 })])
    const byId = new Map(endpoints.map((e) => [e.id, e]))
    const csrf = request.csrfToken()
    const rows = endpoints.map((e) => html`<tr><td><a href="/app/webhooks/${e.id}">${e.url}</a>${e.description === '' ? '' : html`<br><span class="muted">${e.description}</span>`}</td>
<td>${e.eventTypes.join(', ')}</td><td>${e.status}${e.disabledReason === null ? '' : html`<br><span class="muted">${e.disabledReason}</span>`}</td><td>${when(e.createdAt)}</td></tr>`)
    return html`${created === undefined ? '' : secretNotice(`Endpoint ${created.endpoint.url} added`, created.secret)}
<table><caption>Endpoints</caption>
<thead><tr><th scope="col">URL</th><th scope="col">Events</th><th scope="col">Status</th><th scope="col">Added</th></tr></thead>
<tbody>${rows.length === 0 ? html`<tr><td colspan="4">No endpoints yet.</td></tr>` : rows}</tbody></table>
<h2 id="add-endpoint-h">Add an endpoint</h2>
<form method="post" action="/app/webhooks" aria-labelledby="add-endpoint-h">${csrfField(csrf)}
  <label for="endpoint-url">URL (https; where your tool receives events)</label>
  <input id="endpoint-url" name="url" type="url" required maxlength="2048" size="60">
  <label for="endpoint-description">Description (optional)</label>
  <input id="endpoint-description" name="description" maxlength="200" size="60">
  ${eventChoices([])}
  <p><button type="submit">Add endpoint</button></p>
</form>
<table><caption>Latest deliveries</caption>${LOG_HEAD}
<tbody>${log.items.length === 0 ? html`<tr><td colspan="8">Nothing sent yet.</td></tr>` : deliveryRows(log.items, csrf, byId)}</tbody></table>`
  }

  function eventChoices (checked: readonly EventType[]): Html {
    return html`<fieldset><legend>Events to send</legend>
${EVENT_TYPES.map((t) => html`<div><input type="checkbox" id="${eventField(t)}" name="${eventField(t)}" value="on"${checked.includes(t) ? html` checked` : ''} aria-describedby="${eventField(t)}-help"> <label for="${eventField(t)}" style="display:inline"><code>${t}</code></label>
<span id="${eventField(t)}-help" class="muted">${EVENT_CATALOG[t].description}</span></div>`)}
</fieldset>`
  }

  app.get('/app/webhooks', {
    schema: { hide: true, querystring: Type.Object({ ...NoticeQuery }) },
    config: admin,
  }, async (request, reply) => reply.sendPage({ title: 'Webhooks', nav: 'webhooks', notice: noticeOf(request.query.notice), body: await listPage(request) }))

  app.post('/app/webhooks', {
    schema: { hide: true, body: EndpointFormSchema },
    config: admin,
  }, async (request, reply) => {
    const auth = authOf(request)
    const { url, description } = request.body
    const created = await webhooks.create(auth.workspaceId, { url, eventTypes: chosenEvents(request.body), ...(description === undefined ? {} : { description }) }, actorOf(auth, request.ip))
    // The page itself, not a redirect: the secret must never sit in a URL or the history.
    return reply.sendPage({ title: 'Webhooks', nav: 'webhooks', body: await listPage(request, created) }, 201)
  })

  async function endpointPage (request: FastifyRequest, id: string, query: { status?: string | undefined, cursor?: string | undefined }, rotated?: string): Promise<Html> {
    const ws = authOf(request).workspaceId
    const endpoint = await webhooks.get(ws, id)
    const status = query.status === '' ? undefined : query.status as WebhookDelivery['status'] | undefined
    const log = await webhooks.deliveries(ws, { endpointId: endpoint.id, limit: 50, ...(status === undefined ? {} : { status }), ...(query.cursor === undefined ? {} : { cursor: query.cursor }) })
    const csrf = request.csrfToken()
    const next = log.nextCursor === null ? '' : html`<p><a href="/app/webhooks/${endpoint.id}?${new URLSearchParams({ ...(status === undefined ? {} : { status }), cursor: log.nextCursor }).toString()}">Older deliveries</a></p>`
    return html`${rotated === undefined ? '' : secretNotice('New signing secret', rotated)}
<dl><dt>URL</dt><dd>${endpoint.url}</dd><dt>Status</dt><dd id="endpoint-status">${endpoint.status}${endpoint.disabledReason === null ? '' : html` (${endpoint.disabledReason})`}</dd>
${endpoint.previousSecretValidUntil === null ? '' : html`<dt>Previous secret</dt><dd>still signs beside the new one until ${when(endpoint.previousSecretValidUntil)}</dd>`}</dl>
<div class="row">
<form method="post" action="/app/webhooks/${endpoint.id}/status" class="inline">${csrfField(csrf)}<input type="hidden" name="status" value="${endpoint.status === 'active' ? 'disabled' : 'active'}"><button type="submit" class="secondary">${endpoint.status === 'active' ? 'Turn off' : 'Turn on'}</button></form>
<form method="post" action="/app/webhooks/${endpoint.id}/rotate" class="inline">${csrfField(csrf)}<button type="submit" class="secondary">New signing secret</button></form>
<form method="post" action="/app/webhooks/${endpoint.id}/delete" class="inline">${csrfField(csrf)}<button type="submit" class="danger">Remove endpoint</button></form>
</div>
<h2 id="edit-endpoint-h">Change</h2>
<form method="post" action="/app/webhooks/${endpoint.id}" aria-labelledby="edit-endpoint-h">${csrfField(csrf)}
  <label for="endpoint-url">URL</label>
  <input id="endpoint-url" name="url" type="url" required maxlength="2048" size="60" value="${endpoint.url}">
  <label for="endpoint-description">Description</label>
  <input id="endpoint-description" name="description" maxlength="200" size="60" value="${endpoint.description}">
  ${eventChoices(endpoint.eventTypes)}
  <p><button type="submit">Save</button></p>
</form>
<h2 id="log-h">Deliveries</h2>
<form method="get" action="/app/webhooks/${endpoint.id}" class="row" aria-labelledby="log-h">
  <div><label for="log-status">Status</label><select id="log-status" name="status"><option value="">any</option>${WEBHOOK_DELIVERY_STATUSES.map((s) => html`<option value="${s}"${s === status ? html` selected` : ''}>${s}</option>`)}</select></div>
  <button type="submit" class="secondary">Show</button>
</form>
<table><caption>Deliveries to this endpoint, newest first</caption>${LOG_HEAD}
<tbody>${log.items.length === 0 ? html`<tr><td colspan="8">No deliveries.</td></tr>` : deliveryRows(log.items, csrf, new Map([[endpoint.id, endpoint]]))}</tbody></table>
${next}
<p><a href="/app/webhooks">All endpoints</a></p>`
  }

  app.get('/app/webhooks/:id', {
    schema: { hide: true, params: IdParamsSchema, querystring: LogQuerySchema },
    config: admin,
  }, async (request, reply) => reply.sendPage({ title: 'Webhook endpoint', nav: 'webhooks', notice: noticeOf(request.query.notice), body: await endpointPage(request, request.params.id, request.query) }))

  app.post('/app/webhooks/:id', {
    schema: { hide: true, params: IdParamsSchema, body: EndpointFormSchema },
    config: admin,
  }, async (request, reply) => {
    const auth = authOf(request)
    const { url, description } = request.body
    await webhooks.update(auth.workspaceId, request.params.id, { url, eventTypes: chosenEvents(request.body), ...(description === undefined ? {} : { description }) }, actorOf(auth, request.ip))
    return seeOther(reply, `/app/webhooks/${request.params.id}?notice=webhook-updated`)
  })

  app.post('/app/webhooks/:id/status', {
    schema: { hide: true, params: IdParamsSchema, body: StatusFormSchema },
    config: admin,
  }, async (request, reply) => {
    const auth = authOf(request)
    await webhooks.update(auth.workspaceId, request.params.id, { status: request.body.status }, actorOf(auth, request.ip))
    return seeOther(reply, `/app/webhooks/${request.params.id}?notice=webhook-updated`)
  })

  app.post('/app/webhooks/:id/rotate', {
    schema: { hide: true, params: IdParamsSchema },
    config: admin,
  }, async (request, reply) => {
    const auth = authOf(request)
    const { secret } = await webhooks.rotateSecret(auth.workspaceId, request.params.id, actorOf(auth, request.ip))
    // The page itself, not a redirect: the secret must never sit in a URL or the history.
    return reply.sendPage({ title: 'Webhook endpoint', nav: 'webhooks', body: await endpointPage(request, request.params.id, {}, secret) })
  })

  app.post('/app/webhooks/:id/delete', {
    schema: { hide: true, params: IdParamsSchema },
    config: admin,
  }, async (request, reply) => {
    const auth = authOf(request)
    await webhooks.delete(auth.workspaceId, request.params.id, actorOf(auth, request.ip))
    return seeOther(reply, '/app/webhooks?notice=webhook-deleted')
  })

  app.get('/app/webhooks/deliveries/:id', {
    schema: { hide: true, params: IdParamsSchema, querystring: Type.Object({ ...NoticeQuery }) },
    config: admin,
  }, async (request, reply) => {
    const ws = authOf(request).workspaceId
    const { delivery, attemptLog, body } = await webhooks.delivery(ws, request.params.id)
    const endpoint = await webhooks.get(ws, delivery.endpointId)
    const csrf = request.csrfToken()
    const attempts = attemptLog.map((a) => html`<tr><td>${a.attempt}</td><td>${when(a.attemptedAt)}</td><td>${a.durationMs} ms</td><td>${a.statusCode ?? ''}</td><td>${a.error ?? ''}</td></tr>`)
    return reply.sendPage({
      title: `Delivery of ${delivery.eventType}`,
      nav: 'webhooks',
      notice: noticeOf(request.query.notice),
      body: html`<dl><dt>To</dt><dd><a href="/app/webhooks/${endpoint.id}">${endpoint.url}</a></dd>
<dt>Status</dt><dd id="delivery-status">${delivery.status}</dd><dt>Event id (webhook-id)</dt><dd><code>${delivery.eventId}</code></dd>
<dt>Queued</dt><dd>${when(delivery.createdAt)}</dd>${delivery.nextAttemptAt === null ? '' : html`<dt>Next attempt</dt><dd>${when(delivery.nextAttemptAt)}</dd>`}
${delivery.redeliveryOf === null ? '' : html`<dt>Redelivery of</dt><dd><a href="/app/webhooks/deliveries/${delivery.redeliveryOf}">${delivery.redeliveryOf}</a></dd>`}</dl>
<form method="post" action="/app/webhooks/deliveries/${delivery.id}/redeliver">${csrfField(csrf)}<button type="submit">Redeliver</button></form>
<table><caption>Attempts</caption><thead><tr><th scope="col">#</th><th scope="col">When</th><th scope="col">Took</th><th scope="col">Answer</th><th scope="col">Problem</th></tr></thead>
<tbody>${attempts.length === 0 ? html`<tr><td colspan="5">Not attempted yet.</td></tr>` : attempts}</tbody></table>
<h2>Body, as sent and signed</h2><pre class="token" tabindex="0">${body}</pre>`,
    })
  })

  app.post('/app/webhooks/deliveries/:id/redeliver', {
    schema: { hide: true, params: IdParamsSchema },
    config: admin,
  }, async (request, reply) => {
    const auth = authOf(request)
    const { delivery } = await webhooks.redeliver(auth.workspaceId, request.params.id, actorOf(auth, request.ip))
    return seeOther(reply, `/app/webhooks/deliveries/${delivery.id}?notice=webhook-redelivered`)
  })
}

export default webhookPages
