import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose'
import { describe, expect, it, onTestFinished } from 'vitest'
import { addUser, buildTestApp, createWorkspace } from '../../test/helper.js'

const AUDIENCE = '1234-gmail-addon.apps.googleusercontent.com'

/** A local stand-in for Google's JWKS endpoint, serving one key; returns a signer for tokens. */
async function localGoogle () {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true })
  const jwk = { ...await exportJWK(publicKey), kid: 'key-1', alg: 'RS256', use: 'sig' }
  const server = http.createServer((req, res) => {
    res.writeHead(req.url === '/oauth2/v3/certs' ? 200 : 404, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ keys: [jwk] }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth2/v3/certs`
  const sign = async (claims: Record<string, unknown>, options: { key?: CryptoKey, aud?: string, iss?: string, exp?: number, sub?: string } = {}) => {
    return new SignJWT({ email_verified: true, ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'key-1' })
      .setIssuer(options.iss ?? 'https://accounts.google.com')
      .setAudience(options.aud ?? AUDIENCE)
      .setSubject(options.sub ?? '109876543210')
      .setIssuedAt()
      .setExpirationTime(options.exp ?? Math.floor(Date.now() / 1000) + 3600)
      .sign(options.key ?? privateKey)
  }
  return { jwksUrl, sign }
}

async function setUp () {
  const google = await localGoogle()
  const t = await buildTestApp({ GOOGLE_CLIENT_IDS: `other-client,${AUDIENCE}`, GOOGLE_JWKS_URL: google.jwksUrl })
  const ws = await createWorkspace(t)
  const me = (token: string) => t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })
  return { t, ws, google, me }
}

describe('Google ID tokens (Gmail add-on)', () => {
  it('signs in a known, active user by their Google-verified email, without admin powers', async () => {
    const { t, ws, google, me } = await setUp()
    const response = await me(await google.sign({ email: ws.ownerEmail }))
    expect(response.statusCode).toBe(200)
    expect(response.json()).toMatchObject({ via: 'google', user: { email: ws.ownerEmail }, scopes: ['crm:read', 'crm:write'] })
    const admin = await t.app.inject({ method: 'GET', url: '/api/v1/audit', headers: { authorization: `Bearer ${await google.sign({ email: ws.ownerEmail })}` } })
    expect(admin.statusCode).toBe(403)
  })

  it('says how to get access when the Google account is not a Switchboard user', async () => {
    const { google, me } = await setUp()
    const response = await me(await google.sign({ email: 'stranger@gmail.com' }))
    expect(response.statusCode).toBe(401)
    expect(response.json().code).toBe('SB_AUTH_UNKNOWN_USER')
  })

  it('refuses a deactivated user at once', async () => {
    const { t, ws, google, me } = await setUp()
    const agent = await addUser(t, ws, 'agent')
    await t.app.services.identity.updateUser(ws.workspaceId, agent.userId, { status: 'deactivated' }, { userId: ws.ownerId, role: 'owner' })
    expect((await me(await google.sign({ email: agent.email }))).json().code).toBe('SB_AUTH_UNKNOWN_USER')
  })

  it.each([
    { description: 'another app\'s audience', claims: {}, options: { aud: 'someone-elses-client' } },
    { description: 'a foreign issuer', claims: {}, options: { iss: 'https://evil.example' } },
    { description: 'an expired token', claims: {}, options: { exp: Math.floor(Date.now() / 1000) - 3600 } },
    { description: 'an unverified email', claims: { email_verified: false }, options: {} },
  ])('refuses $description', async ({ claims, options }) => {
    const { ws, google, me } = await setUp()
    const response = await me(await google.sign({ email: ws.ownerEmail, ...claims }, options))
    expect(response.statusCode).toBe(401)
    expect(response.json().code).toBe('SB_UNAUTHENTICATED')
  })

  it('refuses a token signed with a key Google did not publish', async () => {
    const { ws, google, me } = await setUp()
    const { privateKey } = await generateKeyPair('RS256')
    const response = await me(await google.sign({ email: ws.ownerEmail }, { key: privateKey }))
    expect(response.statusCode).toBe(401)
  })

  it('ignores Google tokens entirely when no client id is configured', async () => {
    const google = await localGoogle()
    const t = await buildTestApp({ GOOGLE_JWKS_URL: google.jwksUrl })
    const ws = await createWorkspace(t)
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${await google.sign({ email: ws.ownerEmail })}` } })
    expect(response.statusCode).toBe(401)
  })

  it('binds the Google account (sub) to the user on first use and refuses another Google account with the same email', async () => {
    const { t, ws, google, me } = await setUp()
    expect((await me(await google.sign({ email: ws.ownerEmail }, { sub: 'first-account' }))).statusCode).toBe(200)
    const recycled = await me(await google.sign({ email: ws.ownerEmail }, { sub: 'second-account' }))
    expect(recycled.statusCode).toBe(401)
    expect(recycled.json().code).toBe('SB_AUTH_UNKNOWN_USER')
    expect((await me(await google.sign({ email: ws.ownerEmail }, { sub: 'first-account' }))).statusCode).toBe(200)
    const actions = (await t.app.services.audit.list(ws.workspaceId, { limit: 50 })).map((e) => e.action)
    expect(actions.filter((a) => a === 'user.google_bound')).toHaveLength(1)
  })

  it('admits only accounts of the workspace\'s Google Workspace domain (hd) once an owner sets one', async () => {
    const { t, ws, google, me } = await setUp()
    const admin = await addUser(t, ws, 'admin')
    const set = (token: string, domain: string | null) => t.app.inject({ method: 'PATCH', url: '/api/v1/workspace/google-domain', headers: { authorization: `Bearer ${token}` }, payload: { domain } })
    expect((await set(admin.token, 'acme.example')).statusCode).toBe(403)
    expect((await set(ws.token, 'Acme.Example')).json()).toEqual({ domain: 'acme.example' })
    // A consumer account (no hd) or another organisation's, even with the user's email: refused.
    expect((await me(await google.sign({ email: ws.ownerEmail }))).statusCode).toBe(401)
    expect((await me(await google.sign({ email: ws.ownerEmail, hd: 'elsewhere.example' }))).statusCode).toBe(401)
    expect((await me(await google.sign({ email: ws.ownerEmail, hd: 'acme.example' }))).statusCode).toBe(200)
    expect((await set(ws.token, null)).json()).toEqual({ domain: null })
    expect((await me(await google.sign({ email: ws.ownerEmail }))).statusCode).toBe(200)
  })
})
