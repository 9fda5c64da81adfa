import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { IdParamsSchema } from '../common-schemas.js'
import { SwitchboardError } from '../errors.js'
import { authOf } from '../plugins/app/auth.js'
import { toTemplateView } from '../whatsapp/templates-service.js'
import { csrfField, html, when } from './html.js'
import { CsrfField, noticeOf, NoticeQuery, seeOther } from './page-helpers.js'

const CompaniesQuerySchema = Type.Object({ q: Type.Optional(Type.String({ maxLength: 200 })), ...NoticeQuery })
const NewCompanySchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  domain: Type.Optional(Type.String({ maxLength: 253 })),
  ...CsrfField,
})

/** Companies (list, search, add, detail with people and timeline) and the WhatsApp templates. */
const directoryPages: FastifyPluginAsyncTypebox = async (app) => {
  const { companies, contacts, activities } = app.services.crm
  const { templates } = app.services.whatsapp

  app.get('/app/companies', {
    schema: { hide: true, querystring: CompaniesQuerySchema },
    config: { access: { scope: 'crm:read' } },
  }, async (request, reply) => {
    const ws = authOf(request).workspaceId
    const q = request.query.q?.trim() === '' ? undefined : request.query.q?.trim()
    const page = await companies.list(ws, { limit: 100, ...(q === undefined ? {} : { q }) })
    const rows = page.items.map((c) => html`<tr><td><a href="/app/companies/${c.id}">${c.name}</a></td><td>${c.domain ?? ''}</td><td>${when(c.createdAt)}</td></tr>`)
    return reply.sendPage({
      title: 'Companies',
      nav: 'companies',
      notice: noticeOf(request.query.notice),
      body: html`<search><form method="get" action="/app/companies" class="row" role="search" aria-label="Companies">
  <div><label for="q">Search by name or domain</label><input id="q" name="q" type="search" value="${q ?? ''}"></div>
  <button type="submit">Search</button></form></search>
<table><caption>Companies (${page.items.length})</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Domain</th><th scope="col">Added</th></tr></thead>
<tbody>${rows.length === 0 ? html`<tr><td colspan="3">No companies.</td></tr>` : rows}</tbody></table>
<h2 id="new-company-h">New company</h2>
<form method="post" action="/app/companies" class="row" aria-labelledby="new-company-h">${csrfField(request.csrfToken())}
  <div><label for="company-name">Name</label><input id="company-name" name="name" required maxlength="200"></div>
  <div><label for="company-domain">Domain (e.g. acme.example)</label><input id="company-domain" name="domain"></div>
  <button type="submit">Add company</button></form>`,
    })
  })

  app.post('/app/companies', {
    schema: { hide: true, body: NewCompanySchema },
    config: { access: { scope: 'crm:write' } },
  }, async (request, reply) => {
    const domain = request.body.domain?.trim()
    const company = await companies.create(authOf(request).workspaceId, { name: request.body.name.trim(), ...(domain === undefined || domain === '' ? {} : { domain }) })
    return seeOther(reply, `/app/companies/${company.id}?notice=company-created`)
  })

  app.get('/app/companies/:id', {
    schema: { hide: true, params: IdParamsSchema, querystring: Type.Object({ ...NoticeQuery }) },
    config: { access: { scope: 'crm:read' } },
  }, async (request, reply) => {
    const ws = authOf(request).workspaceId
    const company = await companies.get(ws, request.params.id)
    if (company === undefined) throw new SwitchboardError('SB_COMPANY_NOT_FOUND')
    const [people, timeline] = await Promise.all([
      contacts.list(ws, { companyId: company.id, limit: 100 }),
      activities.list(ws, { companyId: company.id, limit: 50 }),
    ])
    return reply.sendPage({
      title: company.name,
      nav: 'companies',
      notice: noticeOf(request.query.notice),
      body: html`<p>Domain: ${company.domain ?? '—'}</p>
<section aria-labelledby="people-h"><h2 id="people-h">People</h2>
${people.items.length === 0 ? html`<p>No contacts at this company yet.</p>` : html`<ul>${people.items.map((c) => html`<li><a href="/app/contacts/${c.id}">${c.name}</a> ${c.emails[0] ?? ''}</li>`)}</ul>`}</section>
<section aria-labelledby="timeline-h"><h2 id="timeline-h">Timeline</h2>
${timeline.items.length === 0 ? html`<p>Nothing on the timeline yet.</p>` : html`<ul>${timeline.items.map((a) => html`<li><strong>${a.type.replace('_', ' ')}</strong> · ${when(a.occurredAt)}${a.subject === null ? '' : html` · ${a.subject}`}</li>`)}</ul>`}</section>
<p><a href="/app/companies">All companies</a></p>`,
    })
  })

  app.get('/app/templates', {
    schema: { hide: true, querystring: Type.Object({ ...NoticeQuery }) },
    config: { access: { scope: 'crm:read' } },
  }, async (request, reply) => {
    const auth = authOf(request)
    const all = (await templates.list(auth.workspaceId)).map(toTemplateView)
    const rows = all.map((t) => html`<tr><td>${t.name}</td><td>${t.language}</td><td>${t.status}</td><td>${t.category}</td><td>${t.variables.map((v) => v.key).join(', ') || '—'}</td><td>${t.text}</td></tr>`)
    return reply.sendPage({
      title: 'Templates',
      nav: 'templates',
      notice: noticeOf(request.query.notice),
      body: html`<p class="muted">Templates are written and approved in Meta's WhatsApp Manager; Switchboard keeps a copy, current through Meta's webhooks.</p>
${auth.scopes.has('crm:write') ? html`<form method="post" action="/app/templates/sync">${csrfField(request.csrfToken())}<p><button type="submit">Fetch templates from Meta now</button></p></form>` : ''}
<table><caption>Templates (${all.length})</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Language</th><th scope="col">Status</th><th scope="col">Category</th><th scope="col">Values</th><th scope="col">Text</th></tr></thead>
<tbody>${rows.length === 0 ? html`<tr><td colspan="6">No templates: <a href="/app/whatsapp">connect WhatsApp</a> first.</td></tr>` : rows}</tbody></table>`,
    })
  })

  app.post('/app/templates/sync', {
    schema: { hide: true },
    config: { access: { scope: 'crm:write' } },
  }, async (request, reply) => {
    await templates.sync(authOf(request).workspaceId)
    return seeOther(reply, '/app/templates?notice=templates-synced')
  })
}

export default directoryPages
