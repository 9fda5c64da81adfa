import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { IdParamsSchema } from '../common-schemas.js'
import { SwitchboardError } from '../errors.js'
import { authOf } from '../plugins/app/auth.js'
import { actorOf } from '../identity/identity-service.js'
import { decideUserAction } from '../identity/user-actions.js'
import { ROLES, SCOPES, scopesOfRole, type Role, type Scope } from '../identity/access.js'
import { AUDIT_ACTIONS } from '../privacy/audit-log.js'
import { csrfField, html, when, type Html } from './html.js'
import { CsrfField, noticeOf, NoticeQuery, seeOther } from './page-helpers.js'

/** A checkbox per scope; distinct names keep the form body a flat record of strings. */
const scopeField = (scope: Scope): string => `scope_${scope.replace(':', '_')}`

const NewTokenSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  ...Object.fromEntries(SCOPES.map((s) => [scopeField(s), Type.Optional(Type.String({ maxLength: 10 }))])),
  ...CsrfField,
})
const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)))
const InviteSchema = Type.Object({
  email: Type.String({ minLength: 3, maxLength: 254 }),
  displayName: Type.String({ minLength: 1, maxLength: 200 }),
  role: RoleSchema,
  password: Type.Optional(Type.String({ maxLength: 200 })),
  ...CsrfField,
})
const UpdateUserSchema = Type.Object({
  role: Type.Optional(RoleSchema),
  status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('deactivated')])),
  ...CsrfField,
})
const DateText = Type.String({ maxLength: 10 })
const AuditFilterSchema = Type.Object({
  actor: Type.Optional(Type.String({ maxLength: 64 })),
  action: Type.Optional(Type.String({ maxLength: 64 })),
  from: Type.Optional(DateText),
  to: Type.Optional(DateText),
})

/** A YYYY-MM-DD from a date input, or undefined when blank or not a real date. */
function day (value: string | undefined, field: string): string | undefined {
  if (value === undefined || value === '') return undefined
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) throw new SwitchboardError('SB_VALIDATION', field)
  return value
}

function nextDay (value: string): string {
  return new Date(Date.parse(`${value}T00:00:00Z`) + 86_400_000).toISOString()
}

