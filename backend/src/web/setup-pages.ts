import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { SwitchboardError } from '../errors.js'
import { SESSION_COOKIE } from '../plugins/app/auth.js'
import { csrfField, html } from './html.js'
import { csrfTokenFor, newSignInSecret, SIGN_IN_COOKIE } from './csrf.js'
import { CsrfField, seeOther } from './page-helpers.js'

const SetupSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  ownerName: Type.String({ minLength: 1, maxLength: 200 }),
  ownerEmail: Type.String({ minLength: 3, maxLength: 254 }),
  password: Type.String({ minLength: 1, maxLength: 200 }),
  ...CsrfField,
})

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1'])

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

/**
 * True while no workspace exists, on a server whose PUBLIC_URL is this machine, for a
 * request from the machine itself that no proxy forwarded: a reverse proxy on the same
 * host would otherwise make every visitor look local.
 */
export async function isFirstRun (request: FastifyRequest): Promise<boolean> {
  const local = LOCAL_HOSTS.has(new URL(request.server.config.publicUrl).hostname) && LOOPBACK.has(request.ip) &&
    request.headers['x-forwarded-for'] === undefined && request.headers.forwarded === undefined
  return local && (await request.server.services.workspaces.listAll()).length === 0
}

/**
 * First run from the browser: while the store holds no workspace, someone at the machine
 * itself (a loopback address) may create the first workspace and its owner, and is signed
 * in. Anywhere else, or once a workspace exists, this is a 404 and the CLI is the way: a
 * freshly deployed server must not be claimable by whoever finds it first.
 */
const setupPages: FastifyPluginAsyncTypebox = async (app) => {
  const { onboarding, identity } = app.services
  const secureCookie = app.config.publicUrl.startsWith('https:')

  async function assertFirstRun (request: FastifyRequest): Promise<void> {
    if (!await isFirstRun(request)) throw new SwitchboardError('SB_NOT_FOUND')
  }

  app.get('/app/setup', { schema: { hide: true } }, async (request, reply) => {
    await assertFirstRun(request)
    const existing = request.cookies[SIGN_IN_COOKIE]
    const secret = existing !== undefined && /^[\w-]{43}$/.test(existing) ? existing : newSignInSecret()
    // The same pre-session CSRF binding as the sign-in form.
    void reply.setCookie(SIGN_IN_COOKIE, secret, { path: '/app', httpOnly: true, sameSite: 'lax', secure: secureCookie })
    return reply.sendPage({
      title: 'Create your workspace',
      body: html`<p>No workspace exists yet. Create the first one; you become its owner and are signed in.</p>
<form method="post" action="/app/setup">${csrfField(csrfTokenFor(secret, 'sign-in'))}
  <label for="setup-name">Workspace name (your company)</label><input id="setup-name" name="name" required maxlength="200">
  <label for="setup-owner">Your name</label><input id="setup-owner" name="ownerName" required maxlength="200" autocomplete="name">
  <label for="setup-email">Your work email</label><input id="setup-email" name="ownerEmail" type="email" required autocomplete="username">
  <label for="setup-password">Password (at least 10 characters)</label><input id="setup-password" name="password" type="password" required minlength="10" autocomplete="new-password">
  <p><button type="submit">Create workspace</button></p>
</form>`,
    })
  })

  app.post('/app/setup', {
    schema: { hide: true, body: SetupSchema },
    config: { rateLimit: { max: 10, timeWindow: 60_000 } },
  }, async (request, reply) => {
    await assertFirstRun(request)
    const { name, ownerName, ownerEmail, password } = request.body
    await onboarding.createWorkspace({ name: name.trim(), ownerName: ownerName.trim(), ownerEmail: ownerEmail.trim(), ownerPassword: password })
    // Signed in the ordinary way, so the login is recorded like any other.
    const { sessionId, expiresAt } = await identity.login(ownerEmail.trim(), password, request.ip)
    void reply.setCookie(SESSION_COOKIE, sessionId, { path: '/', httpOnly: true, sameSite: 'lax', secure: secureCookie, expires: new Date(expiresAt) })
    void reply.clearCookie(SIGN_IN_COOKIE, { path: '/app' })
    // Next step for a new workspace: connect WhatsApp.
    return seeOther(reply, '/app/whatsapp')
  })
}

export default setupPages
