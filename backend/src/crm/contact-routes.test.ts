import { describe, expect, it } from 'vitest'
import { sql } from 'kysely'
import { addUser, bearer, buildTestApp, createWorkspace, type TestApp, type TestWorkspace } from '../../test/helper.js'

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE'

/** A workspace (default country US) and a caller for its owner's token. */
async function setUp () {
  const t = await buildTestApp()
  const ws = await createWorkspace(t)
  return { t, ws, api: caller(t, ws.token) }
}

function caller (t: TestApp, token: string) {
  return (method: Method, url: string, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: bearer(token), ...(payload === undefined ? {} : { payload }) })
}

async function counts (t: TestApp) {
  const count = async (table: 'contacts' | 'contact_emails' | 'contact_phones') =>
    Number((await t.store.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
  return { contacts: await count('contacts'), emails: await count('contact_emails'), phones: await count('contact_phones') }
}

describe('contacts CRUD', () => {
  it('creates a contact with normalised emails, phones and tags, reads, changes and deletes it', async () => {
    const { t, ws, api } = await setUp()
    const company = (await api('POST', '/companies', { name: 'Acme', domain: 'acme.com' })).json()
    const created = await api('POST', '/contacts', {
      name: '  Ada Lovelace ',
      emails: ['Ada@Acme.com', 'ada@acme.com', 'ada.l@home.example'],
      phones: ['(415) 555-0123', '+1 415 555 0123'],
      whatsappId: '14155550123',
      companyId: company.id,
      tags: ['VIP', 'vip', ' Lead '],
      ownerUserId: ws.ownerId,
    })
    expect(created.statusCode).toBe(201)
    const contact = created.json()
    expect(contact).toMatchObject({
      name: 'Ada Lovelace',
      emails: ['ada@acme.com', 'ada.l@home.example'],
      phones: ['+14155550123'],
      whatsappId: '14155550123',
      companyId: company.id,
      tags: ['vip', 'lead'],
      ownerUserId: ws.ownerId,
      marketing: { status: 'unknown', source: null, updatedAt: null },
      source: 'api',
    })
    expect(contact.id).toMatch(/^ct_/)

    const read = await api('GET', `/contacts/${contact.id}`)
    expect(read.json()).toEqual(contact)

    const patched = await api('PATCH', `/contacts/${contact.id}`, { name: 'Ada King', emails: ['ada@king.example'], companyId: null, tags: [] })
    expect(patched.statusCode).toBe(200)
    expect(patched.json()).toMatchObject({ name: 'Ada King', emails: ['ada@king.example'], phones: ['+14155550123'], companyId: null, tags: [], ownerUserId: ws.ownerId })
    expect(patched.json().updatedAt >= contact.updatedAt).toBe(true)

    // The replaced address is free again.
    expect((await api('POST', '/contacts', { name: 'Other', emails: ['ada@acme.com'] })).statusCode).toBe(201)

    const deleted = await api('DELETE', `/contacts/${contact.id}`)
    expect(deleted.statusCode).toBe(204)
    expect((await api('GET', `/contacts/${contact.id}`)).json().code).toBe('SB_CONTACT_NOT_FOUND')
    expect((await api('DELETE', `/contacts/${contact.id}`)).statusCode).toBe(404)
    expect(await counts(t)).toEqual({ contacts: 1, emails: 1, phones: 0 })
  })

  it('deleting a contact unlinks it from deals, keeps activities a deal holds, and drops those only it held', async () => {
    const { api } = await setUp()
    const ada = (await api('POST', '/contacts', { name: 'Ada', emails: ['ada@example.com'] })).json()
    const deal = (await api('POST', '/deals', { title: 'Deal', contactIds: [ada.id] })).json()
    const shared = (await api('POST', '/activities', { type: 'note', body: 'Signed', contactId: ada.id, dealId: deal.id })).json()
    const own = (await api('POST', '/activities', { type: 'note', body: 'Likes tea', contactId: ada.id })).json()
    expect((await api('DELETE', `/contacts/${ada.id}`)).statusCode).toBe(204)
    expect((await api('GET', `/deals/${deal.id}`)).json().contactIds).toEqual([])
    expect((await api('GET', `/activities/${shared.id}`)).json()).toMatchObject({ contactId: null, dealId: deal.id })
    expect((await api('GET', `/activities/${own.id}`)).statusCode).toBe(404)
    expect((await api('GET', '/contacts/lookup?email=ada%40example.com')).statusCode).toBe(404)
  })

  it('records a session caller\'s contacts as coming from the web app', async () => {
    const { t, ws } = await setUp()
    const login = await t.app.inject({ method: 'POST', url: '/auth/login', payload: { email: ws.ownerEmail, password: ws.ownerPassword } })
    const cookies = { sb_session: login.cookies.find((c) => c.name === 'sb_session')!.value }
    const created = await t.app.inject({ method: 'POST', url: '/api/v1/contacts', cookies, headers: { origin: t.config.publicUrl }, payload: { name: 'Web', marketing: { status: 'opted_in' } } })
    expect(created.json()).toMatchObject({ source: 'web', marketing: { status: 'opted_in', source: 'web' } })
  })

  it.each([
    { description: 'a missing company', payload: { companyId: 'co_01hzzzzzzzzzzzzzzzzzzzzzzz' }, code: 'SB_COMPANY_NOT_FOUND', field: 'companyId' },
    { description: 'a missing owner', payload: { ownerUserId: 'usr_01hzzzzzzzzzzzzzzzzzzzzzzz' }, code: 'SB_OWNER_NOT_FOUND', field: 'ownerUserId' },
  ])('refuses $description, naming the field, and stores nothing', async ({ payload, code, field }) => {
    const { t, api } = await setUp()
    const response = await api('POST', '/contacts', { name: 'Ada', emails: ['ada@example.com'], ...payload })
    expect(response.statusCode).toBe(404)
    expect(response.json()).toMatchObject({ code, field })
    expect(await counts(t)).toEqual({ contacts: 0, emails: 0, phones: 0 })
  })

  it('refuses another workspace\'s company and user as if they did not exist', async () => {
    const { t, api } = await setUp()
    const other = await createWorkspace(t, 'Other')
    const theirs = (await caller(t, other.token)('POST', '/companies', { name: 'Theirs' })).json()
    expect((await api('POST', '/contacts', { name: 'Ada', companyId: theirs.id })).json()).toMatchObject({ code: 'SB_COMPANY_NOT_FOUND', field: 'companyId' })
    expect((await api('POST', '/contacts', { name: 'Ada', ownerUserId: other.ownerId })).json()).toMatchObject({ code: 'SB_OWNER_NOT_FOUND', field: 'ownerUserId' })
  })

  it('refuses a deactivated user as owner', async () => {
    const { t, ws, api } = await setUp()
    const agent = await addUser(t, ws, 'agent')
    await api('PATCH', `/users/${agent.userId}`, { status: 'deactivated' })
    expect((await api('POST', '/contacts', { name: 'Ada', ownerUserId: agent.userId })).json()).toMatchObject({ code: 'SB_OWNER_NOT_FOUND', field: 'ownerUserId' })
  })
})

describe('contact validation', () => {
  it.each([
    { description: 'an unknown field', payload: { name: 'Ada', nickname: 'A' }, field: 'nickname' },
    { description: 'an unknown marketing field', payload: { name: 'Ada', marketing: { status: 'opted_in', when: 'now' } }, field: 'marketing/when' },
    { description: 'a missing name', payload: { emails: ['ada@example.com'] }, field: 'name' },
    { description: 'a blank name', payload: { name: '   ' }, field: 'name' },
    { description: 'a name over 200 characters', payload: { name: 'a'.repeat(201) }, field: 'name' },
    { description: 'eleven emails', payload: { name: 'Ada', emails: Array.from({ length: 11 }, (_, i) => `a${i}@example.com`) }, field: 'emails' },
    { description: 'a WhatsApp id with a plus', payload: { name: 'Ada', whatsappId: '+14155550123' }, field: 'whatsappId' },
    { description: 'a tag with a quote', payload: { name: 'Ada', tags: ['say "hi"'] }, field: 'tags/0' },
    { description: 'an unknown marketing status', payload: { name: 'Ada', marketing: { status: 'maybe' } }, field: 'marketing/status' },
  ])('400 SB_VALIDATION naming the field for $description', async ({ payload, field }) => {
    const { t, api } = await setUp()
    const response = await api('POST', '/contacts', payload)
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({ code: 'SB_VALIDATION', field })
    expect(await counts(t)).toEqual({ contacts: 0, emails: 0, phones: 0 })
  })

  it.each([
    { description: 'an unreadable phone', payload: { name: 'Ada', phones: ['call me'] }, code: 'SB_PHONE_INVALID', field: 'phones/0' },
    { description: 'a second phone with a bad number', payload: { name: 'Ada', phones: ['+14155550123', '+1 415 555 012'] }, code: 'SB_PHONE_INVALID', field: 'phones/1' },
    { description: 'a phone with an extension', payload: { name: 'Ada', phones: ['+1 415 555 0123 ext 12'] }, code: 'SB_PHONE_INVALID', field: 'phones/0' },
    { description: 'a malformed email', payload: { name: 'Ada', emails: ['ada@example.com', 'ada at example'] }, code: 'SB_EMAIL_INVALID', field: 'emails/1' },
  ])('400 $code naming the entry for $description, and stores nothing', async ({ payload, code, field }) => {
    const { t, api } = await setUp()
    const response = await api('POST', '/contacts', payload)
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({ code, field })
    expect(await counts(t)).toEqual({ contacts: 0, emails: 0, phones: 0 })
  })

  it('reads numbers without + in the workspace\'s default country, and refuses them when it has none', async () => {
    const { t, ws, api } = await setUp()
    expect((await api('POST', '/contacts', { name: 'US', phones: ['415 555 0123'] })).json().phones).toEqual(['+14155550123'])
    await t.store.db.updateTable('workspaces').set({ default_country: null }).where('id', '=', ws.workspaceId).execute()
    const response = await api('POST', '/contacts', { name: 'Nowhere', phones: ['415 555 0124'] })
    expect(response.json()).toMatchObject({ code: 'SB_PHONE_INVALID', field: 'phones/0' })
  })
})

describe('contact dedupe', () => {
  it.each([
    { description: 'the same email', emails: ['ada@example.com'], field: 'emails/0' },
    { description: 'different case', emails: ['b@example.com', 'ADA@Example.COM'], field: 'emails/1' },
    { description: 'surrounding spaces', emails: ['  ada@example.com '], field: 'emails/0' },
  ])('409 with the holder\'s id for $description, and nothing stored', async ({ emails, field }) => {
    const { t, api } = await setUp()
    const ada = (await api('POST', '/contacts', { name: 'Ada', emails: ['ada@example.com'] })).json()
    const response = await api('POST', '/contacts', { name: 'Impostor', emails, phones: ['+442079460958'] })
    expect(response.statusCode).toBe(409)
    expect(response.json()).toEqual({ code: 'SB_CONTACT_DUPLICATE', message: expect.any(String), field, existingId: ada.id })
    expect(await counts(t)).toEqual({ contacts: 1, emails: 1, phones: 0 })
  })

  it.each([
    { description: 'E.164', phone: '+14155550123' },
    { description: 'national format, default country US', phone: '(415) 555-0123' },
    { description: 'dots and a country code', phone: '+1.415.555.0123' },
    { description: 'no punctuation, no plus', phone: '4155550123' },
  ])('409 with the holder\'s id for the same phone written as $description', async ({ phone }) => {
    const { t, api } = await setUp()
    const ada = (await api('POST', '/contacts', { name: 'Ada', phones: ['(415) 555-0123'] })).json()
    expect(ada.phones).toEqual(['+14155550123'])
    const response = await api('POST', '/contacts', { name: 'Impostor', emails: ['new@example.com'], phones: [phone] })
    expect(response.statusCode).toBe(409)
    expect(response.json()).toMatchObject({ code: 'SB_CONTACT_DUPLICATE', field: 'phones/0', existingId: ada.id })
    expect(await counts(t)).toEqual({ contacts: 1, emails: 0, phones: 1 })
  })

  it('on PATCH: taking another contact\'s email is 409, keeping one\'s own is fine, and a 409 changes nothing', async () => {
    const { api } = await setUp()
    const ada = (await api('POST', '/contacts', { name: 'Ada', emails: ['ada@example.com'] })).json()
    const bob = (await api('POST', '/contacts', { name: 'Bob', emails: ['bob@example.com'], phones: ['+14155550100'] })).json()
    const steal = await api('PATCH', `/contacts/${bob.id}`, { name: 'Bobby', emails: ['bob@example.com', 'Ada@example.com'] })
    expect(steal.statusCode).toBe(409)
    expect(steal.json()).toMatchObject({ code: 'SB_CONTACT_DUPLICATE', field: 'emails/1', existingId: ada.id })
    expect((await api('GET', `/contacts/${bob.id}`)).json()).toMatchObject({ name: 'Bob', emails: ['bob@example.com'] })
    const keep = await api('PATCH', `/contacts/${bob.id}`, { emails: ['BOB@example.com', 'robert@example.com'], phones: ['(415) 555-0100'] })
    expect(keep.statusCode).toBe(200)
    expect(keep.json()).toMatchObject({ emails: ['bob@example.com', 'robert@example.com'], phones: ['+14155550100'] })
  })

  it('does not dedupe across workspaces', async () => {
    const { t, api } = await setUp()
    const other = await createWorkspace(t, 'Other')
    expect((await api('POST', '/contacts', { name: 'Ada', emails: ['ada@example.com'] })).statusCode).toBe(201)
    expect((await caller(t, other.token)('POST', '/contacts', { name: 'Ada', emails: ['ada@example.com'] })).statusCode).toBe(201)
  })

  it('answers a unique violation the check could not see (a concurrent writer) with 409, not 500', async () => {
    const { t, api } = await setUp()
    await api('POST', '/contacts', { name: 'Ada', emails: ['ada@example.com'] })
    // Stands in for another transaction that inserts the same address between our check and our insert.
    const steal = `INSERT INTO contact_emails (workspace_id, contact_id, email, position)
      SELECT NEW.workspace_id, id, 'race@example.com', 5 FROM contacts WHERE name = 'Ada';`
    if (t.store.dialect === 'sqlite') {
      await sql.raw(`CREATE TRIGGER race AFTER INSERT ON contacts WHEN NEW.name = 'Racer' BEGIN ${steal} END`).execute(t.store.db)
    } else {
      await sql.raw(`CREATE FUNCTION race() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.name = 'Racer' THEN ${steal} END IF; RETURN NEW; END $$`).execute(t.store.db)
      await sql.raw('CREATE TRIGGER race AFTER INSERT ON contacts FOR EACH ROW EXECUTE FUNCTION race()').execute(t.store.db)
    }
    const response = await api('POST', '/contacts', { name: 'Racer', emails: ['race@example.com'] })
    expect(response.statusCode).toBe(409)
    expect(response.json()).toMatchObject({ code: 'SB_CONTACT_DUPLICATE', field: 'emails' })
    expect(await counts(t)).toEqual({ contacts: 1, emails: 1, phones: 0 })
  })
})

describe('marketing consent', () => {
  it('stamps source and time when the status changes, and keeps them otherwise', async () => {
    const { api } = await setUp()
    const created = (await api('POST', '/contacts', { name: 'Ada', marketing: { status: 'opted_in', source: 'signup form' } })).json()
    expect(created.marketing).toEqual({ status: 'opted_in', source: 'signup form', updatedAt: created.createdAt })

    const renamed = (await api('PATCH', `/contacts/${created.id}`, { name: 'Ada L' })).json()
    expect(renamed.marketing).toEqual(created.marketing)
    const same = (await api('PATCH', `/contacts/${created.id}`, { marketing: { status: 'opted_in', source: 'import' } })).json()
    expect(same.marketing).toEqual(created.marketing)

    const out = (await api('PATCH', `/contacts/${created.id}`, { marketing: { status: 'opted_out', source: 'whatsapp STOP' } })).json()
    expect(out.marketing).toMatchObject({ status: 'opted_out', source: 'whatsapp STOP' })
    expect(out.marketing.updatedAt >= created.marketing.updatedAt).toBe(true)
    const defaulted = (await api('PATCH', `/contacts/${created.id}`, { marketing: { status: 'unknown' } })).json()
    expect(defaulted.marketing).toMatchObject({ status: 'unknown', source: 'api' })
  })
})

describe('contact lookup', () => {
  it.each([
    { description: 'email as stored', query: 'email=ada%40example.com' },
    { description: 'email in other case', query: 'email=ADA%40Example.com' },
    { description: 'second email', query: 'email=ada%40home.example' },
    { description: 'phone in E.164', query: `phone=${encodeURIComponent('+14155550123')}` },
    { description: 'phone in national format', query: `phone=${encodeURIComponent('(415) 555-0123')}` },
  ])('finds the contact by $description', async ({ query }) => {
    const { api } = await setUp()
    const ada = (await api('POST', '/contacts', { name: 'Ada', emails: ['ada@example.com', 'ada@home.example'], phones: ['+14155550123', '+442079460958'] })).json()
    const found = await api('GET', `/contacts/lookup?${query}`)
    expect(found.statusCode).toBe(200)
    expect(found.json()).toEqual(ada)
  })

  it.each([
    { description: 'an unknown email', query: 'email=nobody%40example.com', status: 404, code: 'SB_CONTACT_NOT_FOUND', field: undefined },
    { description: 'an unknown phone', query: 'phone=%2B14155550199', status: 404, code: 'SB_CONTACT_NOT_FOUND', field: undefined },
    { description: 'neither', query: '', status: 400, code: 'SB_VALIDATION', field: 'email' },
    { description: 'both', query: 'email=ada%40example.com&phone=%2B14155550123', status: 400, code: 'SB_VALIDATION', field: 'phone' },
    { description: 'an unreadable phone', query: 'phone=abc', status: 400, code: 'SB_PHONE_INVALID', field: 'phone' },
    { description: 'an invalid number in E.164 form', query: 'phone=%2B10000000000', status: 400, code: 'SB_PHONE_INVALID', field: 'phone' },
    { description: 'a malformed email', query: 'email=ada', status: 400, code: 'SB_VALIDATION', field: 'email' },
  ])('answers $description with $status $code', async ({ query, status, code, field }) => {
    const { api } = await setUp()
    await api('POST', '/contacts', { name: 'Ada', emails: ['ada@example.com'], phones: ['+14155550123'] })
    const response = await api('GET', `/contacts/lookup?${query}`)
    expect(response.statusCode).toBe(status)
    expect(response.json().code).toBe(code)
    expect(response.json().field).toBe(field)
  })

  it('never finds another workspace\'s contact', async () => {
    const { t, api } = await setUp()
    const other: TestWorkspace = await createWorkspace(t, 'Other')
    await caller(t, other.token)('POST', '/contacts', { name: 'Theirs', emails: ['theirs@example.com'], phones: ['+14155550123'] })
    expect((await api('GET', '/contacts/lookup?email=theirs%40example.com')).statusCode).toBe(404)
    expect((await api('GET', '/contacts/lookup?phone=%2B14155550123')).statusCode).toBe(404)
  })
})

describe('contact list', () => {
  it('walks every page once, newest first, with no duplicates or gaps', async () => {
    const { api } = await setUp()
    const ids: string[] = []
    for (let i = 0; i < 7; i++) ids.push((await api('POST', '/contacts', { name: `Person ${i}` })).json().id)
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const page: { items: Array<{ id: string }>, nextCursor: string | null } = (await api('GET', `/contacts?limit=3${cursor === null ? '' : `&cursor=${cursor}`}`)).json()
      seen.push(...page.items.map((c) => c.id))
      cursor = page.nextCursor
      pages++
    } while (cursor !== null)
    expect(pages).toBe(3)
    expect(seen).toEqual([...ids].sort().reverse())
  })

  it('defaults to 50 per page and refuses more than 200', async () => {
    const { api } = await setUp()
    for (let i = 0; i < 51; i++) await api('POST', '/contacts', { name: `P${i}` })
    const page = (await api('GET', '/contacts')).json()
    expect(page.items).toHaveLength(50)
    expect(page.nextCursor).not.toBeNull()
    expect((await api('GET', '/contacts?limit=201')).json()).toMatchObject({ code: 'SB_VALIDATION', field: 'limit' })
  })

  it.each([
    { description: 'garbage', cursor: 'not-a-cursor!' },
    { description: 'base64 of something else', cursor: Buffer.from('hello').toString('base64url') },
    { description: 'padded base64', cursor: `${Buffer.from('ct_01hzzzzzzzzzzzzzzzzzzzzzzz').toString('base64url')}=` },
  ])('400 SB_CURSOR_INVALID for a cursor that is $description', async ({ cursor }) => {
    const { api } = await setUp()
    const response = await api('GET', `/contacts?cursor=${encodeURIComponent(cursor)}`)
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({ code: 'SB_CURSOR_INVALID', field: 'cursor' })
  })

  it.each([
    { description: 'name, accent- and case-insensitive', q: 'ZOE', expected: ['Zoë Ångström'] },
    { description: 'name with an accent typed', q: 'ångst', expected: ['Zoë Ångström'] },
    { description: 'name in the middle', q: 'love', expected: ['Ada Lovelace'] },
    { description: 'email prefix', q: 'ada.l', expected: ['Ada Lovelace'] },
    { description: 'email prefix in capitals', q: 'ZOE@', expected: ['Zoë Ångström'] },
    { description: 'phone digits', q: '555-0123', expected: ['Ada Lovelace'] },
    { description: 'phone in national format', q: '(415) 555-0123', expected: ['Ada Lovelace'] },
    { description: 'company domain prefix', q: 'acme.c', expected: ['Ada Lovelace', 'Bob Acme'] },
    { description: 'a LIKE wildcard, literally', q: '%', expected: [] },
    { description: 'an underscore, literally', q: 'a_a', expected: [] },
  ])('searches by $description', async ({ q, expected }) => {
    const { api } = await setUp()
    const acme = (await api('POST', '/companies', { name: 'Acme', domain: 'acme.com' })).json()
    await api('POST', '/contacts', { name: 'Ada Lovelace', emails: ['ada.l@example.com'], phones: ['+14155550123'], companyId: acme.id })
    await api('POST', '/contacts', { name: 'Zoë Ångström', emails: ['zoe@example.org'], phones: ['+442079460958'] })
    await api('POST', '/contacts', { name: 'Bob Acme', companyId: acme.id })
    await api('POST', '/contacts', { name: 'Carl', emails: ['carl@example.net'] })
    const page = (await api('GET', `/contacts?q=${encodeURIComponent(q)}`)).json()
    expect(page.items.map((c: { name: string }) => c.name).sort()).toEqual([...expected].sort())
  })

  it('finds a number typed with a national trunk prefix, which shares no digit run with its E.164 form', async () => {
    const { t, ws, api } = await setUp()
    await t.store.db.updateTable('workspaces').set({ default_country: 'GB' }).where('id', '=', ws.workspaceId).execute()
    await api('POST', '/contacts', { name: 'Zoë', phones: ['+44 20 7946 0958'] })
    await api('POST', '/contacts', { name: 'Carl', phones: ['+442079460959'] })
    const page = (await api('GET', `/contacts?q=${encodeURIComponent('020 7946 0958')}`)).json()
    expect(page.items.map((c: { name: string }) => c.name)).toEqual(['Zoë'])
  })

  it('filters by company and by tag, and combines filters with search', async () => {
    const { api } = await setUp()
    const acme = (await api('POST', '/companies', { name: 'Acme' })).json()
    await api('POST', '/contacts', { name: 'Ada', companyId: acme.id, tags: ['VIP'] })
    await api('POST', '/contacts', { name: 'Bob', companyId: acme.id, tags: ['vipish'] })
    await api('POST', '/contacts', { name: 'Carl', tags: ['vip'] })
    const names = async (query: string) => (await api('GET', `/contacts?${query}`)).json().items.map((c: { name: string }) => c.name).sort()
    expect(await names(`companyId=${acme.id}`)).toEqual(['Ada', 'Bob'])
    expect(await names('tag=Vip')).toEqual(['Ada', 'Carl'])
    expect(await names(`tag=vip&companyId=${acme.id}`)).toEqual(['Ada'])
    expect(await names('tag=vip&q=car')).toEqual(['Carl'])
  })

  it('lists only the caller\'s workspace', async () => {
    const { t, api } = await setUp()
    const other = await createWorkspace(t, 'Other')
    await caller(t, other.token)('POST', '/contacts', { name: 'Theirs' })
    await api('POST', '/contacts', { name: 'Ours' })
    expect((await api('GET', '/contacts')).json().items.map((c: { name: string }) => c.name)).toEqual(['Ours'])
  })
})
