import { describe, expect, it } from 'vitest'
import { bearer, buildTestApp, createWorkspace, type TestApp } from '../../test/helper.js'

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE'

/** A workspace with a contact, a company and a deal to hang activities on. */
async function setUp () {
  const t = await buildTestApp()
  const ws = await createWorkspace(t)
  const api = caller(t, ws.token)
  const contact = (await api('POST', '/contacts', { name: 'Ada', emails: ['ada@acme.com'] })).json()
  const company = (await api('POST', '/companies', { name: 'Acme', domain: 'acme.com' })).json()
  const deal = (await api('POST', '/deals', { title: 'Deal', contactIds: [contact.id] })).json()
  return { t, ws, api, contact, company, deal }
}

function caller (t: TestApp, token: string) {
  return (method: Method, url: string, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: bearer(token), ...(payload === undefined ? {} : { payload }) })
}

async function activityCount (t: TestApp): Promise<number> {
  return (await t.store.db.selectFrom('activities').select('id').execute()).length
}

describe('activities CRUD', () => {
  it('logs a note, reads it, edits it and deletes it', async () => {
    const { ws, api, contact, deal } = await setUp()
    const created = await api('POST', '/activities', { type: 'note', body: 'Wants a demo next week', contactId: contact.id, dealId: deal.id })
    expect(created.statusCode).toBe(201)
    const note = created.json()
    expect(note).toMatchObject({
      type: 'note', body: 'Wants a demo next week', subject: null, contactId: contact.id, companyId: null, dealId: deal.id,
      authorUserId: ws.ownerId, data: {}, source: 'api',
    })
    expect(note.id).toMatch(/^act_/)
    expect(note.occurredAt).toBe(note.createdAt)
    expect((await api('GET', `/activities/${note.id}`)).json()).toEqual(note)

    const edited = await api('PATCH', `/activities/${note.id}`, { subject: 'Demo', body: 'Demo booked for Tuesday' })
    expect(edited.json()).toMatchObject({ subject: 'Demo', body: 'Demo booked for Tuesday', occurredAt: note.occurredAt })
    expect((await api('PATCH', `/activities/${note.id}`, { subject: null })).json().subject).toBeNull()

    expect((await api('DELETE', `/activities/${note.id}`)).statusCode).toBe(204)
    expect((await api('GET', `/activities/${note.id}`)).json().code).toBe('SB_ACTIVITY_NOT_FOUND')
    expect((await api('DELETE', `/activities/${note.id}`)).statusCode).toBe(404)
  })

  it('logs an email with its headers, normalised, dated when it was sent', async () => {
    const { api, contact, company } = await setUp()
    const logged = await api('POST', '/activities', {
      type: 'email',
      subject: 'Re: pricing',
      body: 'Sounds good.',
      contactId: contact.id,
      companyId: company.id,
      email: { from: 'Ada@Acme.com', to: ['sales@us.example'], cc: ['Boss@Acme.com'], messageId: '<abc@mail.acme.com>', date: '2030-01-02T10:00:00+02:00' },
    })
    expect(logged.statusCode).toBe(201)
    expect(logged.json()).toMatchObject({
      type: 'email',
      subject: 'Re: pricing',
      occurredAt: '2030-01-02T08:00:00.000Z',
      data: { from: 'ada@acme.com', to: ['sales@us.example'], cc: ['boss@acme.com'], messageId: '<abc@mail.acme.com>', date: '2030-01-02T08:00:00.000Z' },
    })
  })

  it('refuses to edit anything but a note', async () => {
    const { t, api, contact, deal } = await setUp()
    const email = (await api('POST', '/activities', { type: 'email', subject: 'Hi', contactId: contact.id, email: { from: 'a@b.example', to: [] } })).json()
    const response = await api('PATCH', `/activities/${email.id}`, { body: 'rewritten history' })
    expect(response.statusCode).toBe(409)
    expect(response.json().code).toBe('SB_ACTIVITY_NOT_EDITABLE')
    const stages = (await api('GET', '/pipelines')).json().items[0].stages
    await api('POST', `/deals/${deal.id}/stage`, { stageId: stages[1].id })
    const [change] = (await api('GET', `/activities?dealId=${deal.id}`)).json().items
    expect(change.type).toBe('stage_change')
    expect((await api('PATCH', `/activities/${change.id}`, { subject: 'x' })).json().code).toBe('SB_ACTIVITY_NOT_EDITABLE')
    expect((await t.store.db.selectFrom('activities').select('subject').where('id', '=', change.id).executeTakeFirstOrThrow()).subject).toBeNull()
  })

  it.each([
    { description: 'a WhatsApp message (system only)', payload: { type: 'whatsapp', body: 'hi' }, field: 'type' },
    { description: 'a stage change (system only)', payload: { type: 'stage_change' }, field: 'type' },
    { description: 'a note without body', payload: { type: 'note' }, field: 'body' },
    { description: 'a note with a blank body', payload: { type: 'note', body: '  \n ' }, field: 'body' },
    { description: 'a note over 20,000 characters', payload: { type: 'note', body: 'x'.repeat(20_001) }, field: 'body' },
    { description: 'a note with email headers', payload: { type: 'note', body: 'x', email: { from: 'a@b.example', to: [] } }, field: 'email' },
    { description: 'an email without subject', payload: { type: 'email', email: { from: 'a@b.example', to: [] } }, field: 'subject' },
    { description: 'an email without headers', payload: { type: 'email', subject: 'Hi' }, field: 'email' },
    { description: 'an email with a malformed recipient', payload: { type: 'email', subject: 'Hi', email: { from: 'a@b.example', to: ['nobody'] } }, field: 'email/to/0' },
    { description: 'an unknown field', payload: { type: 'note', body: 'x', pinned: true }, field: 'pinned' },
  ])('400 SB_VALIDATION naming $field for $description, and stores nothing', async ({ payload, field }) => {
    const { t, api, contact } = await setUp()
    const response = await api('POST', '/activities', { contactId: contact.id, ...payload })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({ code: 'SB_VALIDATION', field })
    expect(await activityCount(t)).toBe(0)
  })

  it('refuses an activity linked to nothing', async () => {
    const { api } = await setUp()
    expect((await api('POST', '/activities', { type: 'note', body: 'floating' })).json()).toMatchObject({ code: 'SB_VALIDATION', field: 'contactId' })
  })

  it.each([
    { description: 'contact', link: 'contactId', code: 'SB_CONTACT_NOT_FOUND', id: 'ct_01hzzzzzzzzzzzzzzzzzzzzzzz' },
    { description: 'company', link: 'companyId', code: 'SB_COMPANY_NOT_FOUND', id: 'co_01hzzzzzzzzzzzzzzzzzzzzzzz' },
    { description: 'deal', link: 'dealId', code: 'SB_DEAL_NOT_FOUND', id: 'dl_01hzzzzzzzzzzzzzzzzzzzzzzz' },
  ])('404 naming the missing $description', async ({ link, code, id }) => {
    const { t, api } = await setUp()
    const response = await api('POST', '/activities', { type: 'note', body: 'x', [link]: id })
    expect(response.statusCode).toBe(404)
    expect(response.json()).toMatchObject({ code, field: link })
    expect(await activityCount(t)).toBe(0)
  })

  it('refuses to link another workspace\'s contact', async () => {
    const { t, api } = await setUp()
    const other = await createWorkspace(t, 'Other')
    const theirs = (await caller(t, other.token)('POST', '/contacts', { name: 'Theirs' })).json()
    expect((await api('POST', '/activities', { type: 'note', body: 'x', contactId: theirs.id })).json()).toMatchObject({ code: 'SB_CONTACT_NOT_FOUND', field: 'contactId' })
  })
})

