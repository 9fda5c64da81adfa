import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildTestApp, createWorkspace, type TestApp, type TestWorkspace } from '../../test/helper.js'
import { pkceChallenge, REFRESH_GRACE_MS } from './addin-auth.js'

const CLIENT = 'outlook-addin'

interface Grant { accessToken: string, refreshToken: string, signInToken?: string, expiresIn: number, user: { id: string, email: string, displayName: string }, workspace: { id: string, name: string } }

function newPkce (): { verifier: string, challenge: string } {
  const verifier = randomBytes(32).toString('base64url')
  return { verifier, challenge: pkceChallenge(verifier) }
}

function redirectOf (t: TestApp): string {
  return `${t.config.publicUrl}/outlook/signed-in.html`
}

function authorizeParams (t: TestApp, challenge: string, overrides: Record<string, string> = {}): Record<string, string> {
  return { client_id: CLIENT, redirect_uri: redirectOf(t), response_type: 'code', code_challenge: challenge, code_challenge_method: 'S256', state: 'state-0123456789abcdef', ...overrides }
}

/** Signs in on the form the way the dialog does and returns the code from the 303. */
async function signIn (t: TestApp, ws: TestWorkspace, challenge: string): Promise<string> {
  const form = new URLSearchParams({ ...authorizeParams(t, challenge), email: ws.ownerEmail, password: ws.ownerPassword })
  const response = await t.app.inject({ method: 'POST', url: '/oauth/addin/authorize', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form.toString() })
  expect(response.statusCode, response.body).toBe(303)
  const location = new URL(String(response.headers.location))
  expect(`${location.origin}${location.pathname}`).toBe(redirectOf(t))
  expect(location.searchParams.get('state')).toBe('state-0123456789abcdef')
  return location.searchParams.get('code') ?? ''
}

function exchange (t: TestApp, code: string, verifier: string, redirectUri = redirectOf(t)) {
  return t.app.inject({ method: 'POST', url: '/oauth/addin/token', payload: { grantType: 'authorization_code', clientId: CLIENT, code, codeVerifier: verifier, redirectUri } })
}

function refresh (t: TestApp, refreshToken: string) {
  return t.app.inject({ method: 'POST', url: '/oauth/addin/token', payload: { grantType: 'refresh_token', clientId: CLIENT, refreshToken } })
}

function startPane (t: TestApp, signInToken: string) {
  return t.app.inject({ method: 'POST', url: '/oauth/addin/token', payload: { grantType: 'sign_in', clientId: CLIENT, signInToken } })
}

/** A clock the add-in sign-in reads, moved by the test. */
function movableClock (start = Date.now()): { now: () => Date, advance: (ms: number) => void } {
  let at = start
  return { now: () => new Date(at), advance: (ms) => { at += ms } }
}

