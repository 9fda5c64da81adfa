import { describe, expect, it, onTestFinished } from 'vitest'
import { TOKEN_CACHE_TTL_MS } from './token-cache.js'
import { addUser, bearer, buildTestApp, createWorkspace } from '../../test/helper.js'

describe('sign-in and sessions', () => {
  it('signs in with email and password, sets an httpOnly SameSite cookie, and the cookie reaches /me', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const login = await t.app.inject({ method: 'POST', url: '/auth/login', payload: { email: ws.ownerEmail.toUpperCase(), password: ws.ownerPassword } })
    expect(login.statusCode).toBe(200)
    const cookie = login.cookies.find((c) => c.name === 'sb_session')
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' })
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', cookies: { sb_session: cookie!.value } })
    expect(me.statusCode).toBe(200)
    expect(me.json()).toMatchObject({ user: { email: ws.ownerEmail, role: 'owner', loginCount: 1 }, via: 'session' })
    expect(me.json().user.lastLoginAt).not.toBeNull()
  })

  it('answers a wrong password and an unknown email the same way', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const wrong = await t.app.inject({ method: 'POST', url: '/auth/login', payload: { email: ws.ownerEmail, password: 'not the password' } })
    const unknown = await t.app.inject({ method: 'POST', url: '/auth/login', payload: { email: 'nobody@nowhere.example', password: 'not the password' } })
    expect(wrong.statusCode).toBe(401)
    expect(unknown.statusCode).toBe(401)
    expect(wrong.json()).toEqual(unknown.json())
    expect(wrong.json().code).toBe('SB_AUTH_INVALID_CREDENTIALS')
  })

  it('locks the account after five failures, even for the right password, and says when to retry', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    for (let i = 0; i < 5; i++) {
      const r = await t.app.inject({ method: 'POST', url: '/auth/login', payload: { email: ws.ownerEmail, password: 'wrong password' } })
      expect(r.statusCode).toBe(401)
    }
    const locked = await t.app.inject({ method: 'POST', url: '/auth/login', payload: { email: ws.ownerEmail, password: ws.ownerPassword } })
    expect(locked.statusCode).toBe(429)
    expect(locked.json().code).toBe('SB_AUTH_LOCKED')
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0)
    const actions = (await t.app.services.audit.list(ws.workspaceId, { limit: 50 })).map((e) => e.action)
    expect(actions.filter((a) => a === 'user.login_failed')).toHaveLength(5)
    expect(actions).toContain('user.locked')
  })

  it('refuses a cookie-authenticated state change from another origin (CSRF)', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const login = await t.app.inject({ method: 'POST', url: '/auth/login', payload: { email: ws.ownerEmail, password: ws.ownerPassword } })
    const cookies = { sb_session: login.cookies.find((c) => c.name === 'sb_session')!.value }
    const payload = { name: 'from a form' }
    const foreign = await t.app.inject({ method: 'POST', url: '/api/v1/tokens', cookies, payload, headers: { origin: 'https://evil.example' } })
    expect(foreign.statusCode).toBe(403)
    expect(foreign.json().code).toBe('SB_AUTH_CSRF')
    const own = await t.app.inject({ method: 'POST', url: '/api/v1/tokens', cookies, payload, headers: { origin: t.config.publicUrl } })
    expect(own.statusCode).toBe(201)
  })

  it('logs out: the session cookie stops working', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const login = await t.app.inject({ method: 'POST', url: '/auth/login', payload: { email: ws.ownerEmail, password: ws.ownerPassword } })
    const cookies = { sb_session: login.cookies.find((c) => c.name === 'sb_session')!.value }
    const out = await t.app.inject({ method: 'POST', url: '/auth/logout', cookies, headers: { origin: t.config.publicUrl } })
    expect(out.statusCode).toBe(204)
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', cookies })
    expect(me.statusCode).toBe(401)
  })
})

