import { describe, expect, it } from 'vitest'
import { bearer, buildTestApp, createWorkspace } from '../../test/helper.js'
import { emailFingerprint, messageKeyOf, normaliseMessageId } from './email-logs.js'

async function setUp () {
  const t = await buildTestApp()
  const ws = await createWorkspace(t)
  const api = async (method: 'GET' | 'POST', url: string, payload?: object, token = ws.token) => {
    const r = await t.app.inject({ method, url: `/api/v1${url}`, headers: bearer(token), ...(payload === undefined ? {} : { payload }) })
    return { status: r.statusCode, body: r.json() }
  }
  const ada = (await api('POST', '/contacts', { name: 'Ada', emails: ['ada@analytical.example'] })).body
  const deal = (await api('POST', '/deals', { title: 'Engine order', contactIds: [ada.id] })).body
  return { t, ws, api, ada, deal }
}

const email = {
  messageId: '<CAF=abc123@mail.gmail.com>',
  subject: 'Engine specs',
  from: 'Ada@Analytical.example',
  to: ['sales@acme.example'],
  cc: ['babbage@analytical.example'],
  date: '2026-11-20T10:15:42Z',
}

describe('message keys', () => {
  it.each([
    { input: '<CAF=abc123@mail.gmail.com>', expected: 'caf=abc123@mail.gmail.com' },
    { input: '  caf=ABC123@mail.gmail.com ', expected: 'caf=abc123@mail.gmail.com' },
    { input: '<<x@y>>', expected: 'x@y' },
  ])('normalises $input', ({ input, expected }) => {
    expect(normaliseMessageId(input)).toBe(expected)
  })

  it('fingerprints by sender, recipients in any order and case, subject and minute', () => {
    const base = { from: 'a@x.example', to: ['b@x.example'], cc: ['c@x.example'], subject: 'Hi', date: '2026-11-20T10:15:42Z' }
    expect(emailFingerprint(base)).toBe(emailFingerprint({ ...base, to: ['C@x.example'], cc: ['b@x.example'], date: '2026-11-20T10:15:05Z', subject: ' hi ' }))
    expect(emailFingerprint(base)).not.toBe(emailFingerprint({ ...base, date: '2026-11-20T10:16:01Z' }))
    expect(messageKeyOf({ ...base, messageId: '  ' })).toMatch(/^fp:/)
    expect(messageKeyOf({ ...base, messageId: '<m@x>' })).toBe('mid:m@x')
  })
})

