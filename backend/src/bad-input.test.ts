import { describe, expect, it } from 'vitest'
import { bearer, buildTestApp, createWorkspace, type TestApp } from '../test/helper.js'

/**
 * Bad input, one row each: the documented 4xx naming the field, and nothing stored.
 * Rows that differ only in data; the store is counted before and after each.
 */

const TABLES = ['contacts', 'contact_emails', 'contact_phones', 'companies', 'deals', 'deal_contacts', 'activities', 'pipelines', 'pipeline_stages', 'users', 'api_tokens'] as const

async function counts (t: TestApp): Promise<Record<string, number>> {
  const result: Record<string, number> = {}
  for (const table of TABLES) {
    const row = await t.store.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    result[table] = Number(row.n)
  }
  return result
}

interface BadCase {
  description: string
  method?: 'POST' | 'PATCH'
  url: string
  /** A raw string is sent as-is with a JSON content type. */
  body: unknown
  headers?: Record<string, string>
  status: number
  code: string
  field?: string
}

const LONG = 'x'.repeat(201)

const CASES: BadCase[] = [
  { description: 'malformed JSON', url: '/api/v1/contacts', body: '{"name": "Ada", ', status: 400, code: 'SB_INVALID_JSON' },
  { description: 'JSON that is not an object', url: '/api/v1/contacts', body: '["Ada"]', status: 400, code: 'SB_VALIDATION' },
  { description: 'a number for the name', url: '/api/v1/contacts', body: { name: 42 }, status: 400, code: 'SB_VALIDATION', field: 'name' },
  { description: 'a string for the email list', url: '/api/v1/contacts', body: { name: 'Ada', emails: 'ada@example.com' }, status: 400, code: 'SB_VALIDATION', field: 'emails' },
  { description: 'null for a required name', url: '/api/v1/contacts', body: { name: null }, status: 400, code: 'SB_VALIDATION', field: 'name' },
  { description: 'a missing name', url: '/api/v1/contacts', body: { emails: ['ada@example.com'] }, status: 400, code: 'SB_VALIDATION', field: 'name' },
  { description: 'an unknown field (mass assignment)', url: '/api/v1/contacts', body: { name: 'Ada', workspaceId: 'ws_01jzzzzzzzzzzzzzzzzzzzzzzz' }, status: 400, code: 'SB_VALIDATION', field: 'workspaceId' },
  { description: 'a name over 200 characters', url: '/api/v1/contacts', body: { name: LONG }, status: 400, code: 'SB_VALIDATION', field: 'name' },
  { description: 'an empty name', url: '/api/v1/contacts', body: { name: '' }, status: 400, code: 'SB_VALIDATION', field: 'name' },
  { description: 'a NUL character in a name (PostgreSQL cannot store it)', url: '/api/v1/contacts', body: { name: 'Ada\u0000' }, status: 400, code: 'SB_VALIDATION', field: 'name' },
  { description: 'a NUL character deep in a list', url: '/api/v1/contacts', body: { name: 'Ada', tags: ['ok', 'b\u0000d'] }, status: 400, code: 'SB_VALIDATION', field: 'tags/1' },
  { description: 'a name of spaces only', url: '/api/v1/contacts', body: { name: '   ' }, status: 400, code: 'SB_VALIDATION', field: 'name' },
  { description: 'an invalid email', url: '/api/v1/contacts', body: { name: 'Ada', emails: ['ada.example.com'] }, status: 400, code: 'SB_EMAIL_INVALID', field: 'emails/0' },
  { description: 'an SQL-looking email', url: '/api/v1/contacts', body: { name: 'Ada', emails: ["a@b.c'; DROP TABLE contacts;--"] }, status: 400, code: 'SB_EMAIL_INVALID', field: 'emails/0' },
  { description: 'an invalid phone', url: '/api/v1/contacts', body: { name: 'Ada', phones: ['+1 555'] }, status: 400, code: 'SB_PHONE_INVALID', field: 'phones/0' },
  { description: 'letters for a phone', url: '/api/v1/contacts', body: { name: 'Ada', phones: ['+44 20 7946 0958', 'call me'] }, status: 400, code: 'SB_PHONE_INVALID', field: 'phones/1' },
  { description: 'an SQL-looking company id', url: '/api/v1/contacts', body: { name: 'Ada', companyId: "co_1' OR '1'='1" }, status: 400, code: 'SB_VALIDATION', field: 'companyId' },
  { description: 'too many tags', url: '/api/v1/contacts', body: { name: 'Ada', tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }, status: 400, code: 'SB_VALIDATION', field: 'tags' },
  { description: 'an oversize body', url: '/api/v1/contacts', body: { name: 'Ada', tags: ['x'.repeat(2_000_000)] }, status: 413, code: 'SB_BODY_TOO_LARGE' },
  { description: 'a form-encoded body', url: '/api/v1/contacts', body: 'name=Ada', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415, code: 'SB_UNSUPPORTED_MEDIA_TYPE' },
  { description: 'a company domain that is not a host', url: '/api/v1/companies', body: { name: 'Acme', domain: 'not a domain' }, status: 400, code: 'SB_VALIDATION', field: 'domain' },
  { description: 'a negative deal amount', url: '/api/v1/deals', body: { title: 'Big', amount: -5, currency: 'USD' }, status: 400, code: 'SB_VALIDATION', field: 'amount' },
  { description: 'an unknown currency', url: '/api/v1/deals', body: { title: 'Big', amount: 5, currency: 'XYZ' }, status: 400, code: 'SB_VALIDATION', field: 'currency' },
  { description: 'a deal amount as a string', url: '/api/v1/deals', body: { title: 'Big', amount: '5', currency: 'USD' }, status: 400, code: 'SB_VALIDATION', field: 'amount' },
  { description: 'a note without a record', url: '/api/v1/activities', body: { type: 'note', body: 'hello' }, status: 400, code: 'SB_VALIDATION' },
  { description: 'a pipeline without stages', url: '/api/v1/pipelines', body: { name: 'Empty', stages: [] }, status: 400, code: 'SB_VALIDATION', field: 'stages' },
  { description: 'a user with an invalid role', url: '/api/v1/users', body: { email: 'x@y.example', displayName: 'X', role: 'root' }, status: 400, code: 'SB_VALIDATION', field: 'role' },
  { description: 'a token with an unknown scope', url: '/api/v1/tokens', body: { name: 'x', scopes: ['everything'] }, status: 400, code: 'SB_VALIDATION', field: 'scopes/0' },
  { description: 'a body nested 9,000 levels deep', url: '/api/v1/contacts', body: `{"name":"Ada","tags":${'['.repeat(9000)}${']'.repeat(9000)}}`, status: 400, code: 'SB_BODY_TOO_DEEP' },
  { description: 'a body nested 9,000 levels deep, unauthenticated, at sign-in', url: '/auth/login', body: `{"email":${'['.repeat(9000)}${']'.repeat(9000)}}`, headers: { authorization: '' }, status: 400, code: 'SB_BODY_TOO_DEEP' },
  { description: 'a body nested 33 levels deep', url: '/api/v1/contacts', body: `{"name":"Ada","tags":${'['.repeat(32)}${']'.repeat(32)}}`, status: 400, code: 'SB_BODY_TOO_DEEP' },
  { description: 'a lone surrogate in a name (not UTF-8 text)', url: '/api/v1/contacts', body: { name: 'x\uD800y' }, status: 400, code: 'SB_VALIDATION', field: 'name' },
  { description: 'a lone low surrogate deep in a list', url: '/api/v1/contacts', body: { name: 'Ada', tags: ['ok', '\uDC00'] }, status: 400, code: 'SB_VALIDATION', field: 'tags/1' },
  { description: 'a body declared ISO-8859-1', url: '/api/v1/contacts', body: '{"name":"Zo\u00eb"}', headers: { 'content-type': 'application/json; charset=iso-8859-1' }, status: 415, code: 'SB_UNSUPPORTED_MEDIA_TYPE', field: 'content-type' },
  { description: 'an attachment size of 1e300', url: '/api/v1/emails/log', body: '{"contactId":"ct_01jzzzzzzzzzzzzzzzzzzzzzzz","email":{"subject":"s","from":"a@b.example","to":[],"date":"2026-01-01T00:00:00Z","attachments":[{"name":"a.pdf","size":1e300}]}}', status: 400, code: 'SB_VALIDATION', field: 'email/attachments/0/size' },
  { description: 'a deal amount of 1e300', url: '/api/v1/deals', body: '{"title":"Big","amount":1e300,"currency":"USD"}', status: 400, code: 'SB_VALIDATION', field: 'amount' },
]

