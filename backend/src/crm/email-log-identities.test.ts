import { describe, expect, it } from 'vitest'
import { bearer, buildTestApp, createWorkspace } from '../../test/helper.js'

// Issue 16, defect 5: Outlook has no Message-ID for a sent item until it syncs. Logged before
// and after, the same email must be logged once; an email that only shares the fingerprint
// (its own Message-ID) is still another email.

async function setUp () {
  const t = await buildTestApp()
  const ws = await createWorkspace(t)
  const api = async (method: 'GET' | 'POST', url: string, payload?: object) => {
    const r = await t.app.inject({ method, url: `/api/v1${url}`, headers: bearer(ws.token), ...(payload === undefined ? {} : { payload }) })
    return { status: r.statusCode, body: r.json() }
  }
  const ada = (await api('POST', '/contacts', { name: 'Ada', emails: ['ada@analytical.example'] })).body
  const deal = (await api('POST', '/deals', { title: 'Engine order', contactIds: [ada.id] })).body
  const emailActivities = async (): Promise<unknown[]> => (await api('GET', `/activities?dealId=${deal.id as string}`)).body.items.filter((a: { type: string }) => a.type === 'email')
  return { api, deal, emailActivities }
}

const sent = { subject: 'Engine specs', from: 'sales@acme.example', to: ['ada@analytical.example'], cc: [], date: '2026-11-20T10:15:42Z' }

describe('email identities', () => {
  it('logs an email once when its Message-ID appears after the first log, and finds it by either identity', async () => {
    const { api, deal, emailActivities } = await setUp()
    const before = await api('POST', '/emails/log', { email: sent, dealId: deal.id, client: 'outlook' })
    expect(before.status).toBe(201)
    const after = await api('POST', '/emails/log', { email: { ...sent, messageId: '<Sent-1@acme.example>' }, dealId: deal.id, client: 'outlook' })
    expect(after.status).toBe(200)
    expect(after.body).toMatchObject({ alreadyLogged: true, log: { activityId: before.body.log.activityId } })
    expect(await emailActivities()).toHaveLength(1)
    // Outlook (or Gmail) showing it with the Message-ID only, at another minute: still the same log.
    const view = await api('POST', '/addon/view', { emails: ['ada@analytical.example'], message: { ...sent, date: '2026-11-20T11:00:00Z', messageId: 'sent-1@acme.example' } })
    expect(view.body.emailLogs.map((l: { activityId: string }) => l.activityId)).toEqual([before.body.log.activityId])
    // And without it again, by the fingerprint.
    const again = await api('POST', '/emails/log', { email: sent, dealId: deal.id, client: 'outlook' })
    expect(again.body).toMatchObject({ alreadyLogged: true })
    expect(await emailActivities()).toHaveLength(1)
  })

  it('finds a log made with a Message-ID when a client later shows the email without one', async () => {
    const { api, deal, emailActivities } = await setUp()
    const first = await api('POST', '/emails/log', { email: { ...sent, messageId: '<Sent-2@acme.example>' }, dealId: deal.id, client: 'outlook' })
    expect(first.status).toBe(201)
    const later = await api('POST', '/emails/log', { email: sent, dealId: deal.id, client: 'outlook' })
    expect(later.body).toMatchObject({ alreadyLogged: true, log: { activityId: first.body.log.activityId } })
    expect(await emailActivities()).toHaveLength(1)
  })

  it('still logs a different email that shares sender, recipients, subject and minute but has its own Message-ID', async () => {
    const { api, deal, emailActivities } = await setUp()
    await api('POST', '/emails/log', { email: sent, dealId: deal.id, client: 'outlook' })
    // The first email learns its Message-ID…
    await api('POST', '/emails/log', { email: { ...sent, messageId: '<one@acme.example>' }, dealId: deal.id, client: 'outlook' })
    // …so another one in the same minute is not taken for it.
    const other = await api('POST', '/emails/log', { email: { ...sent, messageId: '<two@acme.example>' }, dealId: deal.id, client: 'outlook' })
    expect(other.status).toBe(201)
    expect(other.body.alreadyLogged).toBe(false)
    const third = await api('POST', '/emails/log', { email: { ...sent, messageId: '<three@acme.example>' }, dealId: deal.id, client: 'outlook' })
    expect(third.status).toBe(201)
    expect(await emailActivities()).toHaveLength(3)
  })
})