function me (t: TestApp, accessToken: string) {
  return t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${accessToken}` } })
}

async function signedIn (t: TestApp, ws: TestWorkspace): Promise<Grant> {
  const { verifier, challenge } = newPkce()
  const response = await exchange(t, await signIn(t, ws, challenge), verifier)
  expect(response.statusCode, response.body).toBe(200)
  return response.json<Grant>()
}

describe('add-in sign-in (authorization code + PKCE)', () => {
  it('shows a frame-proof sign-in page, then trades the code for tokens that act as the user without admin', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const { verifier, challenge } = newPkce()
    const page = await t.app.inject({ method: 'GET', url: '/oauth/addin/authorize', query: authorizeParams(t, challenge) })
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-type']).toContain('text/html')
    expect(page.headers['x-frame-options']).toBe('DENY')
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'")
    expect(page.body).toContain(`value="${challenge}"`)

    const code = await signIn(t, ws, challenge)
    expect(code).toMatch(/^sbc_/)
    const response = await exchange(t, code, verifier)
    expect(response.statusCode, response.body).toBe(200)
    expect(response.headers['cache-control']).toBe('no-store')
    const grant = response.json<Grant>()
    expect(grant).toMatchObject({ expiresIn: 900, user: { id: ws.ownerId, email: ws.ownerEmail }, workspace: { id: ws.workspaceId } })

    const who = await me(t, grant.accessToken)
    expect(who.statusCode).toBe(200)
    expect(who.json()).toMatchObject({ via: 'addin', scopes: ['crm:read', 'crm:write'] })
    const audit = await t.app.inject({ method: 'GET', url: '/api/v1/audit', headers: { authorization: `Bearer ${grant.accessToken}` } })
    expect(audit.statusCode).toBe(403)

    // No web session was left behind by the sign-in form.
    expect(await t.store.db.selectFrom('sessions').selectAll().execute()).toEqual([])
  })

  it('keeps codes and tokens only as hashes', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const grant = await signedIn(t, ws)
    const stored = JSON.stringify([
      await t.store.db.selectFrom('addin_auth_codes').selectAll().execute(),
      await t.store.db.selectFrom('addin_access_tokens').selectAll().execute(),
      await t.store.db.selectFrom('addin_refresh_tokens').selectAll().execute(),
    ])
    expect(stored).not.toContain(grant.accessToken)
    expect(stored).not.toContain(grant.refreshToken)
    expect(stored).not.toContain('sbc_')
  })

  it('refuses a verifier that does not match the challenge (PKCE)', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const { challenge } = newPkce()
    const code = await signIn(t, ws, challenge)
    const response = await exchange(t, code, newPkce().verifier)
    expect(response.statusCode).toBe(400)
    expect(response.json()).toEqual({ code: 'SB_ADDIN_GRANT_INVALID', message: expect.any(String), field: 'codeVerifier' })
  })

  it('accepts a code once; a second use revokes the tokens the first bought', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const { verifier, challenge } = newPkce()
    const code = await signIn(t, ws, challenge)
    const first = await exchange(t, code, verifier)
    expect(first.statusCode).toBe(200)
    const grant = first.json<Grant>()
    const second = await exchange(t, code, verifier)
    expect(second.statusCode).toBe(400)
    expect(second.json()).toMatchObject({ code: 'SB_ADDIN_GRANT_INVALID', field: 'code' })
    expect((await me(t, grant.accessToken)).statusCode).toBe(401)
    expect((await refresh(t, grant.refreshToken)).statusCode).toBe(400)
  })

  it('refuses a code after its minute is up', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const { verifier, challenge } = newPkce()
    const code = await signIn(t, ws, challenge)
    const row = await t.store.db.selectFrom('addin_auth_codes').select(['created_at', 'expires_at']).executeTakeFirstOrThrow()
    expect(Date.parse(row.expires_at) - Date.parse(row.created_at)).toBeLessThanOrEqual(60_000)
    await t.store.db.updateTable('addin_auth_codes').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).execute()
    const response = await exchange(t, code, verifier)
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({ code: 'SB_ADDIN_GRANT_INVALID', field: 'code' })
  })

  it('never shows the page or redirects for an unregistered redirect, and binds the code to its redirect', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const { verifier, challenge } = newPkce()
    for (const redirect of ['https://evil.example/outlook/signed-in.html', `${t.config.publicUrl}/outlook/other.html`, `${redirectOf(t)}?x=1`]) {
      const page = await t.app.inject({ method: 'GET', url: '/oauth/addin/authorize', query: authorizeParams(t, challenge, { redirect_uri: redirect }) })
      expect(page.statusCode, redirect).toBe(400)
      expect(page.json()).toMatchObject({ code: 'SB_ADDIN_REDIRECT_INVALID', field: 'redirect_uri' })
      const form = new URLSearchParams({ ...authorizeParams(t, challenge, { redirect_uri: redirect }), email: ws.ownerEmail, password: ws.ownerPassword })
      const post = await t.app.inject({ method: 'POST', url: '/oauth/addin/authorize', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form.toString() })
      expect(post.statusCode).toBe(400)
      expect(post.headers.location).toBeUndefined()
    }
    const unknownClient = await t.app.inject({ method: 'GET', url: '/oauth/addin/authorize', query: authorizeParams(t, challenge, { client_id: 'someone-else' }) })
    expect(unknownClient.json()).toMatchObject({ code: 'SB_ADDIN_CLIENT_UNKNOWN' })

    const code = await signIn(t, ws, challenge)
    const wrongRedirect = await exchange(t, code, verifier, `${t.config.publicUrl}/outlook/other.html`)
    expect(wrongRedirect.statusCode).toBe(400)
    expect(wrongRedirect.json()).toMatchObject({ code: 'SB_ADDIN_GRANT_INVALID', field: 'redirectUri' })
  })

  it('shows the form again, without a code, for a wrong password', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const form = new URLSearchParams({ ...authorizeParams(t, newPkce().challenge), email: ws.ownerEmail, password: 'wrong password' })
    const response = await t.app.inject({ method: 'POST', url: '/oauth/addin/authorize', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form.toString() })
    expect(response.statusCode).toBe(401)
    expect(response.headers.location).toBeUndefined()
    expect(response.body).toContain('Email or password is wrong')
    expect(response.body).toContain(`value="${ws.ownerEmail}"`)
    expect(await t.store.db.selectFrom('addin_auth_codes').selectAll().execute()).toEqual([])
  })

  it('rotates refresh tokens, and a rotated one presented again after the grace window signs the whole sign-in out', async () => {
    const clock = movableClock()
    const t = await buildTestApp({}, { addinAuth: { now: clock.now } })
    const ws = await createWorkspace(t)
    const grant = await signedIn(t, ws)
    const rotated = await refresh(t, grant.refreshToken)
    expect(rotated.statusCode, rotated.body).toBe(200)
    const next = rotated.json<Grant>()
    expect(next.refreshToken).not.toBe(grant.refreshToken)
    expect(next.accessToken).not.toBe(grant.accessToken)
    expect((await me(t, next.accessToken)).statusCode).toBe(200)
    // The earlier access token went with its round.
    expect((await me(t, grant.accessToken)).statusCode).toBe(401)

    clock.advance(REFRESH_GRACE_MS + 1)
    const reused = await refresh(t, grant.refreshToken)
    expect(reused.statusCode).toBe(400)
    expect(reused.json()).toMatchObject({ code: 'SB_ADDIN_GRANT_INVALID', field: 'refreshToken' })
    expect((await me(t, next.accessToken)).statusCode).toBe(401)
    expect((await refresh(t, next.refreshToken)).statusCode).toBe(400)
    const family = await t.store.db.selectFrom('addin_token_families').select(['revoked_reason']).executeTakeFirstOrThrow()
    expect(family.revoked_reason).toBe('refresh_reuse')
    expect((await startPane(t, grant.signInToken!)).statusCode).toBe(400)

    // Another sign-in of the same user is another family and keeps working.
    const other = await signedIn(t, ws)
    expect((await me(t, other.accessToken)).statusCode).toBe(200)
  })

  it('refuses expired access tokens and signs out on revoke', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const grant = await signedIn(t, ws)
    await t.store.db.updateTable('addin_access_tokens').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).execute()
    expect((await me(t, grant.accessToken)).statusCode).toBe(401)
    const renewed = (await refresh(t, grant.refreshToken)).json<Grant>()
    expect((await me(t, renewed.accessToken)).statusCode).toBe(200)
    const revoked = await t.app.inject({ method: 'POST', url: '/oauth/addin/revoke', payload: { clientId: CLIENT, refreshToken: renewed.refreshToken } })
    expect(revoked.statusCode).toBe(204)
    expect((await me(t, renewed.accessToken)).statusCode).toBe(401)
    expect((await refresh(t, renewed.refreshToken)).statusCode).toBe(400)
  })

  it.each([
    { description: 'plain PKCE', query: { code_challenge_method: 'plain' }, field: 'code_challenge_method' },
    { description: 'no challenge', query: { code_challenge: '' }, field: 'code_challenge' },
    { description: 'short state', query: { state: 'x' }, field: 'state' },
    { description: 'token response type', query: { response_type: 'token' }, field: 'response_type' },
  ] as Array<{ description: string, query: Record<string, string>, field: string }>)('answers bad authorization requests with 400 SB_VALIDATION ($description)', async ({ query, field }) => {
    const t = await buildTestApp()
    const response = await t.app.inject({ method: 'GET', url: '/oauth/addin/authorize', query: authorizeParams(t, newPkce().challenge, query) })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({ code: 'SB_VALIDATION', field })
  })

  it.each([
    { description: 'unknown grant', payload: { grantType: 'password', clientId: CLIENT } },
    { description: 'short verifier', payload: { grantType: 'authorization_code', clientId: CLIENT, code: 'sbc_0123456789', codeVerifier: 'short', redirectUri: 'x' } },
    { description: 'extra field', payload: { grantType: 'refresh_token', clientId: CLIENT, refreshToken: 'sbr_0123456789', scope: 'admin' } },
  ])('answers bad token requests with 400 in the error shape ($description)', async ({ payload }) => {
    const t = await buildTestApp()
    const response = await t.app.inject({ method: 'POST', url: '/oauth/addin/token', payload })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({ code: 'SB_VALIDATION', message: expect.any(String) })
  })

  it('answers an unknown refresh token or client with SB_ADDIN_GRANT_INVALID', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const grant = await signedIn(t, ws)
    expect((await refresh(t, 'sbr_not-a-real-token')).json()).toMatchObject({ code: 'SB_ADDIN_GRANT_INVALID' })
    const otherClient = await t.app.inject({ method: 'POST', url: '/oauth/addin/token', payload: { grantType: 'refresh_token', clientId: 'someone-else', refreshToken: grant.refreshToken } })
    expect(otherClient.json()).toMatchObject({ code: 'SB_ADDIN_GRANT_INVALID' })
  })
})

describe('the built pane at /outlook/', () => {
  it('gives the code landing page the sign-in page\'s rules: strict CSP, never framed, nosniff, no-store, no referrer', async () => {
    const probe = await buildTestApp()
    const dir = path.join(probe.dir, 'pane')
    fs.mkdirSync(dir)
    for (const name of ['signed-in.html', 'support.html', 'taskpane.html']) fs.writeFileSync(path.join(dir, name), '<!DOCTYPE html><title>pane</title>')
    fs.writeFileSync(path.join(dir, 'taskpane.js'), 'void 0')
    const t = await buildTestApp({ OUTLOOK_ADDIN_DIR: dir })
    const landing = await t.app.inject({ method: 'GET', url: '/outlook/signed-in.html?code=sbc_secret&state=s' })
    expect(landing.statusCode).toBe(200)
    expect(landing.headers).toMatchObject({ 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' })
    expect(landing.headers['content-security-policy']).toContain("frame-ancestors 'none'")
    expect(landing.headers['content-security-policy']).toContain("form-action 'none'")
    const support = await t.app.inject({ method: 'GET', url: '/outlook/support.html' })
    expect(support.headers['content-security-policy']).toContain("frame-ancestors 'none'")
    // Outlook frames the task pane itself.
    const pane = await t.app.inject({ method: 'GET', url: '/outlook/taskpane.html' })
    expect(pane.headers['content-security-policy']).not.toContain('frame-ancestors')
    const script = await t.app.inject({ method: 'GET', url: '/outlook/taskpane.js' })
    expect(script.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'cache-control': 'public, max-age=300' })
  })

  it('serves files of OUTLOOK_ADDIN_DIR and nothing outside it', async () => {
    const probe = await buildTestApp()
    const dir = path.join(probe.dir, 'pane')
    fs.mkdirSync(dir)
    fs.writeFileSync(path.join(dir, 'taskpane.html'), '<!DOCTYPE html><title>pane</title>')
    fs.writeFileSync(path.join(probe.dir, 'secret.html'), 'secret')
    const t = await buildTestApp({ OUTLOOK_ADDIN_DIR: dir })
    const page = await t.app.inject({ method: 'GET', url: '/outlook/taskpane.html' })
    expect(page.statusCode, page.body).toBe(200)
    expect(page.headers['content-type']).toContain('text/html')
    expect(page.body).toContain('pane')
    expect(page.headers['x-content-type-options']).toBe('nosniff')
    expect(page.headers['content-security-policy']).toContain("script-src 'self' https://appsforoffice.microsoft.com;")
    expect(page.headers['content-security-policy']).toContain("default-src 'none'")
    for (const url of ['/outlook/../secret.html', '/outlook/%2e%2e/secret.html', '/outlook/missing.html', '/outlook/taskpane.exe']) {
      const response = await t.app.inject({ method: 'GET', url })
      expect(response.statusCode, url).toBe(404)
    }
  })
})
