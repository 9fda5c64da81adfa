import { describe, expect, it } from 'vitest'
import { bearer, buildTestApp, createWorkspace, type TestApp } from '../../test/helper.js'

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE'

async function setUp (template = { name: 'order_update', language: 'en_US' }) {
  const t = await buildTestApp({}, { sandbox: true })
  const ws = await createWorkspace(t)
  const api = async (method: Method, url: string, payload?: object, headers: Record<string, string> = {}) => {
    const r = await t.app.inject({ method, url: `/api/v1${url}`, headers: { ...bearer(ws.token), ...headers }, ...(payload === undefined ? {} : { payload }) })
    return { status: r.statusCode, body: r.json(), headers: r.headers }
  }
  await t.app.services.whatsapp.connection.connectSandbox(ws.workspaceId, { userId: ws.ownerId })
  await t.app.services.whatsapp.templates.sync(ws.workspaceId)
  const created = await api('POST', '/campaigns', { name: 'November orders', template, source: 'sheets', variableMapping: { 'body.1': 'First name' } })
  expect(created.status, JSON.stringify(created.body)).toBe(201)
  return { t, ws, api, campaign: created.body }
}

const vars = (name: string) => ({ 'header.media': 'https://cdn.example/p.jpg', 1: name, 2: '#1', 3: 'Friday', 'button0.1': 'x' })

function rows (n: number, from = 0) {
  return Array.from({ length: n }, (_, i) => ({ rowKey: `r${from + i}`, phone: `+1 212 200 ${String(1000 + from + i).padStart(4, '0')}`, variables: vars(`Person ${from + i}`) }))
}

async function recount (t: TestApp, campaignId: string) {
  const ws = (await t.app.services.workspaces.listAll())[0]!.id
  return t.app.services.campaignsRepository.recount(ws, campaignId)
}

