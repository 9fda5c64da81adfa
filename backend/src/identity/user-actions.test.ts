import { describe, expect, it } from 'vitest'
import type { Role } from './access.js'
import { addUser, bearer, buildTestApp, createWorkspace, type TestApp } from '../../test/helper.js'
import { post, signIn, type Browser } from '../web/web-test-helpers.js'

/**
 * The one rule on acting on users (`user-actions.ts`), tested through every route and web
 * page that targets a user, as a table: actor role × target role × action → allowed or
 * refused. A new route that targets a user joins by adding a row.
 *
 * `expect` reads one string per actor role, one letter per target role in the order owner,
 * admin, agent: Y allowed, N refused. For `create`, the target role is the new user's role.
 */
const TARGETS: readonly Role[] = ['owner', 'admin', 'agent']
const ACTORS: readonly Role[] = ['owner', 'admin', 'agent']

interface Cell {
  t: TestApp
  target: { id: string, tokenId: string }
  targetRole: Role
  actor: { token: string, browser: Browser }
}

interface Row {
  action: string
  /** Prepares the target (e.g. deactivates it first) and sends the request; returns its status. */
  send: (cell: Cell) => Promise<number>
  allowedStatus: number
  expect: Record<Role, string>
}

const api = (cell: Cell, method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
  cell.t.app.inject({ method, url, headers: bearer(cell.actor.token), ...(payload === undefined ? {} : { payload }) }).then((r) => r.statusCode)

const ROWS: Row[] = [
  { action: 'mint a token for (POST /api/v1/tokens)', allowedStatus: 201, expect: { owner: 'YYY', admin: 'NYY', agent: 'NNN' }, send: (c) => api(c, 'POST', '/api/v1/tokens', { name: 'minted', userId: c.target.id }) },
  { action: 'revoke a token of (DELETE /api/v1/tokens/:id)', allowedStatus: 204, expect: { owner: 'YYY', admin: 'NYY', agent: 'NNN' }, send: (c) => api(c, 'DELETE', `/api/v1/tokens/${c.target.tokenId}`) },
  { action: 'add a user with the role (POST /api/v1/users)', allowedStatus: 201, expect: { owner: 'YYY', admin: 'NYY', agent: 'NNN' }, send: (c) => api(c, 'POST', '/api/v1/users', { email: `new-${c.target.id}@member.example`, displayName: 'New', role: c.targetRole }) },
  { action: 'rename (PATCH /api/v1/users/:id)', allowedStatus: 200, expect: { owner: 'YYY', admin: 'NYY', agent: 'NNN' }, send: (c) => api(c, 'PATCH', `/api/v1/users/${c.target.id}`, { displayName: 'Renamed' }) },
  { action: 'a change that changes nothing (PATCH /api/v1/users/:id)', allowedStatus: 200, expect: { owner: 'YYY', admin: 'NYY', agent: 'NNN' }, send: (c) => api(c, 'PATCH', `/api/v1/users/${c.target.id}`, { role: c.targetRole }) },
  { action: 'make owner (PATCH /api/v1/users/:id)', allowedStatus: 200, expect: { owner: 'YYY', admin: 'NNN', agent: 'NNN' }, send: (c) => api(c, 'PATCH', `/api/v1/users/${c.target.id}`, { role: 'owner' }) },
  { action: 'make admin (PATCH /api/v1/users/:id)', allowedStatus: 200, expect: { owner: 'YYY', admin: 'NYY', agent: 'NNN' }, send: (c) => api(c, 'PATCH', `/api/v1/users/${c.target.id}`, { role: 'admin' }) },
  { action: 'make agent (PATCH /api/v1/users/:id)', allowedStatus: 200, expect: { owner: 'YYY', admin: 'NYY', agent: 'NNN' }, send: (c) => api(c, 'PATCH', `/api/v1/users/${c.target.id}`, { role: 'agent' }) },
  { action: 'deactivate (PATCH /api/v1/users/:id)', allowedStatus: 200, expect: { owner: 'YYY', admin: 'NYY', agent: 'NNN' }, send: (c) => api(c, 'PATCH', `/api/v1/users/${c.target.id}`, { status: 'deactivated' }) },
  {
    action: 'reactivate (PATCH /api/v1/users/:id)',
    allowedStatus: 200,
    expect: { owner: 'YYY', admin: 'NYY', agent: 'NNN' },
    send: async (c) => {
      await c.t.app.services.identity.updateUser(workspaceOf(c), c.target.id, { status: 'deactivated' }, { userId: null })
      return api(c, 'PATCH', `/api/v1/users/${c.target.id}`, { status: 'active' })
    },
  },
  { action: 'erase (POST /api/v1/privacy/erasure/users/:id)', allowedStatus: 204, expect: { owner: 'YYY', admin: 'NYY', agent: 'NNN' }, send: (c) => api(c, 'POST', `/api/v1/privacy/erasure/users/${c.target.id}`) },
  { action: 'change role on the Team page (POST /app/team/:id)', allowedStatus: 303, expect: { owner: 'YYY', admin: 'NYY', agent: 'NNN' }, send: async (c) => (await post(c.t, `/app/team/${c.target.id}`, c.actor.browser, { _csrf: c.actor.browser.csrf, role: c.targetRole === 'agent' ? 'admin' : 'agent' })).statusCode },
  { action: 'deactivate on the Team page (POST /app/team/:id)', allowedStatus: 303, expect: { owner: 'YYY', admin: 'NYY', agent: 'NNN' }, send: async (c) => (await post(c.t, `/app/team/${c.target.id}`, c.actor.browser, { _csrf: c.actor.browser.csrf, status: 'deactivated' })).statusCode },
  { action: 'revoke a token on the Tokens page (POST /app/tokens/:id/revoke)', allowedStatus: 303, expect: { owner: 'YYY', admin: 'NYY', agent: 'NNN' }, send: async (c) => (await post(c.t, `/app/tokens/${c.target.tokenId}/revoke`, c.actor.browser, { _csrf: c.actor.browser.csrf })).statusCode },
]

const workspaces = new WeakMap<TestApp, Parameters<TestApp['app']['services']['identity']['updateUser']>[0]>()
function workspaceOf (cell: Cell) {
  return workspaces.get(cell.t)!
}

describe('who may act on whom: one rule for every route that targets a user', () => {
  it.each(ROWS)('$action', async (row) => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    workspaces.set(t, ws.workspaceId)
    const actors = {} as Record<Role, Cell['actor']>
    for (const role of ACTORS) {
      const user = role === 'owner' ? { email: ws.ownerEmail, token: ws.token } : await addUser(t, ws, role)
      actors[role] = { token: user.token, browser: await signIn(t, user.email, role === 'owner' ? ws.ownerPassword : 'correct horse battery') }
    }
    const seen: Record<string, string> = {}
    for (const actorRole of ACTORS) {
      let letters = ''
      for (const targetRole of TARGETS) {
        const target = await addUser(t, ws, targetRole)
        const [tokenRow] = await t.app.services.apiTokens.list(ws.workspaceId, target.userId)
        const status = await row.send({ t, target: { id: target.userId, tokenId: tokenRow!.id }, targetRole, actor: actors[actorRole] })
        if (status === row.allowedStatus) letters += 'Y'
        else if (status === 403 || status === 404) letters += 'N'
        else letters += `?${status}`
      }
      seen[actorRole] = letters
    }
    expect(seen).toEqual(row.expect)
  })
})

