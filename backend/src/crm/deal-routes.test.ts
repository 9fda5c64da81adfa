import { describe, expect, it } from 'vitest'
import { addUser, bearer, buildTestApp, createWorkspace, type TestApp } from '../../test/helper.js'

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE'

interface Stage { id: string, name: string, outcome: 'won' | 'lost' | null }

/** A workspace with its default Sales pipeline (Lead, Qualified, Proposal, Negotiation, Won, Lost). */
async function setUp () {
  const t = await buildTestApp()
  const ws = await createWorkspace(t)
  const api = caller(t, ws.token)
  const sales = (await api('GET', '/pipelines')).json().items[0]
  const stage = (name: string): Stage => sales.stages.find((s: Stage) => s.name === name)
  return { t, ws, api, sales, stage }
}

function caller (t: TestApp, token: string) {
  return (method: Method, url: string, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: bearer(token), ...(payload === undefined ? {} : { payload }) })
}

async function stageChanges (t: TestApp, dealId: string) {
  return t.store.db.selectFrom('activities').selectAll().where('deal_id', '=', dealId).where('type', '=', 'stage_change').orderBy('occurred_at').execute()
}

describe('deals CRUD', () => {
  it('creates a deal in the first stage of the first pipeline, reads, changes and deletes it', async () => {
    const { t, ws, api, sales, stage } = await setUp()
    const acme = (await api('POST', '/companies', { name: 'Acme' })).json()
    const ada = (await api('POST', '/contacts', { name: 'Ada' })).json()
    const created = await api('POST', '/deals', {
      title: ' Annual plan ', amount: 1200.5, currency: 'eur', contactIds: [ada.id, ada.id], companyId: acme.id, ownerUserId: ws.ownerId, expectedClose: '2030-06-30',
    })
    expect(created.statusCode).toBe(201)
    const deal = created.json()
    expect(deal).toMatchObject({
      title: 'Annual plan', amount: 1200.5, currency: 'EUR', pipelineId: sales.id, stageId: stage('Lead').id, status: 'open',
      contactIds: [ada.id], companyId: acme.id, ownerUserId: ws.ownerId, expectedClose: '2030-06-30', source: 'api',
    })
    expect(deal.id).toMatch(/^dl_/)
    const stored = await t.store.db.selectFrom('deals').select(['amount_minor', 'search_title']).where('id', '=', deal.id).executeTakeFirstOrThrow()
    expect(stored).toEqual({ amount_minor: 120050, search_title: 'annual plan' })
    expect((await api('GET', `/deals/${deal.id}`)).json()).toEqual(deal)

    const patched = await api('PATCH', `/deals/${deal.id}`, { title: 'Two-year plan', amount: 2400, expectedClose: null, companyId: null, contactIds: [] })
    expect(patched.json()).toMatchObject({ title: 'Two-year plan', amount: 2400, currency: 'EUR', expectedClose: null, companyId: null, contactIds: [] })
    expect(await stageChanges(t, deal.id)).toHaveLength(0)

    expect((await api('DELETE', `/deals/${deal.id}`)).statusCode).toBe(204)
    expect((await api('GET', `/deals/${deal.id}`)).json().code).toBe('SB_DEAL_NOT_FOUND')
    expect((await api('DELETE', `/deals/${deal.id}`)).statusCode).toBe(404)
  })

  it('deleting a deal drops its stage history but keeps a note that also belongs to a contact', async () => {
    const { t, api, stage } = await setUp()
    const ada = (await api('POST', '/contacts', { name: 'Ada' })).json()
    const deal = (await api('POST', '/deals', { title: 'Deal', contactIds: [ada.id] })).json()
    await api('POST', `/deals/${deal.id}/stage`, { stageId: stage('Qualified').id })
    const note = (await api('POST', '/activities', { type: 'note', body: 'Budget approved', dealId: deal.id, contactId: ada.id })).json()
    await api('DELETE', `/deals/${deal.id}`)
    expect(await stageChanges(t, deal.id)).toHaveLength(0)
    expect((await api('GET', `/activities/${note.id}`)).json()).toMatchObject({ contactId: ada.id, dealId: null })
  })

  it.each([
    { description: 'an unknown field', payload: { title: 'x', value: 3 }, code: 'SB_VALIDATION', field: 'value', status: 400 },
    { description: 'a blank title', payload: { title: '  ' }, code: 'SB_VALIDATION', field: 'title', status: 400 },
    { description: 'an amount without currency', payload: { title: 'x', amount: 10 }, code: 'SB_VALIDATION', field: 'currency', status: 400 },
    { description: 'a currency Intl does not know', payload: { title: 'x', amount: 10, currency: 'XYZ' }, code: 'SB_VALIDATION', field: 'currency', status: 400 },
    { description: 'cents in yen', payload: { title: 'x', amount: 100.5, currency: 'JPY' }, code: 'SB_VALIDATION', field: 'amount', status: 400 },
    { description: 'a third decimal in dollars', payload: { title: 'x', amount: 9.999, currency: 'USD' }, code: 'SB_VALIDATION', field: 'amount', status: 400 },
    { description: 'a negative amount', payload: { title: 'x', amount: -1, currency: 'USD' }, code: 'SB_VALIDATION', field: 'amount', status: 400 },
    { description: 'an impossible date', payload: { title: 'x', expectedClose: '2030-02-30' }, code: 'SB_VALIDATION', field: 'expectedClose', status: 400 },
    { description: 'a missing contact', payload: { title: 'x', contactIds: ['ct_01hzzzzzzzzzzzzzzzzzzzzzzz'] }, code: 'SB_CONTACT_NOT_FOUND', field: 'contactIds/0', status: 404 },
    { description: 'a missing company', payload: { title: 'x', companyId: 'co_01hzzzzzzzzzzzzzzzzzzzzzzz' }, code: 'SB_COMPANY_NOT_FOUND', field: 'companyId', status: 404 },
    { description: 'a missing owner', payload: { title: 'x', ownerUserId: 'usr_01hzzzzzzzzzzzzzzzzzzzzzzz' }, code: 'SB_OWNER_NOT_FOUND', field: 'ownerUserId', status: 404 },
    { description: 'a missing pipeline', payload: { title: 'x', pipelineId: 'pl_01hzzzzzzzzzzzzzzzzzzzzzzz' }, code: 'SB_PIPELINE_NOT_FOUND', field: 'pipelineId', status: 404 },
    { description: 'a missing stage', payload: { title: 'x', stageId: 'st_01hzzzzzzzzzzzzzzzzzzzzzzz' }, code: 'SB_STAGE_NOT_FOUND', field: 'stageId', status: 404 },
  ])('refuses $description with $code and stores nothing', async ({ payload, code, field, status }) => {
    const { t, api } = await setUp()
    const response = await api('POST', '/deals', payload)
    expect(response.statusCode).toBe(status)
    expect(response.json()).toMatchObject({ code, field })
    expect(await t.store.db.selectFrom('deals').select('id').execute()).toHaveLength(0)
  })

  it('names the missing one of several contacts, including another workspace\'s', async () => {
    const { t, api } = await setUp()
    const other = await createWorkspace(t, 'Other')
    const theirs = (await caller(t, other.token)('POST', '/contacts', { name: 'Theirs' })).json()
    const ours = (await api('POST', '/contacts', { name: 'Ours' })).json()
    const response = await api('POST', '/deals', { title: 'x', contactIds: [ours.id, theirs.id] })
    expect(response.json()).toMatchObject({ code: 'SB_CONTACT_NOT_FOUND', field: 'contactIds/1' })
  })

  it('re-checks the amount against a new currency, and refuses to drop the currency of an amount', async () => {
    const { api } = await setUp()
    const deal = (await api('POST', '/deals', { title: 'x', amount: 19.99, currency: 'USD' })).json()
    expect((await api('PATCH', `/deals/${deal.id}`, { currency: 'JPY' })).json()).toMatchObject({ code: 'SB_VALIDATION', field: 'amount' })
    expect((await api('PATCH', `/deals/${deal.id}`, { currency: null })).json()).toMatchObject({ code: 'SB_VALIDATION', field: 'currency' })
    expect((await api('PATCH', `/deals/${deal.id}`, { currency: 'KWD' })).json()).toMatchObject({ amount: 19.99, currency: 'KWD' })
    expect((await api('PATCH', `/deals/${deal.id}`, { amount: null, currency: null })).json()).toMatchObject({ amount: null, currency: null })
  })
})

