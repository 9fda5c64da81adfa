import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { IdParamsSchema } from '../common-schemas.js'
import { SwitchboardError } from '../errors.js'
import { authOf } from '../plugins/app/auth.js'
import { roleAtLeast } from '../identity/access.js'
import { decideUserAction } from '../identity/user-actions.js'
import { csrfField, html } from './html.js'
import { CsrfField, noticeOf, NoticeQuery, seeOther } from './page-helpers.js'

const ExportFormSchema = Type.Object({ kind: Type.Union([Type.Literal('user'), Type.Literal('workspace')]), ...CsrfField })
// The box must be ticked: erasure cannot be undone, so the form asks once more.
const EraseFormSchema = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), confirm: Type.Literal('yes'), ...CsrfField })
const DeletionQuerySchema = Type.Object({ code: Type.String({ minLength: 8, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) })

/**
 * The Privacy page: what the generated /privacy and /data-deletion pages promise the web app
 * does. Export your data or (admins) the workspace, with progress and a download; erase a
 * contact or close a user (admins, with a confirmation, under the same rules as the API);
 * look up a deletion request's status by its confirmation code.
 */
const privacyPages: FastifyPluginAsyncTypebox = async (app) => {
  const { exports, erasure, users } = app.services
  const { contacts } = app.services.crm

  app.get('/app/privacy', {
    schema: { hide: true, querystring: Type.Object({ ...NoticeQuery }) },
    config: { access: { scope: 'crm:read' } },
  }, async (request, reply) => {
    const auth = authOf(request)
    const admin = auth.scopes.has('admin')
    const csrf = request.csrfToken()
    const jobs = await exports.listRequestedBy(auth.workspaceId, auth.userId)
    const building = jobs.some((j) => j.status === 'queued' || j.status === 'building')
    const jobRows = jobs.map((j) => html`<tr><td>${j.kind === 'workspace' ? 'Whole workspace' : 'My data'}</td><td>${j.createdAt.slice(0, 16).replace('T', ' ')}</td>
<td>${j.status === 'ready'
    ? html`<a href="/app/privacy/exports/${j.id}/download" download>Download (${Math.ceil((j.sizeBytes ?? 0) / 1024)} KiB)</a>`
    : j.status === 'failed' ? 'Failed; ask again' : html`<label for="progress-${j.id}">Preparing</label> <progress id="progress-${j.id}" max="100" value="${j.progress}">${j.progress}%</progress>`}</td></tr>`)
    const team = admin ? (await users.list(auth.workspaceId)).filter((u) => !u.email.endsWith('@erased.invalid')) : []
    const erasable = team.filter((u) => u.id !== auth.userId && decideUserAction(auth, u, 'erase').allowed)
    const people = admin ? (await contacts.list(auth.workspaceId, { limit: 100 })).items : []
    return reply.sendPage({
      title: 'Privacy',
      nav: 'privacy',
      notice: noticeOf(request.query.notice),
      ...(building ? { refreshSeconds: 2 } : {}),
      body: html`<h2 id="export-h">Export</h2>
<p>One JSON archive (each table also as CSV) of ${admin ? 'your own data, or the whole workspace' : 'your own data'}; built in the background, kept for the export period.</p>
<form method="post" action="/app/privacy/exports" class="row" aria-labelledby="export-h">${csrfField(csrf)}
  <div><label for="export-kind">What</label><select id="export-kind" name="kind"><option value="user">My data</option>${admin ? html`<option value="workspace">The whole workspace</option>` : ''}</select></div>
  <button type="submit">Export</button></form>
<table><caption>Your exports</caption><thead><tr><th scope="col">Of</th><th scope="col">Asked at (UTC)</th><th scope="col">Status</th></tr></thead>
<tbody>${jobRows.length === 0 ? html`<tr><td colspan="3">None yet.</td></tr>` : jobRows}</tbody></table>
${admin
    ? html`<h2 id="erase-contact-h">Erase a contact</h2>
<p>Deletes their messages, timeline, logged emails and campaign rows. This cannot be undone.</p>
<form method="post" action="/app/privacy/erase-contact" aria-labelledby="erase-contact-h">${csrfField(csrf)}
  <div class="row"><div><label for="erase-contact">Contact</label><select id="erase-contact" name="id" required>${people.map((c) => html`<option value="${c.id}">${c.name}</option>`)}</select></div>
  <div><input type="checkbox" id="erase-contact-confirm" name="confirm" value="yes" required> <label for="erase-contact-confirm" style="display:inline">I understand this erases the contact for good</label></div>
  <button type="submit" class="danger">Erase</button></div></form>
<h2 id="erase-user-h">Close a user</h2>
<p>Their name and email are removed, their sign-ins and tokens deleted; the audit log keeps only an id. You can close people of your role or below.</p>
<form method="post" action="/app/privacy/erase-user" aria-labelledby="erase-user-h">${csrfField(csrf)}
  <div class="row"><div><label for="erase-user">User</label><select id="erase-user" name="id" required>${erasable.map((u) => html`<option value="${u.id}">${u.displayName} (${u.role})</option>`)}</select></div>
  <div><input type="checkbox" id="erase-user-confirm" name="confirm" value="yes" required> <label for="erase-user-confirm" style="display:inline">I understand this closes the user for good</label></div>
  <button type="submit" class="danger">Erase user</button></div></form>`
    : html`<p class="muted">Admins erase contacts and close users.</p>`}
<h2 id="deletion-h">Deletion requests</h2>
<p>A workspace deletion or a request from Facebook gets a confirmation code; its status page says what was deleted and when.</p>
<form method="get" action="/app/privacy/deletion" class="row" aria-labelledby="deletion-h">
  <div><label for="deletion-code">Confirmation code</label><input id="deletion-code" name="code" required minlength="8" maxlength="64" pattern="[A-Za-z0-9_\\-]+"></div>
  <button type="submit">Show status</button></form>`,
    })
  })

  app.post('/app/privacy/exports', {
    schema: { hide: true, body: ExportFormSchema },
    config: { access: { scope: 'crm:read' } },
  }, async (request, reply) => {
    const auth = authOf(request)
    // As in the API: the workspace's data is for admins with an admin-scoped credential.
    if (request.body.kind === 'workspace' && (!roleAtLeast(auth.role, 'admin') || !auth.scopes.has('admin'))) throw new SwitchboardError('SB_AUTH_ROLE_FORBIDDEN')
    await exports.request(auth.workspaceId, { kind: request.body.kind, userId: auth.userId, ip: request.ip })
    return seeOther(reply, '/app/privacy?notice=export-requested')
  })

  app.get('/app/privacy/exports/:id/download', {
    schema: { hide: true, params: IdParamsSchema },
    config: { access: { scope: 'crm:read' } },
  }, async (request, reply) => {
    const auth = authOf(request)
    const archive = await exports.downloadOwn(auth.workspaceId, request.params.id, { userId: auth.userId, ip: request.ip })
    return reply.headers({ 'content-type': 'application/json', 'content-disposition': `attachment; filename="switchboard-export-${request.params.id}.json"`, 'cache-control': 'no-store' }).send(archive)
  })

  app.post('/app/privacy/erase-contact', {
    schema: { hide: true, body: EraseFormSchema },
    config: { access: { scope: 'admin' } },
  }, async (request, reply) => {
    const auth = authOf(request)
    await erasure.eraseContact(auth.workspaceId, request.body.id, { userId: auth.userId, ip: request.ip })
    return seeOther(reply, '/app/privacy?notice=contact-erased')
  })

  app.post('/app/privacy/erase-user', {
    schema: { hide: true, body: EraseFormSchema },
    config: { access: { scope: 'admin' } },
  }, async (request, reply) => {
    const auth = authOf(request)
    // The one user-action rule decides inside eraseUser, as for the API.
    await erasure.eraseUser(auth.workspaceId, request.body.id, { userId: auth.userId, ip: request.ip, role: auth.role })
    return seeOther(reply, '/app/privacy?notice=user-erased')
  })

  app.get('/app/privacy/deletion', {
    schema: { hide: true, querystring: DeletionQuerySchema },
    config: { access: { scope: 'crm:read' } },
  }, async (request, reply) => seeOther(reply, `/data-deletion/status/${encodeURIComponent(request.query.code)}`))
}

export default privacyPages
