import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import { ErrorSchema } from '../common-schemas.js'
import { SwitchboardError } from '../errors.js'
import { loadSecretKeys } from '../privacy/secret-box.js'
import { createAddinAuth } from './addin-auth.js'
import { hashSecret } from './secrets.js'
import { AddinAuthorizeFormSchema, AddinAuthorizeQuerySchema, AddinRevokeSchema, AddinTokenRequestSchema, AddinTokenSchema } from './addin-schemas.js'
import { renderSignInPage } from './addin-sign-in-page.js'
import type { User } from './users-repository.js'

// The sign-in page is ours alone: no framing (clickjacking), no scripts, forms post only to us.
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
} as const

/**
 * The pane's pages: only our own scripts and office.js from Microsoft's CDN, requests only to
 * us (the API shares the origin), no plugins, forms or base tags. The task pane has no
 * frame-ancestors: Outlook frames it, and Microsoft does not document from which origins
 * (README, "to confirm on a real tenant"); every other page is never framed.
 */
const PANE_CSP = "default-src 'none'; script-src 'self' https://appsforoffice.microsoft.com; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "font-src 'self'; connect-src 'self' https://appsforoffice.microsoft.com; form-action 'none'; base-uri 'none'; object-src 'none'"
const FRAMED_PAGES = new Set(['taskpane.html'])
/** Pages whose address can carry an authorization code: never stored, never sent on as a referrer. */
const CODE_PAGES = new Set(['signed-in.html'])

/** Headers for one file of the built pane. */
export function paneFileHeaders (file: string, type: string): Record<string, string> {
  const name = path.basename(file)
  const headers: Record<string, string> = {
    'content-type': type,
    'x-content-type-options': 'nosniff',
    // Outlook caches add-in pages hard; a short max-age lets a deploy reach users the same day.
    'cache-control': CODE_PAGES.has(name) ? 'no-store' : 'public, max-age=300',
  }
  if (type.startsWith('text/html')) {
    headers['content-security-policy'] = FRAMED_PAGES.has(name) ? PANE_CSP : `${PANE_CSP}; frame-ancestors 'none'`
    // The landing page loads office.js from Microsoft's CDN before it can clear the code from its address.
    headers['referrer-policy'] = 'no-referrer'
  }
  return headers
}

/**
 * Request budgets of the sign-in routes, per minute. Per address alone, one office behind one
 * NAT address shares a budget (issue 16): the address budgets are set for a few hundred
 * people, and each credential (a code, a refresh token, a mailbox's sign-in token, an email
 * typed into the form) has a small budget of its own. A pane makes one token call when it
 * starts and one per 15 minutes after that.
 */
export const ADDIN_LIMITS = {
  tokenPerAddress: 600,
  tokenPerCredential: 10,
  signInPerAddress: 200,
  signInPerEmail: 10,
  revokePerAddress: 600,
} as const

const PANE_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.xml': 'application/xml; charset=utf-8',
}

/**
 * Sign-in for the Outlook add-in (authorization code + PKCE, rotating refresh tokens) and
 * the built pane itself: both on our origin, because Office requires the dialog's first
 * page to share the pane's origin. URL parameters keep OAuth's snake_case names so any
 * OAuth-aware tool reads them; JSON bodies are camelCase like the rest of the API.
 */
export interface AddinRoutesOptions {
  /** For tests that move time: the sign-in service's clock and access token lifetime. */
  now?: () => Date
  accessTtlMs?: number
}

