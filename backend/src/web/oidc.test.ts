import { createHash, randomBytes } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { describe, expect, it, onTestFinished } from 'vitest'
import { buildTestApp, createWorkspace, type TestApp } from '../../test/helper.js'
import { ConfigError, loadConfig } from '../config.js'
import { cookiesOf, HTML } from './web-test-helpers.js'

/**
 * A local OpenID provider: discovery, JWKS, an authorize endpoint that approves at once
 * (as if the person picked their account) and a token endpoint that checks the PKCE
 * verifier and client secret, then signs an ID token. Tests tamper with what it signs.
 */
interface Idp {
  url: string
  /** The account the person "picks". */
  email: string
  /** Claims to add or replace in the next ID tokens. */
  overrides: Record<string, unknown>
}

const CLIENT_ID = 'switchboard-web'
const CLIENT_SECRET = 'idp-secret'
const TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad'

async function startIdp (): Promise<Idp> {
  const { publicKey, privateKey } = await generateKeyPair('RS256')
  const jwk = { ...await exportJWK(publicKey), kid: 'key-1', alg: 'RS256', use: 'sig' }
  const codes = new Map<string, { challenge: string, nonce: string, redirectUri: string }>()
  const idp: Idp = { url: '', email: '', overrides: {} }
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', idp.url)
    const json = (status: number, body: unknown) => { response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)) }
    if (url.pathname === '/.well-known/openid-configuration') {
      json(200, { issuer: idp.url, authorization_endpoint: `${idp.url}/authorize`, token_endpoint: `${idp.url}/token`, jwks_uri: `${idp.url}/jwks` })
    } else if (url.pathname === '/jwks') {
      json(200, { keys: [jwk] })
    } else if (url.pathname === '/authorize') {
      const q = url.searchParams
      if (q.get('client_id') !== CLIENT_ID || q.get('code_challenge_method') !== 'S256') return json(400, { error: 'invalid_request' })
      const code = randomBytes(16).toString('hex')
      codes.set(code, { challenge: q.get('code_challenge')!, nonce: q.get('nonce')!, redirectUri: q.get('redirect_uri')! })
      const back = new URL(q.get('redirect_uri')!)
      back.searchParams.set('code', code)
      back.searchParams.set('state', q.get('state')!)
      response.writeHead(302, { location: back.href }).end()
    } else if (url.pathname === '/token' && request.method === 'POST') {
      let body = ''
      request.on('data', (chunk: Buffer) => { body += String(chunk) })
      request.on('end', () => {
        const form = new URLSearchParams(body)
        const grant = codes.get(form.get('code') ?? '')
        codes.delete(form.get('code') ?? '')
        const verifierOk = grant !== undefined && createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url') === grant.challenge
        if (!verifierOk || form.get('client_secret') !== CLIENT_SECRET || form.get('redirect_uri') !== grant.redirectUri) return json(400, { error: 'invalid_grant' })
        void new SignJWT({ email: idp.email, email_verified: true, nonce: grant.nonce, tid: TENANT, ...idp.overrides })
          .setProtectedHeader({ alg: 'RS256', kid: 'key-1' })
          .setIssuer(typeof idp.overrides['iss'] === 'string' ? idp.overrides['iss'] : idp.url)
          .setAudience(typeof idp.overrides['aud'] === 'string' ? idp.overrides['aud'] : CLIENT_ID)
          .setSubject('person-1').setIssuedAt().setExpirationTime('5m')
          .sign(privateKey)
          .then((idToken) => { json(200, { access_token: 'at', token_type: 'Bearer', expires_in: 300, id_token: idToken }) })
      })
    } else {
      json(404, { error: 'not_found' })
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  idp.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => { resolve() })))
  return idp
}

async function setUp (provider: 'google' | 'microsoft' = 'google') {
  const idp = await startIdp()
  const env: Record<string, string> = provider === 'google'
    ? { GOOGLE_WEB_CLIENT_ID: CLIENT_ID, GOOGLE_WEB_CLIENT_SECRET: CLIENT_SECRET, GOOGLE_WEB_ISSUER: idp.url }
    : { MICROSOFT_WEB_CLIENT_ID: CLIENT_ID, MICROSOFT_WEB_CLIENT_SECRET: CLIENT_SECRET, MICROSOFT_TENANT_ID: TENANT, MICROSOFT_WEB_ISSUER: idp.url }
  const t = await buildTestApp(env)
  const ws = await createWorkspace(t, 'Acme')
  idp.email = ws.ownerEmail.toUpperCase()
  return { t, ws, idp }
}

/** Our redirect to the provider, the provider's approval, and the callback URL it sends the browser to. */
async function startSignIn (t: TestApp, provider: 'google' | 'microsoft') {
  const start = await t.app.inject({ url: `/app/sign-in/${provider}?next=%2Fapp%2Fdeals`, headers: HTML })
  expect(start.statusCode, start.body).toBe(303)
  const cookie = cookiesOf(start.headers['set-cookie'])
  const approval = await fetch(String(start.headers.location), { redirect: 'manual' })
  expect(approval.status).toBe(302)
  const callback = new URL(approval.headers.get('location')!)
  return { cookie, callback, authorize: new URL(String(start.headers.location)) }
}

function finish (t: TestApp, callback: URL, cookie: string) {
  return t.app.inject({ url: `${callback.pathname}${callback.search}`, headers: { cookie } })
}