describe('logging emails', () => {
  it('logs to a deal once; the second time says who logged it and when, and stores nothing', async () => {
    const { t, api, deal, ada, ws } = await setUp()
    const first = await api('POST', '/emails/log', { email, dealId: deal.id, client: 'gmail' })
    expect(first.status, JSON.stringify(first.body)).toBe(201)
    expect(first.body).toMatchObject({ alreadyLogged: false, log: { targetType: 'deal', targetId: deal.id, targetName: 'Engine order', source: 'gmail' } })
    expect(first.body.activity).toMatchObject({ type: 'email', subject: 'Engine specs', body: null, dealId: deal.id, contactId: ada.id, source: 'gmail', occurredAt: '2026-11-20T10:15:42.000Z' })
    expect(first.body.activity.data).toMatchObject({ from: 'ada@analytical.example', to: ['sales@acme.example'], bodyIncluded: false })

    const again = await api('POST', '/emails/log', { email: { ...email, messageId: 'caf=ABC123@mail.gmail.com' }, dealId: deal.id })
    expect(again.status).toBe(200)
    expect(again.body).toMatchObject({ alreadyLogged: true, activity: null, log: { activityId: first.body.activity.id, loggedBy: { displayName: 'Acme Owner' } } })
    const activities = await t.store.db.selectFrom('activities').select('id').where('workspace_id', '=', ws.workspaceId).where('type', '=', 'email').execute()
    expect(activities).toHaveLength(1)
  })

  it('keeps the body only when asked, and attachments as names and sizes', async () => {
    const { api, ada } = await setUp()
    const logged = await api('POST', '/emails/log', { email: { ...email, body: 'Dear Ada, …', attachments: [{ name: 'specs.pdf', size: 48213, contentType: 'application/pdf' }] }, contactId: ada.id })
    expect(logged.body.activity).toMatchObject({ body: 'Dear Ada, …', contactId: ada.id, dealId: null })
    expect(logged.body.activity.data).toMatchObject({ bodyIncluded: true, attachments: [{ name: 'specs.pdf', size: 48213, contentType: 'application/pdf' }] })
  })

  it('stores uploaded attachment files beside the log and serves them back as downloads', async () => {
    const { t, api, deal, ws } = await setUp()
    const pdf = Buffer.from('%PDF-1.7 quote for 200 units')
    const logged = await api('POST', '/emails/log', {
      email: { ...email, attachments: [{ name: 'listed.txt', size: 10 }, { name: 'Angebot für Größe.pdf', size: pdf.length, contentType: 'application/pdf', content: pdf.toString('base64') }] },
      dealId: deal.id,
      client: 'outlook',
    })
    expect(logged.status, JSON.stringify(logged.body)).toBe(201)
    expect(logged.body.activity.data.attachments).toEqual([{ name: 'listed.txt', size: 10 }, { name: 'Angebot für Größe.pdf', size: pdf.length, contentType: 'application/pdf', stored: true }])
    const download = await t.app.inject({ method: 'GET', url: `/api/v1/activities/${logged.body.activity.id}/attachments/1`, headers: bearer(ws.token) })
    expect(download.statusCode).toBe(200)
    expect(download.rawPayload).toEqual(pdf)
    expect(download.headers['content-type']).toBe('application/octet-stream')
    expect(download.headers['content-disposition']).toBe(`attachment; filename*=UTF-8''${encodeURIComponent('Angebot für Größe.pdf')}`)
    const listedOnly = await t.app.inject({ method: 'GET', url: `/api/v1/activities/${logged.body.activity.id}/attachments/0`, headers: bearer(ws.token) })
    expect(listedOnly.statusCode).toBe(404)
    expect(listedOnly.json().code).toBe('SB_ATTACHMENT_NOT_FOUND')
  })

  it('refuses attachment files over the cap (413) or not in base64 (400), storing nothing', async () => {
    const { t, api, deal } = await setUp()
    const big = Buffer.alloc(2.1 * 1_048_576, 1).toString('base64')
    const over = await api('POST', '/emails/log', { email: { ...email, attachments: [{ name: 'a.bin', size: 1, content: big }, { name: 'b.bin', size: 1, content: big }] }, dealId: deal.id })
    expect(over.status).toBe(413)
    expect(over.body).toMatchObject({ code: 'SB_EMAIL_ATTACHMENTS_TOO_LARGE', field: 'email/attachments' })
    const garbled = await api('POST', '/emails/log', { email: { ...email, attachments: [{ name: 'a.bin', size: 1, content: 'not base64!' }] }, dealId: deal.id })
    expect(garbled.status).toBe(400)
    expect(garbled.body).toMatchObject({ code: 'SB_VALIDATION', field: 'email/attachments/0/content' })
    expect(await t.store.db.selectFrom('email_logs').selectAll().execute()).toEqual([])
  })

  it('logs the same email to another record separately, and lists both', async () => {
    const { api, ada, deal } = await setUp()
    await api('POST', '/emails/log', { email, dealId: deal.id })
    const toContact = await api('POST', '/emails/log', { email, contactId: ada.id })
    expect(toContact.status).toBe(201)
    const status = await api('POST', '/emails/status', email)
    expect(status.body.items.map((l: { targetType: string }) => l.targetType).sort()).toEqual(['contact', 'deal'])
  })

  it('recognises an email without a Message-ID by its fingerprint', async () => {
    const { api, deal } = await setUp()
    const { messageId: _unused, ...bare } = email
    expect((await api('POST', '/emails/log', { email: bare, dealId: deal.id })).status).toBe(201)
    expect((await api('POST', '/emails/log', { email: { ...bare, date: '2026-11-20T10:15:05Z' }, dealId: deal.id })).body.alreadyLogged).toBe(true)
    expect((await api('POST', '/emails/log', { email: { ...bare, date: '2026-11-20T11:00:00Z' }, dealId: deal.id })).status).toBe(201)
  })

  it.each([
    { description: 'both a deal and a contact', extra: (d: { id: string }, c: { id: string }) => ({ dealId: d.id, contactId: c.id }), status: 400, code: 'SB_VALIDATION' },
    { description: 'neither', extra: () => ({}), status: 400, code: 'SB_VALIDATION' },
    { description: 'a deal that does not exist', extra: () => ({ dealId: 'dl_01jzzzzzzzzzzzzzzzzzzzzzzz' }), status: 404, code: 'SB_DEAL_NOT_FOUND' },
  ])('refuses $description and stores nothing', async ({ extra, status, code }) => {
    const { t, api, deal, ada } = await setUp()
    const refused = await api('POST', '/emails/log', { email, ...extra(deal, ada) })
    expect(refused).toMatchObject({ status, body: { code } })
    expect(await t.store.db.selectFrom('email_logs').selectAll().execute()).toEqual([])
  })

  it('another workspace cannot log to this deal, and does not see its logs', async () => {
    const { t, api, deal } = await setUp()
    await api('POST', '/emails/log', { email, dealId: deal.id })
    const other = await createWorkspace(t, 'Bravo')
    expect((await api('POST', '/emails/log', { email, dealId: deal.id }, other.token)).status).toBe(404)
    expect((await api('POST', '/emails/status', email, other.token)).body.items).toEqual([])
  })
})
