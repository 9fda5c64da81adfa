import fs from 'node:fs'
import path from 'node:path'
import { Writable } from 'node:stream'
import { describe, expect, it, onTestFinished } from 'vitest'
import { sql } from 'kysely'
import { buildApp } from '../app.js'
import { SQLITE_FILE_NAME } from '../store/database.js'
import { bearer, buildTestApp, createWorkspace, type TestApp } from '../../test/helper.js'
import { metaRuntime } from './runtime.js'
import { createSecretBox, loadSecretKeys } from '../privacy/secret-box.js'

async function connected (t: TestApp) {
  const ws = await createWorkspace(t)
  const api = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) => {
    const r = await t.app.inject({ method, url: `/api/v1${url}`, headers: bearer(ws.token), ...(payload === undefined ? {} : { payload }) })
    return { status: r.statusCode, body: r.json() }
  }
  const connect = await api('POST', '/whatsapp/connection/sandbox')
  expect(connect.status, JSON.stringify(connect.body)).toBe(201)
  expect((await api('POST', '/whatsapp/templates/sync')).status).toBe(200)
  const ada = (await api('POST', '/contacts', { name: 'Ada', phones: ['+44 20 7946 0958'] })).body
  return { ws, api, ada }
}

describe('WhatsApp connection', () => {
  it('connects through the real Embedded Signup steps against the sandbox, and shows the number with its limits', async () => {
    const t = await buildTestApp({}, { sandbox: true })
    const { api } = await connected(t)
    const status = (await api('GET', '/whatsapp/connection')).body
    expect(status).toMatchObject({ mode: 'sandbox', connection: { status: 'connected', signupStep: 'done', signupError: null }, embeddedSignup: null })
    expect(status.connection.wabaId).toMatch(/^\d+$/)
    expect(status.numbers).toHaveLength(1)
    expect(status.numbers[0]).toMatchObject({ registered: true, status: 'active', throughputPerSecond: 80, qualityRating: expect.any(String) })
  })

  it('shows Meta\'s reason when a step fails, and resumes with a new code', async () => {
    const t = await buildTestApp({}, { sandbox: true })
    const ws = await createWorkspace(t)
    const popup = t.sandbox!.signup()
    const signup = (code: string) => t.app.inject({ method: 'POST', url: '/api/v1/whatsapp/connection/signup', headers: bearer(ws.token), payload: { code, wabaId: popup.waba_id, phoneNumberId: popup.phone_number_id, pin: '246810' } })
    const failed = await signup('expired-code')
    expect(failed.statusCode).toBe(502)
    expect(failed.json()).toMatchObject({ code: 'SB_WHATSAPP_SIGNUP_FAILED', field: 'exchange' })
    const status = (await t.app.inject({ method: 'GET', url: '/api/v1/whatsapp/connection', headers: bearer(ws.token) })).json()
    expect(status.connection).toMatchObject({ status: 'failed', signupStep: 'exchange' })
    expect(status.connection.signupError).toMatch(/^\d+: /)
    const resumed = await signup(popup.code)
    expect(resumed.statusCode).toBe(200)
    expect(resumed.json().connection).toMatchObject({ status: 'connected', signupError: null })
    const actions = (await t.app.services.audit.list(ws.workspaceId, { limit: 20 })).map((e) => e.action)
    expect(actions).toEqual(expect.arrayContaining(['whatsapp.signup_failed', 'whatsapp.connected']))
  })

  it('answers 409 SB_WHATSAPP_ACCOUNT_IN_USE for another workspace\'s WABA, saying nothing about it, and never shows a database message', async () => {
    const t = await buildTestApp({}, { sandbox: true })
    const a = await createWorkspace(t, 'Alpha')
    const b = await createWorkspace(t, 'Beta')
    const popup = t.sandbox!.signup()
    const signup = (token: string, code: string) => t.app.inject({ method: 'POST', url: '/api/v1/whatsapp/connection/signup', headers: bearer(token), payload: { code, wabaId: popup.waba_id, phoneNumberId: popup.phone_number_id, pin: '123456' } })
    expect((await signup(a.token, popup.code)).statusCode).toBe(200)
    // B holds a fresh code of its own but names A's WABA (and number).
    const second = t.sandbox!.signup()
    const taken = await signup(b.token, second.code)
    expect(taken.statusCode).toBe(409)
    expect(taken.json()).toMatchObject({ code: 'SB_WHATSAPP_ACCOUNT_IN_USE', field: 'wabaId' })
    expect(taken.body).not.toContain(a.workspaceId)
    expect(taken.body).not.toMatch(/Alpha|UNIQUE|constraint|whatsapp_connections/i)
    const status = (await t.app.inject({ method: 'GET', url: '/api/v1/whatsapp/connection', headers: bearer(b.token) })).json()
    expect(JSON.stringify(status)).not.toMatch(/UNIQUE|constraint|whatsapp_connections|duplicate key/i)
    // A's connection is untouched.
    const held = (await t.app.inject({ method: 'GET', url: '/api/v1/whatsapp/connection', headers: bearer(a.token) })).json()
    expect(held.connection).toMatchObject({ status: 'connected', wabaId: popup.waba_id })
  })

  it('answers a unique violation that escaped its repository as 409 SB_CONFLICT without the driver\'s message', async () => {
    const { toErrorBody } = await import('../plugins/app/error-handler.js')
    const sqlite = Object.assign(new Error('UNIQUE constraint failed: whatsapp_connections.waba_id'), { code: 'SQLITE_CONSTRAINT_UNIQUE' })
    const postgres = Object.assign(new Error('duplicate key value violates unique constraint "whatsapp_connections_waba_id_key"'), { code: '23505' })
    for (const error of [sqlite, postgres]) {
      const { status, body } = toErrorBody(error)
      expect(status).toBe(409)
      expect(body).toEqual({ code: 'SB_CONFLICT', message: expect.any(String) })
      expect(JSON.stringify(body)).not.toMatch(/constraint|waba/i)
    }
  })

  it('keeps the business token encrypted: never in the database file\'s bytes, never in an answer or a log line', async () => {
    const lines: string[] = []
    const stream = new Writable({ write (chunk, _enc, done) { lines.push(String(chunk)); done() } })
    const t = await buildTestApp({}, { sandbox: true })
    const app = await buildApp({ config: t.config, store: t.store, logger: { level: 'trace', stream }, whatsapp: metaRuntime(t.config.whatsapp, t.sandbox) })
    await app.ready()
    onTestFinished(() => app.close())
    const ws = await createWorkspace(t)
    const popup = t.sandbox!.signup()
    const answer = await app.inject({ method: 'POST', url: '/api/v1/whatsapp/connection/signup', headers: bearer(ws.token), payload: { code: popup.code, wabaId: popup.waba_id, phoneNumberId: popup.phone_number_id, pin: '123456' } })
    expect(answer.statusCode).toBe(200)
    const row = await t.store.db.selectFrom('whatsapp_connections').select(['id', 'access_token']).executeTakeFirstOrThrow()
    expect(row.access_token).toMatch(/^v1:/)
    // Open it the way the service does, to know what must not appear anywhere.
    const token = createSecretBox(loadSecretKeys(undefined, t.dir)).open(row.access_token!, { table: 'whatsapp_connections', column: 'access_token', rowId: row.id, workspaceId: ws.workspaceId })
    expect(token.length).toBeGreaterThan(10)
    const bytes = await storedBytes(t)
    expect(bytes.length).toBeGreaterThan(0)
    expect(bytes.includes(Buffer.from(token)), `token bytes in the ${t.store.dialect} store`).toBe(false)
    expect(answer.body).not.toContain(token)
    expect(lines.join('')).not.toContain(token)
    const status = await app.inject({ method: 'GET', url: '/api/v1/whatsapp/connection', headers: bearer(ws.token) })
    expect(status.body).not.toContain(token)
  })
})