describe('web sign-in with Google and Microsoft (OpenID Connect)', () => {
  it('signs in with Google: PKCE S256, state and nonce sent; the verified email finds the user; the login is audited', async () => {
    const { t, ws, idp } = await setUp('google')
    const page = await t.app.inject({ url: '/app/sign-in', headers: HTML })
    expect(page.body).toContain('Sign in with Google')
    expect(page.body).not.toContain('Sign in with Microsoft')
    const { cookie, callback, authorize } = await startSignIn(t, 'google')
    expect(authorize.origin).toBe(idp.url)
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256')
    expect(authorize.searchParams.get('nonce')).toMatch(/^[\w-]{43}$/)
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${t.config.publicUrl}/app/sign-in/google/callback`)
    const done = await finish(t, callback, cookie)
    expect(done.statusCode, done.body).toBe(303)
    expect(done.headers.location).toBe('/app/deals')
    const session = cookiesOf(done.headers['set-cookie'])
    expect(session).toContain('sb_session=')
    const board = await t.app.inject({ url: '/app/deals', headers: { ...HTML, cookie: session } })
    expect(board.statusCode).toBe(200)
    const logins = await t.app.services.audit.list(ws.workspaceId, { limit: 5, action: 'user.login' })
    expect(logins[0]?.details).toEqual({ method: 'google' })
  })

  it('signs in with Microsoft from the configured tenant', async () => {
    const { t } = await setUp('microsoft')
    const { cookie, callback } = await startSignIn(t, 'microsoft')
    const done = await finish(t, callback, cookie)
    expect(done.statusCode, done.body).toBe(303)
    expect(cookiesOf(done.headers['set-cookie'])).toContain('sb_session=')
  })

  it.each<{ description: string, provider?: 'google' | 'microsoft', overrides?: Record<string, unknown>, tamper?: (callback: URL, cookie: string) => { callback: URL, cookie: string }, code?: string }>([
    { description: 'tampered state', tamper: (callback, cookie) => { callback.searchParams.set('state', 'x'.repeat(43)); return { callback, cookie } } },
    { description: 'no state cookie (another browser)', tamper: (callback) => ({ callback, cookie: '' }) },
    {
      description: 'tampered PKCE verifier',
      tamper: (callback, cookie) => {
        const raw = /sb_oidc=([^;]+)/.exec(cookie)![1]!
        const pending = JSON.parse(Buffer.from(raw, 'base64url').toString()) as Record<string, string>
        pending['verifier'] = 'y'.repeat(43)
        return { callback, cookie: `sb_oidc=${Buffer.from(JSON.stringify(pending)).toString('base64url')}` }
      },
    },
    { description: 'wrong nonce', overrides: { nonce: 'replayed-token-nonce' } },
    { description: 'wrong issuer', overrides: { iss: 'https://evil.example' } },
    { description: 'wrong audience', overrides: { aud: 'another-app' } },
    { description: 'email not verified', overrides: { email_verified: false } },
    { description: 'Microsoft account of another tenant', provider: 'microsoft', overrides: { tid: '00000000-0000-0000-0000-000000000000' } },
    { description: 'an email no user has', overrides: { email: 'stranger@elsewhere.example' }, code: 'SB_WEB_OIDC_NO_ACCOUNT' },
  ])('refuses the sign-in: $description', async ({ provider = 'google', overrides = {}, tamper, code = 'SB_WEB_OIDC_FAILED' }) => {
    const { t, ws, idp } = await setUp(provider)
    idp.overrides = overrides
    const started = await startSignIn(t, provider)
    const { callback, cookie } = tamper === undefined ? started : tamper(started.callback, started.cookie)
    const done = await finish(t, callback, cookie)
    expect(done.json().code).toBe(code)
    expect(String(done.headers['set-cookie'] ?? '')).not.toContain('sb_session=')
    const logins = await t.app.services.audit.list(ws.workspaceId, { limit: 5, action: 'user.login' })
    expect(logins).toEqual([])
  })

  it('shows a browser the reason on a page', async () => {
    const { t, idp } = await setUp('google')
    idp.overrides = { aud: 'another-app' }
    const { cookie, callback } = await startSignIn(t, 'google')
    const page = await t.app.inject({ url: `${callback.pathname}${callback.search}`, headers: { ...HTML, cookie } })
    expect(page.statusCode).toBe(400)
    expect(page.body).toContain('did not complete')
  })

  it.each([
    { description: 'Microsoft without a tenant', env: { MICROSOFT_WEB_CLIENT_ID: 'a', MICROSOFT_WEB_CLIENT_SECRET: 'b' } },
    { description: 'Microsoft for any tenant', env: { MICROSOFT_WEB_CLIENT_ID: 'a', MICROSOFT_WEB_CLIENT_SECRET: 'b', MICROSOFT_TENANT_ID: 'common' } },
    { description: 'Google without its secret', env: { GOOGLE_WEB_CLIENT_ID: 'a' } },
  ])('refuses a configuration that would let strangers in or cannot work ($description)', ({ env }) => {
    expect(() => loadConfig(env)).toThrow(ConfigError)
  })

  it('answers 404 for a provider that is not configured', async () => {
    const t = await buildTestApp()
    const page = await t.app.inject({ url: '/app/sign-in/microsoft' })
    expect(page.statusCode).toBe(404)
    const signIn = await t.app.inject({ url: '/app/sign-in', headers: HTML })
    expect(signIn.body).not.toContain('Sign in with')
  })
})
