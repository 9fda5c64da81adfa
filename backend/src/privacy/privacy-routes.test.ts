import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { addUser, bearer, buildTestApp, createWorkspace, type TestApp, type TestWorkspace } from '../../test/helper.js'
import { DATA_CATEGORIES, INVENTORY_TABLES } from './data-inventory.js'
import { signRequest } from './deletion-requests.js'
import { WORKSPACE_TABLES } from './erasure.js'
import { LIMITED_USE_DISCLOSURE, manifestScopes, renderScopesPage, SCOPE_JUSTIFICATIONS } from './policy-pages.js'
import { RETENTION_POLICIES } from './retention-policies.js'

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE'

function client (t: TestApp, ws: TestWorkspace) {
  return async (method: Method, url: string, payload?: object, token = ws.token) => {
    const r = await t.app.inject({ method, url: `/api/v1${url}`, headers: bearer(token), ...(payload === undefined ? {} : { payload }) })
    return { status: r.statusCode, body: r.body === '' ? null : r.headers['content-type']?.toString().startsWith('application/json') === true ? r.json() : r.body, raw: r }
  }
}

describe('published pages', () => {
  it('/privacy names every inventory category, every retention period, the Limited Use disclosure and no forbidden use', async () => {
    const t = await buildTestApp()
    const r = await t.app.inject({ method: 'GET', url: '/privacy' })
    expect(r.statusCode).toBe(200)
    expect(r.headers['content-type']).toContain('text/html')
    for (const c of Object.values(DATA_CATEGORIES)) expect(r.body).toContain(c.label)
    for (const p of Object.values(RETENTION_POLICIES)) expect(r.body).toContain(p.label.replace(/&/g, '&amp;'))
    expect(r.body).toContain(LIMITED_USE_DISCLOSURE)
    expect(LIMITED_USE_DISCLOSURE.replace(/<[^>]+>/g, '').length).toBeLessThan(500)
    expect(r.body).toContain('30 days')
  })

  it('/scopes lists every scope of every add-on manifest, each with a justification', async () => {
    const addons = manifestScopes()
    expect(addons.map((a) => a.addon)).toEqual(['Gmail add-on', 'Google Sheets add-on', 'Outlook add-in'])
    for (const { addon, scopes } of addons) {
      expect(scopes.length, addon).toBeGreaterThan(0)
      for (const scope of scopes) expect(SCOPE_JUSTIFICATIONS[scope], `${addon}: ${scope}`).toBeDefined()
    }
    const t = await buildTestApp()
    const r = await t.app.inject({ method: 'GET', url: '/scopes' })
    expect(r.statusCode).toBe(200)
    expect(r.body).not.toContain('NO JUSTIFICATION')
    expect(r.body).toContain('https://www.googleapis.com/auth/spreadsheets')
    expect((await t.app.inject({ method: 'GET', url: '/data-deletion' })).statusCode).toBe(200)
  })
})

describe('scopes from the built manifests', () => {
  it('prefers dist/ over manifests/, and a scope without a justification shows (and fails the check)', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-scopes-'))
    onTestFinished(() => fs.rmSync(root, { recursive: true, force: true }))
    fs.mkdirSync(path.join(root, 'dist', 'gmail-addon'), { recursive: true })
    fs.writeFileSync(path.join(root, 'dist', 'gmail-addon', 'appsscript.json'), JSON.stringify({ oauthScopes: ['openid', 'https://mail.google.com/'] }))
    const addons = manifestScopes(root)
    expect(addons).toEqual([{ addon: 'Gmail add-on', scopes: ['openid', 'https://mail.google.com/'] }])
    expect(renderScopesPage(addons)).toContain('NO JUSTIFICATION RECORDED')
  })
})

