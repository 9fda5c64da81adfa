import fc from 'fast-check'
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { bearer, buildTestApp, createWorkspace, type TestApp } from '../test/helper.js'

/**
 * Property-based tests over every JSON endpoint the OpenAPI document lists: bodies made
 * from each route's own schema with fields swapped for random JSON, dropped, or joined by
 * unknown ones, and bodies that are random JSON or not JSON at all. Whatever arrives, the
 * answer is never a 5xx; a 4xx has the one error shape; and a 4xx stored nothing (every
 * table counted before and after).
 */

interface JsonSchema {
  type?: string | string[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  items?: JsonSchema
  enum?: unknown[]
  const?: unknown
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
  format?: string
  minLength?: number
  maxLength?: number
  minimum?: number
  maximum?: number
  pattern?: string
}

interface Operation {
  method: string
  path: string
  schema: JsonSchema | undefined
}

/**
 * Tables a refused request may legitimately write: the audit log records refused sign-ins
 * and access by design, and the rate limiter counts every request.
 */
const WRITTEN_ON_REFUSAL = new Set(['audit_events', 'audit_anchors', 'rate_buckets', 'kysely_migration', 'kysely_migration_lock',
  // Written in the background after an earlier, accepted export request, whenever the archive is ready.
  'privacy_export_files', 'privacy_exports',
  // Failed sign-ins are counted per email and source address (lockout) by design.
  'login_attempts'])

/** How many bodies each route gets: enough to reach every field, small enough for CI. */
const RUNS_PER_ROUTE = 25

async function tableNames (t: TestApp): Promise<string[]> {
  if (t.store.dialect === 'sqlite') {
    const rows = await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(t.store.db)
    return rows.rows.map((r) => r.name).filter((n) => !WRITTEN_ON_REFUSAL.has(n))
  }
  const rows = await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = 'public'`.execute(t.store.db)
  return rows.rows.map((r) => r.name).filter((n) => !WRITTEN_ON_REFUSAL.has(n))
}

async function counts (t: TestApp, tables: readonly string[]): Promise<Record<string, number>> {
  const result: Record<string, number> = {}
  for (const table of tables) {
    const row = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(t.store.db)
    result[table] = Number(row.rows[0]!.n)
  }
  return result
}

/** A value of roughly the schema's shape; the properties below then bend it. */
function valueOf (schema: JsonSchema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (schema === undefined || depth > 4) return fc.jsonValue({ maxDepth: 2 })
  if (schema.const !== undefined) return fc.constant(schema.const)
  if (schema.enum !== undefined) return fc.constantFrom(...schema.enum)
  const variants = schema.anyOf ?? schema.oneOf
  if (variants !== undefined && variants.length > 0) return fc.oneof(...variants.map((v) => valueOf(v, depth + 1)))
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type
  switch (type) {
    case 'object': {
      const entries = Object.entries(schema.properties ?? {}).map(([key, child]) => [key, valueOf(child, depth + 1)] as const)
      return fc.record(Object.fromEntries(entries), { requiredKeys: (schema.required ?? []).filter((k) => k in (schema.properties ?? {})) })
    }
    case 'array': return fc.array(valueOf(schema.items, depth + 1), { maxLength: 3 })
    case 'integer': {
      const min = schema.minimum ?? -10
      return fc.integer({ min, max: Math.max(min, schema.maximum ?? min + 1_000) })
    }
    case 'number': {
      const min = schema.minimum ?? -10
      return fc.double({ noNaN: true, noDefaultInfinity: true, min, max: Math.max(min, schema.maximum ?? min + 1_000) })
    }
    case 'boolean': return fc.boolean()
    case 'null': return fc.constant(null)
    case 'string': return stringOf(schema)
    default: return fc.jsonValue({ maxDepth: 2 })
  }
}

function stringOf (schema: JsonSchema): fc.Arbitrary<string> {
  switch (schema.format) {
    case 'email': return fc.constantFrom('ada@example.com', 'not-an-email', 'A@B.C', '')
    case 'date-time': return fc.constantFrom('2026-11-23T10:00:00Z', '2026-13-45T99:00:00Z', 'yesterday')
    case 'uri': return fc.constantFrom('https://example.com/x', 'javascript:alert(1)', 'not a url')
    default: break
  }
  return fc.oneof(
    fc.string({ minLength: Math.min(schema.minLength ?? 0, 40), maxLength: Math.max(Math.min(schema.maxLength ?? 40, 40), Math.min(schema.minLength ?? 0, 40)) }),
    fc.constantFrom('+1 718 555 0100', '+44 20 7946 0958', 'ct_01jzzzzzzzzzzzzzzzzzzzzzzz', "x' OR '1'='1", '𝟘🙂\u0000', ' '),
  )
}

/** Where a deeply nested value goes in a body: written into the raw text after JSON.stringify. */
const DEEP = '@@deeply-nested@@'

/** A body for the route: its schema bent by one of the ways clients get bodies wrong. */
function bodyOf (schema: JsonSchema | undefined): fc.Arbitrary<{ raw: string }> {
  const shaped = valueOf(schema)
  const lone = fc.constantFrom('\uD800', 'x\uDFFFy', 'a\uDBFF', '\uDC00b', '🙂\uD83D')
  const bent = fc.tuple(shaped, fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), fc.nat(5), lone).map(([value, key, junk, how, surrogate]) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value
    const record = { ...(value as Record<string, unknown>) }
    const keys = Object.keys(record)
    const victim = keys.length === 0 ? undefined : keys[key.length % keys.length]!
    if (how === 0 && victim !== undefined) record[victim] = junk
    else if (how === 1 && victim !== undefined) delete record[victim]
    else if (how === 2) record[key === '' ? 'unexpected' : key] = junk
    // A lone surrogate in a field (JSON.stringify writes it as a \u escape).
    else if (how === 3) record[victim ?? 'name'] = surrogate
    // Nesting far past the limit, in place of a field.
    else if (how === 4) record[victim ?? 'name'] = DEEP
    else {
      // A list with its first item repeated: duplicate row keys, duplicate emails, duplicate ids.
      const list = keys.find((k) => Array.isArray(record[k]) && (record[k] as unknown[]).length > 0)
      if (list !== undefined) record[list] = [...(record[list] as unknown[]), (record[list] as unknown[])[0]]
    }
    return record
  })
  const deepen = (raw: string, depth: number): string => raw.replace(`"${DEEP}"`, `${'['.repeat(depth)}${']'.repeat(depth)}`)
  return fc.oneof(
    { weight: 6, arbitrary: fc.tuple(bent, fc.integer({ min: 33, max: 20_000 })).map(([v, depth]) => ({ raw: deepen(JSON.stringify(v) ?? 'null', depth) })) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => ({ raw: JSON.stringify(v) ?? 'null' })) },
    { weight: 1, arbitrary: fc.string({ maxLength: 30 }).map((s) => ({ raw: s })) },
    { weight: 1, arbitrary: fc.integer({ min: 33, max: 20_000 }).map((depth) => ({ raw: `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` })) },
  )
}

/** Recipient chunks whose rows repeat row keys: each repeated row is refused, and nothing is stored for it. */
function rowsWithRepeatedKeys (): fc.Arbitrary<Array<{ rowKey: string, phone: string, variables: Record<string, string> }>> {
  return fc.array(fc.tuple(fc.constantFrom('r1', 'r2', 'r3'), fc.integer({ min: 1000, max: 1999 })), { minLength: 2, maxLength: 8 })
    .map((rows) => rows.map(([rowKey, n]) => ({ rowKey, phone: `+1 212 200 ${n}`, variables: { first_name: 'Ada', discount: '10%', expiry: 'Sunday' } })))
}

/** Real ids of the caller's workspace for path parameters, so requests get past the lookup. */
interface Ids { [param: string]: string }

async function fixture (t: TestApp, token: string): Promise<Ids> {
  const call = async (method: 'POST', url: string, body: unknown): Promise<{ id: string }> => {
    const response = await t.app.inject({ method, url, headers: { ...bearer(token), 'content-type': 'application/json' }, payload: JSON.stringify(body) })
    expect(response.statusCode, `${url}: ${response.body}`).toBeLessThan(300)
    return response.json()
  }
  const company = await call('POST', '/api/v1/companies', { name: 'Acme', domain: 'acme.example' })
  const contact = await call('POST', '/api/v1/contacts', { name: 'Ada', emails: ['ada@acme.example'], phones: ['+1 718 555 0100'] })
  const deal = await call('POST', '/api/v1/deals', { title: 'Fuzzed deal', contactIds: [contact.id] })
  return { companyId: company.id, contactId: contact.id, dealId: deal.id, id: contact.id }
}

function urlFor (path: string, ids: Ids, random: string): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    // A route's own id where we have one of its kind, else a made-up one (a 404 is a fine answer).
    if (path.includes('/companies/')) return ids['companyId']!
    if (path.includes('/deals/')) return ids['dealId']!
    if (path.includes('/contacts/')) return ids['contactId']!
    return ids[name] ?? encodeURIComponent(random)
  })
}

async function jsonOperations (t: TestApp): Promise<Operation[]> {
  const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
    paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: JsonSchema }> } }>>
  }
  const operations: Operation[] = []
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const content = operation.requestBody?.content
      if (content === undefined || content['application/json'] === undefined) continue
      operations.push({ method: method.toUpperCase(), path, schema: content['application/json'].schema })
    }
  }
  return operations
}

describe('fuzzing every JSON endpoint', () => {
  it('finds the JSON endpoints in the OpenAPI document', async () => {
    const t = await buildTestApp()
    const operations = await jsonOperations(t)
    // A guard against the property below passing because it tested nothing.
    expect(operations.length).toBeGreaterThan(20)
    expect(operations.map((o) => `${o.method} ${o.path}`)).toEqual(expect.arrayContaining(['POST /api/v1/contacts', 'POST /api/v1/campaigns']))
  })

  it('answers random and malformed bodies with 2xx or a 4xx in the error shape, never a 5xx, and a refused one stores nothing', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const ids = await fixture(t, ws.token)
    const tables = await tableNames(t)
    const operations = await jsonOperations(t)
    const seen = new Map<number, number>()
    for (const operation of operations) {
      await fc.assert(fc.asyncProperty(bodyOf(operation.schema), fc.string({ minLength: 1, maxLength: 10 }), async ({ raw }, random) => {
        const before = await counts(t, tables)
        const url = urlFor(operation.path, ids, random)
        const response = await t.app.inject({
          method: operation.method as 'POST',
          url,
          headers: { ...bearer(ws.token), 'content-type': 'application/json', 'idempotency-key': `fuzz-${random}` },
          payload: raw,
        })
        seen.set(response.statusCode, (seen.get(response.statusCode) ?? 0) + 1)
        const where = `${operation.method} ${url} ${raw.slice(0, 300)} → ${response.statusCode} ${response.body.slice(0, 300)}`
        expect(response.statusCode, where).toBeLessThan(500)
        if (response.statusCode >= 400) {
          const error = response.json() as { code?: unknown, message?: unknown }
          expect(typeof error.code, where).toBe('string')
          expect(typeof error.message, where).toBe('string')
          const after = await counts(t, tables)
          expect(tables.filter((table) => after[table] !== before[table]), where).toEqual([])
        }
      }), { numRuns: RUNS_PER_ROUTE, seed: 20261123 })
    }
    // The bodies reach past validation too: some are accepted, most are refused.
    expect(seen.get(400) ?? 0).toBeGreaterThan(0)
    expect([...seen.keys()].some((status) => status < 300)).toBe(true)
  }, 600_000)

  it('answers every row of a chunk with repeated row keys: later ones duplicate_in_request, one stored row per key, never a 5xx', async () => {
    const t = await buildTestApp({}, { sandbox: true })
    const ws = await createWorkspace(t)
    await t.app.services.whatsapp.connection.connectSandbox(ws.workspaceId, { userId: ws.ownerId })
    await t.app.services.whatsapp.templates.sync(ws.workspaceId)
    const api = (method: 'GET' | 'POST', url: string, payload?: object, key?: string) => t.app.inject({ method, url: `/api/v1${url}`, headers: { ...bearer(ws.token), ...(key === undefined ? {} : { 'idempotency-key': key }) }, ...(payload === undefined ? {} : { payload }) })
    let run = 0
    await fc.assert(fc.asyncProperty(rowsWithRepeatedKeys(), async (rows) => {
      run += 1
      const campaign = (await api('POST', '/campaigns', { name: `Fuzz ${run}`, template: { name: 'welcome_offer', language: 'en_US' } })).json() as { id: string }
      const answer = await api('POST', `/campaigns/${campaign.id}/recipients`, { rows }, `fuzz-rows-${run}-0001`)
      expect(answer.statusCode, answer.body).toBe(200)
      const results = (answer.json() as { rows: Array<{ rowKey: string, outcome: string, problem?: string }> }).rows
      expect(results.map((r) => r.rowKey)).toEqual(rows.map((r) => r.rowKey))
      results.forEach((result, i) => {
        if (rows.findIndex((r) => r.rowKey === result.rowKey) < i) expect(result).toMatchObject({ outcome: 'rejected', problem: 'duplicate_in_request' })
      })
      const stored = (await api('GET', `/campaigns/${campaign.id}/recipients`)).json() as { items: Array<{ rowKey: string }> }
      const keys = stored.items.map((r) => r.rowKey)
      expect(new Set(keys).size).toBe(keys.length)
      expect(keys.length).toBe(results.filter((r) => r.outcome === 'accepted').length)
    }), { numRuns: 15, seed: 20261207 })
  }, 300_000)
})
