import { describe, expect, it } from 'vitest'
import type { KyselyPlugin } from 'kysely'
import { bearer, buildTestApp, createWorkspace, type TestApp } from '../../test/helper.js'
import { createAddonView } from './view-query.js'
import { createContactsRepository } from '../crm/contacts-repository.js'

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE'

function caller (t: TestApp, token: string) {
  return (method: Method, url: string, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: bearer(token), ...(payload === undefined ? {} : { payload }) })
}

/** Counts the SQL statements run through the store it is plugged into. */
function queryCounter (): { plugin: KyselyPlugin, count: () => number } {
  let count = 0
  return {
    plugin: {
      transformQuery: (args) => args.node,
      // Called once per statement run; transformQuery also sees every subquery.
      transformResult: async (args) => { count++; return args.result },
    },
    count: () => count,
  }
}

/**
 * Ada (two addresses, at Acme) with an open, a won and a lost deal and a long timeline;
 * Bob (Globex's domain, no company); a Globex company for strangers; and a second
 * workspace that holds the same address as Ada, which must never show.
 */
async function setUp () {
  const t = await buildTestApp()
  const ws = await createWorkspace(t)
  const api = caller(t, ws.token)
  const stages = (await api('GET', '/pipelines')).json().items[0].stages as Array<{ id: string, name: string }>
  const stage = (name: string) => stages.find((s) => s.name === name)!.id
  const acme = (await api('POST', '/companies', { name: 'Acme', domain: 'acme.com' })).json()
  const globex = (await api('POST', '/companies', { name: 'Globex', domain: 'globex.com' })).json()
  const ada = (await api('POST', '/contacts', { name: 'Ada', emails: ['ada@acme.com', 'ada@home.example'], companyId: acme.id })).json()
  const bob = (await api('POST', '/contacts', { name: 'Bob', emails: ['bob@globex.com'] })).json()
  const open = (await api('POST', '/deals', { title: 'Open deal', amount: 99.5, currency: 'USD', contactIds: [ada.id] })).json()
  const won = (await api('POST', '/deals', { title: 'Won deal', stageId: stage('Won'), contactIds: [ada.id] })).json()
  await api('POST', '/deals', { title: 'Lost deal', stageId: stage('Lost'), contactIds: [ada.id] })

  const note = async (day: number, links: object) =>
    (await api('POST', '/activities', { type: 'note', body: `day ${day}`, occurredAt: `2030-01-${String(day).padStart(2, '0')}T00:00:00Z`, ...links })).json()
  for (let day = 1; day <= 6; day++) await note(day, { contactId: ada.id })
  await note(7, { dealId: open.id })
  await note(8, { contactId: ada.id, dealId: open.id })
  await note(9, { dealId: won.id })

  const other = await createWorkspace(t, 'Other')
  const theirs = (await caller(t, other.token)('POST', '/contacts', { name: 'Not Ada', emails: ['ada@acme.com'] })).json()
  await caller(t, other.token)('POST', '/companies', { name: 'Their Globex', domain: 'globex.com' })
  return { t, ws, api, acme, globex, ada, bob, open, theirs, other }
}