describe('Meta data deletion callback', () => {
  const form = (signed: string) => ({ method: 'POST' as const, url: '/meta/data-deletion', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `signed_request=${encodeURIComponent(signed)}` })

  it('verifies the signed_request, answers a status URL and confirmation code, and the URL shows the status', async () => {
    const t = await buildTestApp({}, { sandbox: true })
    const secret = t.app.services.whatsapp.runtime.appSecret!
    const r = await t.app.inject(form(signRequest({ algorithm: 'HMAC-SHA256', user_id: '218471', issued_at: 1_700_000_000 }, secret)))
    expect(r.statusCode, r.body).toBe(200)
    const { url, confirmation_code: code } = r.json()
    expect(url).toBe(`${t.config.publicUrl}/data-deletion/status/${code}`)
    const status = await t.app.inject({ method: 'GET', url: new URL(url).pathname })
    expect(status.statusCode).toBe(200)
    expect(status.body).toContain('completed')
    // The receipt names nobody: the Facebook user id is stored only as a digest.
    const rows = await t.store.db.selectFrom('deletion_requests').selectAll().execute()
    expect(JSON.stringify(rows)).not.toContain('218471')
    expect(JSON.stringify(rows)).not.toContain(code)
  })

  it.each([
    { description: 'signed with another secret', signed: (s: string) => signRequest({ algorithm: 'HMAC-SHA256', user_id: '1' }, s + 'x') },
    { description: 'another algorithm', signed: (s: string) => signRequest({ algorithm: 'HMAC-SHA1', user_id: '1' }, s) },
    { description: 'no user id', signed: (s: string) => signRequest({ algorithm: 'HMAC-SHA256' }, s) },
    { description: 'a payload edited after signing', signed: (s: string) => signRequest({ algorithm: 'HMAC-SHA256', user_id: '1' }, s).split('.')[0] + '.' + Buffer.from('{"algorithm":"HMAC-SHA256","user_id":"2"}').toString('base64url') },
    { description: 'no dot', signed: () => 'abcdef' },
    { description: 'not base64url', signed: () => '!!!.???' },
  ])('refuses a signed_request with $description, in the stable shape, storing nothing', async ({ signed }) => {
    const t = await buildTestApp({}, { sandbox: true })
    const r = await t.app.inject(form(signed(t.app.services.whatsapp.runtime.appSecret!)))
    expect(r.statusCode).toBe(400)
    expect(r.json()).toMatchObject({ code: 'SB_PRIVACY_SIGNED_REQUEST_INVALID', field: 'signed_request' })
    expect(await t.store.db.selectFrom('deletion_requests').selectAll().execute()).toEqual([])
  })

  it('answers a missing field with SB_VALIDATION and an unknown code with 404', async () => {
    const t = await buildTestApp({}, { sandbox: true })
    const missing = await t.app.inject({ method: 'POST', url: '/meta/data-deletion', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'other=1' })
    expect(missing.statusCode).toBe(400)
    expect(missing.json().code).toBe('SB_VALIDATION')
    const unknown = await t.app.inject({ method: 'GET', url: '/data-deletion/status/AAAAAAAAAAAAAAAA' })
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json().code).toBe('SB_PRIVACY_DELETION_NOT_FOUND')
  })
})

