import { describe, expect, it } from 'vitest'
import { addUser, bearer, buildTestApp, createWorkspace, type TestApp, type TestWorkspace } from '../../test/helper.js'
import { newId, nowIso } from '../ids.js'
import { emailProvenance } from './provenance.js'
import { createPurposeGuard, createSupportAccess, type Access, type RecordRef } from './purpose-guard.js'

const BODY = 'Dear Ada, the engine specs you asked for: 4 columns, 1000 digits.'

/** A workspace with a Gmail-logged email, an Outlook-logged email, and a Sheets campaign recipient. */
async function setUp () {
  const t = await buildTestApp()
  const ws = await createWorkspace(t)
  const api = async (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object, token = ws.token) => {
    const r = await t.app.inject({ method, url: `/api/v1${url}`, headers: bearer(token), ...(payload === undefined ? {} : { payload }) })
    return { status: r.statusCode, body: r.json() }
  }
  const ada = (await api('POST', '/contacts', { name: 'Ada', emails: ['ada@analytical.example'] })).body
  const email = { messageId: '<m1@mail.gmail.com>', subject: 'Engine specs', from: 'ada@analytical.example', to: ['sales@acme.example'], date: '2026-11-20T10:15:42Z', body: BODY }
  const gmail = (await api('POST', '/emails/log', { email, contactId: ada.id, client: 'gmail' })).body.activity
  const outlook = (await api('POST', '/emails/log', { email: { ...email, messageId: '<m2@outlook.example>' }, contactId: ada.id, client: 'outlook' })).body.activity
  const { campaignId, recipientId } = await sheetsCampaign(t, ws)
  let clock = new Date()
  const now = () => clock
  const guard = createPurposeGuard({ db: t.store.db, audit: t.app.services.audit, now })
  const support = createSupportAccess({ db: t.store.db, audit: t.app.services.audit, now })
  return { t, ws, api, ada, gmail, outlook, campaignId, recipientId, guard, support, setClock: (d: Date) => { clock = d } }
}

/** A campaign submitted from Google Sheets with one row, written directly: no WhatsApp needed here. */
async function sheetsCampaign (t: TestApp, ws: TestWorkspace) {
  const at = nowIso()
  const campaignId = newId('campaign')
  const recipientId = newId('recipient')
  await t.store.db.insertInto('campaigns').values({
    id: campaignId, workspace_id: ws.workspaceId, name: 'November orders', template_name: 'order_update', template_language: 'en', template_category: 'UTILITY',
    variable_mapping: '{"body.1":"First name"}', phone_number_id: 'pn_1', state: 'draft', state_reason: null, schedule_at: null, source: 'sheets', created_by: ws.ownerId,
    started_at: null, completed_at: null, created_at: at, updated_at: at,
  }).execute()
  await t.store.db.insertInto('campaign_recipients').values({
    id: recipientId, workspace_id: ws.workspaceId, campaign_id: campaignId, row_key: 'row-7', phone: '+14155550123', contact_id: null,
    variables: '{"body.1":"Grace"}', status: 'pending', wamid: null, message_id: null, error_code: null, reason: null, next_attempt_at: at, lease_owner: null,
    lease_until: null, sent_at: null, delivered_at: null, read_at: null, failed_at: null, replied_at: null, reply_text: null, change_seq: 1, created_at: at, updated_at: at,
  }).execute()
  return { campaignId, recipientId }
}

async function auditActions (t: TestApp, ws: TestWorkspace) {
  return (await t.app.services.audit.list(ws.workspaceId, { limit: 100 })).reverse()
}

describe('provenance', () => {
  it('marks rows from Gmail, Outlook and Sheets with their source', async () => {
    const { t, ws, gmail, outlook, recipientId, guard } = await setUp()
    const rows = await t.store.db.selectFrom('email_logs').select(['activity_id', 'source']).where('workspace_id', '=', ws.workspaceId).execute()
    expect(Object.fromEntries(rows.map((r) => [r.activity_id, r.source]))).toEqual({ [gmail.id]: 'gmail', [outlook.id]: 'outlook' })
    const read = await guard.read(ws.workspaceId, { purpose: 'own_feature', userId: ws.ownerId }, [
      { type: 'activity', id: gmail.id }, { type: 'activity', id: outlook.id }, { type: 'campaign_recipient', id: recipientId },
    ])
    expect(read.map((r) => [r.id, r.origin])).toEqual(expect.arrayContaining([[gmail.id, 'google'], [outlook.id, 'microsoft'], [recipientId, 'google']]))
    expect(read.every((r) => guard.isLimitedUse(r))).toBe(true)
  })

  it('traces a campaign\'s WhatsApp message to the sheet it came from; an inbound message is Meta\'s', async () => {
    const { t, ws, recipientId, guard } = await setUp()
    const at = nowIso()
    const message = (id: string, source: string, direction: string) => ({ id, workspace_id: ws.workspaceId, contact_id: null, phone_number_id: 'pn_1', direction, wamid: null, wa_id: '14155550123', type: 'template', body: 'Hi Grace, order #7', template_name: null, template_language: null, status: 'sent', status_at: at, error_code: null, error_title: null, context_wamid: null, author_user_id: null, source, created_at: at })
    const sent = newId('message')
    const inbound = newId('message')
    await t.store.db.insertInto('wa_messages').values([message(sent, 'campaign', 'out'), message(inbound, 'whatsapp', 'in')] as never).execute()
    await t.store.db.updateTable('campaign_recipients').set({ message_id: sent }).where('id', '=', recipientId).execute()
    const read = await guard.read(ws.workspaceId, { purpose: 'own_feature', userId: ws.ownerId }, [{ type: 'wa_message', id: sent }, { type: 'wa_message', id: inbound }])
    expect(Object.fromEntries(read.map((r) => [r.id, r.origin]))).toEqual({ [sent]: 'google', [inbound]: 'meta' })
    expect(await guard.count(ws.workspaceId, { purpose: 'analytics' }, 'wa_message')).toEqual({ total: 2, byOrigin: { google: 1, meta: 1 } })
  })

  it.each([
    { via: 'google' as const, client: 'api' as const, expected: 'gmail' },
    { via: 'addin' as const, client: undefined, expected: 'outlook' },
    { via: 'token' as const, client: 'outlook' as const, expected: 'outlook' },
    { via: 'token' as const, client: undefined, expected: 'api' },
  ])('takes the channel over the client\'s word ($via, $client → $expected)', ({ via, client, expected }) => {
    expect(emailProvenance(via, client)).toBe(expected)
  })
})