describe('deal placement', () => {
  it('puts a deal named by stage alone into that stage\'s pipeline, with the status of its outcome', async () => {
    const { api } = await setUp()
    const renewals = (await api('POST', '/pipelines', { name: 'Renewals', stages: [{ name: 'Due' }, { name: 'Renewed', outcome: 'won' }] })).json()
    const deal = (await api('POST', '/deals', { title: 'x', stageId: renewals.stages[1].id })).json()
    expect(deal).toMatchObject({ pipelineId: renewals.id, stageId: renewals.stages[1].id, status: 'won' })
    const first = (await api('POST', '/deals', { title: 'y', pipelineId: renewals.id })).json()
    expect(first).toMatchObject({ pipelineId: renewals.id, stageId: renewals.stages[0].id, status: 'open' })
  })

  it('refuses a stage that is not in the named pipeline', async () => {
    const { api, sales } = await setUp()
    const renewals = (await api('POST', '/pipelines', { name: 'Renewals', stages: [{ name: 'Due' }] })).json()
    const response = await api('POST', '/deals', { title: 'x', pipelineId: sales.id, stageId: renewals.stages[0].id })
    expect(response.json()).toMatchObject({ code: 'SB_STAGE_NOT_FOUND', field: 'stageId' })
  })
})

describe('stage moves', () => {
  it.each([
    { description: 'an open stage', to: 'Qualified', status: 'open' },
    { description: 'the won stage', to: 'Won', status: 'won' },
    { description: 'the lost stage', to: 'Lost', status: 'lost' },
  ])('moving to $description writes exactly one stage_change and sets status $status', async ({ to, status }) => {
    const { t, ws, api, stage } = await setUp()
    const deal = (await api('POST', '/deals', { title: 'x' })).json()
    const moved = await api('POST', `/deals/${deal.id}/stage`, { stageId: stage(to).id })
    expect(moved.statusCode).toBe(200)
    expect(moved.json()).toMatchObject({ stageId: stage(to).id, status })
    const changes = await stageChanges(t, deal.id)
    expect(changes).toHaveLength(1)
    expect(changes[0]).toMatchObject({ author_user_id: ws.ownerId, contact_id: null, source: 'api' })
    expect(JSON.parse(changes[0]!.data)).toEqual({ fromStageId: stage('Lead').id, toStageId: stage(to).id, fromStage: 'Lead', toStage: to })
  })

  it('reopens a won deal moved back to an open stage, and records each move', async () => {
    const { t, api, stage } = await setUp()
    const deal = (await api('POST', '/deals', { title: 'x', stageId: stage('Won').id })).json()
    expect(deal.status).toBe('won')
    const reopened = (await api('PATCH', `/deals/${deal.id}`, { stageId: stage('Negotiation').id })).json()
    expect(reopened).toMatchObject({ status: 'open', stageId: stage('Negotiation').id })
    expect(await stageChanges(t, deal.id)).toHaveLength(1)
  })

  it('writes nothing for a move to the stage the deal is already in', async () => {
    const { t, api, stage } = await setUp()
    const deal = (await api('POST', '/deals', { title: 'x' })).json()
    expect((await api('POST', `/deals/${deal.id}/stage`, { stageId: stage('Lead').id })).statusCode).toBe(200)
    expect((await api('PATCH', `/deals/${deal.id}`, { stageId: stage('Lead').id, title: 'y' })).json().title).toBe('y')
    expect(await stageChanges(t, deal.id)).toHaveLength(0)
  })

  it('records the author of a move made by an agent', async () => {
    const { t, ws, stage } = await setUp()
    const agent = await addUser(t, ws, 'agent')
    const api = caller(t, agent.token)
    const deal = (await api('POST', '/deals', { title: 'x' })).json()
    await api('POST', `/deals/${deal.id}/stage`, { stageId: stage('Proposal').id })
    expect((await stageChanges(t, deal.id))[0]!.author_user_id).toBe(agent.userId)
  })

  it('moves to another pipeline\'s first stage with PATCH pipelineId, recording both pipelines', async () => {
    const { t, api, sales, stage } = await setUp()
    const renewals = (await api('POST', '/pipelines', { name: 'Renewals', stages: [{ name: 'Due' }, { name: 'Renewed', outcome: 'won' }] })).json()
    const deal = (await api('POST', '/deals', { title: 'x' })).json()
    const moved = (await api('PATCH', `/deals/${deal.id}`, { pipelineId: renewals.id })).json()
    expect(moved).toMatchObject({ pipelineId: renewals.id, stageId: renewals.stages[0].id, status: 'open' })
    const [change] = await stageChanges(t, deal.id)
    expect(JSON.parse(change!.data)).toEqual({
      fromStageId: stage('Lead').id, toStageId: renewals.stages[0].id, fromStage: 'Lead', toStage: 'Due', fromPipelineId: sales.id, toPipelineId: renewals.id,
    })
  })

  it('refuses a stage of another pipeline on the stage route, and changes nothing', async () => {
    const { t, api, stage } = await setUp()
    const renewals = (await api('POST', '/pipelines', { name: 'Renewals', stages: [{ name: 'Due' }] })).json()
    const deal = (await api('POST', '/deals', { title: 'x' })).json()
    const response = await api('POST', `/deals/${deal.id}/stage`, { stageId: renewals.stages[0].id })
    expect(response.statusCode).toBe(404)
    expect(response.json()).toMatchObject({ code: 'SB_STAGE_NOT_FOUND', field: 'stageId' })
    expect((await api('GET', `/deals/${deal.id}`)).json().stageId).toBe(stage('Lead').id)
    expect(await stageChanges(t, deal.id)).toHaveLength(0)
  })

  it('rolls the move back when another change in the same request fails', async () => {
    const { t, api, stage } = await setUp()
    const deal = (await api('POST', '/deals', { title: 'x' })).json()
    const response = await api('PATCH', `/deals/${deal.id}`, { stageId: stage('Won').id, ownerUserId: 'usr_01hzzzzzzzzzzzzzzzzzzzzzzz' })
    expect(response.json().code).toBe('SB_OWNER_NOT_FOUND')
    expect((await api('GET', `/deals/${deal.id}`)).json()).toMatchObject({ stageId: stage('Lead').id, status: 'open' })
    expect(await stageChanges(t, deal.id)).toHaveLength(0)
  })
})