describe('retention settings and support consents over HTTP', () => {
  it('lists periods, changes one within bounds, refuses out-of-bounds in the stable shape', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const api = client(t, ws)
    const list = await api('GET', '/privacy/retention')
    expect(list.body.items.find((i: { key: string }) => i.key === 'whatsapp_message_bodies')).toMatchObject({ days: 30, editable: true })
    expect((await api('PATCH', '/privacy/retention/whatsapp_message_bodies', { days: 14 })).body.items.find((i: { key: string }) => i.key === 'whatsapp_message_bodies').days).toBe(14)
    expect(await api('PATCH', '/privacy/retention/audit_log', { days: 10 })).toMatchObject({ status: 400, body: { code: 'SB_VALIDATION', field: 'days' } })
    expect(await api('PATCH', '/privacy/retention/webhook_inbox', { days: 10 })).toMatchObject({ status: 400, body: { code: 'SB_VALIDATION' } })
    expect(await api('PATCH', '/privacy/retention/whatsapp_message_bodies', { days: '14' })).toMatchObject({ status: 400, body: { code: 'SB_VALIDATION' } })
  })

  it('grants, lists and revokes a consent; refuses records of another workspace and bad input', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const api = client(t, ws)
    const contact = (await api('POST', '/contacts', { name: 'Ada' })).body
    const note = (await api('POST', '/activities', { type: 'note', body: 'Called', contactId: contact.id })).body
    const granted = await api('POST', '/privacy/support-consents', { records: [{ type: 'activity', id: note.id }], hours: 4 })
    expect(granted.status).toBe(201)
    expect((await api('GET', '/privacy/support-consents')).body.items).toHaveLength(1)
    expect((await api('POST', `/privacy/support-consents/${granted.body.id}/revoke`)).body.revokedAt).toEqual(expect.any(String))
    const other = await createWorkspace(t, 'Bravo')
    expect(await client(t, other)('POST', '/privacy/support-consents', { records: [{ type: 'activity', id: note.id }] })).toMatchObject({ status: 404, body: { code: 'SB_PRIVACY_RECORD_NOT_FOUND', field: 'records/0' } })
    expect(await api('POST', '/privacy/support-consents', { records: [] })).toMatchObject({ status: 400, body: { code: 'SB_VALIDATION' } })
    // An agent consents for what they brought in, not for a colleague's logged email or note.
    const agent = await addUser(t, ws, 'agent')
    expect(await api('POST', '/privacy/support-consents', { records: [{ type: 'activity', id: note.id }] }, agent.token)).toMatchObject({ status: 403, body: { code: 'SB_AUTH_ROLE_FORBIDDEN', field: 'records/0' } })
    const own = (await api('POST', '/activities', { type: 'note', body: 'Mine', contactId: contact.id }, agent.token)).body
    expect((await api('POST', '/privacy/support-consents', { records: [{ type: 'activity', id: own.id }] }, agent.token)).status).toBe(201)
    expect(await api('POST', '/privacy/support-consents', { records: [{ type: 'activity', id: note.id }], hours: 1000 })).toMatchObject({ status: 400, body: { code: 'SB_VALIDATION' } })
    expect(await api('POST', '/privacy/support-consents/cns_01jzzzzzzzzzzzzzzzzzzzzzzz/revoke')).toMatchObject({ status: 404, body: { code: 'SB_PRIVACY_CONSENT_NOT_FOUND' } })
    expect((await t.store.db.selectFrom('support_consents').selectAll().execute())).toHaveLength(2)
  })
})

describe('support staff access over HTTP', () => {
  it('reads exactly the consented records with a staff token; everything else is refused and audited', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const api = client(t, ws)
    const contact = (await api('POST', '/contacts', { name: 'Ada' })).body
    const logged = (await api('POST', '/emails/log', { email: { subject: 'Specs', from: 'ada@analytical.example', to: ['s@acme.example'], date: '2026-11-20T10:15:42Z', body: 'Engine body' }, contactId: contact.id, client: 'gmail' })).body
    const other = (await api('POST', '/activities', { type: 'note', body: 'Private', contactId: contact.id })).body
    const consent = (await api('POST', '/privacy/support-consents', { records: [{ type: 'activity', id: logged.activity.id }], hours: 2 })).body
    const staff = await t.app.services.supportAccess.createStaff('Sam')
    const read = (token: string, records: Array<{ type: string, id: string }>) => t.app.inject({
      method: 'POST', url: '/support/v1/records', headers: bearer(token), payload: { workspaceId: ws.workspaceId, consentId: consent.id, reason: 'ticket 77', records },
    })
    const ok = await read(staff.token, [{ type: 'activity', id: logged.activity.id }])
    expect(ok.statusCode, ok.body).toBe(200)
    expect(ok.json().records[0]).toMatchObject({ id: logged.activity.id, origin: 'google', fields: { body: 'Engine body' } })
    expect((await read(staff.token, [{ type: 'activity', id: other.id }])).json()).toMatchObject({ code: 'SB_PRIVACY_CONSENT_REQUIRED' })
    // A customer's own token is not a staff token.
    expect((await read(ws.token, [{ type: 'activity', id: logged.activity.id }])).statusCode).toBe(401)
    expect((await read(staff.token, [])).json()).toMatchObject({ code: 'SB_VALIDATION' })
    // Another workspace id (made up) is refused, and leaves no audit chain behind.
    const madeUp = 'ws_01jzzzzzzzzzzzzzzzzzzzzzzz'
    const elsewhere = await t.app.inject({ method: 'POST', url: '/support/v1/records', headers: bearer(staff.token), payload: { workspaceId: madeUp, consentId: consent.id, reason: 'ticket 77', records: [{ type: 'activity', id: logged.activity.id }] } })
    expect(elsewhere.json()).toMatchObject({ code: 'SB_PRIVACY_CONSENT_REQUIRED' })
    expect(await t.store.db.selectFrom('audit_events').select('id').where('workspace_id', '=', madeUp).execute()).toEqual([])
    const events = (await t.app.services.audit.list(ws.workspaceId, { limit: 20 })).map((e) => e.action)
    expect(events).toEqual(expect.arrayContaining(['privacy.support_access', 'privacy.access_refused', 'privacy.consent_granted']))
  })
})