describe('tokens of deactivated users, and revoking twice', () => {
  it('keeps a deactivated user\'s old tokens dead after reactivation', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const agent = await addUser(t, ws, 'agent')
    expect((await t.app.inject({ url: '/api/v1/me', headers: bearer(agent.token) })).statusCode).toBe(200)
    const off = await t.app.inject({ method: 'PATCH', url: `/api/v1/users/${agent.userId}`, headers: bearer(ws.token), payload: { status: 'deactivated' } })
    expect(off.statusCode).toBe(200)
    const on = await t.app.inject({ method: 'PATCH', url: `/api/v1/users/${agent.userId}`, headers: bearer(ws.token), payload: { status: 'active' } })
    expect(on.statusCode).toBe(200)
    expect((await t.app.inject({ url: '/api/v1/me', headers: bearer(agent.token) })).statusCode).toBe(401)
    const [token] = await t.app.services.apiTokens.list(ws.workspaceId, agent.userId)
    expect(token!.revokedAt).not.toBeNull()
  })

  it('answers 409 SB_TOKEN_ALREADY_REVOKED when a revoked token is revoked again, and records one revocation', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const agent = await addUser(t, ws, 'agent')
    const [token] = await t.app.services.apiTokens.list(ws.workspaceId, agent.userId)
    const first = await t.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${token!.id}`, headers: bearer(ws.token) })
    expect(first.statusCode).toBe(204)
    const again = await t.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${token!.id}`, headers: bearer(ws.token) })
    expect(again.statusCode).toBe(409)
    expect(again.json().code).toBe('SB_TOKEN_ALREADY_REVOKED')
    const revocations = (await t.app.services.audit.list(ws.workspaceId, { limit: 50 })).filter((e) => e.action === 'token.revoked')
    expect(revocations).toHaveLength(1)
  })

  it('lets every role mint and revoke its own tokens, and no one change their own role', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const admin = await addUser(t, ws, 'admin')
    const agent = await addUser(t, ws, 'agent')
    for (const who of [agent, admin]) {
      const minted = await t.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: bearer(who.token), payload: { name: 'mine' } })
      expect(minted.statusCode).toBe(201)
      const revoked = await t.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${minted.json().apiToken.id}`, headers: bearer(who.token) })
      expect(revoked.statusCode).toBe(204)
    }
    const climb = await t.app.inject({ method: 'PATCH', url: `/api/v1/users/${admin.userId}`, headers: bearer(admin.token), payload: { role: 'owner' } })
    expect(climb.statusCode).toBe(403)
    expect(climb.json()).toMatchObject({ code: 'SB_AUTH_ROLE_FORBIDDEN', field: 'role' })
  })
})