describe('POST /addon/view', () => {
  it('returns matched contacts with company, open deals and recent activity, unmatched addresses and domain matches', async () => {
    const { api, acme, globex, ada, bob, open, theirs } = await setUp()
    const response = await api('POST', '/addon/view', {
      emails: ['Ada@Acme.com', 'stranger@globex.com', 'bob@globex.com', 'ada@home.example', 'nobody@nowhere.example', 'stranger@globex.com'],
    })
    expect(response.statusCode).toBe(200)
    const view = response.json()
    expect(view.contacts.map((c: { contact: { id: string } }) => c.contact.id)).toEqual([ada.id, bob.id])

    const [adaCard, bobCard] = view.contacts
    expect(adaCard.contact).toEqual(ada)
    expect(adaCard.company).toEqual(acme)
    expect(adaCard.openDeals).toEqual([{
      id: open.id, title: 'Open deal', amount: 99.5, currency: 'USD', pipelineId: open.pipelineId, pipelineName: 'Sales', stageId: open.stageId, stageName: 'Lead', status: 'open',
    }])
    // Newest five on Ada or her open deal; day 8 is on both and shows once; day 9 is on the won deal.
    expect(adaCard.recentActivities.map((a: { body: string }) => a.body)).toEqual(['day 8', 'day 7', 'day 6', 'day 5', 'day 4'])

    expect(bobCard).toEqual({ contact: bob, company: null, openDeals: [], recentActivities: [], whatsapp: { windowOpenUntil: null, recentMessages: [] } })
    expect(view.unmatchedEmails).toEqual(['stranger@globex.com', 'nobody@nowhere.example'])
    expect(view.companiesByDomain).toEqual([{ domain: 'globex.com', company: globex }])
    expect(response.body).not.toContain(theirs.id)
  })

  it('shows a contact\'s twenty newest open deals, no more', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const api = caller(t, ws.token)
    const ada = (await api('POST', '/contacts', { name: 'Ada', emails: ['ada@acme.com'] })).json()
    const ids: string[] = []
    for (let i = 0; i < 21; i++) ids.push((await api('POST', '/deals', { title: `Deal ${i}`, contactIds: [ada.id] })).json().id)
    const [card] = (await api('POST', '/addon/view', { emails: ['ada@acme.com'] })).json().contacts
    expect(card.openDeals.map((d: { id: string }) => d.id)).toEqual([...ids].sort().reverse().slice(0, 20))
  })

  it('answers an email nobody is known on with empty lists', async () => {
    const { api } = await setUp()
    const view = (await api('POST', '/addon/view', { emails: ['x@unknown.example'] })).json()
    expect(view).toEqual({ contacts: [], unmatchedEmails: ['x@unknown.example'], companiesByDomain: [], emailLogs: [] })
  })

  it('adds each card\'s WhatsApp window and newest messages, and where the open email is logged, still in one request', async () => {
    const { t, api, ada, open } = await setUp()
    const ws = (await t.app.services.workspaces.listAll())[0]!.id
    const lastWrote = new Date(Date.now() - 3_600_000).toISOString()
    await t.store.db.updateTable('contacts').set({ last_inbound_at: lastWrote }).where('id', '=', ada.id).execute()
    for (const text of ['one', 'two', 'three', 'four']) {
      await t.app.services.whatsapp.messages.recordInbound(ws, { contactId: ada.id, phoneNumberId: '1', waId: '1', wamid: `wamid.${text}`, type: 'text', body: text, contextWamid: null, receivedAt: new Date().toISOString() })
    }
    const message = { messageId: '<m-1@acme.com>', subject: 'Hello', from: 'ada@acme.com', to: ['us@acme.example'], date: '2026-11-20T10:00:00Z' }
    await api('POST', '/emails/log', { email: message, dealId: open.id })
    const view = (await api('POST', '/addon/view', { emails: ['ada@acme.com'], message })).json()
    expect(view.contacts[0].whatsapp.windowOpenUntil).toBe(new Date(Date.parse(lastWrote) + 24 * 3_600_000).toISOString())
    expect(view.contacts[0].whatsapp.recentMessages.map((m: { body: string }) => m.body)).toEqual(['four', 'three', 'two'])
    expect(view.emailLogs).toEqual([expect.objectContaining({ targetType: 'deal', targetId: open.id, targetName: 'Open deal' })])
  })

  it('shows the other workspace only its own records for the same addresses', async () => {
    const { t, other, theirs, ada } = await setUp()
    const response = await caller(t, other.token)('POST', '/addon/view', { emails: ['ada@acme.com', 'stranger@globex.com'] })
    const view = response.json()
    expect(view.contacts.map((c: { contact: { id: string } }) => c.contact.id)).toEqual([theirs.id])
    expect(view.contacts[0].openDeals).toEqual([])
    expect(view.companiesByDomain.map((c: { company: { name: string } }) => c.company.name)).toEqual(['Their Globex'])
    expect(response.body).not.toContain(ada.id)
  })

  it.each([
    { description: 'no addresses', payload: { emails: [] }, field: 'emails' },
    { description: '51 addresses', payload: { emails: Array.from({ length: 51 }, (_, i) => `a${i}@x.example`) }, field: 'emails' },
    { description: 'a malformed address', payload: { emails: ['ada@acme.com', 'not an email'] }, field: 'emails/1' },
    { description: 'an unknown field', payload: { emails: ['ada@acme.com'], threadId: 'x' }, field: 'threadId' },
  ])('400 SB_VALIDATION for $description', async ({ payload, field }) => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const response = await caller(t, ws.token)('POST', '/addon/view', payload)
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({ code: 'SB_VALIDATION', field })
  })
})

describe('query budget', () => {
  it('runs the same five queries for one contact as for many (no query per contact)', async () => {
    const { t, ws, api, ada, bob } = await setUp()
    const carl = (await api('POST', '/contacts', { name: 'Carl', emails: ['carl@acme.com'], companyId: ada.companyId })).json()
    const deal = (await api('POST', '/deals', { title: 'Carl deal', contactIds: [carl.id, bob.id] })).json()
    await api('POST', '/activities', { type: 'note', body: 'hi', dealId: deal.id })

    const one = queryCounter()
    await createAddonView(t.store.db.withPlugin(one.plugin)).view(ws.workspaceId, ['ada@acme.com'])
    const many = queryCounter()
    const view = await createAddonView(t.store.db.withPlugin(many.plugin)).view(ws.workspaceId, ['ada@acme.com', 'bob@globex.com', 'carl@acme.com', 'x@globex.com'])
    expect(view.contacts).toHaveLength(3)
    expect(one.count()).toBe(5)
    expect(many.count()).toBe(5)
  })

  it.each([
    { description: 'email', by: { email: 'ADA@acme.com' } },
    { description: 'phone in E.164', by: { phone: '+14155550123' } },
  ])('looks a contact up by $description in one query, with all its emails and phones in order', async ({ by }) => {
    const { t, ws, api, ada } = await setUp()
    await api('PATCH', `/contacts/${ada.id}`, { emails: ['ada@acme.com', 'lovelace@acme.com'], phones: ['+14155550123', '+14155550124'] })
    const counter = queryCounter()
    const found = await createContactsRepository(t.store.db.withPlugin(counter.plugin), t.store.dialect).lookup(ws.workspaceId, by)
    expect(found).toMatchObject({ id: ada.id, emails: ['ada@acme.com', 'lovelace@acme.com'], phones: ['+14155550123', '+14155550124'] })
    expect(counter.count()).toBe(1)
  })
})