describe('export', () => {
  it('builds a workspace archive in the background, downloads it with the link token, audited, without credentials', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const api = client(t, ws)
    await api('POST', '/contacts', { name: 'Ada Export', emails: ['ada@export.example'] })
    await api('POST', '/contacts', { name: '=HYPERLINK("http://evil.example")' })
    const requested = await api('POST', '/privacy/exports', { kind: 'workspace' })
    expect(requested.status).toBe(202)
    const { job, downloadUrl } = requested.body
    let current = job
    for (let i = 0; i < 50 && current.status !== 'ready'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      current = (await api('GET', `/privacy/exports/${job.id}`)).body
    }
    expect(current).toMatchObject({ status: 'ready', progress: 100 })
    const downloadPath = new URL(downloadUrl).pathname + new URL(downloadUrl).search
    const download = await t.app.inject({ method: 'GET', url: downloadPath, headers: bearer(ws.token) })
    expect(download.statusCode).toBe(200)
    expect(download.headers['content-disposition']).toContain('attachment')
    const archive = download.json()
    expect(archive.tables.contacts.map((c: { name: string }) => c.name)).toContain('Ada Export')
    expect(archive.tables.contact_emails).toEqual([expect.objectContaining({ email: 'ada@export.example' })])
    expect(download.body).not.toMatch(/password_hash|token_hash|access_token/)
    expect(archive.csv.contacts.split('\r\n')[0]).toContain('"name"')
    expect(archive.csv.contacts).toContain('"Ada Export"')
    expect(archive.csv.contacts).toContain('"\'=HYPERLINK(""http://evil.example"")"')
    const wrong = await api('GET', `/privacy/exports/${job.id}/download?token=sbx_wrongwrongwrongwrong`)
    expect(wrong).toMatchObject({ status: 404, body: { code: 'SB_PRIVACY_EXPORT_NOT_FOUND' } })
    const actions = (await t.app.services.audit.list(ws.workspaceId, { limit: 10 })).map((e) => e.action)
    expect(actions).toEqual(expect.arrayContaining(['privacy.export_requested', 'privacy.export_downloaded']))
  })

  it('gives an agent their own data but not the workspace\'s', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const agent = await addUser(t, ws, 'agent')
    const api = client(t, ws)
    expect(await api('POST', '/privacy/exports', { kind: 'workspace' }, agent.token)).toMatchObject({ status: 403, body: { code: 'SB_AUTH_ROLE_FORBIDDEN' } })
    await api('POST', '/contacts', { name: 'Someone Else' })
    const own = await api('POST', '/privacy/exports', { kind: 'user' }, agent.token)
    expect(own.status).toBe(202)
    let job = own.body.job
    for (let i = 0; i < 50 && job.status !== 'ready'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      job = (await api('GET', `/privacy/exports/${job.id}`, undefined, agent.token)).body
    }
    const url = new URL(own.body.downloadUrl)
    const archive = (await t.app.inject({ method: 'GET', url: url.pathname + url.search, headers: bearer(agent.token) })).json()
    expect(archive.kind).toBe('user')
    expect(archive.tables.users.map((u: { id: string }) => u.id)).toEqual([agent.userId])
    expect(archive.tables.contacts).toBeUndefined()
    expect(JSON.stringify(archive)).not.toContain('Someone Else')
    expect(await api('POST', '/privacy/exports', { kind: 'everything' })).toMatchObject({ status: 400, body: { code: 'SB_VALIDATION' } })
  })
})

