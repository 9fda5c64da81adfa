import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import BetterSqlite3 from 'better-sqlite3'
import { describe, expect, it, onTestFinished } from 'vitest'
import { addUser, bearer, buildTestApp, createWorkspace } from '../../test/helper.js'

// Distinctive content: none of it may ever appear in an audit row.
const SECRET_BODY = 'Quarterly numbers attached, burn after reading 7781'
const SECRET_SUBJECT = 'Confidential merger plan 5512'
const CONTACT_NAME = 'Zebulon Quartermaine'
const CONTACT_EMAIL = 'zebulon.q@contact.example'
const ROW_VALUE = 'Marigold-4410'

describe('audit log coverage', () => {
  it('records logins, tokens, roles, deactivation, WhatsApp, campaign sends and support access; never message content', async () => {
    const t = await buildTestApp({}, { sandbox: true })
    const ws = await createWorkspace(t)
    const api = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, headers: Record<string, string> = {}) => {
      const r = await t.app.inject({ method, url: `/api/v1${url}`, headers: { ...bearer(ws.token), ...headers }, ...(payload === undefined ? {} : { payload }) })
      return { status: r.statusCode, body: r.body === '' ? null : r.json() }
    }
    await t.app.inject({ method: 'POST', url: '/auth/login', payload: { email: ws.ownerEmail, password: ws.ownerPassword } })
    await t.app.inject({ method: 'POST', url: '/auth/login', payload: { email: ws.ownerEmail, password: 'not the password' } })
    const agent = await addUser(t, ws, 'agent')
    expect((await api('PATCH', `/users/${agent.userId}`, { role: 'admin' })).status).toBe(200)
    expect((await api('PATCH', `/users/${agent.userId}`, { status: 'deactivated' })).status).toBe(200)
    const token = await api('POST', '/tokens', { name: 'sheet', scopes: ['crm:read'] })
    expect((await api('DELETE', `/tokens/${token.body.apiToken?.id ?? token.body.id}`)).status).toBeLessThan(300)

    await t.app.services.whatsapp.connection.connectSandbox(ws.workspaceId, { userId: ws.ownerId })
    await t.app.services.whatsapp.templates.sync(ws.workspaceId)
    const contact = (await api('POST', '/contacts', { name: CONTACT_NAME, emails: [CONTACT_EMAIL], phones: ['+12122001234'] })).body
    const logged = await api('POST', '/emails/log', { email: { subject: SECRET_SUBJECT, from: CONTACT_EMAIL, to: ['sales@acme.example'], date: '2026-11-20T10:15:42Z', body: SECRET_BODY }, contactId: contact.id, client: 'gmail' })
    expect(logged.status).toBe(201)

    const campaign = (await api('POST', '/campaigns', { name: 'November orders', template: { name: 'order_update', language: 'en_US' }, source: 'sheets' })).body
    const submitted = await api('POST', `/campaigns/${campaign.id}/recipients`, { rows: [{ rowKey: 'r1', phone: '+1 212 200 5678', variables: { 'header.media': 'https://cdn.example/p.jpg', 1: ROW_VALUE, 2: '#1', 3: 'Friday', 'button0.1': 'x' } }] }, { 'idempotency-key': 'audit-test-chunk-0' })
    expect(submitted.status, JSON.stringify(submitted.body)).toBeLessThan(300)
    const started = await api('POST', `/campaigns/${campaign.id}/start`, {})
    expect(started.status, JSON.stringify(started.body)).toBe(200)

    const { supportAccess, purposeGuard } = t.app.services
    const consent = await supportAccess.grant(ws.workspaceId, ws.ownerId, { records: [{ type: 'activity', id: logged.body.activity.id }] })
    const staff = await supportAccess.createStaff('Sam')
    await purposeGuard.read(ws.workspaceId, { purpose: 'support', staffId: staff.id, consentId: consent.id, reason: 'ticket 9' }, [{ type: 'activity', id: logged.body.activity.id }])

    const events = await t.app.services.audit.list(ws.workspaceId, { limit: 200 })
    const actions = new Set(events.map((e) => e.action))
    // Who, what, when and from where.
    expect(events.find((e) => e.action === 'user.login')).toMatchObject({ actorUserId: ws.ownerId, ip: '127.0.0.1', createdAt: expect.any(String) })
    expect(events.find((e) => e.action === 'campaign.started')).toMatchObject({ actorUserId: ws.ownerId, targetId: campaign.id, ip: '127.0.0.1' })
    for (const action of [
      'user.login', 'user.login_failed', 'token.created', 'token.revoked', 'user.role_changed', 'user.deactivated',
      'whatsapp.connected', 'campaign.started', 'privacy.consent_granted', 'privacy.support_access',
    ]) expect(actions, action).toContain(action)

    const rows = await t.store.db.selectFrom('audit_events').selectAll().execute()
    const dump = JSON.stringify(rows)
    for (const content of [SECRET_BODY, SECRET_SUBJECT, CONTACT_NAME, CONTACT_EMAIL, ROW_VALUE, '2122001234', '2122005678']) expect(dump, content).not.toContain(content)
    expect(await t.app.services.audit.verify(ws.workspaceId)).toMatchObject({ brokenAtSeq: null })
  })
})