describe('deal list', () => {
  it('walks every page once, newest first', async () => {
    const { api } = await setUp()
    const ids: string[] = []
    for (let i = 0; i < 5; i++) ids.push((await api('POST', '/deals', { title: `Deal ${i}` })).json().id)
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page: { items: Array<{ id: string }>, nextCursor: string | null } = (await api('GET', `/deals?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`)).json()
      seen.push(...page.items.map((d) => d.id))
      cursor = page.nextCursor
    } while (cursor !== null)
    expect(seen).toEqual([...ids].sort().reverse())
  })

  it('filters by pipeline, stage, status, contact, company and title', async () => {
    const { api, stage } = await setUp()
    const renewals = (await api('POST', '/pipelines', { name: 'Renewals', stages: [{ name: 'Due' }] })).json()
    const acme = (await api('POST', '/companies', { name: 'Acme' })).json()
    const ada = (await api('POST', '/contacts', { name: 'Ada' })).json()
    await api('POST', '/deals', { title: 'Café order', contactIds: [ada.id] })
    await api('POST', '/deals', { title: 'Won deal', stageId: stage('Won').id, companyId: acme.id })
    await api('POST', '/deals', { title: 'Renewal', pipelineId: renewals.id, contactIds: [ada.id], companyId: acme.id })
    const titles = async (query: string) => (await api('GET', `/deals?${query}`)).json().items.map((d: { title: string }) => d.title).sort()
    expect(await titles(`pipelineId=${renewals.id}`)).toEqual(['Renewal'])
    expect(await titles(`stageId=${stage('Lead').id}`)).toEqual(['Café order'])
    expect(await titles('status=won')).toEqual(['Won deal'])
    expect(await titles('status=open')).toEqual(['Café order', 'Renewal'])
    expect(await titles(`contactId=${ada.id}`)).toEqual(['Café order', 'Renewal'])
    expect(await titles(`companyId=${acme.id}&status=open`)).toEqual(['Renewal'])
    expect(await titles('q=CAFE')).toEqual(['Café order'])
    expect(await titles('q=%25')).toEqual([])
    expect((await api('GET', '/deals?status=pending')).json()).toMatchObject({ code: 'SB_VALIDATION', field: 'status' })
  })
})