/**
 * Everything the store holds, as bytes: SQLite's files (the WAL too), or on PostgreSQL
 * every row of every table as text (its files are the server's, not ours to read).
 */
async function storedBytes (t: TestApp): Promise<Buffer> {
  if (t.store.dialect === 'sqlite') {
    return Buffer.concat([SQLITE_FILE_NAME, `${SQLITE_FILE_NAME}-wal`].flatMap((f) => {
      const file = path.join(t.dir, f)
      return fs.existsSync(file) ? [fs.readFileSync(file)] : []
    }))
  }
  const tables = await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = 'public'`.execute(t.store.db)
  const parts: string[] = []
  for (const { name } of tables.rows) {
    const rows = await sql<{ row: string }>`select t::text as row from ${sql.table(name)} t`.execute(t.store.db)
    parts.push(...rows.rows.map((r) => r.row))
  }
  return Buffer.from(parts.join('\n'))
}

describe('WhatsApp messages to a contact', () => {
  it('sends an approved template that reaches the sandbox, and shows it in the thread', async () => {
    const t = await buildTestApp({}, { sandbox: true })
    const { api, ada } = await connected(t)
    const sent = await api('POST', `/contacts/${ada.id}/whatsapp`, { template: { name: 'order_update', language: 'en_US', parameters: { 'header.media': 'https://cdn.example/p.jpg', 1: 'Ada', 2: '#7', 3: 'Friday', 'button0.1': 'abc' } } })
    expect(sent.status, JSON.stringify(sent.body)).toBe(201)
    expect(sent.body).toMatchObject({ direction: 'out', status: 'accepted', templateName: 'order_update', source: 'api' })
    expect(sent.body.body).toContain('Hi Ada, your order #7 has shipped')
    expect(t.sandbox!.message(sent.body.wamid)).toMatchObject({ waId: '442079460958', templateName: 'order_update' })
    const thread = (await api('GET', `/contacts/${ada.id}/whatsapp`)).body
    expect(thread.items.map((m: { id: string }) => m.id)).toEqual([sent.body.id])
    expect(thread.window).toEqual({ open: false, until: null })
    expect((await api('GET', `/contacts/${ada.id}`)).body.whatsappId).toBe('442079460958')
  })

  it('refuses free-form text outside the 24-hour window and sends nothing', async () => {
    const t = await buildTestApp({}, { sandbox: true })
    const { api, ada } = await connected(t)
    const refused = await api('POST', `/contacts/${ada.id}/whatsapp`, { text: 'Hello!' })
    expect(refused).toMatchObject({ status: 409, body: { code: 'SB_WHATSAPP_WINDOW_CLOSED' } })
    expect(t.sandbox!.inspect().acceptedTotal).toBe(0)
  })

  it('sends free-form text inside the window', async () => {
    const t = await buildTestApp({}, { sandbox: true })
    const { ws, api, ada } = await connected(t)
    // The webhook receiver sets this from inbound messages; here the contact wrote an hour ago.
    await t.store.db.updateTable('contacts').set({ last_inbound_at: new Date(Date.now() - 3_600_000).toISOString() }).where('id', '=', ada.id).execute()
    t.sandbox!.inboundText({ from: '442079460958', text: 'hi' })
    const sent = await api('POST', `/contacts/${ada.id}/whatsapp`, { text: 'Hello Ada' })
    expect(sent.status, JSON.stringify(sent.body)).toBe(201)
    expect((await api('GET', `/contacts/${ada.id}/whatsapp`)).body.window.open).toBe(true)
    expect(ws).toBeDefined()
  })

  it.each([
    { description: 'both text and template', body: { text: 'x', template: { name: 'hello_world', language: 'en_US' } }, status: 400, code: 'SB_VALIDATION' },
    { description: 'neither', body: {}, status: 400, code: 'SB_VALIDATION' },
    { description: 'a template that does not exist', body: { template: { name: 'nope', language: 'en_US' } }, status: 404, code: 'SB_WHATSAPP_TEMPLATE_NOT_FOUND' },
    { description: 'a template Meta rejected', body: { template: { name: 'crypto_giveaway', language: 'en_US' } }, status: 409, code: 'SB_WHATSAPP_TEMPLATE_NOT_APPROVED' },
    { description: 'a missing variable', body: { template: { name: 'order_update', language: 'en_US', parameters: { 1: 'Ada' } } }, status: 400, code: 'SB_WHATSAPP_TEMPLATE_PARAMETER_MISSING', field: 'parameters/header.media' },
    { description: 'a file: media link', body: { template: { name: 'order_update', language: 'en_US', parameters: { 'header.media': 'file:///etc/passwd', 1: 'Ada', 2: '#7', 3: 'Friday', 'button0.1': 'abc' } } }, status: 400, code: 'SB_VALIDATION', field: 'parameters/header.media' },
    { description: 'a javascript: media link', body: { template: { name: 'order_update', language: 'en_US', parameters: { 'header.media': 'javascript:alert(1)', 1: 'Ada', 2: '#7', 3: 'Friday', 'button0.1': 'abc' } } }, status: 400, code: 'SB_VALIDATION', field: 'parameters/header.media' },
  ])('refuses $description before sending anything', async ({ body, status, code, ...rest }) => {
    const t = await buildTestApp({}, { sandbox: true })
    const { api, ada } = await connected(t)
    const templates = await t.app.services.whatsapp.templates.list((await t.app.services.workspaces.listAll())[0]!.id)
    if (code === 'SB_WHATSAPP_TEMPLATE_NOT_APPROVED') expect(templates.find((x) => x.name === 'crypto_giveaway')?.status).not.toBe('APPROVED')
    const refused = await api('POST', `/contacts/${ada.id}/whatsapp`, body)
    expect(refused.status).toBe(status)
    expect(refused.body).toMatchObject({ code, ...('field' in rest ? { field: rest.field } : {}) })
    expect(t.sandbox!.inspect().acceptedTotal).toBe(0)
  })

  it('never sends a marketing template to a contact who opted out', async () => {
    const t = await buildTestApp({}, { sandbox: true })
    const { api, ada } = await connected(t)
    await api('PATCH', `/contacts/${ada.id}`, { marketing: { status: 'opted_out' } })
    const refused = await api('POST', `/contacts/${ada.id}/whatsapp`, { template: { name: 'welcome_offer', language: 'en_US', parameters: { first_name: 'Ada', discount: '10%', expiry: 'Sunday' } } })
    expect(refused).toMatchObject({ status: 409, body: { code: 'SB_WHATSAPP_OPTED_OUT' } })
    const utility = await api('POST', `/contacts/${ada.id}/whatsapp`, { template: { name: 'hello_world', language: 'en_US' } })
    expect(utility.status).toBe(201)
  })

  it('on a stop-class error from Meta, records the failure and pauses the number with the reason', async () => {
    const t = await buildTestApp({}, { sandbox: true })
    const { api, ada } = await connected(t)
    t.sandbox!.forceErrors(131048)
    const first = await api('POST', `/contacts/${ada.id}/whatsapp`, { template: { name: 'hello_world', language: 'en_US' } })
    expect(first).toMatchObject({ status: 502, body: { code: 'SB_WHATSAPP_SEND_REJECTED' } })
    expect(first.body.detail).toMatch(/^131048: /)
    const thread = (await api('GET', `/contacts/${ada.id}/whatsapp`)).body
    expect(thread.items[0]).toMatchObject({ status: 'failed', errorCode: 131048 })
    const status = (await api('GET', '/whatsapp/connection')).body
    expect(status.numbers[0]).toMatchObject({ status: 'paused', pausedReason: expect.stringMatching(/^131048/) })
    const second = await api('POST', `/contacts/${ada.id}/whatsapp`, { template: { name: 'hello_world', language: 'en_US' } })
    expect(second).toMatchObject({ status: 409, body: { code: 'SB_WHATSAPP_NUMBER_PAUSED' } })
  })

  it('marks a send with no answer as unknown and does not resend it', async () => {
    const t = await buildTestApp({}, { sandbox: { faults: { timeout: 1, acceptedBeforeFailure: 1, timeoutHoldMs: 5_000 } } })
    const runtime = { ...metaRuntime(t.config.whatsapp, t.sandbox), timeoutMs: 300 }
    const app = await buildApp({ config: t.config, store: t.store, logger: false, whatsapp: runtime })
    await app.ready()
    onTestFinished(() => app.close())
    const ws = await createWorkspace(t)
    t.sandbox!.setFaults({ timeout: 0 })
    await app.services.whatsapp.connection.connectSandbox(ws.workspaceId, { userId: ws.ownerId })
    await app.services.whatsapp.templates.sync(ws.workspaceId)
    const ada = (await app.inject({ method: 'POST', url: '/api/v1/contacts', headers: bearer(ws.token), payload: { name: 'Ada', phones: ['+442079460958'] } })).json()
    t.sandbox!.setFaults({ timeout: 1 })
    const sent = await app.inject({ method: 'POST', url: `/api/v1/contacts/${ada.id}/whatsapp`, headers: bearer(ws.token), payload: { template: { name: 'hello_world', language: 'en_US' } } })
    expect(sent.statusCode).toBe(502)
    expect(sent.json().code).toBe('SB_WHATSAPP_SEND_UNKNOWN')
    const thread = (await app.inject({ method: 'GET', url: `/api/v1/contacts/${ada.id}/whatsapp`, headers: bearer(ws.token) })).json()
    expect(thread.items).toHaveLength(1)
    expect(thread.items[0].status).toBe('unknown')
    expect(t.sandbox!.inspect().acceptedTotal).toBe(1)
  })
})
