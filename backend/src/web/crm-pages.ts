import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { IdParamsSchema } from '../common-schemas.js'
import { SwitchboardError } from '../errors.js'
import { authOf } from '../plugins/app/auth.js'
import { authorOf } from '../crm/request-context.js'
import { csrfField, html, when } from './html.js'
import { CsrfField, noticeOf, NoticeQuery, seeOther } from './page-helpers.js'

const ContactsQuerySchema = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 200 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  ...NoticeQuery,
})
const NewContactSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  email: Type.Optional(Type.String({ maxLength: 254 })),
  phone: Type.Optional(Type.String({ maxLength: 40 })),
  ...CsrfField,
})
const BoardQuerySchema = Type.Object({ pipeline: Type.Optional(Type.String({ maxLength: 64 })), ...NoticeQuery })
const MoveSchema = Type.Object({ stageId: Type.String({ minLength: 1, maxLength: 64 }), ...CsrfField })
const NewDealSchema = Type.Object({
  title: Type.String({ minLength: 1, maxLength: 200 }),
  stageId: Type.String({ minLength: 1, maxLength: 64 }),
  ...CsrfField,
})

function filled (value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim()
}

/** Contacts (list, search, detail with timeline and WhatsApp thread) and the deals board. */
const crmPages: FastifyPluginAsyncTypebox = async (app) => {
  const { contacts, deals, pipelines, activities, companies } = app.services.crm
  const { messaging } = app.services.whatsapp

  app.get('/app/contacts', {
    schema: { hide: true, querystring: ContactsQuerySchema },
    config: { access: { scope: 'crm:read' } },
  }, async (request, reply) => {
    const ws = authOf(request).workspaceId
    const q = filled(request.query.q)
    const cursor = filled(request.query.cursor)
    const page = await contacts.list(ws, { limit: 100, ...(q === undefined ? {} : { q }), ...(cursor === undefined ? {} : { cursor }) })
    const older = page.nextCursor === null
      ? html``
      : html`<p><a href="/app/contacts?${new URLSearchParams({ ...(q === undefined ? {} : { q }), cursor: page.nextCursor }).toString()}">Older contacts</a></p>`
    const rows = page.items.map((c) => html`<tr><td><a href="/app/contacts/${c.id}">${c.name}</a></td><td>${c.emails[0] ?? ''}</td><td>${c.phones[0] ?? ''}</td><td>${when(c.createdAt)}</td></tr>`)
    return reply.sendPage({
      title: 'Contacts',
      nav: 'contacts',
      notice: noticeOf(request.query.notice),
      body: html`
<search><form method="get" action="/app/contacts" class="row" role="search" aria-label="Contacts">
  <div><label for="q">Search by name, email, phone or company domain</label><input id="q" name="q" type="search" value="${q ?? ''}"></div>
  <button type="submit">Search</button>
</form></search>
<table><caption>${q === undefined ? 'Newest contacts' : `Contacts matching “${q}”`} (${page.items.length})</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Phone</th><th scope="col">Added</th></tr></thead>
<tbody>${rows.length === 0 ? html`<tr><td colspan="4">No contacts.</td></tr>` : rows}</tbody></table>
${older}
<h2 id="new-contact">New contact</h2>
<form method="post" action="/app/contacts" aria-labelledby="new-contact">
  ${csrfField(request.csrfToken())}
  <div class="row">
    <div><label for="contact-name">Name</label><input id="contact-name" name="name" required maxlength="200"></div>
    <div><label for="contact-email">Email</label><input id="contact-email" name="email" type="email"></div>
    <div><label for="contact-phone">Phone (with country code)</label><input id="contact-phone" name="phone" type="tel"></div>
    <button type="submit">Add contact</button>
  </div>
</form>`,
    })
  })

  app.post('/app/contacts', {
    schema: { hide: true, body: NewContactSchema },
    config: { access: { scope: 'crm:write' } },
  }, async (request, reply) => {
    const email = filled(request.body.email)
    const phone = filled(request.body.phone)
    const contact = await contacts.create(authOf(request).workspaceId, {
      name: request.body.name.trim(),
      ...(email === undefined ? {} : { emails: [email] }),
      ...(phone === undefined ? {} : { phones: [phone] }),
    }, authorOf(request))
    return seeOther(reply, `/app/contacts/${contact.id}?notice=contact-created`)
  })

  app.get('/app/contacts/:id', {
    schema: { hide: true, params: IdParamsSchema, querystring: Type.Object({ ...NoticeQuery }) },
    config: { access: { scope: 'crm:read' } },
  }, async (request, reply) => {
    const ws = authOf(request).workspaceId
    const contact = await contacts.get(ws, request.params.id)
    if (contact === undefined) throw new SwitchboardError('SB_CONTACT_NOT_FOUND')
    const [timeline, thread, company] = await Promise.all([
      activities.list(ws, { contactId: contact.id, limit: 50 }),
      messaging.thread(ws, contact.id, { limit: 30 }),
      contact.companyId === null ? undefined : companies.get(ws, contact.companyId),
    ])
    const events = timeline.items.map((a) => html`<li><strong>${a.type.replace('_', ' ')}</strong> · ${when(a.occurredAt)}${a.subject === null ? '' : html` · ${a.subject}`}${a.body === null ? '' : html`<br>${a.body}`}</li>`)
    // Oldest first reads like a chat; the service gives the newest first.
    const messages = [...thread.items].reverse().map((m) => html`<li><strong>${m.direction === 'in' ? contact.name : 'You'}</strong> · ${when(m.createdAt)} · <span>${m.status}</span><br>${m.templateName === null ? '' : html`<span class="muted">Template ${m.templateName}:</span> `}${m.body ?? `(${m.type})`}</li>`)
    return reply.sendPage({
      title: contact.name,
      nav: 'contacts',
      notice: noticeOf(request.query.notice),
      body: html`
<dl>
  <dt>Emails</dt><dd>${contact.emails.join(', ') || '—'}</dd>
  <dt>Phones</dt><dd>${contact.phones.join(', ') || '—'}</dd>
  <dt>Company</dt><dd>${company?.name ?? '—'}</dd>
  <dt>Marketing</dt><dd>${contact.marketing.status.replace('_', ' ')}</dd>
</dl>
<section aria-labelledby="thread-h"><h2 id="thread-h">WhatsApp thread</h2>
<p class="muted">${thread.window.open ? `Reply window open until ${when(thread.window.until)}` : 'Reply window closed: only approved templates can be sent.'}</p>
${messages.length === 0 ? html`<p>No WhatsApp messages yet.</p>` : html`<ul class="thread">${messages}</ul>`}</section>
<section aria-labelledby="timeline-h"><h2 id="timeline-h">Timeline</h2>
${events.length === 0 ? html`<p>Nothing on the timeline yet.</p>` : html`<ul>${events}</ul>`}</section>
<p><a href="/app/contacts">All contacts</a></p>`,
    })
  })

  app.get('/app/deals', {
    schema: { hide: true, querystring: BoardQuerySchema },
    config: { access: { scope: 'crm:read' } },
  }, async (request, reply) => {
    const ws = authOf(request).workspaceId
    const all = await pipelines.list(ws)
    const pipeline = all.find((p) => p.id === request.query.pipeline) ?? all[0]
    if (pipeline === undefined) return reply.sendPage({ title: 'Deals', nav: 'deals', body: html`<p>No pipeline yet.</p>` })
    const page = await deals.list(ws, { pipelineId: pipeline.id, limit: 200 })
    const csrf = request.csrfToken()
    const options = (current: string) => pipeline.stages.map((s) => html`<option value="${s.id}"${s.id === current ? html` selected` : ''}>${s.name}</option>`)
    const columns = pipeline.stages.map((stage) => {
      const here = page.items.filter((d) => d.stageId === stage.id)
      const cards = here.map((d) => html`<li data-deal="${d.id}"><strong>${d.title}</strong>${d.amount === null ? '' : html`<br><span>${d.amount} ${d.currency ?? ''}</span>`}
<form method="post" action="/app/deals/${d.id}/move">${csrfField(csrf)}
  <label for="move-${d.id}">Move “${d.title}” to</label>
  <select id="move-${d.id}" name="stageId">${options(stage.id)}</select>
  <button type="submit">Move</button>
</form></li>`)
      return html`<section aria-labelledby="stage-${stage.id}"><h2 id="stage-${stage.id}">${stage.name} <span class="muted">(${here.length})</span></h2><ul>${cards}</ul></section>`
    })
    const picker = all.length < 2
      ? html``
      : html`<form method="get" action="/app/deals" class="row"><div><label for="pipeline">Pipeline</label><select id="pipeline" name="pipeline">${all.map((p) => html`<option value="${p.id}"${p.id === pipeline.id ? html` selected` : ''}>${p.name}</option>`)}</select></div><button type="submit">Show</button></form>`
    return reply.sendPage({
      title: `Deals: ${pipeline.name}`,
      nav: 'deals',
      notice: noticeOf(request.query.notice),
      body: html`${picker}<div class="board" role="region" aria-label="Board: one column per stage (scrolls sideways)" tabindex="0">${columns}</div>
<h2 id="new-deal">New deal</h2>
<form method="post" action="/app/deals" aria-labelledby="new-deal" class="row">${csrfField(csrf)}
  <div><label for="deal-title">Title</label><input id="deal-title" name="title" required maxlength="200"></div>
  <div><label for="deal-stage">Stage</label><select id="deal-stage" name="stageId">${options(pipeline.stages[0]?.id ?? '')}</select></div>
  <button type="submit">Add deal</button>
</form>`,
    })
  })

  app.post('/app/deals', {
    schema: { hide: true, body: NewDealSchema },
    config: { access: { scope: 'crm:write' } },
  }, async (request, reply) => {
    const ws = authOf(request).workspaceId
    const stage = await pipelines.getStage(ws, request.body.stageId)
    if (stage === undefined) throw new SwitchboardError('SB_STAGE_NOT_FOUND', 'stageId')
    await deals.create(ws, { title: request.body.title.trim(), pipelineId: stage.pipelineId, stageId: stage.id }, authorOf(request))
    return seeOther(reply, `/app/deals?pipeline=${stage.pipelineId}&notice=deal-created`)
  })

  app.post('/app/deals/:id/move', {
    schema: { hide: true, params: IdParamsSchema, body: MoveSchema },
    config: { access: { scope: 'crm:write' } },
  }, async (request, reply) => {
    const deal = await deals.moveStage(authOf(request).workspaceId, request.params.id, request.body.stageId, authorOf(request))
    if (deal === undefined) throw new SwitchboardError('SB_DEAL_NOT_FOUND')
    return seeOther(reply, `/app/deals?pipeline=${deal.pipelineId}&notice=deal-moved`)
  })
}

export default crmPages
