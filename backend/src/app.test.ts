import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Writable } from 'node:stream'
import { describe, expect, it, onTestFinished } from 'vitest'
import { buildApp } from './app.js'
import { loadConfig } from './config.js'
import { openStore, migrateToLatest } from './store/database.js'
import { bearer, buildTestApp, createWorkspace } from '../test/helper.js'

function tempDir (): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-app-'))
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

describe('health', () => {
  it('is ok when the store answers and every migration is applied', async () => {
    const t = await buildTestApp()
    const r = await t.app.inject({ method: 'GET', url: '/health' })
    expect(r.statusCode).toBe(200)
    expect(r.json()).toEqual({ status: 'ok', store: { engine: t.store.dialect, reachable: true, pendingMigrations: [] } })
  })

  it('is 503 and names the pending migrations when the store is not migrated', async () => {
    const config = loadConfig({ DATA_DIR: tempDir(), LOG_LEVEL: 'silent' })
    const store = openStore(config)
    const app = await buildApp({ config, store, logger: false })
    onTestFinished(async () => { await app.close(); await store.close() })
    const r = await app.inject({ method: 'GET', url: '/health' })
    expect(r.statusCode).toBe(503)
    expect(r.json().store.pendingMigrations).toContain('0001-foundation')
  })
})

describe('API description', () => {
  it('serves an OpenAPI 3 document generated from the route schemas, and a docs page', async () => {
    const t = await buildTestApp()
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json()
    expect(doc.openapi).toMatch(/^3\./)
    expect(doc.paths['/api/v1/me'].get.responses['200']).toBeDefined()
    expect(doc.paths['/auth/login'].post.requestBody.content['application/json'].schema.properties.email.format).toBe('email')
    expect(doc.components.securitySchemes.apiToken).toMatchObject({ type: 'http', scheme: 'bearer' })
    const ui = await t.app.inject({ method: 'GET', url: '/docs/' })
    expect(ui.statusCode).toBe(200)
    expect(ui.headers['content-type']).toContain('text/html')
  })
})

describe('error answers', () => {
  it.each([
    { description: 'unknown route', request: { method: 'GET' as const, url: '/no/such/thing' }, status: 404, code: 'SB_NOT_FOUND' },
    { description: 'malformed JSON', request: { method: 'POST' as const, url: '/auth/login', headers: { 'content-type': 'application/json' }, payload: '{"email": ' }, status: 400, code: 'SB_INVALID_JSON' },
    { description: 'empty JSON body', request: { method: 'POST' as const, url: '/auth/login', headers: { 'content-type': 'application/json' }, payload: '' }, status: 400, code: 'SB_INVALID_JSON' },
    { description: 'plain text body', request: { method: 'POST' as const, url: '/auth/login', headers: { 'content-type': 'text/plain' }, payload: 'email=x' }, status: 415, code: 'SB_UNSUPPORTED_MEDIA_TYPE' },
    { description: 'form body', request: { method: 'POST' as const, url: '/auth/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'email=x' }, status: 415, code: 'SB_UNSUPPORTED_MEDIA_TYPE' },
    { description: 'missing field', request: { method: 'POST' as const, url: '/auth/login', payload: { email: 'a@b.example' } }, status: 400, code: 'SB_VALIDATION', field: 'password', detail: 'is required' },
    { description: 'unknown field', request: { method: 'POST' as const, url: '/auth/login', payload: { email: 'a@b.example', password: 'x', admin: true } }, status: 400, code: 'SB_VALIDATION', field: 'admin', detail: 'is not a known field' },
    { description: 'wrong type', request: { method: 'POST' as const, url: '/auth/login', payload: { email: 'a@b.example', password: 12345 } }, status: 400, code: 'SB_VALIDATION', field: 'password' },
    { description: 'invalid email', request: { method: 'POST' as const, url: '/auth/login', payload: { email: 'not-an-email', password: 'x' } }, status: 400, code: 'SB_VALIDATION', field: 'email' },
  ])('$description → $status $code', async ({ description: _description, request, status, code, ...expected }) => {
    const t = await buildTestApp()
    const r = await t.app.inject(request)
    expect(r.statusCode).toBe(status)
    expect(r.json()).toMatchObject({ code, ...expected })
    expect(Object.keys(r.json()).every((k) => ['code', 'message', 'field', 'detail', 'existingId'].includes(k))).toBe(true)
  })

  it('refuses a body over the limit with 413', async () => {
    const t = await buildTestApp({ BODY_LIMIT_BYTES: '2048' })
    const r = await t.app.inject({ method: 'POST', url: '/auth/login', payload: { email: 'a@b.example', password: 'x'.repeat(4000) } })
    expect(r.statusCode).toBe(413)
    expect(r.json().code).toBe('SB_BODY_TOO_LARGE')
  })

  it('answers a crash with a bare 500 and logs no message or data from it', async () => {
    const lines: string[] = []
    const stream = new Writable({ write (chunk, _enc, done) { lines.push(String(chunk)); done() } })
    const config = loadConfig({ DATA_DIR: tempDir(), LOG_LEVEL: 'info' })
    const store = openStore(config)
    await migrateToLatest(store)
    const app = await buildApp({ config, store, logger: { level: 'info', stream } })
    app.get('/boom', async () => { throw Object.assign(new Error('duplicate key (email)=(ada@example.com)'), { detail: 'Key (email)=(ada@example.com)' }) })
    onTestFinished(async () => { await app.close(); await store.close() })
    const r = await app.inject({ method: 'GET', url: '/boom' })
    expect(r.statusCode).toBe(500)
    expect(r.json()).toEqual({ code: 'SB_INTERNAL', message: 'Something went wrong on our side' })
    expect(lines.join('')).toContain('"code":"SB_INTERNAL"')
    expect(lines.join('')).not.toContain('ada@example.com')
  })

  it('rate-limits per API token and says when to retry', async () => {
    const t = await buildTestApp({ RATE_LIMIT_PER_MINUTE: '3' })
    const ws = await createWorkspace(t)
    const codes = []
    for (let i = 0; i < 4; i++) codes.push((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(ws.token) })).statusCode)
    expect(codes).toEqual([200, 200, 200, 429])
    const limited = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(ws.token) })
    expect(limited.json().code).toBe('SB_RATE_LIMITED')
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
  })
})

