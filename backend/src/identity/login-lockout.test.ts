import { describe, expect, it } from 'vitest'
import { buildTestApp, createWorkspace, type TestApp } from '../../test/helper.js'
import { createIdentityService } from './identity-service.js'
import { createLoginAttemptsRepository } from './login-attempts-repository.js'
import { verifyPassword } from './passwords.js'

/** Sign-in reveals nothing about which accounts exist, and a stranger cannot lock anyone out. */

function login (t: TestApp, email: string, password: string, ip = '203.0.113.7') {
  return t.app.inject({ method: 'POST', url: '/auth/login', remoteAddress: ip, payload: { email, password } })
}

describe('sign-in: known and unknown emails look the same; locks are per account and source', () => {
  it('answers a known and an unknown email with the same statuses, bodies and Retry-After, lock included', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const seen: Record<string, Array<{ status: number, body: string, retryAfter: string | undefined }>> = { known: [], unknown: [] }
    for (const [who, email] of [['known', ws.ownerEmail], ['unknown', 'nobody@nowhere.example']] as const) {
      for (let i = 0; i < 7; i++) {
        const r = await login(t, email, 'wrong password')
        seen[who]!.push({ status: r.statusCode, body: r.body, retryAfter: r.headers['retry-after'] as string | undefined })
      }
    }
    expect(seen['known']!.map((r) => r.status)).toEqual([401, 401, 401, 401, 401, 429, 429])
    expect(seen['unknown']).toEqual(seen['known'])
  })

  it('locks an account only for the source that failed: its owner signs in from elsewhere', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    for (let i = 0; i < 5; i++) expect((await login(t, ws.ownerEmail, 'wrong password', '198.51.100.9')).statusCode).toBe(401)
    expect((await login(t, ws.ownerEmail, ws.ownerPassword, '198.51.100.9')).statusCode).toBe(429)
    expect((await login(t, ws.ownerEmail, ws.ownerPassword, '203.0.113.20')).statusCode).toBe(200)
  })

  it('runs exactly one password hash on every attempt: unknown, wrong, locked, right', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    let checks = 0
    const { users, apiTokens, sessions, audit, workspaces } = t.app.services
    const identity = createIdentityService({
      db: t.store.db, users, apiTokens, sessions, audit, workspaces, sessionTtlHours: 1, loginAttempts: createLoginAttemptsRepository(t.store.db),
      verifyPassword: async (password, stored) => { checks += 1; return verifyPassword(password, stored) },
    })
    const attempt = async (email: string, password: string): Promise<string> => {
      const before = checks
      const outcome = await identity.login(email, password, '192.0.2.1').then(() => 'ok', (e: { code: string }) => e.code)
      expect(checks - before, `${email} → ${outcome}`).toBe(1)
      return outcome
    }
    expect(await attempt('nobody@nowhere.example', 'x')).toBe('SB_AUTH_INVALID_CREDENTIALS')
    for (let i = 0; i < 5; i++) expect(await attempt(ws.ownerEmail, 'wrong password')).toBe('SB_AUTH_INVALID_CREDENTIALS')
    expect(await attempt(ws.ownerEmail, ws.ownerPassword)).toBe('SB_AUTH_LOCKED')
    for (let i = 0; i < 5; i++) await attempt('nobody@nowhere.example', 'x')
    expect(await attempt('nobody@nowhere.example', 'x')).toBe('SB_AUTH_LOCKED')
    expect(await attempt(ws.ownerEmail.toUpperCase(), ws.ownerPassword).catch(() => 'locked')).toBe('SB_AUTH_LOCKED')
  })
})
