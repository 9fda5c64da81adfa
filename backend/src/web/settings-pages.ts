import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { SwitchboardError } from '../errors.js'
import { authOf } from '../plugins/app/auth.js'
import { RETENTION_POLICIES, WORKSPACE_RETENTION_KEYS, type RetentionKey } from '../privacy/retention-policies.js'
import { csrfField, html } from './html.js'
import { CsrfField, noticeOf, NoticeQuery, seeOther } from './page-helpers.js'

const RetentionParamsSchema = Type.Object({ key: Type.Union(WORKSPACE_RETENTION_KEYS.map((k) => Type.Literal(k))) })
// Form fields arrive as text; the service checks the policy's bounds.
const RetentionFormSchema = Type.Object({ days: Type.String({ pattern: '^\\d{1,4}$' }), ...CsrfField })

/** Workspace settings: its time zone and default country, and how long each kind of data is kept. */
const settingsPages: FastifyPluginAsyncTypebox = async (app) => {
  const { workspaces, retention } = app.services

  app.get('/app/settings', {
    schema: { hide: true, querystring: Type.Object({ ...NoticeQuery }) },
    config: { access: { scope: 'crm:read' } },
  }, async (request, reply) => {
    const auth = authOf(request)
    const [workspace, periods] = await Promise.all([workspaces.get(auth.workspaceId), retention.periods(auth.workspaceId)])
    if (workspace === undefined) throw new SwitchboardError('SB_UNAUTHENTICATED')
    const admin = auth.scopes.has('admin')
    const csrf = request.csrfToken()
    const rows = (Object.keys(RETENTION_POLICIES) as RetentionKey[]).map((key) => {
      const policy = RETENTION_POLICIES[key]
      const editable = admin && (WORKSPACE_RETENTION_KEYS as string[]).includes(key)
      const days = periods[key]
      return html`<tr><td>${policy.label}</td><td>${editable
        ? html`<form method="post" action="/app/settings/retention/${key}" class="row">${csrfField(csrf)}
  <div><label for="days-${key}">Days (${policy.minDays}–${policy.maxDays})</label><input id="days-${key}" name="days" type="number" min="${policy.minDays}" max="${policy.maxDays}" value="${days}" required></div>
  <button type="submit">Save</button></form>`
        : html`${days} days`}</td><td>${policy.defaultDays} days</td></tr>`
    })
    return reply.sendPage({
      title: 'Settings',
      nav: 'settings',
      notice: noticeOf(request.query.notice),
      body: html`<dl><dt>Workspace</dt><dd>${workspace.name}</dd><dt>Time zone (for scheduled campaigns)</dt><dd>${workspace.timeZone}</dd>
<dt>Default country (for phone numbers without +)</dt><dd>${workspace.defaultCountry ?? '—'}</dd></dl>
<table><caption>How long data is kept</caption>
<thead><tr><th scope="col">Data</th><th scope="col">Kept for</th><th scope="col">Default</th></tr></thead>
<tbody>${rows}</tbody></table>
${admin ? '' : html`<p class="muted">Admins change these periods.</p>`}`,
    })
  })

  app.post('/app/settings/retention/:key', {
    schema: { hide: true, params: RetentionParamsSchema, body: RetentionFormSchema },
    config: { access: { scope: 'admin' } },
  }, async (request, reply) => {
    const auth = authOf(request)
    await retention.setPeriod(auth.workspaceId, request.params.key, Number(request.body.days), { userId: auth.userId, ip: request.ip })
    return seeOther(reply, '/app/settings?notice=retention-changed')
  })
}

export default settingsPages