describe('timelines', () => {
  it('lists a record\'s activities newest first by when they happened, and combines filters', async () => {
    const { api, contact, company, deal } = await setUp()
    const note = (at: string, body: string, links: object) => api('POST', '/activities', { type: 'note', body, occurredAt: at, ...links })
    await note('2030-01-01T09:00:00Z', 'oldest', { contactId: contact.id })
    await note('2030-01-03T09:00:00Z', 'newest', { contactId: contact.id, dealId: deal.id })
    await note('2030-01-02T09:00:00+05:00', 'middle', { contactId: contact.id, companyId: company.id })
    await note('2030-01-02T12:00:00Z', 'company only', { companyId: company.id })
    const bodies = async (query: string) => (await api('GET', `/activities?${query}`)).json().items.map((a: { body: string }) => a.body)
    expect(await bodies(`contactId=${contact.id}`)).toEqual(['newest', 'middle', 'oldest'])
    expect(await bodies(`companyId=${company.id}`)).toEqual(['company only', 'middle'])
    expect(await bodies(`dealId=${deal.id}`)).toEqual(['newest'])
    expect(await bodies(`contactId=${contact.id}&companyId=${company.id}`)).toEqual(['middle'])
  })

  it('walks every page once, with ties in time broken by id', async () => {
    const { api, contact } = await setUp()
    const ids: string[] = []
    for (const at of ['2030-01-01T00:00:00Z', '2030-01-02T00:00:00Z', '2030-01-02T00:00:00Z', '2030-01-02T00:00:00Z', '2030-01-03T00:00:00Z']) {
      ids.push((await api('POST', '/activities', { type: 'note', body: at, occurredAt: at, contactId: contact.id })).json().id)
    }
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page: { items: Array<{ id: string }>, nextCursor: string | null } = (await api('GET', `/activities?contactId=${contact.id}&limit=2${cursor === null ? '' : `&cursor=${cursor}`}`)).json()
      seen.push(...page.items.map((a) => a.id))
      cursor = page.nextCursor
    } while (cursor !== null)
    const [first, a, b, c, last] = ids
    expect(seen).toEqual([last, ...[a, b, c].sort().reverse(), first])
  })

  it('refuses a cursor it did not issue, including an id cursor from another list', async () => {
    const { api, contact } = await setUp()
    const idCursor = Buffer.from(contact.id).toString('base64url')
    expect((await api('GET', `/activities?cursor=${idCursor}`)).json()).toMatchObject({ code: 'SB_CURSOR_INVALID', field: 'cursor' })
  })

  it('shows only the caller\'s workspace', async () => {
    const { t, api, contact } = await setUp()
    await api('POST', '/activities', { type: 'note', body: 'ours', contactId: contact.id })
    const other = await createWorkspace(t, 'Other')
    expect((await caller(t, other.token)('GET', '/activities')).json().items).toEqual([])
    expect((await caller(t, other.token)('GET', `/activities?contactId=${contact.id}`)).json().items).toEqual([])
  })
})