describe('purpose guard', () => {
  it('own feature: a user of the workspace reads the content, and nothing is audited', async () => {
    const { t, ws, gmail, guard } = await setUp()
    const before = (await auditActions(t, ws)).length
    const [record] = await guard.read(ws.workspaceId, { purpose: 'own_feature', userId: ws.ownerId }, [{ type: 'activity', id: gmail.id }])
    expect(record!.fields).toMatchObject({ id: gmail.id, body: BODY, source: 'gmail' })
    expect((await auditActions(t, ws)).length).toBe(before)
  })

  it('own feature: refused for a deactivated user and for another workspace\'s user; another workspace\'s records are not found', async () => {
    const { t, ws, gmail, guard } = await setUp()
    const agent = await addUser(t, ws, 'agent')
    await t.store.db.updateTable('users').set({ status: 'deactivated' }).where('id', '=', agent.userId).execute()
    await expect(guard.read(ws.workspaceId, { purpose: 'own_feature', userId: agent.userId }, [{ type: 'activity', id: gmail.id }])).rejects.toMatchObject({ code: 'SB_PRIVACY_PURPOSE_REFUSED' })
    const other = await createWorkspace(t, 'Bravo')
    await expect(guard.read(ws.workspaceId, { purpose: 'own_feature', userId: other.ownerId }, [{ type: 'activity', id: gmail.id }])).rejects.toMatchObject({ code: 'SB_PRIVACY_PURPOSE_REFUSED' })
    expect(await guard.read(other.workspaceId, { purpose: 'own_feature', userId: other.ownerId }, [{ type: 'activity', id: gmail.id }])).toEqual([])
  })

  it.each(['security', 'legal'] as const)('%s: allowed, and every record read is audited with the reason', async (purpose) => {
    const { t, ws, gmail, recipientId, guard } = await setUp()
    const read = await guard.read(ws.workspaceId, { purpose, reason: 'ticket SEC-12: abuse report', userId: ws.ownerId, ip: '203.0.113.9' }, [{ type: 'activity', id: gmail.id }, { type: 'campaign_recipient', id: recipientId }])
    expect(read).toHaveLength(2)
    const events = (await auditActions(t, ws)).filter((e) => e.action === `privacy.${purpose}_access`)
    expect(events.map((e) => [e.targetType, e.targetId])).toEqual([['activity', gmail.id], ['campaign_recipient', recipientId]])
    expect(events[0]).toMatchObject({ actorUserId: ws.ownerId, ip: '203.0.113.9', details: { purpose, origin: 'google', reason: 'ticket SEC-12: abuse report' } })
    expect(await t.app.services.audit.verify(ws.workspaceId)).toMatchObject({ brokenAtSeq: null })
  })

  describe('support', () => {
    async function withStaff () {
      const s = await setUp()
      const staff = await s.support.createStaff('Sam Support')
      const access = (consentId: string): Access => ({ purpose: 'support', staffId: staff.id, consentId, reason: 'ticket 481' })
      return { ...s, staff, access }
    }

    it('is refused without a consent, and the refusal is audited', async () => {
      const { t, ws, gmail, guard, access } = await withStaff()
      await expect(guard.read(ws.workspaceId, access('cns_none'), [{ type: 'activity', id: gmail.id }])).rejects.toMatchObject({ code: 'SB_PRIVACY_CONSENT_REQUIRED', statusCode: 403 })
      const refused = (await auditActions(t, ws)).filter((e) => e.action === 'privacy.access_refused')
      expect(refused).toHaveLength(1)
      expect(refused[0]).toMatchObject({ targetType: 'activity', targetId: gmail.id, details: { purpose: 'support', why: 'no such consent in this workspace' } })
    })

    it('reads exactly the consented records, each read audited with the consent', async () => {
      const { t, ws, gmail, outlook, guard, support, access, staff } = await withStaff()
      const consent = await support.grant(ws.workspaceId, ws.ownerId, { records: [{ type: 'activity', id: gmail.id }], hours: 2 })
      const [record] = await guard.read(ws.workspaceId, access(consent.id), [{ type: 'activity', id: gmail.id }])
      expect(record!.fields['body']).toBe(BODY)
      const events = await auditActions(t, ws)
      expect(events.find((e) => e.action === 'privacy.consent_granted')).toMatchObject({ actorUserId: ws.ownerId, targetId: consent.id, details: { records: 1, hours: 2 } })
      expect(events.find((e) => e.action === 'privacy.support_access')).toMatchObject({ targetId: gmail.id, details: { consentId: consent.id, staffId: staff.id, purpose: 'support' } })
      // A record the user did not name stays closed, even alongside one they did.
      await expect(guard.read(ws.workspaceId, access(consent.id), [{ type: 'activity', id: gmail.id }, { type: 'activity', id: outlook.id }])).rejects.toMatchObject({ code: 'SB_PRIVACY_CONSENT_REQUIRED' })
    })

    it('stops when the consent expires or is revoked', async () => {
      const { ws, gmail, guard, support, access, setClock } = await withStaff()
      const refs: RecordRef[] = [{ type: 'activity', id: gmail.id }]
      const consent = await support.grant(ws.workspaceId, ws.ownerId, { records: refs, hours: 1 })
      setClock(new Date(Date.now() + 61 * 60_000))
      await expect(guard.read(ws.workspaceId, access(consent.id), refs)).rejects.toMatchObject({ code: 'SB_PRIVACY_CONSENT_REQUIRED', extras: { detail: 'the consent has expired' } })
      setClock(new Date())
      const second = await support.grant(ws.workspaceId, ws.ownerId, { records: refs })
      expect(await guard.read(ws.workspaceId, access(second.id), refs)).toHaveLength(1)
      await support.revoke(ws.workspaceId, ws.ownerId, second.id)
      await expect(guard.read(ws.workspaceId, access(second.id), refs)).rejects.toMatchObject({ extras: { detail: 'the consent was revoked' } })
    })

    it('is refused to anyone who is not active support staff, and across workspaces', async () => {
      const { t, ws, gmail, guard, support } = await withStaff()
      const refs: RecordRef[] = [{ type: 'activity', id: gmail.id }]
      const consent = await support.grant(ws.workspaceId, ws.ownerId, { records: refs })
      await expect(guard.read(ws.workspaceId, { purpose: 'support', staffId: 'stf_unknown', consentId: consent.id, reason: 'x' }, refs)).rejects.toMatchObject({ code: 'SB_PRIVACY_CONSENT_REQUIRED' })
      const other = await createWorkspace(t, 'Bravo')
      const staff = await support.createStaff('Other')
      await expect(guard.read(other.workspaceId, { purpose: 'support', staffId: staff.id, consentId: consent.id, reason: 'x' }, refs)).rejects.toMatchObject({ code: 'SB_PRIVACY_CONSENT_REQUIRED' })
      await expect(support.grant(other.workspaceId, other.ownerId, { records: refs })).rejects.toMatchObject({ code: 'SB_PRIVACY_RECORD_NOT_FOUND', field: 'records/0' })
    })
  })

  it('analytics: counts by origin only; content reads are refused', async () => {
    const { ws, gmail, guard } = await setUp()
    const counts = await guard.count(ws.workspaceId, { purpose: 'analytics' }, 'activity')
    expect(counts.byOrigin).toMatchObject({ google: 1, microsoft: 1 })
    expect(JSON.stringify(counts)).not.toContain('Engine')
    expect(await guard.count(ws.workspaceId, { purpose: 'analytics' }, 'campaign_recipient')).toEqual({ total: 1, byOrigin: { google: 1 } })
    await expect(guard.read(ws.workspaceId, { purpose: 'analytics' }, [{ type: 'activity', id: gmail.id }])).rejects.toMatchObject({ code: 'SB_PRIVACY_PURPOSE_REFUSED' })
  })

  it.each(['advertising', 'model_training', 'third_party_transfer'] as const)('%s: always refused, for reads and counts, and audited', async (purpose) => {
    const { t, ws, gmail, guard } = await setUp()
    await expect(guard.read(ws.workspaceId, { purpose }, [{ type: 'activity', id: gmail.id }])).rejects.toMatchObject({ code: 'SB_PRIVACY_PURPOSE_REFUSED', statusCode: 403 })
    await expect(guard.count(ws.workspaceId, { purpose }, 'activity')).rejects.toMatchObject({ code: 'SB_PRIVACY_PURPOSE_REFUSED' })
    const refused = (await auditActions(t, ws)).filter((e) => e.action === 'privacy.access_refused')
    expect(refused.map((e) => e.details['purpose'])).toEqual([purpose, purpose])
  })
})
