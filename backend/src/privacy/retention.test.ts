import { describe, expect, it } from 'vitest'
import { bearer, buildTestApp, createWorkspace } from '../../test/helper.js'
import { newId, nowIso } from '../ids.js'
import { createRetention } from './retention.js'

const DAY = 86_400_000

async function setUp () {
  const t = await buildTestApp()
  const ws = await createWorkspace(t)
  const api = async (method: 'POST' | 'GET', url: string, payload?: object) => {
    const r = await t.app.inject({ method, url: `/api/v1${url}`, headers: bearer(ws.token), ...(payload === undefined ? {} : { payload }) })
    return { status: r.statusCode, body: r.json() }
  }
  const contact = (await api('POST', '/contacts', { name: 'Ada', emails: ['ada@analytical.example'], phones: ['+14155550123'] })).body
  const logged = (await api('POST', '/emails/log', { email: { subject: 'Specs', from: 'ada@analytical.example', to: ['sales@acme.example'], date: '2026-11-20T10:15:42Z', body: 'The body' }, contactId: contact.id, client: 'gmail' })).body
  const at = nowIso()
  const messageId = newId('message')
  await t.store.db.insertInto('wa_messages').values({
    id: messageId, workspace_id: ws.workspaceId, contact_id: contact.id, phone_number_id: 'pn_1', direction: 'in', wamid: 'wamid.1', wa_id: '14155550123',
    type: 'text', body: 'See you Friday', template_name: null, template_language: null, status: 'received', status_at: at, error_code: null,
    error_title: null, context_wamid: null, author_user_id: null, source: 'whatsapp', created_at: at,
  } as never).execute()
  await t.store.db.insertInto('webhook_inbox').values({ received_at: at, body: '{"text":"See you Friday"}', processed_at: at, attempts: 1, last_error: null } as never).execute()
  let clock = new Date()
  const retention = createRetention({ db: t.store.db, audit: t.app.services.audit, now: () => clock })
  return { t, ws, api, contact, logged, messageId, retention, later: (days: number) => { clock = new Date(Date.now() + days * DAY) } }
}