const run = promisify(execFile)

describe('npm run cli -- audit verify, retention sweep, keys rotate, support staff-create, workspace delete', () => {
  it('exits 0 on an intact chain and 1, naming the link, when a row was altered behind the triggers', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-audit-'))
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }))
    const cli = async (...args: string[]) => {
      try {
        const { stdout } = await run(path.resolve('node_modules/.bin/tsx'), [path.resolve('backend/src/cli.ts'), ...args], { env: { ...process.env, DATA_DIR: dir, LOG_LEVEL: 'silent', DATABASE_URL: '' } })
        return { stdout, code: 0 }
      } catch (error) {
        const e = error as { stdout: string, code: number }
        return { stdout: e.stdout, code: e.code }
      }
    }
    const created = await cli('workspace', 'create', '--name', 'Acme', '--owner-email', 'ada@acme.example', '--owner-name', 'Ada', '--json')
    expect(created.code).toBe(0)
    const intact = await cli('audit', 'verify')
    expect(intact).toMatchObject({ code: 0 })
    expect(intact.stdout).toContain('intact')

    // The triggers refuse the edit; an attacker with file access drops them first.
    const raw = new BetterSqlite3(path.join(dir, 'switchboard.sqlite'))
    expect(() => raw.prepare('update audit_events set ip = ? where seq = 2').run('198.51.100.7')).toThrow(/append-only/)
    expect(() => raw.prepare('delete from audit_events where seq = 1').run()).toThrow(/append-only/)
    raw.exec('drop trigger audit_events_no_update')
    raw.prepare('update audit_events set ip = ? where seq = 2').run('198.51.100.7')
    raw.close()

    const broken = await cli('audit', 'verify')
    expect(broken.code).toBe(1)
    expect(broken.stdout).toContain('BROKEN at #2')

    // The other privacy commands run against the same store.
    expect(await cli('retention', 'sweep')).toMatchObject({ code: 0, stdout: 'Nothing was due.\n' })
    expect(await cli('keys', 'rotate')).toMatchObject({ code: 0, stdout: expect.stringContaining('0 of 0 stored secrets re-encrypted') })
    const staff = await cli('support', 'staff-create', '--name', 'Sam', '--json')
    expect(JSON.parse(staff.stdout)).toMatchObject({ id: expect.stringMatching(/^stf_/), token: expect.stringMatching(/^sbstaff_/) })

    // An operator deletes the workspace on a verified request; nothing of it remains.
    const workspaceId = JSON.parse(created.stdout).workspaceId as string
    expect((await cli('workspace', 'delete', '--workspace', workspaceId)).code).toBe(2)
    const deleted = await cli('workspace', 'delete', '--workspace', workspaceId, '--confirm', 'delete everything', '--json')
    expect(deleted.code).toBe(0)
    expect(JSON.parse(deleted.stdout)).toMatchObject({ confirmationCode: expect.any(String), statusUrl: expect.stringContaining('/data-deletion/status/') })
    expect((await cli('audit', 'verify')).stdout).toContain('No workspaces.')
    // Nine CLI processes, each compiling TypeScript on start.
  }, 180_000)
})
