import fs from 'node:fs'
import path from 'node:path'
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { buildApp } from '../app.js'
import { bearer, buildTestApp, createWorkspace } from '../../test/helper.js'
import { INVENTORY_TABLES } from './data-inventory.js'
import { createSecretBox, loadSecretKeys, rotateKeyFile, SEALED_COLUMNS } from './secret-box.js'

async function setUp () {
  const t = await buildTestApp({}, { sandbox: true })
  const ws = await createWorkspace(t)
  // A second app over the same store whose logs we keep, at the most verbose level.
  const lines: string[] = []
  const stream = new Writable({ write (chunk: Buffer, _encoding, done) { lines.push(chunk.toString('utf8')); done() } })
  const logged = await buildApp({ config: t.config, store: t.store, logger: { level: 'trace', stream }, whatsapp: t.app.services.whatsapp.runtime })
  await logged.ready()
  const connection = await t.app.services.whatsapp.connection.connectSandbox(ws.workspaceId, { userId: ws.ownerId })
  const sealed = (await t.store.db.selectFrom('whatsapp_connections').select(['id', 'access_token']).where('workspace_id', '=', ws.workspaceId).executeTakeFirstOrThrow())
  const binding = { table: 'whatsapp_connections', column: 'access_token', rowId: sealed.id, workspaceId: ws.workspaceId }
  const businessToken = createSecretBox(loadSecretKeys(t.config.secretKey, t.config.dataDir)).open(sealed.access_token!, binding)
  return { t, ws, logged, lines, connection, businessToken, binding }
}

describe('secrets at rest', () => {
  it('no plaintext token or password is in the database file, any table, or the logs', async () => {
    const { t, ws, logged, lines, businessToken } = await setUp()
    await logged.inject({ method: 'POST', url: '/auth/login', payload: { email: ws.ownerEmail, password: ws.ownerPassword } })
    await logged.inject({ method: 'POST', url: '/auth/login', payload: { email: ws.ownerEmail, password: 'wrong-password-xyz' } })
    await logged.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(ws.token) })
    const created = await logged.inject({ method: 'POST', url: '/api/v1/tokens', headers: bearer(ws.token), payload: { name: 'sheet', scopes: ['crm:read'] } })
    const newToken = created.json().token as string
    await logged.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(newToken + 'x') })
    await logged.inject({ method: 'GET', url: `/api/v1/contacts?email=${encodeURIComponent('ada@secret.example')}`, headers: bearer(ws.token) })
    // An export's download link carries its token in the query string.
    const exported = await logged.inject({ method: 'POST', url: '/api/v1/privacy/exports', headers: bearer(ws.token), payload: { kind: 'user' } })
    const link = new URL(exported.json().downloadUrl as string)
    const exportToken = link.searchParams.get('token')!
    for (let i = 0; i < 50 && (await t.app.services.exports.get(ws.workspaceId, exported.json().job.id))?.status !== 'ready'; i++) await new Promise((resolve) => setTimeout(resolve, 20))
    expect((await logged.inject({ method: 'GET', url: link.pathname + link.search, headers: bearer(ws.token) })).statusCode).toBe(200)
    await logged.close()

    const secrets = [businessToken, ws.token, newToken, ws.ownerPassword, 'wrong-password-xyz', t.app.services.whatsapp.runtime.appSecret!, exportToken]
    for (const s of secrets) expect(s.length).toBeGreaterThan(8)

    // Every row of every table, as text.
    const rows: unknown[] = []
    for (const [table] of INVENTORY_TABLES) rows.push(await t.store.db.selectFrom(table as 'contacts').selectAll().execute())
    const dump = JSON.stringify(rows)
    // The raw bytes of the SQLite file and its WAL (pages not checkpointed yet live there).
    const files = t.store.dialect === 'sqlite'
      ? ['switchboard.sqlite', 'switchboard.sqlite-wal'].map((f) => path.join(t.dir, f)).filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f).toString('latin1'))
      : []
    const logs = lines.join('')
    expect(logs).toContain('"route"')
    for (const s of secrets) {
      expect(dump.includes(s), 'a table holds a plaintext secret').toBe(false)
      for (const bytes of files) expect(bytes.includes(s), 'the database file holds a plaintext secret').toBe(false)
      expect(logs.includes(s), 'the logs hold a plaintext secret').toBe(false)
    }
    // Query strings carry contact data: the request log names the route, never the URL.
    expect(logs).not.toContain('ada@secret.example')
    expect(logs).not.toContain('ada%40secret.example')
  })

  it('every sealed column is declared a credential and never exported', () => {
    for (const { table, column } of SEALED_COLUMNS) {
      const decl = INVENTORY_TABLES.find(([name]) => name === table)![1]
      expect(decl.columns[column]).toMatchObject({ category: 'credentials', exported: false })
    }
  })

  it('keys rotate re-wraps every token under a new key and retires the old one', async () => {
    const { t, ws, businessToken, binding } = await setUp()
    const oldKeys = loadSecretKeys(undefined, t.config.dataDir)
    const before = (await t.store.db.selectFrom('whatsapp_connections').select('access_token').executeTakeFirstOrThrow()).access_token!
    const result = await rotateKeyFile(t.store.db, t.config.dataDir)
    expect(result).toMatchObject({ total: 1, rewrapped: 1 })
    const after = (await t.store.db.selectFrom('whatsapp_connections').select('access_token').where('workspace_id', '=', ws.workspaceId).executeTakeFirstOrThrow()).access_token!
    expect(after.split(':')[1]).toBe(result.keyId)
    expect(after.split(':')[1]).not.toBe(before.split(':')[1])
    const newKeys = loadSecretKeys(undefined, t.config.dataDir)
    expect(newKeys).toHaveLength(1)
    expect(createSecretBox(newKeys).open(after, binding)).toBe(businessToken)
    expect(() => createSecretBox(oldKeys).open(after, binding)).toThrow()
    // Rotating again moves it under yet another key; nothing is lost on the way.
    expect(await rotateKeyFile(t.store.db, t.config.dataDir)).toMatchObject({ total: 1, rewrapped: 1 })
  })

  it('disconnecting WhatsApp deletes its token', async () => {
    const { t, ws } = await setUp()
    await t.app.services.whatsapp.connection.disconnect(ws.workspaceId, { userId: ws.ownerId })
    expect(await t.store.db.selectFrom('whatsapp_connections').selectAll().execute()).toEqual([])
    const actions = (await t.app.services.audit.list(ws.workspaceId, { limit: 5 })).map((e) => e.action)
    expect(actions).toContain('whatsapp.disconnected')
  })
})