describe('retention', () => {
  it('keeps everything inside its period', async () => {
    const { retention, later } = await setUp()
    // The shortest default period is the raw webhook inbox's 7 days.
    later(6)
    expect(await retention.sweep()).toEqual({ workspaces: {}, global: {} })
  })

  it('replaces WhatsApp bodies after 30 days, drops processed webhooks after 7, keeps who, when and status', async () => {
    const { t, ws, messageId, retention, later } = await setUp()
    later(31)
    const report = await retention.sweep()
    expect(report.workspaces[ws.workspaceId]).toMatchObject({ whatsapp_message_bodies: 1 })
    expect(report.global).toMatchObject({ webhook_inbox: 1 })
    const message = await t.store.db.selectFrom('wa_messages').selectAll().where('id', '=', messageId).executeTakeFirstOrThrow()
    expect(message).toMatchObject({ body: '[deleted after 30 days]', status: 'received', wa_id: '14155550123' })
    // A second pass finds nothing new: the sweep is idempotent.
    expect((await retention.sweep()).workspaces).toEqual({})
    const swept = (await t.app.services.audit.list(ws.workspaceId, { limit: 5 })).find((e) => e.action === 'privacy.retention_swept')
    expect(swept?.details).toEqual({ whatsapp_message_bodies: 1 })
  })

  it('empties the sheet values of sent campaign rows, but never of rows still waiting to be sent', async () => {
    const { t, ws, retention, later } = await setUp()
    const at = nowIso()
    const campaignId = newId('campaign')
    await t.store.db.insertInto('campaigns').values({ id: campaignId, workspace_id: ws.workspaceId, name: 'c', template_name: 't', template_language: 'en', template_category: 'UTILITY', variable_mapping: '{}', phone_number_id: 'pn', state: 'paused', state_reason: null, schedule_at: null, source: 'sheets', created_by: null, started_at: null, completed_at: null, created_at: at, updated_at: at } as never).execute()
    const row = (status: string, phone: string) => ({ id: newId('recipient'), workspace_id: ws.workspaceId, campaign_id: campaignId, row_key: phone, phone, contact_id: null, variables: '{"1":"Grace"}', status, wamid: null, message_id: null, error_code: null, reason: null, next_attempt_at: at, lease_owner: null, lease_until: null, sent_at: null, delivered_at: null, read_at: null, failed_at: null, replied_at: null, reply_text: status === 'read' ? 'thanks' : null, change_seq: 1, created_at: at, updated_at: at })
    await t.store.db.insertInto('campaign_recipients').values([row('read', '+14155550001'), row('pending', '+14155550002')] as never).execute()
    later(31)
    await retention.sweep()
    const rows = await t.store.db.selectFrom('campaign_recipients').select(['status', 'variables', 'reply_text']).orderBy('phone').execute()
    expect(rows).toEqual([{ status: 'read', variables: '{}', reply_text: null }, { status: 'pending', variables: '{"1":"Grace"}', reply_text: null }])
  })

  it('expires export archives after their period and fails builds a restart interrupted', async () => {
    const { t, ws, retention, later } = await setUp()
    const { job, done } = await t.app.services.exports.request(ws.workspaceId, { kind: 'workspace', userId: ws.ownerId })
    await done
    await t.store.db.insertInto('privacy_exports').values({ id: newId('export'), workspace_id: ws.workspaceId, kind: 'user', subject_user_id: ws.ownerId, requested_by: ws.ownerId, status: 'building', progress: 40, token_hash: 'x'.repeat(64), size_bytes: null, error: null, created_at: nowIso(), started_at: nowIso(), completed_at: null, expires_at: null }).execute()
    later(3)
    expect((await retention.sweep()).workspaces[ws.workspaceId]).toMatchObject({ export_archives: 1 })
    expect(await t.store.db.selectFrom('privacy_export_files').selectAll().execute()).toEqual([])
    const jobs = await t.store.db.selectFrom('privacy_exports').select(['id', 'status']).orderBy('id').execute()
    expect(jobs).toEqual([{ id: job.id, status: 'expired' }, { id: expect.any(String), status: 'failed' }])
  })

  it('follows a workspace\'s own period, within the policy\'s bounds, and audits the change', async () => {
    const { t, ws, messageId, retention, later } = await setUp()
    await expect(retention.setPeriod(ws.workspaceId, 'audit_log', 30, { userId: ws.ownerId })).rejects.toMatchObject({ code: 'SB_VALIDATION', field: 'days' })
    await expect(retention.setPeriod(ws.workspaceId, 'webhook_inbox', 3, { userId: ws.ownerId })).rejects.toMatchObject({ code: 'SB_VALIDATION', field: 'key' })
    expect(await retention.setPeriod(ws.workspaceId, 'whatsapp_message_bodies', 7, { userId: ws.ownerId })).toMatchObject({ whatsapp_message_bodies: 7, audit_log: 365 })
    later(8)
    await retention.sweep()
    expect((await t.store.db.selectFrom('wa_messages').select('body').where('id', '=', messageId).executeTakeFirstOrThrow()).body).toBe('[deleted after 7 days]')
    expect((await t.app.services.audit.list(ws.workspaceId, { limit: 10 })).some((e) => e.action === 'privacy.retention_changed' && e.targetId === 'whatsapp_message_bodies')).toBe(true)
  })

  it('after a year: logged email bodies go, old audit events are pruned behind an anchor, and the chain still verifies', async () => {
    const { t, ws, logged, retention, later } = await setUp()
    const before = await t.app.services.audit.verify(ws.workspaceId)
    later(366)
    const report = await retention.sweep()
    expect(report.workspaces[ws.workspaceId]).toMatchObject({ logged_email_bodies: 1, audit_log: before.events })
    const activity = await t.store.db.selectFrom('activities').select(['body', 'subject']).where('id', '=', logged.activity.id).executeTakeFirstOrThrow()
    expect(activity).toEqual({ body: null, subject: 'Specs' })
    expect(await t.app.services.audit.verify(ws.workspaceId)).toEqual({ events: 1, brokenAtSeq: null })
    // The anchor cannot be moved back, nor pruned events beyond it deleted by hand.
    await expect(t.store.db.updateTable('audit_anchors').set({ seq: 1 }).where('workspace_id', '=', ws.workspaceId).execute()).rejects.toThrow()
    await expect(t.store.db.deleteFrom('audit_events').where('workspace_id', '=', ws.workspaceId).execute()).rejects.toThrow(/append-only/)
    // New events keep extending the same chain.
    await t.app.services.audit.record(ws.workspaceId, { action: 'user.logout', actorUserId: ws.ownerId })
    expect(await t.app.services.audit.verify(ws.workspaceId)).toEqual({ events: 2, brokenAtSeq: null })
  })
})