describe('erasure', () => {
  it('erases a contact: messages, activities, logged emails gone; campaign rows de-identified', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const api = client(t, ws)
    const contact = (await api('POST', '/contacts', { name: 'Grace', emails: ['grace@navy.example'], phones: ['+14155550199'] })).body
    await api('POST', '/emails/log', { email: { subject: 'Compilers', from: 'grace@navy.example', to: ['sales@acme.example'], date: '2026-11-20T10:15:42Z', body: 'COBOL' }, contactId: contact.id, client: 'gmail' })
    const db = t.store.db
    const at = new Date().toISOString()
    await db.insertInto('wa_messages').values({ id: 'msg_01jtest0000000000000000001', workspace_id: ws.workspaceId, contact_id: contact.id, phone_number_id: 'pn', direction: 'in', wamid: 'wamid.g1', wa_id: '14155550199', type: 'text', body: 'hello', template_name: null, template_language: null, status: 'received', status_at: at, error_code: null, error_title: null, context_wamid: null, author_user_id: null, source: 'whatsapp', created_at: at } as never).execute()
    await db.insertInto('wa_status_events').values({ wamid: 'wamid.g1', status: 'read', phone_number_id: 'pn', recipient_id: '14155550199', occurred_at: at, error_code: null, error_title: null, biz_opaque_callback_data: null, applied: 1, received_at: at }).execute()
    await db.insertInto('campaigns').values({ id: 'cmp_01jtest0000000000000000001', workspace_id: ws.workspaceId, name: 'c', template_name: 't', template_language: 'en', template_category: 'UTILITY', variable_mapping: '{}', phone_number_id: 'pn', state: 'completed', state_reason: null, schedule_at: null, source: 'sheets', created_by: null, started_at: null, completed_at: null, created_at: at, updated_at: at } as never).execute()
    await db.insertInto('campaign_recipients').values({ id: 'rcp_01jtest0000000000000000001', workspace_id: ws.workspaceId, campaign_id: 'cmp_01jtest0000000000000000001', row_key: 'r1', phone: '+14155550199', contact_id: contact.id, variables: '{"1":"Grace"}', status: 'delivered', wamid: null, message_id: null, error_code: null, reason: null, next_attempt_at: at, lease_owner: null, lease_until: null, sent_at: at, delivered_at: at, read_at: null, failed_at: null, replied_at: null, reply_text: 'thanks', change_seq: 1, created_at: at, updated_at: at } as never).execute()

    const erased = await api('POST', `/privacy/erasure/contacts/${contact.id}`)
    // Driven by the inventory: no table with a contact_id column still points at the contact.
    for (const [table, decl] of INVENTORY_TABLES) {
      if (!('contact_id' in decl.columns)) continue
      expect(await db.selectFrom(table as 'contacts').selectAll().where('contact_id' as never, '=', contact.id).execute(), table).toEqual([])
    }
    expect(erased.status).toBe(200)
    expect(erased.body.erased).toMatchObject({ messages: 1, campaignRows: 1, statusEvents: 1, activities: 1, emailLogs: 1 })
    const everything = JSON.stringify(await Promise.all(['contacts', 'contact_emails', 'contact_phones', 'activities', 'email_logs', 'wa_messages', 'wa_status_events', 'campaign_recipients'].map((table) => db.selectFrom(table as 'contacts').selectAll().execute())))
    for (const trace of [contact.id, 'grace@navy.example', '14155550199', 'Grace', 'COBOL', 'thanks']) expect(everything, trace).not.toContain(trace)
    expect((await db.selectFrom('campaign_recipients').select('status').execute())).toEqual([{ status: 'delivered' }])
    expect(await api('POST', `/privacy/erasure/contacts/${contact.id}`)).toMatchObject({ status: 404, body: { code: 'SB_CONTACT_NOT_FOUND' } })
    expect(await t.app.services.audit.verify(ws.workspaceId)).toMatchObject({ brokenAtSeq: null })
  })

  it('closes a user: name and email gone, tokens deleted, the last owner refused', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const agent = await addUser(t, ws, 'agent')
    const api = client(t, ws)
    expect((await api('POST', `/privacy/erasure/users/${agent.userId}`)).status).toBe(204)
    const row = await t.store.db.selectFrom('users').selectAll().where('id', '=', agent.userId).executeTakeFirstOrThrow()
    expect(row).toMatchObject({ display_name: 'Erased user', status: 'deactivated', password_hash: null })
    expect(row.email).not.toContain(agent.email)
    expect(await t.store.db.selectFrom('api_tokens').selectAll().where('user_id', '=', agent.userId).execute()).toEqual([])
    expect((await api('GET', '/me', undefined, agent.token)).status).toBe(401)
    expect(await api('POST', `/privacy/erasure/users/${ws.ownerId}`)).toMatchObject({ status: 409, body: { code: 'SB_USER_LAST_OWNER' } })
    expect(await t.app.services.audit.verify(ws.workspaceId)).toMatchObject({ brokenAtSeq: null })
  })

  it('deletes a whole workspace, leaves no row of it anywhere, keeps the other intact, and shows the receipt', async () => {
    const t = await buildTestApp()
    const a = await createWorkspace(t, 'Acme')
    const b = await createWorkspace(t, 'Bravo')
    const api = client(t, a)
    const contact = (await api('POST', '/contacts', { name: 'Ada', emails: ['ada@acme.example'] })).body
    await api('POST', '/emails/log', { email: { subject: 'x', from: 'ada@acme.example', to: ['s@acme.example'], date: '2026-11-20T10:15:42Z' }, contactId: contact.id, client: 'outlook' })
    await api('POST', '/privacy/exports', { kind: 'workspace' })
    await t.store.db.insertInto('whatsapp_connections').values({ id: 'wac_01jtest0000000000000000001', workspace_id: a.workspaceId, mode: 'sandbox', business_id: null, waba_id: null, access_token: null, status: 'connected', signup_step: null, signup_error: null, created_at: new Date().toISOString(), updated_at: new Date().toISOString() }).execute()
    await t.store.db.insertInto('whatsapp_numbers').values({ id: '106540352242922', workspace_id: a.workspaceId, connection_id: 'wac_01jtest0000000000000000001', display_phone_number: '+1 555 0100', verified_name: null, quality_rating: null, messaging_limit_tier: null, throughput_level: null, throughput_per_second: 80, registered: 1, coexistence: 0, status: 'active', paused_reason: null, paused_at: null, updated_at: new Date().toISOString() }).execute()
    await t.store.db.insertInto('webhook_inbox').values([
      { received_at: new Date().toISOString(), body: '{"entry":[{"changes":[{"value":{"metadata":{"phone_number_id":"106540352242922"},"messages":[{"text":{"body":"hi"}}]}}]}]}', processed_at: null, attempts: 0, last_error: null },
      { received_at: new Date().toISOString(), body: '{"entry":[{"changes":[{"value":{"metadata":{"phone_number_id":"999"}}}]}]}', processed_at: null, attempts: 0, last_error: null },
    ] as never).execute()
    expect(await api('POST', '/privacy/erasure/workspace', { confirm: 'yes' })).toMatchObject({ status: 400, body: { code: 'SB_VALIDATION' } })
    const admin = await addUser(t, a, 'admin')
    expect(await api('POST', '/privacy/erasure/workspace', { confirm: 'delete everything' }, admin.token)).toMatchObject({ status: 403, body: { code: 'SB_AUTH_ROLE_FORBIDDEN' } })
    const erased = await api('POST', '/privacy/erasure/workspace', { confirm: 'delete everything' })
    expect(erased.status, JSON.stringify(erased.body)).toBe(200)
    for (const table of WORKSPACE_TABLES) {
      const left = await t.store.db.selectFrom(table as 'contacts').selectAll().where('workspace_id', '=', a.workspaceId).execute()
      expect(left, table).toEqual([])
    }
    expect(await t.store.db.selectFrom('workspaces').selectAll().where('id', '=', a.workspaceId).execute()).toEqual([])
    expect(await t.store.db.selectFrom('audit_anchors').selectAll().execute()).toEqual([])
    expect((await t.store.db.selectFrom('webhook_inbox').select('body').execute()).map((r) => r.body)).toEqual([expect.stringContaining('"999"')])
    expect(await t.app.services.audit.verify(b.workspaceId)).toMatchObject({ events: 3, brokenAtSeq: null })
    const status = await t.app.inject({ method: 'GET', url: new URL(erased.body.statusUrl).pathname })
    expect(status.body).toContain('completed')
    expect((await api('GET', '/me')).status).toBe(401)
  })
})
