import { timingSafeEqual } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { SwitchboardError } from '../errors.js'
import { toErrorBody } from '../plugins/app/error-handler.js'
import { authOf, SESSION_COOKIE } from '../plugins/app/auth.js'
import { actorOf } from '../identity/identity-service.js'
import { csrfField, html, page, type PageInput } from './html.js'
import { csrfMatches, csrfTokenFor, newSignInSecret, SIGN_IN_COOKIE } from './csrf.js'
import crmPages from './crm-pages.js'
import adminPages from './admin-pages.js'
import campaignPages from './campaign-pages.js'
import directoryPages from './directory-pages.js'
import settingsPages from './settings-pages.js'
import setupPages, { isFirstRun } from './setup-pages.js'
import webhookPages from './webhook-pages.js'
import privacyPages from './privacy-pages.js'
import { createOidcClient, decodePending, encodePending, newPendingSignIn, PROVIDER_LABELS, type OidcClient, type ProviderName } from './oidc.js'

declare module 'fastify' {
  interface FastifyReply {
    /** Sends a whole web-app page for the signed-in caller (name, role, CSRF token in every form). */
    sendPage: (input: Omit<PageInput, 'viewer' | 'csrf'>, status?: number) => Promise<FastifyReply>
  }
  interface FastifyRequest {
    /** The CSRF token to put in this page's forms: derived from the session cookie (see csrf.ts). */
    csrfToken: () => string | undefined
  }
}

// Our pages only: no framing (clickjacking), scripts and fetches from our origin alone, forms post only to us.
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'content-security-policy': "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
} as const

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** Browsers ask for HTML on navigations and form posts; API clients and tests without the header get the JSON error body. */
function wantsHtml (request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/html')
}

/** Only our own paths: `next` must never send a signed-in person to another site. */
function safeNext (next: string | undefined): string {
  return next !== undefined && /^\/app(\/[\w\-/?=&%.]*)?$/.test(next) && !next.startsWith('//') ? next : '/app/contacts'
}

const SignInQuerySchema = Type.Object({ next: Type.Optional(Type.String({ maxLength: 500 })) })
const ProviderParamsSchema = Type.Object({ provider: Type.Union([Type.Literal('google'), Type.Literal('microsoft')]) })
const CallbackQuerySchema = Type.Object({
  code: Type.Optional(Type.String({ maxLength: 4096 })),
  state: Type.Optional(Type.String({ maxLength: 200 })),
  error: Type.Optional(Type.String({ maxLength: 200 })),
  // Providers add their own parameters (scope, authuser, session_state…); they are ignored.
}, { additionalProperties: true })

/** Holds state, nonce, PKCE verifier and the page to return to between the redirect and the callback. */
const OIDC_COOKIE = 'sb_oidc'
const SignInBodySchema = Type.Object({
  email: Type.String({ maxLength: 254 }),
  password: Type.String({ maxLength: 1024 }),
  next: Type.Optional(Type.String({ maxLength: 500 })),
  _csrf: Type.Optional(Type.String({ maxLength: 200 })),
})

/**
 * The web app: server-rendered pages under /app that work without JavaScript (one small
 * script makes campaign counters live). Pages call the same services as the API and
 * declare the same `config.access` rules, so the auth hook checks workspace, role and
 * scope before a handler runs. Every POST carries a per-session CSRF token, on top of
 * the auth hook's same-origin check and the SameSite cookie.
 */
const webRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { identity, users } = app.services
  const secureCookie = app.config.publicUrl.startsWith('https:')

  // Plain HTML form posts; scoped to this plugin, so the JSON API still refuses them.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))))
  })

  app.decorateRequest('csrfToken', function (this: FastifyRequest) {
    const sessionId = this.cookies[SESSION_COOKIE]
    return this.auth?.via === 'session' && sessionId !== undefined ? csrfTokenFor(sessionId, 'session') : undefined
  })
  app.decorateReply('sendPage', async function (this: FastifyReply, input: Omit<PageInput, 'viewer' | 'csrf'>, status = 200) {
    const request = this.request
    const auth = request.auth
    const user = auth === null ? undefined : await users.get(auth.workspaceId, auth.userId)
    const viewer = user === undefined ? undefined : { displayName: user.displayName, email: user.email, role: user.role }
    return this.code(status).headers(PAGE_HEADERS).send(page({ ...input, ...(viewer === undefined ? {} : { viewer }), csrf: request.csrfToken() }))
  })

  // Checked before validation, so a forged post learns nothing about the form's fields.
  app.addHook('preValidation', async (request) => {
    if (SAFE_METHODS.has(request.method)) return
    const submitted = (request.body as Record<string, unknown> | undefined)?.['_csrf']
    // Forms shown before any session (sign-in, first-run setup) are bound to the pre-session cookie.
    if (request.routeOptions.url === '/app/sign-in' || request.routeOptions.url === '/app/setup') {
      if (!csrfMatches(request.cookies[SIGN_IN_COOKIE], 'sign-in', submitted)) throw new SwitchboardError('SB_WEB_CSRF_INVALID', '_csrf')
      return
    }
    // Bearer tokens are not sent by browsers on their own, so only cookie sessions need the token.
    if (request.auth?.via === 'session' && !csrfMatches(request.cookies[SESSION_COOKIE], 'session', submitted)) {
      throw new SwitchboardError('SB_WEB_CSRF_INVALID', '_csrf')
    }
  })

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    // API clients get the registry's JSON body from the app's handler.
    if (!wantsHtml(request)) throw error
    const { status, body } = toErrorBody(error)
    if (status === 401) {
      void reply.clearCookie(SESSION_COOKIE, { path: '/' })
      const next = request.method === 'GET' ? `?next=${encodeURIComponent(request.url)}` : ''
      return reply.code(303).header('location', `/app/sign-in${next}`).send(null)
    }
    if (status >= 500) request.log.error({ route: request.routeOptions.url, code: body.code, status }, 'page failed')
    if (error instanceof SwitchboardError && error.extras.retryAfterSeconds !== undefined) void reply.header('retry-after', String(error.extras.retryAfterSeconds))
    const field = body.field === undefined ? html`` : html`<p>Field: <code>${body.field}</code>${body.detail === undefined ? '' : ` ${body.detail}`}</p>`
    return reply.sendPage({
      title: status === 404 ? 'Not found' : 'That did not work',
      body: html`<div role="alert"><p class="error">${body.message}</p>${field}<p class="muted">Code: <code>${body.code}</code></p></div>
        <p><a href="/app/contacts">Back to Switchboard</a></p>`,
    }, status)
  })

  app.get('/app', { schema: { hide: true } }, async (_request, reply) => reply.code(303).header('location', '/app/contacts').send(null))

  app.get('/app/sign-in', { schema: { hide: true, querystring: SignInQuerySchema } }, async (request, reply) => {
    // Reused while present, so two sign-in tabs do not invalidate each other's form.
    const existing = request.cookies[SIGN_IN_COOKIE]
    const secret = existing !== undefined && /^[\w-]{43}$/.test(existing) ? existing : newSignInSecret()
    void reply.setCookie(SIGN_IN_COOKIE, secret, { path: '/app', httpOnly: true, sameSite: 'lax', secure: secureCookie })
    const setup = await isFirstRun(request) ? html`<p class="notice" role="status">No workspace exists yet: <a href="/app/setup">create the first one</a>.</p>` : html``
    return reply.sendPage({ title: 'Sign in', body: html`${setup}${signInForm(csrfTokenFor(secret, 'sign-in'), safeNext(request.query.next), '', undefined, Object.keys(providers) as ProviderName[])}` })
  })

  app.post('/app/sign-in', {
    schema: { hide: true, body: SignInBodySchema },
    config: { rateLimit: { max: 20, timeWindow: 60_000 } },
  }, async (request, reply) => {
    const { email, password } = request.body
    const next = safeNext(request.body.next)
    try {
      // The API's sign-in: password rules, lockout, login activity in the audit log.
      const { sessionId, expiresAt } = await identity.login(email, password, request.ip)
      void reply.setCookie(SESSION_COOKIE, sessionId, { path: '/', httpOnly: true, sameSite: 'lax', secure: secureCookie, expires: new Date(expiresAt) })
      void reply.clearCookie(SIGN_IN_COOKIE, { path: '/app' })
      return await reply.code(303).header('location', next).send(null)
    } catch (error) {
      if (!(error instanceof SwitchboardError) || error.statusCode >= 500 || !wantsHtml(request)) throw error
      if (error.extras.retryAfterSeconds !== undefined) void reply.header('retry-after', String(error.extras.retryAfterSeconds))
      const secret = request.cookies[SIGN_IN_COOKIE] ?? ''
      return reply.sendPage({ title: 'Sign in', body: signInForm(csrfTokenFor(secret, 'sign-in'), next, email, error.message, Object.keys(providers) as ProviderName[]) }, error.statusCode)
    }
  })

  const { google, microsoft } = app.config.webSignIn
  const providers: Partial<Record<ProviderName, OidcClient>> = {
    ...(google === undefined ? {} : { google: createOidcClient('google', google) }),
    ...(microsoft === undefined ? {} : { microsoft: createOidcClient('microsoft', microsoft) }),
  }
  const redirectUri = (provider: ProviderName): string => `${app.config.publicUrl}/app/sign-in/${provider}/callback`

  app.get('/app/sign-in/:provider', {
    schema: { hide: true, params: ProviderParamsSchema, querystring: SignInQuerySchema },
    config: { rateLimit: { max: 20, timeWindow: 60_000 } },
  }, async (request, reply) => {
    const client = providers[request.params.provider]
    if (client === undefined) throw new SwitchboardError('SB_NOT_FOUND')
    const pending = newPendingSignIn(client.name, safeNext(request.query.next))
    const target = await client.authorizationUrl(pending, redirectUri(client.name))
    // SameSite=Lax: the provider's redirect back is a top-level GET, which Lax cookies ride on.
    void reply.setCookie(OIDC_COOKIE, encodePending(pending), { path: '/app/sign-in', httpOnly: true, sameSite: 'lax', secure: secureCookie, maxAge: 600 })
    return reply.code(303).header('location', target).header('cache-control', 'no-store').send(null)
  })

  app.get('/app/sign-in/:provider/callback', {
    schema: { hide: true, params: ProviderParamsSchema, querystring: CallbackQuerySchema },
    config: { rateLimit: { max: 20, timeWindow: 60_000 } },
  }, async (request, reply) => {
    const client = providers[request.params.provider]
    if (client === undefined) throw new SwitchboardError('SB_NOT_FOUND')
    const pending = decodePending(request.cookies[OIDC_COOKIE])
    // One attempt per redirect: the cookie goes whatever happens next.
    void reply.clearCookie(OIDC_COOKIE, { path: '/app/sign-in' })
    const { code, state } = request.query
    if (pending === undefined || pending.provider !== client.name || state === undefined || code === undefined ||
      !csrfSafeEqual(state, pending.state)) throw new SwitchboardError('SB_WEB_OIDC_FAILED', 'state')
    const { email, google } = await client.verifiedEmail(code, pending, redirectUri(client.name))
    const { sessionId, expiresAt } = await identity.loginVerifiedEmail(email, client.name, request.ip, google)
    void reply.setCookie(SESSION_COOKIE, sessionId, { path: '/', httpOnly: true, sameSite: 'lax', secure: secureCookie, expires: new Date(expiresAt) })
    return reply.code(303).header('location', safeNext(pending.next)).header('cache-control', 'no-store').send(null)
  })

  app.post('/app/sign-out', {
    schema: { hide: true },
    config: { access: { scope: 'crm:read' } },
  }, async (request, reply) => {
    const auth = authOf(request)
    const sessionId = request.cookies[SESSION_COOKIE]
    if (auth.via === 'session' && sessionId !== undefined) await identity.logout(auth.workspaceId, sessionId, actorOf(auth, request.ip))
    void reply.clearCookie(SESSION_COOKIE, { path: '/' })
    return reply.code(303).header('location', '/app/sign-in').send(null)
  })

  // The one script: read once, served with a long-lived validator; it holds no secrets.
  let liveScript: Promise<string> | undefined
  app.get('/app/assets/live.js', { schema: { hide: true } }, async (_request, reply) => {
    liveScript ??= compileClientScript(new URL('./client/live.ts', import.meta.url))
    return reply.headers({ 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=300', 'x-content-type-options': 'nosniff' }).send(await liveScript)
  })

  await app.register(crmPages)
  await app.register(adminPages)
  await app.register(campaignPages)
  await app.register(directoryPages)
  await app.register(settingsPages)
  await app.register(setupPages)
  await app.register(webhookPages)
  await app.register(privacyPages)
}

/**
 * The browser script is TypeScript beside the pages; esbuild (the build's bundler, which
 * tsx also runs on) strips its types on first request, so nobody builds anything by hand.
 */
async function compileClientScript (file: URL): Promise<string> {
  const { transform } = await import('esbuild')
  const source = await readFile(file, 'utf8')
  const result = await transform(source, { loader: 'ts', format: 'iife', target: 'es2020', minify: false })
  return result.code
}

function csrfSafeEqual (a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

function signInForm (csrf: string, next: string, email: string, error: string | undefined, providers: ProviderName[]) {
  const others = providers.map((p) => html`<p><a class="provider" href="/app/sign-in/${p}?next=${encodeURIComponent(next)}">Sign in with ${PROVIDER_LABELS[p]}</a></p>`)
  return html`${error === undefined ? '' : html`<p class="error" role="alert" id="sign-in-error">${error}</p>`}
<form method="post" action="/app/sign-in">
  ${csrfField(csrf)}
  <input type="hidden" name="next" value="${next}">
  <label for="email">Work email</label>
  <input id="email" name="email" type="email" autocomplete="username" required value="${email}">
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <p><button type="submit">Sign in</button></p>
</form>
${others}
<p class="muted">New workspace? <code>npm run cli -- workspace create</code> prints the owner's password.</p>`
}

export default webRoutes
