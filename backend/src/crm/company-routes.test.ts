import { describe, expect, it } from 'vitest'
import { bearer, buildTestApp, createWorkspace, type TestApp } from '../../test/helper.js'

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE'

async function setUp () {
  const t = await buildTestApp()
  const ws = await createWorkspace(t)
  return { t, ws, api: caller(t, ws.token) }
}

function caller (t: TestApp, token: string) {
  return (method: Method, url: string, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: bearer(token), ...(payload === undefined ? {} : { payload }) })
}

async function companyCount (t: TestApp): Promise<number> {
  return Number((await t.store.db.selectFrom('companies').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
}

describe('companies CRUD', () => {
  it('creates a company with its domain normalised, reads, renames, clears the domain and deletes it', async () => {
    const { api } = await setUp()
    const created = await api('POST', '/companies', { name: ' Acme Corp ', domain: 'https://www.Acme.com/about' })
    expect(created.statusCode).toBe(201)
    const company = created.json()
    expect(company).toMatchObject({ name: 'Acme Corp', domain: 'acme.com' })
    expect(company.id).toMatch(/^co_/)
    expect((await api('GET', `/companies/${company.id}`)).json()).toEqual(company)

    const renamed = await api('PATCH', `/companies/${company.id}`, { name: 'Acme Inc', domain: 'acme.io' })
    expect(renamed.json()).toMatchObject({ name: 'Acme Inc', domain: 'acme.io' })
    const cleared = await api('PATCH', `/companies/${company.id}`, { domain: null })
    expect(cleared.json()).toMatchObject({ name: 'Acme Inc', domain: null })

    expect((await api('DELETE', `/companies/${company.id}`)).statusCode).toBe(204)
    expect((await api('GET', `/companies/${company.id}`)).json().code).toBe('SB_COMPANY_NOT_FOUND')
    expect((await api('DELETE', `/companies/${company.id}`)).statusCode).toBe(404)
  })

  it('deleting a company unlinks its contacts and deals, keeps activities others hold, and drops those only it held', async () => {
    const { api } = await setUp()
    const acme = (await api('POST', '/companies', { name: 'Acme', domain: 'acme.com' })).json()
    const ada = (await api('POST', '/contacts', { name: 'Ada', companyId: acme.id })).json()
    const deal = (await api('POST', '/deals', { title: 'Big one', companyId: acme.id })).json()
    const shared = (await api('POST', '/activities', { type: 'note', body: 'Met at the fair', contactId: ada.id, companyId: acme.id })).json()
    const own = (await api('POST', '/activities', { type: 'note', body: 'Acme moved offices', companyId: acme.id })).json()

    expect((await api('DELETE', `/companies/${acme.id}`)).statusCode).toBe(204)
    expect((await api('GET', `/contacts/${ada.id}`)).json().companyId).toBeNull()
    expect((await api('GET', `/deals/${deal.id}`)).json().companyId).toBeNull()
    expect((await api('GET', `/activities/${shared.id}`)).json()).toMatchObject({ contactId: ada.id, companyId: null })
    expect((await api('GET', `/activities/${own.id}`)).statusCode).toBe(404)
  })
})

describe('company domains', () => {
  it.each([
    { description: 'the same domain', domain: 'acme.com' },
    { description: 'capitals', domain: 'ACME.Com' },
    { description: 'www', domain: 'www.acme.com' },
    { description: 'a URL', domain: 'http://acme.com:8080/pricing' },
  ])('409 with the holder\'s id for $description, and nothing stored', async ({ domain }) => {
    const { t, api } = await setUp()
    const acme = (await api('POST', '/companies', { name: 'Acme', domain: 'acme.com' })).json()
    const response = await api('POST', '/companies', { name: 'Acme again', domain })
    expect(response.statusCode).toBe(409)
    expect(response.json()).toMatchObject({ code: 'SB_COMPANY_DUPLICATE', field: 'domain', existingId: acme.id })
    expect(await companyCount(t)).toBe(1)
  })

  it('on PATCH: taking another company\'s domain is 409, keeping one\'s own is fine', async () => {
    const { api } = await setUp()
    const acme = (await api('POST', '/companies', { name: 'Acme', domain: 'acme.com' })).json()
    const globex = (await api('POST', '/companies', { name: 'Globex', domain: 'globex.com' })).json()
    const steal = await api('PATCH', `/companies/${globex.id}`, { domain: 'www.acme.com' })
    expect(steal.json()).toMatchObject({ code: 'SB_COMPANY_DUPLICATE', field: 'domain', existingId: acme.id })
    expect((await api('GET', `/companies/${globex.id}`)).json().domain).toBe('globex.com')
    expect((await api('PATCH', `/companies/${acme.id}`, { name: 'Acme Co', domain: 'ACME.com' })).statusCode).toBe(200)
  })

  it('lets many companies have no domain, and the same domain live in two workspaces', async () => {
    const { t, api } = await setUp()
    expect((await api('POST', '/companies', { name: 'One' })).statusCode).toBe(201)
    expect((await api('POST', '/companies', { name: 'Two', domain: null })).statusCode).toBe(201)
    expect((await api('POST', '/companies', { name: 'Acme', domain: 'acme.com' })).statusCode).toBe(201)
    const other = await createWorkspace(t, 'Other')
    expect((await caller(t, other.token)('POST', '/companies', { name: 'Acme', domain: 'acme.com' })).statusCode).toBe(201)
  })

  it('answers another workspace\'s company as missing even when the new domain would clash', async () => {
    const { t, api } = await setUp()
    await api('POST', '/companies', { name: 'Acme', domain: 'acme.com' })
    const other = await createWorkspace(t, 'Other')
    const theirs = (await caller(t, other.token)('POST', '/companies', { name: 'Theirs' })).json()
    const response = await api('PATCH', `/companies/${theirs.id}`, { domain: 'acme.com' })
    expect(response.statusCode).toBe(404)
    expect(response.json().code).toBe('SB_COMPANY_NOT_FOUND')
  })

  it.each([
    { description: 'no dot', domain: 'acme' },
    { description: 'spaces', domain: 'acme corp.com' },
    { description: 'an IP address', domain: '192.168.0.1' },
  ])('400 SB_VALIDATION on domain for $description', async ({ domain }) => {
    const { t, api } = await setUp()
    const response = await api('POST', '/companies', { name: 'Acme', domain })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({ code: 'SB_VALIDATION', field: 'domain' })
    expect(await companyCount(t)).toBe(0)
  })

  it('400 SB_VALIDATION naming an unknown field', async () => {
    const { api } = await setUp()
    expect((await api('POST', '/companies', { name: 'Acme', website: 'acme.com' })).json()).toMatchObject({ code: 'SB_VALIDATION', field: 'website' })
  })
})

describe('company list', () => {
  it('walks every page once, newest first', async () => {
    const { api } = await setUp()
    const ids: string[] = []
    for (let i = 0; i < 5; i++) ids.push((await api('POST', '/companies', { name: `Company ${i}` })).json().id)
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page: { items: Array<{ id: string }>, nextCursor: string | null } = (await api('GET', `/companies?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`)).json()
      seen.push(...page.items.map((c) => c.id))
      cursor = page.nextCursor
    } while (cursor !== null)
    expect(seen).toEqual([...ids].sort().reverse())
  })

  it.each([
    { description: 'name, accent- and case-insensitive', q: 'societe', expected: ['Société Générale'] },
    { description: 'name in the middle', q: 'NERAL', expected: ['Société Générale'] },
    { description: 'domain prefix', q: 'acme.', expected: ['Acme'] },
    { description: 'domain prefix with www', q: 'www.glob', expected: ['Globex'] },
    { description: 'a letter in both a name and a domain', q: 'g', expected: ['Globex', 'Société Générale'] },
    { description: 'a wildcard, literally', q: '_', expected: [] },
  ])('searches by $description', async ({ q, expected }) => {
    const { api } = await setUp()
    await api('POST', '/companies', { name: 'Acme', domain: 'acme.com' })
    await api('POST', '/companies', { name: 'Globex', domain: 'globex.com' })
    await api('POST', '/companies', { name: 'Société Générale', domain: 'sg.fr' })
    const page = (await api('GET', `/companies?q=${encodeURIComponent(q)}`)).json()
    expect(page.items.map((c: { name: string }) => c.name).sort()).toEqual(expected)
  })
})