const addinRoutes: FastifyPluginAsyncTypebox<AddinRoutesOptions> = async (app, options) => {
  const { identity, sessions, audit } = app.services
  const auth = createAddinAuth({
    db: app.store.db,
    audit,
    publicUrl: app.config.publicUrl,
    successorKeys: loadSecretKeys(app.config.secretKey, app.config.dataDir),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.accessTtlMs === undefined ? {} : { accessTtlMs: options.accessTtlMs }),
  })
  const tags = ['add-in sign-in']

  // Plain HTML form posts; scoped to this plugin, so the JSON API still refuses them.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 8192 }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))))
  })

  const sendPage = (reply: FastifyReply, status: number, html: string): FastifyReply => reply.code(status).headers(PAGE_HEADERS).send(html)
  // Credentials are counted by digest: the limiter's store never holds a usable token or an address.
  const perCredential = app.rateLimit({
    max: ADDIN_LIMITS.tokenPerCredential,
    timeWindow: 60_000,
    keyGenerator: (request) => {
      const body = request.body as Record<string, unknown>
      const credential = body.code ?? body.refreshToken ?? body.signInToken
      return `addin-token:${hashSecret(String(credential))}`
    },
  })
  const perEmail = app.rateLimit({
    max: ADDIN_LIMITS.signInPerEmail,
    timeWindow: 60_000,
    keyGenerator: (request) => `addin-sign-in:${hashSecret(String((request.body as Record<string, unknown>).email).trim().toLowerCase())}`,
  })

  app.get('/oauth/addin/authorize', {
    schema: { tags, summary: 'The sign-in page the add-in opens in an Office dialog', querystring: AddinAuthorizeQuerySchema, response: { 400: ErrorSchema } },
  }, async (request, reply) => {
    const q = request.query
    auth.checkRequest({ clientId: q.client_id, redirectUri: q.redirect_uri, codeChallengeMethod: q.code_challenge_method })
    return sendPage(reply, 200, renderSignInPage({ request: q }))
  })

  app.post('/oauth/addin/authorize', {
    schema: { tags, summary: 'Sign-in form: on success a 303 to the add-in\'s page with a single-use code', body: AddinAuthorizeFormSchema, response: { 303: Type.Null(), 400: ErrorSchema, 429: ErrorSchema } },
    config: { rateLimit: { max: ADDIN_LIMITS.signInPerAddress, timeWindow: 60_000 } },
    preHandler: perEmail,
  }, async (request, reply) => {
    const { email, password, ...q } = request.body
    auth.checkRequest({ clientId: q.client_id, redirectUri: q.redirect_uri, codeChallengeMethod: q.code_challenge_method })
    let user: User
    try {
      // The password rules, lockout and audit of the web sign-in, not a second copy of them;
      // the web session it opens is not wanted here and is ended at once.
      const signedIn = await identity.login(email, password, request.ip)
      await sessions.delete(hashSecret(signedIn.sessionId))
      user = signedIn.user
    } catch (error) {
      if (!(error instanceof SwitchboardError) || error.statusCode >= 500) throw error
      if (error.extras.retryAfterSeconds !== undefined) void reply.header('retry-after', String(error.extras.retryAfterSeconds))
      return sendPage(reply, error.statusCode, renderSignInPage({ request: q, email, error: error.message }))
    }
    const code = await auth.createCode(user.workspaceId, user.id, { clientId: q.client_id, redirectUri: q.redirect_uri, codeChallenge: q.code_challenge })
    const target = new URL(q.redirect_uri)
    target.searchParams.set('code', code)
    target.searchParams.set('state', q.state)
    return reply.code(303).header('cache-control', 'no-store').header('location', target.href).send(null)
  })

  app.post('/oauth/addin/token', {
    schema: { tags, summary: 'Exchange a code (with its PKCE verifier) or a refresh token for new tokens', body: AddinTokenRequestSchema, response: { 200: AddinTokenSchema, 400: ErrorSchema, 429: ErrorSchema } },
    config: { rateLimit: { max: ADDIN_LIMITS.tokenPerAddress, timeWindow: 60_000 } },
    preHandler: perCredential,
  }, async (request, reply) => {
    const body = request.body
    void reply.header('cache-control', 'no-store')
    if (body.grantType === 'authorization_code') {
      return auth.exchangeCode({ clientId: body.clientId, code: body.code, codeVerifier: body.codeVerifier, redirectUri: body.redirectUri })
    }
    if (body.grantType === 'sign_in') return auth.startPane({ clientId: body.clientId, signInToken: body.signInToken })
    return auth.refresh({ clientId: body.clientId, refreshToken: body.refreshToken })
  })

  app.post('/oauth/addin/revoke', {
    schema: { tags, summary: 'Sign out: revoke the sign-in a refresh token belongs to', body: AddinRevokeSchema, response: { 204: Type.Null(), 400: ErrorSchema, 429: ErrorSchema } },
    config: { rateLimit: { max: ADDIN_LIMITS.revokePerAddress, timeWindow: 60_000 } },
  }, async (request, reply) => {
    const body = request.body
    await auth.revoke('signInToken' in body ? body.signInToken : body.refreshToken)
    return reply.code(204).send(null)
  })

  // The built pane (taskpane.html, signed-in.html, scripts, icons, manifest): a handful of
  // static files, read per request so a rebuild needs no restart.
  const root = path.resolve(app.config.outlookAddinDir)
  app.get('/outlook/*', {
    schema: { tags, summary: 'The built Outlook add-in (task pane, sign-in landing page, icons, manifest)', response: { 404: ErrorSchema } },
  }, async (request, reply) => {
    // No params schema: TypeBox reads the key `*` as a pattern. The path is checked below instead.
    const file = path.resolve(root, (request.params as { '*': string })['*'])
    const type = PANE_TYPES[path.extname(file)]
    if (type === undefined || !file.startsWith(root + path.sep) || !(await stat(file).catch(() => undefined))?.isFile()) throw new SwitchboardError('SB_NOT_FOUND')
    const content = await readFile(file)
    // Raw bytes: a response schema would have them serialised as JSON.
    return (reply as FastifyReply).headers(paneFileHeaders(file, type)).send(content)
  })
}

export default addinRoutes
