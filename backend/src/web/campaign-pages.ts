import { randomBytes } from 'node:crypto'
import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { IdParamsSchema } from '../common-schemas.js'
import { SwitchboardError } from '../errors.js'
import { authOf } from '../plugins/app/auth.js'
import { toTemplateView } from '../whatsapp/templates-service.js'
import { csrfField, html, when } from './html.js'
import { CsrfField, noticeOf, NoticeQuery, seeOther } from './page-helpers.js'

const NewCampaignSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  template: Type.String({ minLength: 3, maxLength: 600 }),
  recipients: Type.String({ minLength: 1, maxLength: 60_000 }),
  /** A random key rendered into the form, so a double click or a resubmitted page starts one campaign, not two. */
  submission: Type.Optional(Type.String({ minLength: 8, maxLength: 100 })),
  ...CsrfField,
})

/** At most this many lines per form: a sheet of thousands goes through the Sheets add-on's chunked upload. */
const MAX_FORM_RECIPIENTS = 1000
const COUNTERS = ['total', 'pending', 'sending', 'sent', 'delivered', 'read', 'failed', 'unknown', 'cancelled', 'replied'] as const
const FINAL_STATES = new Set(['completed', 'cancelled'])

/** Campaigns: list, a small send from a pasted list, live detail with per-recipient status, pause/resume/cancel. */
const campaignPages: FastifyPluginAsyncTypebox = async (app) => {
  const { campaigns, audit, idempotency } = app.services
  const { templates } = app.services.whatsapp

  app.get('/app/campaigns', {
    schema: { hide: true, querystring: Type.Object({ ...NoticeQuery }) },
    config: { access: { scope: 'crm:read' } },
  }, async (request, reply) => {
    const ws = authOf(request).workspaceId
    const [items, approved] = await Promise.all([campaigns.list(ws, { limit: 100 }), templates.list(ws, { status: 'APPROVED' })])
    const rows = items.map((c) => html`<tr><td><a href="/app/campaigns/${c.id}">${c.name}</a></td><td>${c.state}</td><td>${c.templateName}</td><td>${c.counts.total}</td><td>${c.counts.sent + c.counts.delivered + c.counts.read}</td><td>${c.counts.failed}</td><td>${when(c.createdAt)}</td></tr>`)
    const form = approved.length === 0
      ? html`<p>No approved templates yet: <a href="/app/whatsapp">connect WhatsApp</a> first.</p>`
      : html`<form method="post" action="/app/campaigns" aria-labelledby="new-campaign-h">${csrfField(request.csrfToken())}
  <input type="hidden" name="submission" value="${randomBytes(18).toString('base64url')}">
  <div class="row">
  <div><label for="campaign-name">Name</label><input id="campaign-name" name="name" required maxlength="200"></div>
  <div><label for="campaign-template">Template</label><select id="campaign-template" name="template">${approved.map((t) => {
          const variables = toTemplateView(t).variables.map((v) => v.key)
          return html`<option value="${t.name}|${t.language}">${t.name} (${t.language})${variables.length === 0 ? '' : ` — values: ${variables.join(', ')}`}</option>`
        })}</select></div></div>
  <label for="campaign-recipients">Recipients: one per line, the phone number then the template's values, separated by commas</label>
  <textarea id="campaign-recipients" name="recipients" required aria-describedby="recipients-help"></textarea>
  <p id="recipients-help" class="muted">Example: <code>+14155550101</code> or, for a template with a name value, <code>+14155550101, Ada</code>. Up to ${MAX_FORM_RECIPIENTS} lines; use the Sheets add-on for more.</p>
  <p><button type="submit">Send campaign now</button></p>
</form>`
    return reply.sendPage({
      title: 'Campaigns',
      nav: 'campaigns',
      notice: noticeOf(request.query.notice),
      body: html`<table><caption>Campaigns, newest first</caption>
<thead><tr><th scope="col">Name</th><th scope="col">State</th><th scope="col">Template</th><th scope="col">Recipients</th><th scope="col">Sent</th><th scope="col">Failed</th><th scope="col">Created</th></tr></thead>
<tbody>${rows.length === 0 ? html`<tr><td colspan="7">No campaigns yet.</td></tr>` : rows}</tbody></table>
<h2 id="new-campaign-h">New campaign</h2>${form}`,
    })
  })

  app.post('/app/campaigns', {
    schema: { hide: true, body: NewCampaignSchema },
    config: { access: { scope: 'crm:write' } },
  }, async (request, reply) => {
    const auth = authOf(request)
    const ws = auth.workspaceId
    const [name, language] = request.body.template.split('|')
    if (name === undefined || language === undefined) throw new SwitchboardError('SB_VALIDATION', 'template')
    const template = await templates.find(ws, name, language)
    if (template === undefined) throw new SwitchboardError('SB_WHATSAPP_TEMPLATE_NOT_FOUND', 'template')
    const keys = toTemplateView(template).variables.map((v) => v.key)
    const lines = request.body.recipients.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '')
    if (lines.length === 0 || lines.length > MAX_FORM_RECIPIENTS) throw new SwitchboardError('SB_VALIDATION', 'recipients')
    const rows = lines.map((line, i) => {
      const [phone = '', ...values] = line.split(',').map((v) => v.trim())
      return { rowKey: `line-${i + 1}`, phone, variables: Object.fromEntries(keys.flatMap((key, k) => values[k] === undefined ? [] : [[key, values[k]]])) }
    })
    const send = async (): Promise<{ status: number, body: { campaignId: string } }> => {
      const campaign = await campaigns.create(ws, { name: request.body.name.trim(), template: { name, language }, source: 'web' }, auth.userId)
      await campaigns.submit(ws, campaign.id, rows, false)
      const started = await campaigns.start(ws, campaign.id, undefined)
      // As the API audits it: who started which campaign, when, from where; never the rows.
      await audit.record(ws, { action: 'campaign.started', actorUserId: auth.userId, actorTokenId: auth.tokenId, targetType: 'campaign', targetId: started.id, ip: request.ip, details: { state: started.state, scheduled: false } })
      return { status: 303, body: { campaignId: campaign.id } }
    }
    const { submission, _csrf: _token, ...form } = request.body
    // The API's idempotency store: the same form posted twice answers with the first campaign.
    const result = submission === undefined ? await send() : await idempotency.run(ws, submission, 'web:POST /app/campaigns', form, send)
    return seeOther(reply, `/app/campaigns/${result.body.campaignId}?notice=campaign-started`)
  })

  app.get('/app/campaigns/:id', {
    schema: { hide: true, params: IdParamsSchema, querystring: Type.Object({ ...NoticeQuery }) },
    config: { access: { scope: 'crm:read' } },
  }, async (request, reply) => {
    const ws = authOf(request).workspaceId
    const campaign = await campaigns.get(ws, request.params.id)
    const recipients = await campaigns.recipients(ws, campaign.id, { limit: 200 })
    // A completed campaign still hears delivered and read statuses from Meta's webhooks, so
    // the page stays live until no recipient is waiting on one (or an hour has passed).
    const settled = campaign.counts.pending + campaign.counts.sending + campaign.counts.sent === 0 ||
      (campaign.completedAt !== null && Date.now() - Date.parse(campaign.completedAt) > 3_600_000)
    const final = campaign.state === 'cancelled' || (FINAL_STATES.has(campaign.state) && settled)
    const csrf = request.csrfToken()
    const action = (verb: 'pause' | 'resume' | 'cancel', label: string, style: string) =>
      html`<form method="post" action="/app/campaigns/${campaign.id}/${verb}" class="inline">${csrfField(csrf)}<button type="submit" class="${style}">${label}</button></form> `
    const actions = [
      campaign.state === 'running' || campaign.state === 'scheduled' ? action('pause', 'Pause', 'secondary') : '',
      campaign.state === 'paused' ? action('resume', 'Resume', '') : '',
      FINAL_STATES.has(campaign.state) ? '' : action('cancel', 'Cancel campaign', 'danger'),
    ]
    const rows = recipients.map((r) => html`<tr><td>${r.phone}</td><td data-status="${r.status}">${r.status}</td><td>${r.reason ?? ''}</td><td>${when(r.sentAt)}</td><td>${when(r.deliveredAt)}</td><td>${when(r.readAt)}</td><td>${r.replyText ?? ''}</td></tr>`)
    return reply.sendPage({
      title: `Campaign: ${campaign.name}`,
      nav: 'campaigns',
      notice: noticeOf(request.query.notice),
      scripts: final ? [] : ['/app/assets/live.js'],
      body: html`<p>Template <strong>${campaign.templateName}</strong> (${campaign.templateLanguage}) · started ${when(campaign.startedAt)}</p>
<div id="live-state" data-live data-final="${final ? 'true' : 'false'}" aria-live="polite">
<p>State: <strong id="campaign-state">${campaign.state}</strong>${campaign.stateReason === null ? '' : html` <span class="muted">(${campaign.stateReason})</span>`}${final ? '' : html` <span class="muted">· updates by itself; <a href="/app/campaigns/${campaign.id}">reload</a> if it does not</span>`}</p>
<ul class="counters" aria-label="Counters">${COUNTERS.map((k) => html`<li><strong data-counter="${k}">${campaign.counts[k]}</strong>${k}</li>`)}</ul>
</div>
<div id="live-actions" data-live data-state="${campaign.state}">${actions}</div>
<div id="live-recipients" data-live>
<table><caption>Recipients (first 200, in the order submitted)</caption>
<thead><tr><th scope="col">Phone</th><th scope="col">Status</th><th scope="col">Reason</th><th scope="col">Sent</th><th scope="col">Delivered</th><th scope="col">Read</th><th scope="col">Reply</th></tr></thead>
<tbody>${rows.length === 0 ? html`<tr><td colspan="7">No recipients.</td></tr>` : rows}</tbody></table></div>
<p><a href="/app/campaigns">All campaigns</a></p>`,
    })
  })

  for (const verb of ['pause', 'resume', 'cancel'] as const) {
    app.post(`/app/campaigns/:id/${verb}`, {
      schema: { hide: true, params: IdParamsSchema },
      config: { access: { scope: 'crm:write' } },
    }, async (request, reply) => {
      const auth = authOf(request)
      const id = request.params.id
      if (verb === 'pause') await campaigns.pause(auth.workspaceId, id, 'paused by a user')
      if (verb === 'resume') await campaigns.resume(auth.workspaceId, id)
      if (verb === 'cancel') {
        const cancelled = await campaigns.cancel(auth.workspaceId, id)
        await audit.record(auth.workspaceId, { action: 'campaign.cancelled', actorUserId: auth.userId, actorTokenId: auth.tokenId, targetType: 'campaign', targetId: cancelled.id, ip: request.ip, details: {} })
      }
      const done = { pause: 'campaign-paused', resume: 'campaign-resumed', cancel: 'campaign-cancelled' }[verb]
      return seeOther(reply, `/app/campaigns/${id}?notice=${done}`)
    })
  }
}

export default campaignPages