describe('logging', () => {
  it('logs the route pattern, never the query string, body or credentials', async () => {
    const lines: string[] = []
    const stream = new Writable({ write (chunk, _enc, done) { lines.push(String(chunk)); done() } })
    const config = loadConfig({ DATA_DIR: tempDir() })
    const store = openStore(config)
    await migrateToLatest(store)
    const app = await buildApp({ config, store, logger: { level: 'trace', stream } })
    await app.ready()
    onTestFinished(async () => { await app.close(); await store.close() })
    await app.inject({ method: 'GET', url: '/api/v1/tokens?all=secret-query-value', headers: bearer('sbt_abcdefgh_secret-token-value') })
    await app.inject({ method: 'POST', url: '/auth/login', payload: { email: 'grace@hopper.example', password: 'secret-password-value' } })
    // A contact with an email and a phone, looked up the way the add-ons do.
    const owner = await app.services.onboarding.createWorkspace({ name: 'Logs', ownerEmail: 'owner@logs.example', ownerName: 'Owner', ownerPassword: 'correct horse battery', defaultCountry: 'US' })
    await app.inject({ method: 'POST', url: '/api/v1/contacts', headers: bearer(owner.token), payload: { name: 'Ada Lovelace', emails: ['ada@lovelace.example'], phones: ['+14155550199'] } })
    await app.inject({ method: 'GET', url: '/api/v1/contacts?q=ada%40lovelace.example', headers: bearer(owner.token) })
    const log = lines.join('')
    expect(log).toContain('"route":"/api/v1/tokens"')
    for (const secret of ['secret-query-value', 'secret-token-value', 'grace@hopper.example', 'secret-password-value', 'ada@lovelace.example', 'Lovelace', '4155550199', owner.token]) expect(log).not.toContain(secret)
    // Every line is JSON, and every request line carries the request id a user can quote to support.
    const parsed = lines.map((l) => JSON.parse(l) as { msg: string, reqId?: string })
    const requests = parsed.filter((l) => l.msg === 'request')
    expect(requests.length).toBeGreaterThanOrEqual(4)
    for (const line of requests) expect(line.reqId).toMatch(/^[0-9a-f-]{36}$/)
  })
})