/** API tokens, the team, the WhatsApp connection and the audit log. */
const adminPages: FastifyPluginAsyncTypebox = async (app) => {
  const { identity, apiTokens, users, audit } = app.services
  const { connection, templates } = app.services.whatsapp

  async function tokensPage (request: FastifyRequest, created?: { token: string, name: string }): Promise<Html> {
    const auth = authOf(request)
    const admin = auth.scopes.has('admin')
    const [tokens, team] = await Promise.all([apiTokens.list(auth.workspaceId, admin ? undefined : auth.userId), users.list(auth.workspaceId)])
    const nameOf = new Map(team.map((u) => [u.id, u.displayName]))
    const csrf = request.csrfToken()
    const rows = tokens.map((t) => html`<tr><td>${t.name}</td><td><code>${t.prefix}…</code></td><td>${t.scopes.join(', ')}</td>${admin ? html`<td>${nameOf.get(t.userId) ?? t.userId}</td>` : ''}<td>${when(t.createdAt)}</td><td>${when(t.lastUsedAt)}</td>
<td>${t.revokedAt === null
      ? html`<form method="post" action="/app/tokens/${t.id}/revoke" class="inline">${csrfField(csrf)}<button type="submit" class="danger" aria-label="Revoke token ${t.name}">Revoke</button></form>`
      : html`Revoked ${when(t.revokedAt)}`}</td></tr>`)
    const shown = created === undefined
      ? html``
      : html`<section aria-labelledby="new-token-h" class="notice" role="status"><h2 id="new-token-h">Token “${created.name}” created</h2>
<p>Copy it now: it is shown this once and Switchboard keeps only its hash.</p>
<p class="token" id="new-token">${created.token}</p></section>`
    const roleScopes = scopesOfRole(auth.role)
    return html`${shown}
<table><caption>${admin ? 'All tokens in the workspace' : 'Your tokens'}</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Starts with</th><th scope="col">Scopes</th>${admin ? html`<th scope="col">User</th>` : ''}<th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Status</th></tr></thead>
<tbody>${rows.length === 0 ? html`<tr><td colspan="7">No tokens yet.</td></tr>` : rows}</tbody></table>
<h2 id="create-token-h">Create a token</h2>
<form method="post" action="/app/tokens" aria-labelledby="create-token-h">${csrfField(csrf)}
  <label for="token-name">Name (where you will paste it, e.g. “Sales sheet”)</label>
  <input id="token-name" name="name" required maxlength="100">
  <fieldset><legend>Scopes</legend>
  ${roleScopes.map((s) => html`<div><input type="checkbox" id="${scopeField(s)}" name="${scopeField(s)}" value="on"${s === 'admin' ? '' : html` checked`}> <label for="${scopeField(s)}" style="display:inline">${s}</label></div>`)}
  </fieldset>
  <p><button type="submit">Create token</button></p>
</form>`
  }

  app.get('/app/tokens', {
    schema: { hide: true, querystring: Type.Object({ ...NoticeQuery }) },
    config: { access: { scope: 'crm:read' } },
  }, async (request, reply) => reply.sendPage({ title: 'API tokens', nav: 'tokens', notice: noticeOf(request.query.notice), body: await tokensPage(request) }))

  app.post('/app/tokens', {
    schema: { hide: true, body: NewTokenSchema },
    config: { access: { scope: 'crm:read' } },
  }, async (request, reply) => {
    const auth = authOf(request)
    const body = request.body as Record<string, string | undefined>
    const scopes = SCOPES.filter((s) => body[scopeField(s)] !== undefined)
    if (scopes.length === 0) throw new SwitchboardError('SB_VALIDATION', 'scopes')
    // As in the API: a token may not mint a token with more reach than itself.
    if (auth.via === 'token' && scopes.some((s) => !auth.scopes.has(s))) throw new SwitchboardError('SB_AUTH_SCOPE_MISSING', 'scopes')
    const created = await identity.createToken(auth.workspaceId, { userId: auth.userId, name: request.body.name.trim(), scopes }, actorOf(auth, request.ip))
    // Answered with the page itself, not a redirect: the token must never sit in a URL or history.
    return reply.sendPage({ title: 'API tokens', nav: 'tokens', body: await tokensPage(request, { token: created.token, name: created.apiToken.name }) }, 201)
  })

  app.post('/app/tokens/:id/revoke', {
    schema: { hide: true, params: IdParamsSchema },
    config: { access: { scope: 'crm:read' } },
  }, async (request, reply) => {
    await identity.revokeTokenAs(authOf(request), request.params.id, request.ip)
    return seeOther(reply, '/app/tokens?notice=token-revoked')
  })

  app.get('/app/team', {
    schema: { hide: true, querystring: Type.Object({ ...NoticeQuery }) },
    config: { access: { scope: 'admin' } },
  }, async (request, reply) => {
    const auth = authOf(request)
    const team = await users.list(auth.workspaceId)
    const csrf = request.csrfToken()
    // The page offers only what the one rule (identity/user-actions.ts) allows this viewer: roles up to their own, and no
    // controls at all on someone of a higher role. The server asks the same rule again on every post.
    const roleOptions = (current: Role, target: { id: string | null, role: Role }, action: 'create' | 'change_role') =>
      ROLES.filter((r) => r === current || decideUserAction(auth, target, action, r).allowed)
        .map((r) => html`<option value="${r}"${r === current ? html` selected` : ''}>${r}</option>`)
    const rows = team.map((u) => {
      const statusAction = u.status === 'active' ? 'deactivate' : 'reactivate'
      const roleCell = decideUserAction(auth, u, 'change_role').allowed
        ? html`<form method="post" action="/app/team/${u.id}" class="row">${csrfField(csrf)}
  <div><label for="role-${u.id}">Role of ${u.displayName}</label><select id="role-${u.id}" name="role">${roleOptions(u.role, u, 'change_role')}</select></div>
  <button type="submit">Change role</button></form>`
        : html`${u.role}`
      const accessCell = decideUserAction(auth, u, statusAction).allowed
        ? html`<form method="post" action="/app/team/${u.id}" class="inline">${csrfField(csrf)}
  <input type="hidden" name="status" value="${u.status === 'active' ? 'deactivated' : 'active'}">
  <button type="submit" class="${u.status === 'active' ? 'danger' : 'secondary'}" aria-label="${u.status === 'active' ? 'Deactivate' : 'Reactivate'} ${u.displayName}">${u.status === 'active' ? 'Deactivate' : 'Reactivate'}</button></form>`
        : html`<span class="muted">—</span>`
      return html`<tr><td>${u.displayName}</td><td>${u.email}</td><td>${u.status}</td><td>${when(u.lastLoginAt)} (${u.loginCount})</td>
<td>${roleCell}</td>
<td>${accessCell}</td></tr>`
    })
    return reply.sendPage({
      title: 'Team',
      nav: 'team',
      notice: noticeOf(request.query.notice),
      body: html`<table><caption>People in this workspace</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Status</th><th scope="col">Last sign-in (count)</th><th scope="col">Role</th><th scope="col">Access</th></tr></thead>
<tbody>${rows}</tbody></table>
<p class="muted">Deactivating someone signs them out everywhere at once and stops their API tokens.</p>
<h2 id="invite-h">Add a person</h2>
<form method="post" action="/app/team" aria-labelledby="invite-h">${csrfField(csrf)}
  <div class="row">
  <div><label for="invite-email">Email</label><input id="invite-email" name="email" type="email" required></div>
  <div><label for="invite-name">Name</label><input id="invite-name" name="displayName" required maxlength="200"></div>
  <div><label for="invite-role">Role</label><select id="invite-role" name="role">${roleOptions('agent', { id: null, role: 'agent' }, 'create')}</select></div>
  <div><label for="invite-password">First password (tell them; they can change it)</label><input id="invite-password" name="password" type="password" autocomplete="new-password" minlength="10"></div>
  <button type="submit">Add</button></div>
</form>`,
    })
  })

  app.post('/app/team', {
    schema: { hide: true, body: InviteSchema },
    config: { access: { scope: 'admin' } },
  }, async (request, reply) => {
    const auth = authOf(request)
    const password = request.body.password === undefined || request.body.password === '' ? undefined : request.body.password
    // The API's rule for a first password (CreateUserSchema): at least 10 characters.
    if (password !== undefined && password.length < 10) throw new SwitchboardError('SB_VALIDATION', 'password', { detail: 'must have at least 10 characters' })
    await identity.inviteUser(auth.workspaceId, { email: request.body.email.trim(), displayName: request.body.displayName.trim(), role: request.body.role, password }, { ...actorOf(auth, request.ip), role: auth.role })
    return seeOther(reply, '/app/team?notice=user-invited')
  })

  app.post('/app/team/:id', {
    schema: { hide: true, params: IdParamsSchema, body: UpdateUserSchema },
    config: { access: { scope: 'admin' } },
  }, async (request, reply) => {
    const auth = authOf(request)
    await identity.updateUser(auth.workspaceId, request.params.id, { role: request.body.role, status: request.body.status }, { ...actorOf(auth, request.ip), role: auth.role })
    return seeOther(reply, '/app/team?notice=user-updated')
  })

  app.get('/app/whatsapp', {
    schema: { hide: true, querystring: Type.Object({ ...NoticeQuery }) },
    config: { access: { scope: 'crm:read' } },
  }, async (request, reply) => {
    const auth = authOf(request)
    const { connection: current, numbers } = await connection.status(auth.workspaceId)
    const approved = current?.status === 'connected' ? await templates.list(auth.workspaceId, { status: 'APPROVED' }) : []
    const sandbox = connection.runtime.mode === 'sandbox'
    const rows = numbers.map((n) => html`<tr><td>${n.displayPhoneNumber}</td><td>${n.verifiedName ?? '—'}</td><td>${n.status}${n.pausedReason === null ? '' : ` (${n.pausedReason})`}</td><td>${n.qualityRating ?? '—'}</td><td>${n.messagingLimitTier ?? '—'}</td><td>${n.throughputPerSecond}/s</td></tr>`)
    const connect = !sandbox
      ? html`<p class="muted">Connect a number with Meta's Embedded Signup (configured with META_APP_ID and META_CONFIG_ID).</p>`
      : auth.scopes.has('admin')
        ? html`<form method="post" action="/app/whatsapp/sandbox">${csrfField(request.csrfToken())}<p><button type="submit">${current === undefined ? 'Connect the sandbox number' : 'Reconnect the sandbox number'}</button></p></form>
<p class="muted">Sandbox mode: a local stand-in plays Meta, so messages go nowhere real.</p>`
        : html`<p class="muted">Ask an admin to connect the sandbox number.</p>`
    return reply.sendPage({
      title: 'WhatsApp',
      nav: 'whatsapp',
      notice: noticeOf(request.query.notice),
      body: html`<p>Connection: <strong id="connection-status">${current === undefined ? 'not connected' : current.status}</strong>${current?.signupError === null || current === undefined ? '' : html` <span class="error">(${current.signupError})</span>`}</p>
${connect}
<table><caption>Numbers</caption>
<thead><tr><th scope="col">Number</th><th scope="col">Name</th><th scope="col">Status</th><th scope="col">Quality</th><th scope="col">Daily limit</th><th scope="col">Throughput</th></tr></thead>
<tbody>${rows.length === 0 ? html`<tr><td colspan="6">No numbers yet.</td></tr>` : rows}</tbody></table>
<h2>Approved templates</h2>
${approved.length === 0 ? html`<p>None yet.</p>` : html`<ul>${approved.map((t) => html`<li><strong>${t.name}</strong> (${t.language}, ${t.category})</li>`)}</ul>`}`,
    })
  })

  app.post('/app/whatsapp/sandbox', {
    schema: { hide: true },
    config: { access: { scope: 'admin' } },
  }, async (request, reply) => {
    const auth = authOf(request)
    await connection.connectSandbox(auth.workspaceId, actorOf(auth, request.ip))
    // Campaigns pick from the synced templates, so a fresh connection fetches them at once.
    await templates.sync(auth.workspaceId)
    return seeOther(reply, '/app/whatsapp?notice=whatsapp-connected')
  })

  app.get('/app/audit', {
    schema: { hide: true, querystring: AuditFilterSchema },
    config: { access: { scope: 'admin' } },
  }, async (request, reply) => {
    const auth = authOf(request)
    const { actor, action } = request.query
    const from = day(request.query.from, 'from')
    const to = day(request.query.to, 'to')
    const [events, team] = await Promise.all([
      audit.list(auth.workspaceId, {
        limit: 200,
        action: action === undefined || action === '' ? undefined : action,
        actorUserId: actor === undefined || actor === '' ? undefined : actor,
        from: from === undefined ? undefined : `${from}T00:00:00.000Z`,
        to: to === undefined ? undefined : nextDay(to),
      }),
      users.list(auth.workspaceId),
    ])
    const nameOf = new Map(team.map((u) => [u.id, u.displayName]))
    const rows = events.map((e) => html`<tr><td>${e.seq}</td><td>${when(e.createdAt)}</td><td>${e.actorUserId === null ? 'system' : nameOf.get(e.actorUserId) ?? e.actorUserId}</td><td>${e.action}</td><td>${e.targetType ?? ''} ${e.targetId ?? ''}</td><td>${e.ip ?? ''}</td></tr>`)
    return reply.sendPage({
      title: 'Audit log',
      nav: 'audit',
      body: html`<form method="get" action="/app/audit" class="row" aria-label="Filter the audit log">
  <div><label for="actor">Actor</label><select id="actor" name="actor"><option value="">Anyone</option>${team.map((u) => html`<option value="${u.id}"${u.id === actor ? html` selected` : ''}>${u.displayName}</option>`)}</select></div>
  <div><label for="action">Action</label><select id="action" name="action"><option value="">Any action</option>${AUDIT_ACTIONS.map((a) => html`<option value="${a}"${a === action ? html` selected` : ''}>${a}</option>`)}</select></div>
  <div><label for="from">From (UTC date)</label><input id="from" name="from" type="date" value="${from ?? ''}"></div>
  <div><label for="to">To (UTC date, inclusive)</label><input id="to" name="to" type="date" value="${to ?? ''}"></div>
  <button type="submit">Filter</button>
</form>
<table><caption>Events, newest first (up to 200)</caption>
<thead><tr><th scope="col">#</th><th scope="col">When</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">IP</th></tr></thead>
<tbody>${rows.length === 0 ? html`<tr><td colspan="6">No events match.</td></tr>` : rows}</tbody></table>`,
    })
  })
}

export default adminPages