describe('API tokens', () => {
  it('shows the token once, stores only its hash, lists it by prefix and records last use', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const created = await t.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: bearer(ws.token), payload: { name: 'Sheets', scopes: ['crm:read'] } })
    expect(created.statusCode).toBe(201)
    const { token, apiToken } = created.json()
    expect(token).toMatch(/^sbt_[a-z0-9]{8}_/)
    expect(token.startsWith(apiToken.prefix)).toBe(true)
    const rows = await t.store.db.selectFrom('api_tokens').selectAll().execute()
    expect(JSON.stringify(rows)).not.toContain(token)
    expect(JSON.stringify(rows)).not.toContain(token.slice(apiToken.prefix.length + 1))

    const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(token) })
    expect(me.json().scopes).toEqual(['crm:read'])
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: bearer(ws.token) })
    const listed = list.json().items.find((i: { id: string }) => i.id === apiToken.id)
    expect(listed.lastUsedAt).not.toBeNull()
    expect(JSON.stringify(list.json())).not.toContain(token)
  })

  it('a revoked token gets 401 at once and the revocation is audited', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const agent = await addUser(t, ws, 'agent')
    const before = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(agent.token) })
    expect(before.statusCode).toBe(200)
    const tokens = await t.app.inject({ method: 'GET', url: '/api/v1/tokens?all=true', headers: bearer(ws.token) })
    const agentToken = tokens.json().items.find((i: { userId: string }) => i.userId === agent.userId)
    const revoke = await t.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${agentToken.id}`, headers: bearer(ws.token) })
    expect(revoke.statusCode).toBe(204)
    const after = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(agent.token) })
    expect(after.statusCode).toBe(401)
    expect(after.json().code).toBe('SB_UNAUTHENTICATED')
    const actions = (await t.app.services.audit.list(ws.workspaceId, { limit: 50 })).map((e) => e.action)
    expect(actions).toContain('token.revoked')
  })

  it('a token cannot mint a token with scopes it lacks, nor carry scopes its role lacks', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const agent = await addUser(t, ws, 'agent')
    const readOnly = await addUser(t, ws, 'admin', ['crm:read'])
    const escalate = await t.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: bearer(readOnly.token), payload: { name: 'x', scopes: ['admin'] } })
    expect(escalate.json().code).toBe('SB_AUTH_SCOPE_MISSING')
    const beyondRole = await t.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: bearer(agent.token), payload: { name: 'x', scopes: ['admin'] } })
    expect(beyondRole.statusCode).toBe(403)
    expect(await t.store.db.selectFrom('api_tokens').select('id').where('name', '=', 'x').execute()).toHaveLength(0)
  })
})

describe('team management', () => {
  it('deactivating a user ends their sessions and tokens at once', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const agent = await addUser(t, ws, 'agent')
    const login = await t.app.inject({ method: 'POST', url: '/auth/login', payload: { email: agent.email, password: 'correct horse battery' } })
    const cookies = { sb_session: login.cookies.find((c) => c.name === 'sb_session')!.value }
    const off = await t.app.inject({ method: 'PATCH', url: `/api/v1/users/${agent.userId}`, headers: bearer(ws.token), payload: { status: 'deactivated' } })
    expect(off.statusCode).toBe(200)
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', cookies })).statusCode).toBe(401)
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(agent.token) })).statusCode).toBe(401)
    const relogin = await t.app.inject({ method: 'POST', url: '/auth/login', payload: { email: agent.email, password: 'correct horse battery' } })
    expect(relogin.json().code).toBe('SB_AUTH_USER_DEACTIVATED')
  })

  it('keeps at least one active owner', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const r = await t.app.inject({ method: 'PATCH', url: `/api/v1/users/${ws.ownerId}`, headers: bearer(ws.token), payload: { role: 'admin' } })
    expect(r.statusCode).toBe(409)
    expect(r.json().code).toBe('SB_USER_LAST_OWNER')
  })

  it('an admin cannot make owners; role changes are audited with from and to', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const admin = await addUser(t, ws, 'admin')
    const agent = await addUser(t, ws, 'agent')
    const toOwner = await t.app.inject({ method: 'PATCH', url: `/api/v1/users/${agent.userId}`, headers: bearer(admin.token), payload: { role: 'owner' } })
    expect(toOwner.json().code).toBe('SB_AUTH_ROLE_FORBIDDEN')
    const toAdmin = await t.app.inject({ method: 'PATCH', url: `/api/v1/users/${agent.userId}`, headers: bearer(admin.token), payload: { role: 'admin' } })
    expect(toAdmin.json().role).toBe('admin')
    const event = (await t.app.services.audit.list(ws.workspaceId, { limit: 50, action: 'user.role_changed' }))[0]
    expect(event).toMatchObject({ actorUserId: admin.userId, targetId: agent.userId, details: { from: 'agent', to: 'admin' } })
  })
})

describe('API tokens across processes', () => {
  it('a token revoked by another process stops working within the cache lifetime', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const agent = await addUser(t, ws, 'agent')
    // A second app on the same SQLite file stands in for a second API process.
    const { buildApp } = await import('../app.js')
    const { openStore } = await import('../store/database.js')
    const otherStore = openStore(t.config)
    const other = await buildApp({ config: t.config, store: otherStore, logger: false })
    onTestFinished(async () => { await other.close(); await otherStore.close() })

    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(agent.token) })).statusCode).toBe(200)
    const tokenId = (await t.app.services.apiTokens.list(ws.workspaceId, agent.userId))[0]!.id
    await other.services.identity.revokeToken(ws.workspaceId, tokenId, { userId: ws.ownerId })
    expect((await other.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(agent.token) })).statusCode, 'the revoking process').toBe(401)
    await new Promise((resolve) => setTimeout(resolve, TOKEN_CACHE_TTL_MS + 100))
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(agent.token) })).statusCode, 'another process after the cache lifetime').toBe(401)
  })
})