describe('bad input', () => {
  it.each(CASES)('$description → $status $code, nothing stored', async ({ method, url, body, headers, status, code, field }) => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const before = await counts(t)
    const response = await t.app.inject({
      method: method ?? 'POST',
      url,
      headers: { ...bearer(ws.token), 'content-type': 'application/json', ...headers },
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    })
    expect(response.statusCode, response.body).toBe(status)
    const error = response.json()
    expect(error.code).toBe(code)
    expect(typeof error.message).toBe('string')
    if (field !== undefined) expect(error.field).toBe(field)
    expect(await counts(t)).toEqual(before)
  })

  it.each([
    { description: 'accents and CJK', name: 'Zoë 山田 Ñúñez' },
    { description: 'emoji and a right-to-left script', name: 'مريم 🙂' },
    { description: 'an SQL-looking name', name: "Robert'); DROP TABLE contacts;--" },
    { description: 'markup', name: '<script>alert(1)</script>' },
    { description: 'exactly 200 characters', name: 'é'.repeat(200) },
  ])('stores a name with $description exactly as given, and finds it again', async ({ name }) => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const created = await t.app.inject({ method: 'POST', url: '/api/v1/contacts', headers: bearer(ws.token), payload: { name } })
    expect(created.statusCode).toBe(201)
    const fetched = await t.app.inject({ method: 'GET', url: `/api/v1/contacts/${created.json().id}`, headers: bearer(ws.token) })
    expect(fetched.json().name).toBe(name)
    const tables = await t.store.db.selectFrom('contacts').select('id').execute()
    expect(tables).toHaveLength(1)
  })
})