describe('campaign submission', () => {
  it('refuses a template Meta has not approved', async () => {
    const { api } = await setUp()
    const refused = await api('POST', '/campaigns', { name: 'x', template: { name: 'crypto_giveaway', language: 'en_US' } })
    expect(refused).toMatchObject({ status: 409, body: { code: 'SB_WHATSAPP_TEMPLATE_NOT_APPROVED' } })
  })

  it('answers every row by its key: bad numbers, duplicates, opt-outs and missing values rejected, the rest stored', async () => {
    const { t, ws, api, campaign } = await setUp({ name: 'welcome_offer', language: 'en_US' })
    await api('POST', '/contacts', { name: 'Opted out', phones: ['+12122009999'], marketing: { status: 'opted_out' } })
    const offer = { first_name: 'Ada', discount: '10%', expiry: 'Sunday' }
    const submitted = await api('POST', `/campaigns/${campaign.id}/recipients`, {
      rows: [
        { rowKey: 'a', phone: '(212) 200-1001', variables: offer },
        { rowKey: 'b', phone: 'not a number', variables: offer },
        { rowKey: 'c', phone: '', variables: offer },
        { rowKey: 'd', phone: '+1 212 200 1001', variables: offer },
        { rowKey: 'e', phone: '+12122009999', variables: offer },
        { rowKey: 'f', phone: '+12122001002', variables: { first_name: 'Bo' } },
        { rowKey: 'g', phone: '+442079460958', variables: offer },
      ],
    }, { 'idempotency-key': 'chunk-0001-aaaa' })
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(200)
    expect(submitted.body).toMatchObject({ accepted: 2, rejected: 5, existing: 0 })
    const byKey = Object.fromEntries(submitted.body.rows.map((r: { rowKey: string }) => [r.rowKey, r]))
    expect(byKey.a).toMatchObject({ outcome: 'accepted' })
    expect(byKey.b).toMatchObject({ outcome: 'rejected', problem: 'phone_invalid' })
    expect(byKey.c).toMatchObject({ outcome: 'rejected', problem: 'phone_missing' })
    expect(byKey.d).toMatchObject({ outcome: 'rejected', problem: 'duplicate_in_request', detail: 'a' })
    expect(byKey.e).toMatchObject({ outcome: 'rejected', problem: 'opted_out' })
    expect(byKey.f).toMatchObject({ outcome: 'rejected', problem: 'variable_missing', detail: 'body.discount' })
    expect(byKey.g).toMatchObject({ outcome: 'accepted' })
    expect(submitted.body.rows.map((r: { rowKey: string }) => r.rowKey)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g'])
    const stored = await api('GET', `/campaigns/${campaign.id}/recipients`)
    expect(stored.body.items.map((r: { phone: string }) => r.phone).sort()).toEqual(['+12122001001', '+442079460958'])
    expect((await api('GET', `/campaigns/${campaign.id}`)).body.counts).toMatchObject({ total: 2, pending: 2 })
    expect(ws).toBeDefined()
    expect(await recount(t, campaign.id)).toMatchObject({ pending: 2 })
  })

  it('rejects a row key repeated in one request as duplicate_in_request for the later rows, each answered in its place', async () => {
    const { api, campaign } = await setUp({ name: 'welcome_offer', language: 'en_US' })
    const offer = { first_name: 'Ada', discount: '10%', expiry: 'Sunday' }
    const submitted = await api('POST', `/campaigns/${campaign.id}/recipients`, {
      rows: [
        { rowKey: 'r1', phone: '+12122001001', variables: offer },
        { rowKey: 'r2', phone: '+12122001002', variables: offer },
        { rowKey: 'r1', phone: '+12122001003', variables: offer },
        { rowKey: 'r1', phone: '+12122001004', variables: offer },
      ],
    }, { 'idempotency-key': 'chunk-dup-keys-0001' })
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(200)
    expect(submitted.body).toMatchObject({ accepted: 2, rejected: 2 })
    expect(submitted.body.rows).toEqual([
      expect.objectContaining({ rowKey: 'r1', outcome: 'accepted' }),
      expect.objectContaining({ rowKey: 'r2', outcome: 'accepted' }),
      { rowKey: 'r1', outcome: 'rejected', problem: 'duplicate_in_request', detail: 'r1' },
      { rowKey: 'r1', outcome: 'rejected', problem: 'duplicate_in_request', detail: 'r1' },
    ])
    const stored = await api('GET', `/campaigns/${campaign.id}/recipients`)
    expect(stored.body.items.map((r: { phone: string }) => r.phone).sort()).toEqual(['+12122001001', '+12122001002'])
  })

  it('rejects a row whose media link is not https (file:, javascript:, gopher:) as variable_invalid, and a test send with 400', async () => {
    const { api, campaign } = await setUp()
    const submitted = await api('POST', `/campaigns/${campaign.id}/recipients`, {
      rows: [
        { rowKey: 'ok', phone: '+12122001001', variables: vars('Ada') },
        { rowKey: 'file', phone: '+12122001002', variables: { ...vars('Bo'), 'header.media': 'file:///etc/passwd' } },
        { rowKey: 'js', phone: '+12122001003', variables: { ...vars('Cy'), 'header.media': 'javascript:alert(1)' } },
        { rowKey: 'gopher', phone: '+12122001004', variables: { ...vars('Di'), 'header.media': 'gopher://cdn.example/p.jpg' } },
      ],
    }, { 'idempotency-key': 'chunk-media-links-01' })
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(200)
    expect(submitted.body.rows.map((r: { outcome: string, problem?: string }) => r.problem ?? r.outcome)).toEqual(['accepted', 'variable_invalid', 'variable_invalid', 'variable_invalid'])
    expect(submitted.body.rows[1]).toMatchObject({ detail: 'header.media' })
    const test = await api('POST', '/campaigns/test-send', { template: { name: 'order_update', language: 'en_US' }, phone: '+12122001009', variables: { ...vars('Ed'), 'header.media': 'file:///etc/passwd' } })
    expect(test).toMatchObject({ status: 400, body: { code: 'SB_VALIDATION', field: 'variables/header.media' } })
  })

  it('uses the workspace\'s default country for numbers written without one', async () => {
    const { api, campaign } = await setUp()
    const submitted = await api('POST', `/campaigns/${campaign.id}/recipients`, { rows: [{ rowKey: 'a', phone: '212 200 1001', variables: vars('Ada') }] }, { 'idempotency-key': 'chunk-country-01' })
    expect(submitted.body.accepted).toBe(1)
    expect((await api('GET', `/campaigns/${campaign.id}/recipients`)).body.items[0].phone).toBe('+12122001001')
  })

  it('a retried chunk with the same Idempotency-Key gets the same answer and adds nobody; another body with it is refused', async () => {
    const { api, campaign } = await setUp()
    const body = { rows: rows(5) }
    const first = await api('POST', `/campaigns/${campaign.id}/recipients`, body, { 'idempotency-key': 'sheet-run-1-chunk-0' })
    const again = await api('POST', `/campaigns/${campaign.id}/recipients`, body, { 'idempotency-key': 'sheet-run-1-chunk-0' })
    expect(again.body).toEqual(first.body)
    expect(again.headers['idempotent-replayed']).toBe('true')
    const other = await api('POST', `/campaigns/${campaign.id}/recipients`, { rows: rows(5, 5) }, { 'idempotency-key': 'sheet-run-1-chunk-0' })
    expect(other).toMatchObject({ status: 422, body: { code: 'SB_IDEMPOTENCY_KEY_REUSED', field: 'Idempotency-Key' } })
    const none = await api('POST', `/campaigns/${campaign.id}/recipients`, body)
    expect(none).toMatchObject({ status: 400, body: { code: 'SB_IDEMPOTENCY_KEY_REQUIRED' } })
    expect((await api('GET', `/campaigns/${campaign.id}`)).body.counts.total).toBe(5)
  })

  it('a re-run sheet (same rows, new key) adds nobody and reports each row as existing with its status', async () => {
    const { api, campaign } = await setUp()
    await api('POST', `/campaigns/${campaign.id}/recipients`, { rows: rows(4) }, { 'idempotency-key': 'run-1-chunk-0000' })
    const rerun = await api('POST', `/campaigns/${campaign.id}/recipients`, { rows: [...rows(4), ...rows(1, 4)] }, { 'idempotency-key': 'run-2-chunk-0000' })
    expect(rerun.body).toMatchObject({ accepted: 1, existing: 4, rejected: 0 })
    expect(rerun.body.rows[0]).toMatchObject({ outcome: 'existing', status: 'pending' })
    const sameNumberOtherRow = await api('POST', `/campaigns/${campaign.id}/recipients`, { rows: [{ rowKey: 'moved', phone: rows(1)[0]!.phone, variables: vars('x') }] }, { 'idempotency-key': 'run-3-chunk-0000' })
    expect(sameNumberOtherRow.body.rows[0]).toMatchObject({ outcome: 'rejected', problem: 'duplicate_in_campaign', detail: 'r0' })
    expect((await api('GET', `/campaigns/${campaign.id}`)).body.counts.total).toBe(5)
  })

  it('queues failed rows again only when asked, and never rows that were sent', async () => {
    const { t, api, campaign } = await setUp()
    await api('POST', `/campaigns/${campaign.id}/recipients`, { rows: rows(2) }, { 'idempotency-key': 'resend-chunk-001' })
    const [failed, sent] = (await api('GET', `/campaigns/${campaign.id}/recipients`)).body.items
    const ws = (await t.app.services.workspaces.listAll())[0]!.id
    await t.store.db.transaction().execute((trx) => t.app.services.campaignsRepository.transition(trx, ws, campaign.id, [
      { id: failed.id, from: 'pending', to: 'failed', set: { error_code: 131026, reason: '131026: Message undeliverable' } },
      { id: sent.id, from: 'pending', to: 'sent', set: { wamid: 'wamid.x' } },
    ]))
    const plain = await api('POST', `/campaigns/${campaign.id}/recipients`, { rows: rows(2) }, { 'idempotency-key': 'resend-chunk-002' })
    expect(plain.body).toMatchObject({ existing: 2, requeued: 0 })
    const resend = await api('POST', `/campaigns/${campaign.id}/recipients`, { rows: rows(2), resendFailed: true }, { 'idempotency-key': 'resend-chunk-003' })
    expect(resend.body).toMatchObject({ requeued: 1, existing: 1 })
    expect(resend.body.rows.find((r: { rowKey: string }) => r.rowKey === failed.rowKey)).toMatchObject({ outcome: 'requeued', status: 'pending' })
    expect((await api('GET', `/campaigns/${campaign.id}`)).body.counts).toMatchObject({ pending: 1, sent: 1, failed: 0 })
    expect(await recount(t, campaign.id)).toMatchObject({ pending: 1, sent: 1, failed: 0 })
  })

  it('validates without storing: the summary before sending', async () => {
    const { api, campaign } = await setUp()
    const checked = await api('POST', `/campaigns/${campaign.id}/recipients/validate`, { rows: [...rows(3), { rowKey: 'bad', phone: '123', variables: vars('x') }] })
    expect(checked.body).toMatchObject({ accepted: 3, rejected: 1 })
    expect((await api('GET', `/campaigns/${campaign.id}`)).body.counts.total).toBe(0)
  })

  it('refuses a chunk of more than 1,000 rows', async () => {
    const { api, campaign } = await setUp()
    const tooMany = await api('POST', `/campaigns/${campaign.id}/recipients`, { rows: rows(1001) }, { 'idempotency-key': 'big-chunk-00001' })
    expect(tooMany).toMatchObject({ status: 400, body: { code: 'SB_VALIDATION', field: 'rows' } })
  })
})

describe('the change feed', () => {
  it('returns every changed row once, by row key, across pages and later changes', async () => {
    const { t, api, campaign } = await setUp()
    await api('POST', `/campaigns/${campaign.id}/recipients`, { rows: rows(7) }, { 'idempotency-key': 'feed-chunk-00001' })
    const seen: string[] = []
    let cursor = ''
    for (;;) {
      const page = await api('GET', `/campaigns/${campaign.id}/changes?limit=3&cursor=${encodeURIComponent(cursor)}`)
      seen.push(...page.body.items.map((r: { rowKey: string }) => r.rowKey))
      cursor = page.body.cursor
      if (!page.body.more) break
    }
    expect(seen.sort()).toEqual(rows(7).map((r) => r.rowKey).sort())
    const nothing = await api('GET', `/campaigns/${campaign.id}/changes?cursor=${encodeURIComponent(cursor)}`)
    expect(nothing.body.items).toEqual([])

    const ws = (await t.app.services.workspaces.listAll())[0]!.id
    const target = (await api('GET', `/campaigns/${campaign.id}/recipients`)).body.items[2]
    await t.store.db.transaction().execute((trx) => t.app.services.campaignsRepository.transition(trx, ws, campaign.id, [{ id: target.id, from: 'pending', to: 'sent', set: { wamid: 'wamid.y', sent_at: new Date().toISOString() } }]))
    const later = await api('GET', `/campaigns/${campaign.id}/changes?cursor=${encodeURIComponent(cursor)}`)
    expect(later.body.items).toHaveLength(1)
    expect(later.body.items[0]).toMatchObject({ rowKey: target.rowKey, status: 'sent', wamid: 'wamid.y' })
    expect(later.body.campaign.counts).toMatchObject({ pending: 6, sent: 1 })
  })

  it('refuses a cursor it did not issue', async () => {
    const { api, campaign } = await setUp()
    expect(await api('GET', `/campaigns/${campaign.id}/changes?cursor=drop%20table`)).toMatchObject({ status: 400, body: { code: 'SB_CURSOR_INVALID' } })
  })
})

describe('campaign lifecycle', () => {
  it('starts now, pauses, resumes and cancels; cancelling cancels the unsent rows and the feed says so', async () => {
    const { api, campaign } = await setUp()
    expect(await api('POST', `/campaigns/${campaign.id}/start`, {})).toMatchObject({ status: 409, body: { code: 'SB_CAMPAIGN_EMPTY' } })
    await api('POST', `/campaigns/${campaign.id}/recipients`, { rows: rows(3) }, { 'idempotency-key': 'life-chunk-00001' })
    expect((await api('POST', `/campaigns/${campaign.id}/start`, {})).body).toMatchObject({ state: 'running', startedAt: expect.any(String) })
    expect((await api('POST', `/campaigns/${campaign.id}/pause`)).body).toMatchObject({ state: 'paused', stateReason: 'paused by a user' })
    expect((await api('POST', `/campaigns/${campaign.id}/resume`)).body).toMatchObject({ state: 'running', stateReason: null })
    const cancelled = await api('POST', `/campaigns/${campaign.id}/cancel`)
    expect(cancelled.body).toMatchObject({ state: 'cancelled', counts: { pending: 0, cancelled: 3 } })
    const feed = await api('GET', `/campaigns/${campaign.id}/changes`)
    expect(feed.body.items.every((r: { status: string }) => r.status === 'cancelled')).toBe(true)
    expect(await api('POST', `/campaigns/${campaign.id}/resume`)).toMatchObject({ status: 409, body: { code: 'SB_CAMPAIGN_STATE', detail: 'cancelled' } })
    expect(await api('POST', `/campaigns/${campaign.id}/recipients`, { rows: rows(1, 9) }, { 'idempotency-key': 'life-chunk-00002' })).toMatchObject({ status: 409 })
  })

  it('schedules for a local time in the workspace\'s zone', async () => {
    const { t, ws, api, campaign } = await setUp()
    await t.store.db.updateTable('workspaces').set({ time_zone: 'America/Sao_Paulo' }).where('id', '=', ws.workspaceId).execute()
    await api('POST', `/campaigns/${campaign.id}/recipients`, { rows: rows(1) }, { 'idempotency-key': 'sched-chunk-0001' })
    const year = new Date().getUTCFullYear() + 1
    const scheduled = await api('POST', `/campaigns/${campaign.id}/start`, { scheduleAt: `${year}-12-01T09:30` })
    expect(scheduled.body).toMatchObject({ state: 'scheduled', scheduleAt: `${year}-12-01T12:30:00.000Z` })
    expect(await api('POST', `/campaigns/${campaign.id}/start`, { scheduleAt: '2001-01-01T09:00' })).toMatchObject({ status: 400, body: { code: 'SB_SCHEDULE_INVALID', field: 'scheduleAt' } })
  })

  it('previews a row\'s final message and test-sends it to one number', async () => {
    const { t, api, campaign } = await setUp()
    const preview = await api('POST', `/campaigns/${campaign.id}/preview`, { variables: { 1: 'Ada', 2: '#9' } })
    expect(preview.body.text).toContain('Hi Ada, your order #9 has shipped and should arrive on {{3}}.')
    expect(preview.body.missing).toEqual(['header.media', 'body.3', 'button0.1'])
    const sent = await api('POST', '/campaigns/test-send', { template: { name: 'order_update', language: 'en_US' }, variables: vars('Ada'), phone: '+44 20 7946 0958' })
    expect(sent.status, JSON.stringify(sent.body)).toBe(201)
    expect(t.sandbox!.message(sent.body.wamid)).toMatchObject({ waId: '442079460958', templateName: 'order_update' })
  })
})
